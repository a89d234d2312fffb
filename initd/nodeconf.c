#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "nodeconf.h"

/* Decimal lo..hi, the whole of s[0..len); -1 if not. */
static long nodeconf_number(char const *s, size_t len, long lo, long hi)
{
	long v = 0;
	size_t i;

	if (len == 0 || len > 10)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v < lo || v > hi ? -1 : v;
}

static int nodeconf_eq(char const *s, size_t len, char const *lit)
{
	return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

/* "a b c": names of [a-z0-9]{1,16}, unique, 1..8 of them. */
static int nodeconf_instances(char const *v, size_t len, struct nodeconf *nc)
{
	size_t i = 0, j, k;

	nc->n = 0;
	while (i < len) {
		for (j = i; j < len && v[j] != ' '; j++)
			if (!((v[j] >= 'a' && v[j] <= 'z') || (v[j] >= '0' && v[j] <= '9')))
				return -1;
		if (j == i || j - i > NODECONF_NAME_MAX || nc->n == NODECONF_INSTANCES_MAX)
			return -1;
		memcpy(nc->name[nc->n], v + i, j - i);
		nc->name[nc->n][j - i] = '\0';
		for (k = 0; k < nc->n; k++)
			if (strcmp(nc->name[k], nc->name[nc->n]) == 0)
				return -1;
		nc->n++;
		i = j + 1;
		if (j < len && i == len)
			return -1; /* trailing space */
	}
	return nc->n ? 0 : -1;
}

enum {
	NC_REFRESH, NC_ALLOC, NC_ZRAM, NC_ZRAM_SIZE, NC_ZRAM_ALG, NC_INSTANCES, NC_PROVISION,
	NC_FAMILY, NC_REQUIRED,
	/* optional: configpull writes them since rollouts (docs/rollouts.md) */
	NC_IMAGE_VERSION = NC_REQUIRED, NC_IMAGE_EPOCH, NC_IMAGE_ROLLOUT, NC_IMAGE_WINDOW,
	/* and since the exit's resolver (docs/dns.md) */
	NC_DNS_RESOLVER, NC_DNS_FORWARDERS, NC_N
};
static char const *const nodeconf_keys[NC_N] = {
	"refresh_interval", "allocator", "zram", "zram_size_mib", "zram_algorithm", "instances",
	"provision", "family", "image_version", "image_epoch", "image_rollout", "image_window",
	"dns_resolver", "dns_forwarders",
};

/* Decimal 0..2^53-1 (configpull's bound on image.epoch), no leading zero. */
static int nodeconf_u53(char const *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 16 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v >= (1ull << 53))
		return -1;
	*out = v;
	return 0;
}

static int nodeconf_hhmm(char const *s, unsigned *min)
{
	unsigned h, m;

	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[2] != ':' ||
	    s[3] < '0' || s[3] > '9' || s[4] < '0' || s[4] > '9')
		return -1;
	h = (unsigned)(s[0] - '0') * 10u + (unsigned)(s[1] - '0');
	m = (unsigned)(s[3] - '0') * 10u + (unsigned)(s[4] - '0');
	if (h > 23 || m > 59)
		return -1;
	*min = h * 60u + m;
	return 0;
}

int nodeconf_window_parse(char const *s, size_t len, uint16_t *start, uint16_t *end)
{
	unsigned a, b;

	if (len != 11 || s[5] != '-' || nodeconf_hhmm(s, &a) < 0 || nodeconf_hhmm(s + 6, &b) < 0 ||
	    a == b)
		return -EINVAL;
	*start = (uint16_t)a;
	*end = (uint16_t)b;
	return 0;
}

int nodeconf_window_in(uint16_t start, uint16_t end, unsigned m)
{
	return start < end ? m >= start && m < end : m >= start || m < end;
}

static int nodeconf_chars(char const *v, size_t vl, char const *set);

char const *nodeconf_dns_name(enum nodeconf_dns d)
{
	static char const *const names[] = {
		LETHE_DNS_RESOLVER_RECURSIVE, LETHE_DNS_RESOLVER_FORWARD, LETHE_DNS_RESOLVER_OFF,
	};

	return (unsigned)d < sizeof names / sizeof names[0] ? names[d] : "?";
}

/* "IP IP ...": 0..LETHE_DNS_FORWARDERS_MAX literals, each exactly as
 * inet_ntop writes it (so that what unbound reads is what configpull
 * checked), no two alike. */
