#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sysctl.h"

static int sysctl_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

static int sysctl_key_ok(char const *k, size_t len)
{
	size_t i, comp = 0;

	/* a leading '-' is systemd's "ignore failures", which we refuse */
	if (len == 0 || len > SYSCTL_KEY_MAX || k[0] == '-')
		return 0;
	for (i = 0; i < len; i++) {
		char ch = k[i];

		if (ch == '.') {
			if (comp == 0)
				return 0;
			comp = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ||
		      ch == '-'))
			return 0;
		comp++;
	}
	return comp > 0;
}

int sysctl_parse_line(char const *line, size_t len, struct sysctl_kv *kv, char const **why)
{
	size_t b = 0, e = len, ke, vb, i;
	char const *eq;

	while (b < e && sysctl_space(line[b]))
		b++;
	while (e > b && sysctl_space(line[e - 1]))
		e--;
	if (b == e || line[b] == '#' || line[b] == ';')
		return 0;
	for (i = b; i < e; i++)
		if ((unsigned char)line[i] < 0x20 && line[i] != '\t') {
			*why = "control byte";
			return -1;
		} else if ((unsigned char)line[i] >= 0x7f) {
			*why = "non-ASCII byte";
			return -1;
		}
	eq = memchr(line + b, '=', e - b);
	if (!eq) {
		*why = "no '='";
		return -1;
	}
	ke = (size_t)(eq - line);
	while (ke > b && sysctl_space(line[ke - 1]))
		ke--;
	vb = (size_t)(eq - line) + 1;
	while (vb < e && sysctl_space(line[vb]))
		vb++;
	if (!sysctl_key_ok(line + b, ke - b)) {
		*why = "bad key";
		return -1;
	}
	if (e - vb > SYSCTL_VALUE_MAX) {
		*why = "value too long";
		return -1;
	}
	memcpy(kv->key, line + b, ke - b);
	kv->key[ke - b] = '\0';
	memcpy(kv->value, line + vb, e - vb);
	kv->value[e - vb] = '\0';
	return 1;
}

/* Prefixes the node configuration may tune ("x." covers a subtree). */
static char const *const sysctl_allow[] = {
	"net.core.", "net.ipv4.", "net.ipv6.", "net.netfilter.",
	"vm.swappiness", "vm.min_free_kbytes", "vm.vfs_cache_pressure",
	"vm.overcommit_memory", "vm.overcommit_ratio", "vm.page-cluster",
	"vm.watermark_scale_factor", "vm.max_map_count",
	"fs.file-max", "fs.nr_open",
	"kernel.pid_max", "kernel.threads-max", "kernel.sched_autogroup_enabled",
};

/* Inside the allowed subtrees, still refused: they would undo the
 * baseline's hardening or reach outside the network stack. */
static char const *const sysctl_deny[] = {
	"net.core.bpf_jit_enable", "net.core.bpf_jit_harden", "net.core.bpf_jit_kallsyms",
};

static int sysctl_match(char const *key, char const *pat)
{
	size_t n = strlen(pat);

	if (pat[n - 1] == '.')
		return strncmp(key, pat, n) == 0;
	return strcmp(key, pat) == 0;
}

int sysctl_allowed(char const *key)
{
	size_t i;

	if (!sysctl_key_ok(key, strlen(key)))
		return 0;
	for (i = 0; i < sizeof sysctl_deny / sizeof sysctl_deny[0]; i++)
		if (sysctl_match(key, sysctl_deny[i]))
			return 0;
	for (i = 0; i < sizeof sysctl_allow / sizeof sysctl_allow[0]; i++)
		if (sysctl_match(key, sysctl_allow[i]))
			return 1;
	return 0;
}

static int sysctl_write(char const *proc_sys, struct sysctl_kv const *kv)
{
	char path[SYSCTL_KEY_MAX + 64];
	size_t i, n, vlen = strlen(kv->value);
	int fd, r = 0;

	n = (size_t)snprintf(path, sizeof path, "%s/", proc_sys);
	if (n + strlen(kv->key) >= sizeof path)
		return -ENAMETOOLONG;
	for (i = 0; kv->key[i]; i++)
		path[n + i] = kv->key[i] == '.' ? '/' : kv->key[i];
	path[n + i] = '\0';
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return -errno;
	/* one write: the kernel parses a sysctl value in a single call */
	errno = 0;
	if (write(fd, kv->value, vlen) != (ssize_t)vlen)
		r = errno ? -errno : -EIO;
	close(fd);
	return r;
}

int sysctl_apply_file(char const *proc_sys, char const *path, int allowlist)
{
	static char buf[SYSCTL_FILE_BYTES + 1];
	size_t len = 0, line = 0, b = 0;
	int fd, failed = 0;
	ssize_t r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		log_warn("unable to open %s: %s", path, strerror(errno));
		return -1;
	}
	while (len <= SYSCTL_FILE_BYTES &&
	       (r = read(fd, buf + len, SYSCTL_FILE_BYTES + 1 - len)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			log_warn("unable to read %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		len += (size_t)r;
	}
	close(fd);
	if (len > SYSCTL_FILE_BYTES) {
		log_warn("unable to read %s: larger than %u bytes", path, SYSCTL_FILE_BYTES);
		return -1;
	}
	while (b < len) {
		char const *nl = memchr(buf + b, '\n', len - b);
		size_t e = nl ? (size_t)(nl - buf) : len;
		struct sysctl_kv kv;
		char const *why = NULL;
		int p, w;

		line++;
		p = sysctl_parse_line(buf + b, e - b, &kv, &why);
		b = e + 1;
		if (p == 0)
			continue;
		if (p < 0) {
			log_warn("%s: line %zu: %s", path, line, why);
			failed++;
			continue;
		}
		if (allowlist && !sysctl_allowed(kv.key)) {
			log_warn("%s: line %zu: %s is not on the sysctl allowlist", path, line, kv.key);
			failed++;
			continue;
		}
		w = sysctl_write(proc_sys, &kv);
		if (w < 0) {
			log_warn("unable to set %s: %s (%s line %zu)", kv.key, strerror(-w), path, line);
			failed++;
		}
	}
	return failed;
}
