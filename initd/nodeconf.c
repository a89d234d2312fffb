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

enum { NC_REFRESH, NC_ALLOC, NC_ZRAM, NC_ZRAM_SIZE, NC_ZRAM_ALG, NC_INSTANCES, NC_N };
static char const *const nodeconf_keys[NC_N] = {
	"refresh_interval", "allocator", "zram", "zram_size_mib", "zram_algorithm", "instances",
};

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
	}
	return "?";
}

int nodeconf_parse(char const *text, size_t len, struct nodeconf *nc,
	struct nodeconf_error *err)
{
	unsigned seen = 0;
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
		char const *nl = memchr(text + b, '\n', len - b), *eq;
		size_t e = nl ? (size_t)(nl - text) : len;

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
		for (k = 0; k < NC_N; k++)
			if (nodeconf_eq(text + b, (size_t)(eq - text) - b, nodeconf_keys[k]))
				break;
		if (k < NC_N) {
			char const *v = eq + 1, *what;
			size_t vl = (size_t)(text + e - v);

			if (seen & (1u << k)) {
				err->what = "key given twice";
				return -EINVAL;
			}
			seen |= 1u << k;
			what = nodeconf_value(nc, k, v, vl);
			if (what) {
				err->what = what;
				return -EINVAL;
			}
		}
		b = e + 1;
	}
	err->line = 0;
	if (seen != (1u << NC_N) - 1) {
		err->what = "a key initd needs is missing";
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
