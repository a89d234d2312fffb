#include <string.h>

#include "cmdline.h"

/* Longest word we look at: a lethe.* word longer than this is an error. */
#define CMDLINE_WORD_MAX (CMDLINE_URL_MAX + 16)

enum cmdline_key {
	KEY_CONFIG, KEY_NET, KEY_IP, KEY_GW, KEY_DNS, KEY_HOSTNAME, KEY_NTP,
	KEY_NETWAIT, KEY_DEBUG, KEY_RESCUE, KEY_PCRS, KEY_OFFLINE, KEY_TESTNET, KEY_N,
};

static struct {
	char const *name; /* after "lethe." */
	int flag;         /* takes no value */
} const cmdline_keys[KEY_N] = {
	[KEY_CONFIG] = { "config", 0 },
	[KEY_NET] = { "net", 0 },
	[KEY_IP] = { "ip", 0 },
	[KEY_GW] = { "gw", 0 },
	[KEY_DNS] = { "dns", 0 },
	[KEY_HOSTNAME] = { "hostname", 0 },
	[KEY_NTP] = { "ntp", 0 },
	[KEY_NETWAIT] = { "netwait", 0 },
	[KEY_DEBUG] = { "debug", 1 },
	[KEY_RESCUE] = { "rescue", 1 },
	[KEY_PCRS] = { "pcrs", 0 },
	[KEY_OFFLINE] = { "offline", 1 },
	[KEY_TESTNET] = { "testnet", 0 },
};

struct cmdline_state {
	struct cmdline *c;
	struct cmdline_error *errs;
	size_t errs_max;
	size_t n_errs;
	unsigned seen; /* bit per key */
};

static void cmdline_error(struct cmdline_state *st, char const *word, size_t len,
	char const *what)
{
	if (st->n_errs < st->errs_max) {
		struct cmdline_error *e = &st->errs[st->n_errs];
		size_t i, n = len < CMDLINE_WORD_SHOWN ? len : CMDLINE_WORD_SHOWN;

		for (i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)word[i];
			e->word[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
		}
		e->word[n] = '\0';
		e->what = what;
	}
	st->n_errs++;
}

static int cmdline_is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Decimal 0..max, no sign, no leading zero; -1 if not. */
static long cmdline_number(char const *s, size_t len, long max)
{
	long v = 0;
	size_t i;

	if (len == 0 || len > 10 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
		if (v > max)
			return -1;
	}
	return v;
}

static int cmdline_ipv4(char const *s, size_t len, uint8_t out[4])
{
	size_t i, start = 0, part = 0;

	for (i = 0; i <= len; i++) {
		long v;

		if (i < len && s[i] != '.')
			continue;
		if (part == 4)
			return -1;
		v = cmdline_number(s + start, i - start, 255);
		if (v < 0)
			return -1;
		out[part++] = (uint8_t)v;
		start = i + 1;
	}
	return part == 4 ? 0 : -1;
}

/* RFC 1123 host name: dot-separated labels of [A-Za-z0-9-], 1..63 bytes,
 * no '-' at either end of a label. */
static int cmdline_hostname(char const *s, size_t len)
{
	size_t i, start = 0;

	if (len == 0 || len > CMDLINE_HOST_MAX)
		return -1;
	for (i = 0; i <= len; i++) {
		char ch = i < len ? s[i] : '.';

		if (ch == '.') {
			size_t l = i - start;

			if (l == 0 || l > 63 || s[start] == '-' || s[i - 1] == '-')
				return -1;
			start = i + 1;
		} else if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9') || ch == '-')) {
			return -1;
		}
	}
	return 0;
}

static int cmdline_url(char const *s, size_t len)
{
	static char const scheme[] = "https://";
	size_t i;

	if (len <= sizeof scheme - 1 || len > CMDLINE_URL_MAX ||
	    memcmp(s, scheme, sizeof scheme - 1) != 0)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '\\' || ch == '\'')
			return -1;
	}
	/* a host must follow the scheme */
	if (s[sizeof scheme - 1] == '/')
		return -1;
	return 0;
}

/* len hex digits exactly, copied to out in upper case (tor prints and
 * compares fingerprints in upper case; one spelling per identity). */
static int cmdline_hexid(char const *s, size_t len, char out[CMDLINE_HEX_ID + 1])
{
	size_t i;

	if (len != CMDLINE_HEX_ID)
		return -1;
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (ch >= 'a' && ch <= 'f')
			ch = (char)(ch - 'a' + 'A');
		else if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'F')))
			return -1;
		out[i] = ch;
	}
	out[len] = '\0';
	return 0;
}