static char const *nodeconf_forwarders(struct nodeconf *nc, char const *v, size_t vl)
{
	size_t i = 0, j, k;

	nc->nfwd = 0;
	while (i < vl) {
		unsigned char a[16];
		char ip[NODECONF_DNS_IP_MAX + 1], back[INET6_ADDRSTRLEN];
		int fam;

		for (j = i; j < vl && v[j] != ' '; j++)
			;
		if (j == i || j - i > NODECONF_DNS_IP_MAX || (j < vl && j + 1 == vl))
			return "dns_forwarders: not space-separated IP literals";
		if (nc->nfwd == LETHE_DNS_FORWARDERS_MAX)
			return "dns_forwarders: too many";
		memcpy(ip, v + i, j - i);
		ip[j - i] = '\0';
		fam = strchr(ip, ':') ? AF_INET6 : AF_INET;
		if (inet_pton(fam, ip, a) != 1 || !inet_ntop(fam, a, back, sizeof back) ||
		    strcmp(back, ip) != 0)
			return "dns_forwarders: not an IP literal in canonical form";
		for (k = 0; k < nc->nfwd; k++)
			if (strcmp(nc->fwd[k], ip) == 0)
				return "dns_forwarders: given twice";
		memcpy(nc->fwd[nc->nfwd++], ip, j - i + 1);
		i = j + 1;
	}
	return NULL;
}

static char const *nodeconf_value(struct nodeconf *nc, int k, char const *v, size_t vl)
{
	long n;

	switch (k) {
	case NC_REFRESH:
		n = nodeconf_number(v, vl, 60, 86400);
		if (n < 0)
			return "refresh_interval: not 60..86400";
		nc->refresh_s = (uint32_t)n;
		return NULL;
	case NC_ALLOC:
		if (nodeconf_eq(v, vl, "glibc"))
			nc->alloc = NODECONF_ALLOC_GLIBC;
		else if (nodeconf_eq(v, vl, "jemalloc"))
			nc->alloc = NODECONF_ALLOC_JEMALLOC;
		else if (nodeconf_eq(v, vl, "mimalloc"))
			nc->alloc = NODECONF_ALLOC_MIMALLOC;
		else
			return "allocator: unknown";
		return NULL;
	case NC_ZRAM:
		if (nodeconf_eq(v, vl, "0") || nodeconf_eq(v, vl, "false"))
			nc->zram = 0;
		else if (nodeconf_eq(v, vl, "1") || nodeconf_eq(v, vl, "true"))
			nc->zram = 1;
		else
			return "zram: not a boolean";
		return NULL;
	case NC_ZRAM_SIZE:
		n = nodeconf_number(v, vl, 0, 65536);
		if (n < 0 || (n > 0 && n < 16))
			return "zram_size_mib: not 16..65536";
		nc->zram_size_mib = (uint32_t)n;
		return NULL;
	case NC_ZRAM_ALG:
		if (!nodeconf_eq(v, vl, "zstd") && !nodeconf_eq(v, vl, "lz4") &&
		    !nodeconf_eq(v, vl, "lzo-rle"))
			return "zram_algorithm: unknown";
		memcpy(nc->zram_algorithm, v, vl);
		nc->zram_algorithm[vl] = '\0';
		return NULL;
	case NC_INSTANCES:
		return nodeconf_instances(v, vl, nc) < 0 ? "instances: not 1..8 unique names" : NULL;
	case NC_PROVISION:
	case NC_FAMILY:
		n = nodeconf_number(v, vl, 0, 1);
		if (n < 0)
			return k == NC_PROVISION ? "provision: not 0 or 1" : "family: not 0 or 1";
		*(k == NC_PROVISION ? &nc->provision : &nc->family) = (int)n;
		return NULL;
	case NC_IMAGE_VERSION:
		if (vl > NODECONF_IMAGE_VERSION_MAX || !nodeconf_chars(v, vl, "._+~-"))
			return "image_version: not 0..64 of [A-Za-z0-9._+~-]";
		memcpy(nc->image_version, v, vl);
		nc->image_version[vl] = '\0';
		return NULL;
	case NC_IMAGE_EPOCH:
		return nodeconf_u53(v, vl, &nc->image_epoch) < 0 ? "image_epoch: not 0..2^53-1" : NULL;
	case NC_IMAGE_ROLLOUT:
		n = nodeconf_number(v, vl, 0, 2147483647);
		if (n < 0)
			return "image_rollout: not 0..2^31-1";
		nc->image_rollout = (uint32_t)n;
		return NULL;
	case NC_IMAGE_WINDOW:
		if (vl == 0)
			return NULL;
		if (nodeconf_window_parse(v, vl, &nc->window_start, &nc->window_end) < 0)
			return "image_window: not HH:MM-HH:MM";
		nc->window = 1;
		return NULL;
	case NC_DNS_RESOLVER:
		if (nodeconf_eq(v, vl, LETHE_DNS_RESOLVER_RECURSIVE))
			nc->dns = NODECONF_DNS_RECURSIVE;
		else if (nodeconf_eq(v, vl, LETHE_DNS_RESOLVER_FORWARD))
			nc->dns = NODECONF_DNS_FORWARD;
		else if (nodeconf_eq(v, vl, LETHE_DNS_RESOLVER_OFF))
			nc->dns = NODECONF_DNS_OFF;
		else
			return "dns_resolver: not recursive, forward or off";
		return NULL;
	case NC_DNS_FORWARDERS:
		return nodeconf_forwarders(nc, v, vl);
	}
	return "?";
}

