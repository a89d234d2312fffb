#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
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

/* proc_sys/a/b/c for "a.b.c" into path (SYSCTL_KEY_MAX + 64 bytes). */
static int sysctl_path(char const *proc_sys, char const *key, char *path)
{
	size_t i, n = (size_t)snprintf(path, SYSCTL_KEY_MAX + 64, "%s/", proc_sys);

	if (n + strlen(key) >= SYSCTL_KEY_MAX + 64)
		return -ENAMETOOLONG;
	for (i = 0; key[i]; i++)
		path[n + i] = key[i] == '.' ? '/' : key[i];
	path[n + i] = '\0';
	return 0;
}

static int sysctl_write(char const *proc_sys, struct sysctl_kv const *kv)
{
	char path[SYSCTL_KEY_MAX + 64];
	size_t vlen = strlen(kv->value);
	int fd, r = sysctl_path(proc_sys, kv->key, path);

	if (r < 0)
		return r;
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

int sysctl_apply_file(char const *proc_sys, char const *path)
{
	static char buf[SYSCTL_FILE_BYTES];
	size_t len, line = 0, b = 0;
	long n = file_read(path, buf, sizeof buf);
	int failed = 0;

	if (n < 0) {
		if (n == -EFBIG)
			log_warn("unable to read %s: larger than %u bytes", path, SYSCTL_FILE_BYTES);
		else
			log_warn("unable to read %s: %s", path, strerror((int)-n));
		return -1;
	}
	len = (size_t)n;
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
		w = sysctl_write(proc_sys, &kv);
		if (w < 0) {
			log_warn("unable to set %s: %s (%s line %zu)", kv.key, strerror(-w), path, line);
			failed++;
		}
	}
	return failed;
}

/* The kernel's value of key, whitespace runs as one space, trimmed (it
 * prints tcp_rmem with tabs), into out (SYSCTL_VALUE_MAX + 1 bytes). */
static int sysctl_read(char const *proc_sys, char const *key, char *out)
{
	char path[SYSCTL_KEY_MAX + 64], buf[SYSCTL_VALUE_MAX + 1];
	ssize_t n;
	size_t i, o = 0;
	int fd, r = sysctl_path(proc_sys, key, path);

	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof buf - 1);
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	for (i = 0; i < (size_t)n; i++) {
		int sp = buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n';

		if (!sp)
			out[o++] = buf[i];
		else if (o && out[o - 1] != ' ')
			out[o++] = ' ';
	}
	if (o && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return 0;
}

/* Writes value to key, then reads the kernel's value back: 0 when it
 * reads what was written (the allowlist's values have one spelling). */
static int sysctl_set_checked(char const *proc_sys, char const *key, char const *value,
	char const *why)
{
	struct sysctl_kv kv;
	char back[SYSCTL_VALUE_MAX + 1];
	int r;

	snprintf(kv.key, sizeof kv.key, "%s", key);
	snprintf(kv.value, sizeof kv.value, "%s", value);
	r = sysctl_write(proc_sys, &kv);
	if (r == 0)
		r = sysctl_read(proc_sys, key, back);
	if (r < 0) {
		log_warn("sysctl: unable to set %s = %s (%s): %s", key, value, why, strerror(-r));
		return -1;
	}
	if (strcmp(back, value) != 0) {
		log_warn("sysctl: %s = %s (%s): the kernel reads back %s", key, value, why, back);
		return -1;
	}
	log_info("sysctl: %s = %s (%s)", key, back, why);
	return 0;
}

int sysctl_apply_node(char const *proc_sys, struct nodeconf_sysctl const *sys, size_t n,
	struct sysctl_node *st)
{
	char cur[SYSCTL_VALUE_MAX + 1];
	size_t i, k;
	int failed = 0;

	/* dropped from the document: back to what it was before */
	for (k = 0; k < st->n; ) {
		for (i = 0; i < n && strcmp(sys[i].name, st->saved[k].name) != 0; i++)
			;
		if (i < n) {
			k++;
			continue;
		}
		failed += sysctl_set_checked(proc_sys, st->saved[k].name, st->saved[k].orig,
			"no longer in the node document") < 0;
		st->saved[k] = st->saved[--st->n];
	}
	for (i = 0; i < n && i < LETHE_SYSCTLS_MAX; i++) {
		struct lethe_sysctl_rule const *r = lethe_sysctl_rule(sys[i].name);
		int rd;

		/* node.conf was checked when parsed; checked again where it
		 * reaches the kernel */
		if (!r || lethe_sysctl_value_check(r, sys[i].value)) {
			log_warn("sysctl: %s refused: not on the allowlist or a value it refuses",
				sys[i].name);
			failed++;
			continue;
		}
		rd = sysctl_read(proc_sys, sys[i].name, cur);
		if (rd < 0) {
			log_warn("sysctl: unable to read %s: %s", sys[i].name, strerror(-rd));
			failed++;
			continue;
		}
		if (strcmp(cur, sys[i].value) == 0)
			continue;
		for (k = 0; k < st->n && strcmp(st->saved[k].name, sys[i].name) != 0; k++)
			;
		if (k == st->n) {
			snprintf(st->saved[k].name, sizeof st->saved[k].name, "%s", sys[i].name);
			snprintf(st->saved[k].orig, sizeof st->saved[k].orig, "%s", cur);
			st->n++;
		}
		failed += sysctl_set_checked(proc_sys, sys[i].name, sys[i].value,
			"node document") < 0;
	}
	return failed;
}
