/* The sysctl allowlist: each name with its value shape and bounds. */
#include <stdio.h>
#include <string.h>

#include "sysctl.h"

struct sysctl_rule {
	const char *name;
	int nint;                 /* integers expected (1-3); 0: one word from words */
	long long min, max;
	const char *const *words;
};

static const char *const cc_words[] = { "bbr", "cubic", "reno", NULL };
static const char *const qdisc_words[] = { "fq", "fq_codel", "pfifo_fast", NULL };

static const struct sysctl_rule sysctl_allow[] = {
	{ "net.core.somaxconn", 1, 128, 65535, NULL },
	{ "net.core.netdev_max_backlog", 1, 1000, 1000000, NULL },
	{ "net.core.rmem_max", 1, 4096, 1073741824, NULL },
	{ "net.core.wmem_max", 1, 4096, 1073741824, NULL },
	{ "net.core.default_qdisc", 0, 0, 0, qdisc_words },
	{ "net.ipv4.tcp_congestion_control", 0, 0, 0, cc_words },
	{ "net.ipv4.tcp_rmem", 3, 4096, 1073741824, NULL },
	{ "net.ipv4.tcp_wmem", 3, 4096, 1073741824, NULL },
	{ "net.ipv4.ip_local_port_range", 2, 1024, 65535, NULL },
	{ "net.ipv4.tcp_fin_timeout", 1, 1, 300, NULL },
	{ "net.ipv4.tcp_keepalive_time", 1, 60, 7200, NULL },
	{ "net.ipv4.tcp_max_syn_backlog", 1, 128, 1048576, NULL },
	{ "net.ipv4.tcp_tw_reuse", 1, 0, 2, NULL },
	{ "net.ipv4.tcp_mtu_probing", 1, 0, 2, NULL },
	{ "net.ipv4.tcp_notsent_lowat", 1, 16384, 4294967295LL, NULL },
	{ "vm.swappiness", 1, 0, 200, NULL },
	{ "fs.file-max", 1, 1024, 2147483647LL, NULL },
};

const char *sysctl_value(const json_t *v, char *buf, size_t buflen)
{
	/* An embedded NUL would hide bytes from the checks. */
	if (json_is_string(v))
		return strlen(json_string_value(v)) == json_string_length(v) ? json_string_value(v) : NULL;
	if (json_is_integer(v)) {
		snprintf(buf, buflen, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	return NULL;
}

/* NINT decimal integers in [MIN, MAX] separated by single spaces. */
static int sysctl_ints(const char *s, int nint, long long min, long long max)
{
	int i;

	for (i = 0; i < nint; i++) {
		long long v = 0;
		int digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 12) {
			v = v * 10 + (*s++ - '0');
			digits++;
		}
		if (digits == 0 || (*s >= '0' && *s <= '9') || v < min || v > max)
			return 0;
		if (i + 1 < nint && *s++ != ' ')
			return 0;
	}
	return *s == 0;
}

int sysctl_check(const json_t *sysctls, struct cp_err *err)
{
	const char *name;
	json_t *v;
	char nb[80], buf[32];

	if (!json_is_object(sysctls))
		return err_set(err, "sysctls: must be an object");
	if (json_object_size(sysctls) > SYSCTL_MAX)
		return err_set(err, "sysctls: more than %d entries", SYSCTL_MAX);
	json_object_foreach((json_t *)sysctls, name, v) {
		const struct sysctl_rule *r = NULL;
		const char *s;
		size_t i;

		for (i = 0; i < sizeof sysctl_allow / sizeof sysctl_allow[0]; i++)
			if (strcmp(sysctl_allow[i].name, name) == 0)
				r = &sysctl_allow[i];
		if (!r)
			return err_set(err, "sysctls: %s refused: not on the allowlist",
				       err_name(name, nb, sizeof nb));
		s = sysctl_value(v, buf, sizeof buf);
		if (!s || strlen(s) > 64)
			return err_set(err, "sysctls.%s: value must be a short string or an integer", r->name);
		if (r->nint) {
			if (!sysctl_ints(s, r->nint, r->min, r->max))
				return err_set(err, "sysctls.%s: value out of range or malformed", r->name);
		} else {
			const char *const *w;
			for (w = r->words; *w; w++)
				if (strcmp(*w, s) == 0)
					break;
			if (!*w)
				return err_set(err, "sysctls.%s: value not allowed", r->name);
		}
	}
	return 1;
}