/* n bytes of v, each in set (a string of the allowed bytes, or NULL:
 * [0-9A-F] for a fingerprint). */
static int nodeconf_chars(char const *v, size_t vl, char const *set)
{
	size_t i;

	for (i = 0; i < vl; i++) {
		char ch = v[i];

		if (set ? !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || (ch && strchr(set, ch)))
		    : !((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'F') || (ch >= 'a' && ch <= 'f')))
			return 0;
	}
	return 1;
}

int nodeconf_addr_parse(char const *s, int *family, unsigned char addr[16], unsigned *prefix)
{
	char ip[NODECONF_ADDR_MAX + 1];
	char const *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	long p;

	if (len == 0 || len > 39)
		return -EINVAL;
	memcpy(ip, s, len);
	ip[len] = '\0';
	if (inet_pton(AF_INET, ip, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, ip, addr) == 1)
		*family = AF_INET6;
	else
		return -EINVAL;
	if (!slash) {
		*prefix = *family == AF_INET ? 32 : 128;
		return 0;
	}
	/* no leading zero, no sign: one spelling per prefix */
	if (slash[1] == '0' && slash[2])
		return -EINVAL;
	p = nodeconf_number(slash + 1, strlen(slash + 1), 1, *family == AF_INET ? 32 : 128);
	if (p < 0)
		return -EINVAL;
	*prefix = (unsigned)p;
	return 0;
}

/* "A B C": the instance's addresses, each one nodeconf_addr_parse takes. */
static char const *nodeconf_addrs(struct nodeconf *nc, size_t k, char const *v, size_t vl)
{
	size_t i = 0, j;

	nc->naddr[k] = 0;
	while (i < vl) {
		unsigned char a[16];
		unsigned prefix;
		int fam;

		for (j = i; j < vl && v[j] != ' '; j++)
			;
		if (j == i || j - i > NODECONF_ADDR_MAX || nc->naddr[k] == NODECONF_ADDRS_MAX)
			return "instance addresses: at most 8 addresses, one space apart";
		memcpy(nc->addr[k][nc->naddr[k]], v + i, j - i);
		nc->addr[k][nc->naddr[k]][j - i] = '\0';
		if (nodeconf_addr_parse(nc->addr[k][nc->naddr[k]], &fam, a, &prefix) < 0)
			return "instance addresses: not an IP or IP/prefix";
		nc->naddr[k]++;
		i = j + 1;
		if (j < vl && i == vl)
			return "instance addresses: trailing space";
	}
	return NULL;
}

/* instance.NAME.{fingerprint,ed25519,addresses}=V; seen: bits per
 * instance (3 each). */
static char const *nodeconf_instance_key(struct nodeconf *nc, char const *key, size_t kl,
	char const *v, size_t vl, uint32_t *seen)
{
	static char const *const sub[] = { "fingerprint", "ed25519", "addresses" };
	char const *dot;
	size_t k, s, nl;

	key += 9; /* "instance." */
	kl -= 9;
	dot = memchr(key, '.', kl);
	if (!dot)
		return "instance.NAME.KEY: no KEY";
	nl = (size_t)(dot - key);
	for (k = 0; k < nc->n; k++)
		if (nodeconf_eq(key, nl, nc->name[k]))
			break;
	if (k == nc->n)
		return "instance.NAME: not on the instances line before it";
	for (s = 0; s < 3; s++)
		if (nodeconf_eq(dot + 1, kl - nl - 1, sub[s]))
			break;
	if (s == 3)
		return "instance.NAME.KEY: unknown KEY";
	if (*seen & (1u << (k * 3 + s)))
		return "key given twice";
	*seen |= 1u << (k * 3 + s);
	if (s == 0) {
		if ((vl != 0 && vl != NODECONF_FP_HEX) || !nodeconf_chars(v, vl, NULL))
			return "instance fingerprint: not 40 hex digits";
		memcpy(nc->fp[k], v, vl);
		nc->fp[k][vl] = '\0';
		return NULL;
	}
	if (s == 1) {
		if ((vl != 0 && vl != NODECONF_ED_B64) || !nodeconf_chars(v, vl, "+/"))
			return "instance ed25519: not 43 base64 characters";
		memcpy(nc->ed[k], v, vl);
		nc->ed[k][vl] = '\0';
		return NULL;
	}
	return nodeconf_addrs(nc, k, v, vl);
}

