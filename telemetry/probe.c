/* Reading the node: one small bounded read per file, then a parser that
 * accepts only the form the kernel, initd, configpull or tor writes. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lethe_exit.h"
#include "lethe_paths.h"
#include "probe.h"

ssize_t probe_read(const char *path, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return -1;
	while (n < cap - 1) {
		r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = 0;
	return (ssize_t)n;
}

int probe_status(const char *path, struct status *st, char *why, size_t whylen)
{
	char buf[LETHE_STATUS_MAX + 2];
	ssize_t n = probe_read(path, buf, sizeof buf);

	if (n < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return 0;
	}
	return status_parse(buf, (size_t)n, st, why, whylen) == 0 ? 1 : -1;
}

int probe_version_chars(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > PROBE_VERSION_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      strchr("._+~-", s[i])))
			return 0;
	return 1;
}

/* The value of the first KEY= line of TEXT, if it is empty or a version
 * (probe_version_chars): 1 copied to OUT, 0 no such line, -1 malformed. */
static int probe_kv_version(const char *text, const char *key, char out[PROBE_VERSION_MAX + 1])
{
	size_t klen = strlen(key), n;
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			n = len - klen - 1;
			if (n && !probe_version_chars(p + klen + 1, n))
				return -1;
			memcpy(out, p + klen + 1, n);
			out[n] = 0;
			return 1;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return 0;
}

/* LETHE_EPOCH of the release file: its first LETHE_EPOCH= line, decimal
 * without sign or leading zero (initd/release.c's form), 1 ... 2^53 (the
 * report's bound); 0 when absent or outside that: unknown, which a
 * rollout treats as "not the wanted epoch". */
