/* The one allowlist of sysctls a node document may set: configpull checks
 * the document against it, initd checks node.conf against it again before
 * writing /proc/sys (so a node.conf that did not come from this image's
 * configpull changes nothing).  Network and memory tunables only: nothing
 * under kernel. (core_pattern, modprobe, the hardening set), no forwarding,
 * no BPF knobs, no overcommit.
 *
 * A value is exactly what the kernel will parse the same way: NINT decimal
 * integers in [MIN, MAX] separated by single spaces, no sign, no leading
 * zero (the kernel's proc_dointvec reads "010" as octal 8 and "0x10" as 16),
 * nothing after the last digit; or one word from a fixed list. */
#ifndef LETHE_SYSCTL_H
#define LETHE_SYSCTL_H

#include <stddef.h>
#include <string.h>

/* entries per document (configpull) and per node.conf (initd) */
#define LETHE_SYSCTLS_MAX 32
/* a name: the longest on the list is 31 bytes */
#define LETHE_SYSCTL_NAME_MAX 40
/* a value: three 10-digit integers and two spaces fit */
#define LETHE_SYSCTL_VALUE_MAX 64

struct lethe_sysctl_rule {
	char const *name;
	int nint;                  /* integers expected (1-3); 0: one word of words */
	long long min, max;
	char const *words;         /* "w1 w2 w3": the allowed words */
};

/* The rule for name, or NULL: not on the allowlist. */
static inline struct lethe_sysctl_rule const *lethe_sysctl_rule(char const *name)
{
	static struct lethe_sysctl_rule const rules[] = {
		{ "net.core.somaxconn", 1, 128, 65535, NULL },
		{ "net.core.netdev_max_backlog", 1, 1000, 1000000, NULL },
		{ "net.core.rmem_max", 1, 4096, 1073741824, NULL },
		{ "net.core.wmem_max", 1, 4096, 1073741824, NULL },
		{ "net.core.default_qdisc", 0, 0, 0, "fq fq_codel pfifo_fast" },
		{ "net.ipv4.tcp_congestion_control", 0, 0, 0, "bbr cubic reno" },
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
	size_t i;

	for (i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (strcmp(rules[i].name, name) == 0)
			return &rules[i];
	return NULL;
}

/* NULL when value is one the rule allows, else why not (a static string). */
static inline char const *lethe_sysctl_value_check(struct lethe_sysctl_rule const *r,
	char const *s)
{
	size_t len = strlen(s);
	int i;

	if (len == 0 || len > LETHE_SYSCTL_VALUE_MAX)
		return "empty or too long";
	if (r->nint == 0) {
		char const *w = r->words;

		while (*w) {
			size_t n = strcspn(w, " ");

			if (n == len && memcmp(w, s, n) == 0)
				return NULL;
			w += n + (w[n] == ' ');
		}
		return "not one of the allowed words";
	}
	for (i = 0; i < r->nint; i++) {
		long long v = 0;
		int digits = 0;

		if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
			return "leading zero (the kernel would read it as octal)";
		while (*s >= '0' && *s <= '9' && digits < 11) {
			v = v * 10 + (*s++ - '0');
			digits++;
		}
		if (digits == 0)
			return "not a decimal integer";
		if (*s >= '0' && *s <= '9')
			return "integer too long";
		if (v < r->min || v > r->max)
			return "out of range";
		if (i + 1 < r->nint && *s++ != ' ')
			return "integers must be separated by one space";
	}
	return *s ? "trailing bytes after the value" : NULL;
}

#endif