/* sysctl.NAME=VALUE through the shared allowlist. */
static char const *nodeconf_sysctl(struct nodeconf *nc, char const *key, size_t kl,
	char const *v, size_t vl)
{
	struct nodeconf_sysctl *y;
	struct lethe_sysctl_rule const *r;
	size_t i;

	key += 7; /* "sysctl." */
	kl -= 7;
	if (kl == 0 || kl > LETHE_SYSCTL_NAME_MAX || vl > LETHE_SYSCTL_VALUE_MAX)
		return "sysctl: name or value too long";
	if (nc->nsys == LETHE_SYSCTLS_MAX)
		return "sysctl: too many";
	y = &nc->sys[nc->nsys];
	memcpy(y->name, key, kl);
	y->name[kl] = '\0';
	memcpy(y->value, v, vl);
	y->value[vl] = '\0';
	if (strlen(y->name) != kl || strlen(y->value) != vl)
		return "sysctl: NUL byte";
	r = lethe_sysctl_rule(y->name);
	if (!r)
		return "sysctl: not on the allowlist";
	if (lethe_sysctl_value_check(r, y->value))
		return "sysctl: value refused by the allowlist";
	for (i = 0; i < nc->nsys; i++)
		if (strcmp(nc->sys[i].name, y->name) == 0)
			return "key given twice";
	nc->nsys++;
	return NULL;
}

int nodeconf_parse(char const *text, size_t len, struct nodeconf *nc,
	struct nodeconf_error *err)
{
	unsigned seen = 0;
	uint32_t iseen = 0;
	size_t b = 0, line = 0;
	int k;

	memset(nc, 0, sizeof *nc);
	err->line = 0;
	err->what = NULL;
	if (len > NODECONF_BYTES_MAX) {
		err->what = "too large";
		return -EINVAL;
	}
	while (b < len) {
		char const *nl = memchr(text + b, '\n', len - b), *eq, *v;
		size_t e = nl ? (size_t)(nl - text) : len, kl, vl;

		line++;
		err->line = line;
		if (!nl) {
			err->what = "no newline at the end";
			return -EINVAL;
		}
		/* configpull heads node.conf with a comment line */
		if (e > b && text[b] == '#') {
			b = e + 1;
			continue;
		}
		eq = memchr(text + b, '=', e - b);
		if (!eq || eq == text + b) {
			err->what = "not key=value";
			return -EINVAL;
		}
		kl = (size_t)(eq - text) - b;
		v = eq + 1;
		vl = (size_t)(text + e - v);
		for (k = 0; k < NC_N; k++)
			if (nodeconf_eq(text + b, kl, nodeconf_keys[k]))
				break;
		if (k < NC_N) {
			if (seen & (1u << k)) {
				err->what = "key given twice";
				return -EINVAL;
			}
			seen |= 1u << k;
			err->what = nodeconf_value(nc, k, v, vl);
		} else if (kl >= 9 && memcmp(text + b, "instance.", 9) == 0) {
			err->what = nodeconf_instance_key(nc, text + b, kl, v, vl, &iseen);
		} else if (kl >= 7 && memcmp(text + b, "sysctl.", 7) == 0) {
			err->what = nodeconf_sysctl(nc, text + b, kl, v, vl);
		}
		if (err->what)
			return -EINVAL;
		b = e + 1;
	}
	err->line = 0;
	if ((seen & ((1u << NC_REQUIRED) - 1)) != (1u << NC_REQUIRED) - 1) {
		err->what = "a key initd needs is missing";
		return -EINVAL;
	}
	if ((nc->dns == NODECONF_DNS_FORWARD) != (nc->nfwd > 0)) {
		err->what = "dns_forwarders: given exactly when dns_resolver is forward";
		return -EINVAL;
	}
	return 0;
}