/* lethe.testnet=A.B.C.D:OR:DIR:V3IDENT:FPR, all five fields or nothing. */
static int cmdline_testnet(struct cmdline *c, char const *v, size_t vlen)
{
	char const *f[5];
	size_t fl[5], i, k = 0, start = 0;
	uint8_t ip[4];
	char v3[CMDLINE_HEX_ID + 1], fp[CMDLINE_HEX_ID + 1];
	long orp, dirp;

	for (i = 0; i <= vlen; i++) {
		if (i < vlen && v[i] != ':')
			continue;
		if (k == 5)
			return -1;
		f[k] = v + start;
		fl[k++] = i - start;
		start = i + 1;
	}
	if (k != 5 || cmdline_ipv4(f[0], fl[0], ip) < 0)
		return -1;
	orp = cmdline_number(f[1], fl[1], 65535);
	dirp = cmdline_number(f[2], fl[2], 65535);
	if (orp < 1 || dirp < 1 || cmdline_hexid(f[3], fl[3], v3) < 0 ||
	    cmdline_hexid(f[4], fl[4], fp) < 0)
		return -1;
	memcpy(c->tn_ip, ip, 4);
	c->tn_orport = (unsigned)orp;
	c->tn_dirport = (unsigned)dirp;
	memcpy(c->tn_v3ident, v3, sizeof v3);
	memcpy(c->tn_fpr, fp, sizeof fp);
	c->testnet = 1;
	return 0;
}

/* The value of one key; returns NULL or the reason it is refused. */
static char const *cmdline_value(struct cmdline *c, enum cmdline_key key,
	char const *v, size_t vlen)
{
	long n;
	size_t i, start;

	switch (key) {
	case KEY_CONFIG:
		if (cmdline_url(v, vlen) < 0)
			return "not an https URL of printable ASCII, at most 512 bytes";
		memcpy(c->config_url, v, vlen);
		c->config_url[vlen] = '\0';
		return NULL;
	case KEY_NET:
		if (vlen == 4 && memcmp(v, "dhcp", 4) == 0)
			c->net = CMDLINE_NET_DHCP;
		else if (vlen == 6 && memcmp(v, "static", 6) == 0)
			c->net = CMDLINE_NET_STATIC;
		else if (vlen == 4 && memcmp(v, "none", 4) == 0)
			c->net = CMDLINE_NET_NONE;
		else
			return "must be dhcp, static or none";
		return NULL;
	case KEY_IP: {
		uint8_t a[4];
		char const *slash = memchr(v, '/', vlen);

		if (!slash || cmdline_ipv4(v, (size_t)(slash - v), a) < 0)
			return "must be A.B.C.D/PREFIX";
		n = cmdline_number(slash + 1, vlen - (size_t)(slash + 1 - v), 32);
		if (n < 1)
			return "prefix must be 1..32";
		memcpy(c->ip, a, 4);
		c->prefix = (unsigned)n;
		return NULL;
	}
	case KEY_GW:
		if (cmdline_ipv4(v, vlen, c->gw) < 0)
			return "must be A.B.C.D";
		c->has_gw = 1;
		return NULL;
	case KEY_DNS:
		if (cmdline_ipv4(v, vlen, c->dns) < 0)
			return "must be A.B.C.D";
		c->has_dns = 1;
		return NULL;
	case KEY_HOSTNAME:
		if (vlen > 64 || cmdline_hostname(v, vlen) < 0)
			return "must be a host name of 1..64 bytes";
		memcpy(c->hostname, v, vlen);
		c->hostname[vlen] = '\0';
		return NULL;
	case KEY_NTP: {
		char list[CMDLINE_NTP_MAX][CMDLINE_HOST_MAX + 1];
		size_t k = 0;

		memset(list, 0, sizeof list);
		for (i = 0, start = 0; i <= vlen; i++) {
			uint8_t a[4];
			size_t l;

			if (i < vlen && v[i] != ',')
				continue;
			l = i - start;
			if (k == CMDLINE_NTP_MAX)
				return "more than 4 servers";
			if (cmdline_ipv4(v + start, l, a) < 0 && cmdline_hostname(v + start, l) < 0)
				return "must be a comma-separated list of addresses or host names";
			memcpy(list[k], v + start, l);
			list[k++][l] = '\0';
			start = i + 1;
		}
		memcpy(c->ntp, list, sizeof list);
		c->ntp_n = k;
		return NULL;
	}
	case KEY_NETWAIT:
		n = cmdline_number(v, vlen, CMDLINE_NETWAIT_MAX);
		if (n < 1)
			return "must be 1..3600 seconds";
		c->netwait_s = (unsigned)n;
		return NULL;
	case KEY_DEBUG:
		c->debug = 1;
		return NULL;
	case KEY_RESCUE:
		c->rescue = 1;
		return NULL;
	case KEY_PCRS: {
		/* strictly ascending: one spelling per set, as tpmseal records it */
		long last = -1;

		if (vlen > CMDLINE_PCRS_MAX)
			return "must be ascending PCR numbers 0..23, comma-separated";
		for (i = 0, start = 0; i <= vlen; i++) {
			if (i < vlen && v[i] != ',')
				continue;
			n = cmdline_number(v + start, i - start, 23);
			if (n < 0 || n <= last)
				return "must be ascending PCR numbers 0..23, comma-separated";
			last = n;
			start = i + 1;
		}
		memcpy(c->pcrs, v, vlen);
		c->pcrs[vlen] = '\0';
		return NULL;
	}
	case KEY_OFFLINE:
		c->offline = 1;
		return NULL;
	case KEY_TESTNET:
		if (cmdline_testnet(c, v, vlen) < 0)
			return "must be A.B.C.D:ORPORT:DIRPORT:V3IDENT:FINGERPRINT "
			       "(ports 1..65535, 40 hex digits each)";
		return NULL;
	case KEY_N:
		break;
	}
	return "internal error";
}