long long probe_parse_epoch(const char *release)
{
	static const char key[] = "LETHE_EPOCH=";
	const char *p = release;
	long long v = 0;
	size_t n, i;

	while (*p) {
		const char *nl = strchr(p, '\n');

		n = nl ? (size_t)(nl - p) : strlen(p);
		if (n > sizeof key - 1 && strncmp(p, key, sizeof key - 1) == 0) {
			p += sizeof key - 1;
			n -= sizeof key - 1;
			if (n > 16 || p[0] == '0')
				return 0;
			for (i = 0; i < n; i++) {
				if (p[i] < '0' || p[i] > '9')
					return 0;
				v = v * 10 + (p[i] - '0');
			}
			return v <= TELEMETRY_INT_MAX ? v : 0;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return 0;
}

/* /proc/sys/kernel/random/boot_id: 8-4-4-4-12 lowercase hex. */
static int probe_boot_id(const char *s, char out[37])
{
	size_t i;

	for (i = 0; i < 36; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-'
							   : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	if (s[36] != '\n' && s[36] != 0)
		return 0;
	memcpy(out, s, 36);
	out[36] = 0;
	return 1;
}

/* A decimal of at most 16 digits at *P, past leading blanks; *P after it. */
static int probe_num(const char **p, long long *out)
{
	const char *s = *p;
	long long v = 0;
	int d = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (++d > 15)
			return 0;
		v = v * 10 + (*s - '0');
	}
	if (!d)
		return 0;
	*out = v;
	*p = s;
	return 1;
}

int probe_parse_meminfo(const char *text, struct probe *p)
{
	static const char *const keys[] = { "MemTotal:", "MemAvailable:", "SwapTotal:", "SwapFree:" };
	long long *vals[] = { &p->mem_total_kib, &p->mem_available_kib, &p->swap_total_kib, &p->swap_free_kib };
	const char *s = text;
	unsigned got = 0;
	size_t k;

	while (*s) {
		for (k = 0; k < 4; k++)
			if (strncmp(s, keys[k], strlen(keys[k])) == 0) {
				const char *q = s + strlen(keys[k]);

				if (probe_num(&q, vals[k]) && strncmp(q, " kB\n", 4) == 0)
					got |= 1u << k;
			}
		s = strchr(s, '\n');
		if (!s)
			break;
		s++;
	}
	return got == 15;
}

/* "avg10=N.NN" of the line starting with WHAT. */
static int probe_avg10(const char *text, const char *what, double *out)
{
	const char *s = text;
	char *end;
	double v;

	while (s && *s) {
		if (strncmp(s, what, strlen(what)) == 0 && strncmp(s + strlen(what), " avg10=", 7) == 0) {
			const char *q = s + strlen(what) + 7;

			if (*q < '0' || *q > '9')
				return 0;
			v = strtod(q, &end);
			if (end == q || (*end != ' ' && *end != '\n' && *end) || !isfinite(v) || v < 0 || v > 100)
				return 0;
			*out = v;
			return 1;
		}
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	return 0;
}

int probe_parse_psi(const char *text, double *some, double *full)
{
	return probe_avg10(text, "some", some) && probe_avg10(text, "full", full);
}

long long probe_parse_vmrss(const char *text)
{
	const char *s = strstr(text, "\nVmRSS:");
	long long v;

	if (!s)
		return 0;
	s += 7;
	return probe_num(&s, &v) && strncmp(s, " kB", 3) == 0 ? v : 0;
}

/* tor's DataDirectory/fingerprint: "NICKNAME FINGERPRINT\n", 40 hex. */
int probe_parse_fingerprint(const char *text, char out[41])
{
	const char *sp = strchr(text, ' ');
	size_t i;

	out[0] = 0;
	if (!sp)
		return 0;
	sp++;
	for (i = 0; i < 40; i++)
		if (!((sp[i] >= '0' && sp[i] <= '9') || (sp[i] >= 'A' && sp[i] <= 'F') || (sp[i] >= 'a' && sp[i] <= 'f')))
			return 0;
	if (sp[40] != '\n' && sp[40] != 0)
		return 0;
	memcpy(out, sp, 40);
	out[40] = 0;
	return 1;
}

void probe_attestation(const char *conf_dir, char out[16])
{
	static const char *const words[] = { "attested", "refused", "off" };
	char path[PATH_MAX], buf[32];
	ssize_t n;
	size_t k;

	strcpy(out, "unknown");
	if (snprintf(path, sizeof path, "%s/%s", conf_dir, LETHE_ATTESTATION_NAME) >= (int)sizeof path)
		return;
	n = probe_read(path, buf, sizeof buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = 0;
	for (k = 0; n > 0 && k < sizeof words / sizeof words[0]; k++)
		if (strcmp(buf, words[k]) == 0)
			strcpy(out, words[k]);
}

/* The ETag configpull stored: printable, without blanks, at most 128. */
static void probe_etag(const char *conf_dir, char out[PROBE_ETAG_MAX + 1])
{
	char path[PATH_MAX], buf[PROBE_ETAG_MAX + 3];
	ssize_t n, i;

	out[0] = 0;
	if (snprintf(path, sizeof path, "%s/%s", conf_dir, LETHE_ETAG_NAME) >= (int)sizeof path)
		return;
	n = probe_read(path, buf, sizeof buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = 0;
	if (n <= 0 || n > PROBE_ETAG_MAX)
		return;
	for (i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x21 || (unsigned char)buf[i] > 0x7e)
			return;
	memcpy(out, buf, (size_t)n + 1);
}

static void probe_zram(const char *sys, struct probe *p)
{
	char path[PATH_MAX], buf[256];
	const char *s = buf;
	long long v;

	p->zram_disksize = p->zram_orig = p->zram_compr = 0;
	snprintf(path, sizeof path, "%s/block/zram0/disksize", sys);
	if (probe_read(path, buf, sizeof buf) > 0 && probe_num(&s, &v) && v <= TELEMETRY_INT_MAX)
		p->zram_disksize = v;
	/* mm_stat: orig_data_size compr_data_size mem_used_total ... */
	snprintf(path, sizeof path, "%s/block/zram0/mm_stat", sys);
	s = buf;
	if (probe_read(path, buf, sizeof buf) > 0 && probe_num(&s, &v)) {
		p->zram_orig = v;
		if (probe_num(&s, &v))
			p->zram_compr = v;
	}
}

void probe_node(const struct probe_paths *pp, const struct status *st, struct probe *p)
{
	char path[PATH_MAX], buf[4096];
	const char *s;
	size_t i;

	memset(p, 0, sizeof *p);
	snprintf(path, sizeof path, "%s/sys/kernel/random/boot_id", pp->proc);
	p->have_boot_id = probe_read(path, buf, sizeof buf) >= 36 && probe_boot_id(buf, p->boot_id);
	snprintf(path, sizeof path, "%s/uptime", pp->proc);
	s = buf;
	p->have_uptime = probe_read(path, buf, sizeof buf) > 0 && probe_num(&s, &p->uptime_s);
	p->have_image = probe_read(pp->release, buf, sizeof buf) > 0 &&
			probe_kv_version(buf, "LETHE_VERSION", p->image) == 1 && p->image[0];
	p->epoch = p->have_image ? probe_parse_epoch(buf) : 0;
	/* node.conf present: its hint, or "" for none */
	snprintf(path, sizeof path, "%s/node.conf", pp->conf_dir);
	if (probe_read(path, buf, sizeof buf) >= 0) {
		int r = probe_kv_version(buf, "image_version", p->image_wanted);

		p->have_wanted = r >= 0;
		if (r == 0)
			p->image_wanted[0] = 0;
	}
	probe_attestation(pp->conf_dir, p->attestation);
	/* refused before any document was in place: configpull had no
	 * directory to say so in, initd's status has its exit code */
	if (st->pull_exit == CP_EXIT_UNATTESTED)
		strcpy(p->attestation, "refused");
	probe_etag(pp->conf_dir, p->etag);
	snprintf(path, sizeof path, "%s/meminfo", pp->proc);
	p->have_mem = probe_read(path, buf, sizeof buf) > 0 && probe_parse_meminfo(buf, p);
	snprintf(path, sizeof path, "%s/pressure/memory", pp->proc);
	p->have_psi = probe_read(path, buf, sizeof buf) > 0 && probe_parse_psi(buf, &p->psi_some_avg10, &p->psi_full_avg10);
	probe_zram(pp->sys, p);
	for (i = 0; i < st->instances && i < LETHE_INSTANCES_MAX; i++) {
		const struct status_inst *in = &st->inst[i];

		snprintf(path, sizeof path, "%s/%s/fingerprint", pp->data_dir, in->name);
		if (probe_read(path, buf, sizeof buf) > 0)
			probe_parse_fingerprint(buf, p->fingerprint[i]);
		if (in->pid > 0 && strcmp(in->state, "up") == 0) {
			snprintf(path, sizeof path, "%s/%lld/status", pp->proc, in->pid);
			if (probe_read(path, buf, sizeof buf) > 0)
				p->rss_kib[i] = probe_parse_vmrss(buf);
		}
	}
}

long long probe_self_rss_kib(void)
{
	char buf[4096];

	return probe_read("/proc/self/status", buf, sizeof buf) > 0 ? probe_parse_vmrss(buf) : 0;
}