char const *nodeconf_alloc_lib(enum nodeconf_alloc a)
{
	switch (a) {
	case NODECONF_ALLOC_JEMALLOC:
		return "libjemalloc.so.2";
	case NODECONF_ALLOC_MIMALLOC:
		return "libmimalloc.so.2";
	case NODECONF_ALLOC_GLIBC:
		break;
	}
	return NULL;
}

char const *nodeconf_alloc_name(enum nodeconf_alloc a)
{
	static char const *const names[] = { "glibc", "jemalloc", "mimalloc" };

	return (unsigned)a < sizeof names / sizeof names[0] ? names[a] : "?";
}

enum alloc_kind nodeconf_alloc_kind(enum nodeconf_alloc a)
{
	return a == NODECONF_ALLOC_JEMALLOC ? ALLOC_JEMALLOC
		: a == NODECONF_ALLOC_MIMALLOC ? ALLOC_MIMALLOC : ALLOC_GLIBC;
}

/* Options tor takes on SIGHUP without rebinding, re-keying or touching
 * what the sandbox froze (paths, ports, User): the rest means a restart. */
static char const *const torrc_reload_list[] = {
	"AccountingMax", "AccountingRule", "AccountingStart", "BandwidthBurst", "BandwidthRate",
	"ContactInfo", "ExitPolicy", "ExitPolicyRejectPrivate", "ExitRelay", "IPv6Exit",
	"MaxAdvertisedBandwidth", "MyFamily", "Nickname", "ReducedExitPolicy",
	"RelayBandwidthBurst", "RelayBandwidthRate",
};

int torrc_reloadable(char const *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof torrc_reload_list / sizeof torrc_reload_list[0]; i++)
		if (strlen(torrc_reload_list[i]) == len &&
		    strncasecmp(torrc_reload_list[i], name, len) == 0)
			return 1;
	return 0;
}

struct torrc_line {
	char const *s;    /* the line */
	size_t len;
	size_t klen;      /* the option name: up to the first blank */
};

/* Splits text into non-empty, non-comment lines; -1 if more than max. */
static long torrc_lines(char const *t, size_t len, struct torrc_line *out, size_t max)
{
	size_t b = 0, n = 0;

	while (b < len) {
		char const *nl = memchr(t + b, '\n', len - b);
		size_t e = nl ? (size_t)(nl - t) : len, k;

		if (e > b && t[b] != '#') {
			if (n == max)
				return -1;
			for (k = b; k < e && t[k] != ' ' && t[k] != '\t'; k++)
				;
			out[n].s = t + b;
			out[n].len = e - b;
			out[n].klen = k - b;
			n++;
		}
		b = e + 1;
	}
	return (long)n;
}

static int torrc_same_key(struct torrc_line const *x, struct torrc_line const *y)
{
	return x->klen == y->klen && strncasecmp(x->s, y->s, x->klen) == 0;
}

/* 1 if the lines of option key (from line *k) are the same in a and b. */
static int torrc_option_same(struct torrc_line const *k, struct torrc_line const *a, long an,
	struct torrc_line const *b, long bn)
{
	long i = 0, j = 0;

	for (;;) {
		while (i < an && !torrc_same_key(&a[i], k))
			i++;
		while (j < bn && !torrc_same_key(&b[j], k))
			j++;
		if (i == an || j == bn)
			return i == an && j == bn;
		if (a[i].len != b[j].len || memcmp(a[i].s, b[j].s, a[i].len) != 0)
			return 0;
		i++;
		j++;
	}
}

enum torrc_change torrc_compare(char const *a, size_t alen, char const *b, size_t blen)
{
	static struct torrc_line la[TORRC_LINES_MAX], lb[TORRC_LINES_MAX];
	long an, bn, i;

	if (alen == blen && memcmp(a, b, alen) == 0)
		return TORRC_SAME;
	if (alen > TORRC_BYTES_MAX || blen > TORRC_BYTES_MAX)
		return TORRC_RESTART;
	an = torrc_lines(a, alen, la, TORRC_LINES_MAX);
	bn = torrc_lines(b, blen, lb, TORRC_LINES_MAX);
	if (an < 0 || bn < 0)
		return TORRC_RESTART;
	/* every option that appears on either side, compared once per line
	 * (quadratic in at most 512 lines: bounded) */
	for (i = 0; i < an + bn; i++) {
		struct torrc_line const *k = i < an ? &la[i] : &lb[i - an];

		if (!torrc_option_same(k, la, an, lb, bn) && !torrc_reloadable(k->s, k->klen))
			return TORRC_RESTART;
	}
	return TORRC_RELOAD;
}