static void cmdline_word(struct cmdline_state *st, char const *w, size_t len)
{
	static char const prefix[] = "lethe.";
	char const *name, *eq, *why;
	size_t nlen, i;
	int k;

	if (len < sizeof prefix - 1 || memcmp(w, prefix, sizeof prefix - 1) != 0)
		return;
	if (len > CMDLINE_WORD_MAX) {
		cmdline_error(st, w, len, "too long");
		return;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)w[i] < 0x20 || (unsigned char)w[i] >= 0x7f) {
			cmdline_error(st, w, len, "control or non-ASCII byte");
			return;
		}
	name = w + sizeof prefix - 1;
	eq = memchr(name, '=', len - (sizeof prefix - 1));
	nlen = eq ? (size_t)(eq - name) : len - (sizeof prefix - 1);
	for (k = 0; k < KEY_N; k++)
		if (strlen(cmdline_keys[k].name) == nlen &&
		    memcmp(cmdline_keys[k].name, name, nlen) == 0)
			break;
	if (k == KEY_N) {
		cmdline_error(st, w, len, "unknown parameter");
		return;
	}
	if (st->seen & (1u << k)) {
		cmdline_error(st, w, len, "given twice");
		return;
	}
	st->seen |= 1u << k;
	if (cmdline_keys[k].flag && eq) {
		cmdline_error(st, w, len, "takes no value");
		return;
	}
	if (!cmdline_keys[k].flag && (!eq || eq + 1 == w + len)) {
		cmdline_error(st, w, len, "needs a value");
		return;
	}
	why = cmdline_value(st->c, (enum cmdline_key)k, eq ? eq + 1 : NULL,
		eq ? (size_t)(w + len - eq - 1) : 0);
	if (why)
		cmdline_error(st, w, len, why);
}

static void cmdline_defaults(struct cmdline *c)
{
	memset(c, 0, sizeof *c);
	c->net = CMDLINE_NET_DHCP;
	c->netwait_s = CMDLINE_NETWAIT_DEFAULT;
	memcpy(c->pcrs, CMDLINE_PCRS_DEFAULT, sizeof CMDLINE_PCRS_DEFAULT);
}

size_t cmdline_parse(char const *buf, size_t len, struct cmdline *c,
	struct cmdline_error *errs, size_t errs_max)
{
	struct cmdline_state st = { c, errs, errs_max, 0, 0 };
	char word[CMDLINE_WORD_MAX + 1];
	size_t i = 0, wlen;

	cmdline_defaults(c);
	if (len > CMDLINE_BYTES) {
		cmdline_error(&st, "(command line)", 14, "longer than 4096 bytes");
		return st.n_errs;
	}
	if (memchr(buf, '\0', len)) {
		cmdline_error(&st, "(command line)", 14, "NUL byte");
		return st.n_errs;
	}
	while (i < len) {
		int quoted = 0, over = 0;

		while (i < len && cmdline_is_space(buf[i]))
			i++;
		if (i == len)
			break;
		/* The word with its quotes removed, as the kernel sees it. */
		for (wlen = 0; i < len && (quoted || !cmdline_is_space(buf[i])); i++) {
			if (buf[i] == '"') {
				quoted = !quoted;
				continue;
			}
			if (wlen < CMDLINE_WORD_MAX)
				word[wlen++] = buf[i];
			else
				over = 1;
		}
		if (wlen == 2 && !over && word[0] == '-' && word[1] == '-')
			break;
		if (over || quoted) {
			if (wlen >= 6 && memcmp(word, "lethe.", 6) == 0)
				cmdline_error(&st, word, wlen,
					over ? "too long" : "unterminated quote");
			continue;
		}
		cmdline_word(&st, word, wlen);
	}
	if (c->net == CMDLINE_NET_STATIC && c->prefix == 0)
		cmdline_error(&st, "lethe.net=static", 16, "needs lethe.ip");
	if (c->net != CMDLINE_NET_STATIC && (c->prefix || c->has_gw || c->has_dns))
		cmdline_error(&st, "lethe.ip/gw/dns", 15, "need lethe.net=static");
	if (c->offline && c->testnet) {
		cmdline_error(&st, "lethe.testnet", 13, "ignored: lethe.offline is given too");
		c->testnet = 0;
	}
	return st.n_errs;
}
