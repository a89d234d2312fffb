/* The torrc allowlist.
 *
 * A compromised config server may deny service but must not run code on the
 * node or move its keys.  So the server only names options from a fixed
 * table, each with a value grammar narrow enough that no value can carry a
 * second line, a comment, a quoted string with escapes, or a path.  Option
 * names match exactly (tor itself is case-insensitive, so "datadirectory"
 * is simply not on the table).  Everything lethe depends on is written by
 * us before the server's options and is never on the table. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "torrc.h"

enum vtype {
	V_NICKNAME,
	V_TEXT,
	V_BOOL,
	V_UINT,
	V_ORPORT,
	V_METRICSPORT,
	V_POLICY,
	V_BANDWIDTH,
	V_INTERVAL,
	V_ACCSTART,
	V_ACCRULE,
	V_PUBLISH,
	V_ADDRESS,
	V_IP,
	V_FAMILY,
	V_FAMILYID,
};

struct opt {
	const char *name;
	enum vtype type;
	int repeat;            /* may be given as an array */
	int family;            /* only when the document turns family on */
	unsigned long max;     /* V_UINT: upper bound */
};

/* Sorted by purpose, rendered in this order. */
static const struct opt torrc_allow[] = {
	{ "Nickname", V_NICKNAME, 0, 0, 0 },
	{ "ContactInfo", V_TEXT, 0, 0, 0 },
	{ "Address", V_ADDRESS, 1, 0, 0 },
	{ "AddressDisableIPv6", V_BOOL, 0, 0, 0 },
	{ "ORPort", V_ORPORT, 1, 0, 0 },
	{ "DirPort", V_ORPORT, 1, 0, 0 },
	{ "DirCache", V_BOOL, 0, 0, 0 },
	{ "OutboundBindAddress", V_IP, 1, 0, 0 },
	{ "OutboundBindAddressOR", V_IP, 1, 0, 0 },
	{ "OutboundBindAddressExit", V_IP, 1, 0, 0 },
	{ "AssumeReachable", V_BOOL, 0, 0, 0 },
	{ "PublishServerDescriptor", V_PUBLISH, 0, 0, 0 },
	{ "BridgeRelay", V_BOOL, 0, 0, 0 },
	{ "ExitRelay", V_BOOL, 0, 0, 0 },
	{ "ExitPolicy", V_POLICY, 1, 0, 0 },
	{ "ExitPolicyRejectPrivate", V_BOOL, 0, 0, 0 },
	{ "ExitPolicyRejectLocalInterfaces", V_BOOL, 0, 0, 0 },
	{ "ReducedExitPolicy", V_BOOL, 0, 0, 0 },
	{ "IPv6Exit", V_BOOL, 0, 0, 0 },
	{ "BandwidthRate", V_BANDWIDTH, 0, 0, 0 },
	{ "BandwidthBurst", V_BANDWIDTH, 0, 0, 0 },
	{ "RelayBandwidthRate", V_BANDWIDTH, 0, 0, 0 },
	{ "RelayBandwidthBurst", V_BANDWIDTH, 0, 0, 0 },
	{ "MaxAdvertisedBandwidth", V_BANDWIDTH, 0, 0, 0 },
	{ "AccountingMax", V_BANDWIDTH, 0, 0, 0 },
	{ "AccountingStart", V_ACCSTART, 0, 0, 0 },
	{ "AccountingRule", V_ACCRULE, 0, 0, 0 },
	{ "MyFamily", V_FAMILY, 1, 1, 0 },
	{ "FamilyId", V_FAMILYID, 1, 1, 0 },
	{ "MetricsPort", V_METRICSPORT, 0, 0, 0 },
	{ "MetricsPortPolicy", V_POLICY, 1, 0, 0 },
	{ "NumCPUs", V_UINT, 0, 0, 256 },
	{ "MaxMemInQueues", V_BANDWIDTH, 0, 0, 0 },
	{ "HeartbeatPeriod", V_INTERVAL, 0, 0, 0 },
	{ "ShutdownWaitLength", V_INTERVAL, 0, 0, 0 },
	{ "SigningKeyLifetime", V_INTERVAL, 0, 0, 0 },
};
#define NALLOW (sizeof torrc_allow / sizeof torrc_allow[0])

/* Options lethe writes itself: named so a refusal says why. */
static const char *const torrc_owned[] = {
	"DataDirectory", "CacheDirectory", "KeyDirectory", "FamilyKeyDirectory", "User",
	"RunAsDaemon", "Sandbox", "Log", "PidFile", "ControlPort", "ControlSocket",
	"ControlPortWriteToFile", "CookieAuthentication", "CookieAuthFile",
	"HashedControlPassword", "AvoidDiskWrites", "DisableDebuggerAttachment", "SocksPort",
	"DisableNetwork",
};

/* Options that pick which Tor network the relay joins, or make it an
 * authority: a config server that could set them could partition its
 * relays from the real network.  A private test network is the operator's
 * word alone (the kernel command line's lethe.testnet, docs/initd.md). */
static const char *const torrc_network[] = {
	"DirAuthority", "AlternateDirAuthority", "AlternateBridgeAuthority", "FallbackDir",
	"UseDefaultFallbackDirs", "DirAuthorityFallbackRate", "AuthoritativeDirectory",
	"V3AuthoritativeDirectory", "BridgeAuthoritativeDir",
};

static const struct opt *torrc_find(const char *name)
{
	size_t i;

	for (i = 0; i < NALLOW; i++)
		if (strcmp(torrc_allow[i].name, name) == 0)
			return &torrc_allow[i];
	return NULL;
}

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && strcasecmp(s + n - m, suf) == 0;
}

const char *torrc_refusal(const char *name)
{
	size_t i;

	if (torrc_find(name))
		return NULL;
	for (i = 0; i < sizeof torrc_owned / sizeof torrc_owned[0]; i++)
		if (strcasecmp(name, torrc_owned[i]) == 0)
			return "lethe sets it itself";
	for (i = 0; i < sizeof torrc_network / sizeof torrc_network[0]; i++)
		if (strcasecmp(name, torrc_network[i]) == 0)
			return "it picks the Tor network (only the operator's lethe.testnet can)";
	if (strncasecmp(name, "Testing", 7) == 0)
		return "it picks the Tor network (only the operator's lethe.testnet can)";
	if (has_suffix(name, "TransportPlugin") || strcasecmp(name, "ServerTransportListenAddr") == 0)
		return "it runs a program";
	if (name[0] == '%')
		return "it includes files";
	if (name[0] == '_' && name[1] == '_')
		return "it is a tor-internal option";
	if (strncasecmp(name, "Accel", 5) == 0)
		return "it loads an engine";
	if (strncasecmp(name, "HiddenService", 13) == 0)
		return "onion services are not run by relays";
	if (has_suffix(name, "Port") || has_suffix(name, "Socket"))
		return "it opens a client or control port";
	if (strcasestr(name, "File") || strcasestr(name, "Dir") || strcasestr(name, "Path"))
		return "it names a file or directory";
	return "it is not on the allowlist";
}

/* ---- value grammars ---- */

static int is_digits(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Decimal with no sign, no leading zeros beyond "0", at most 15 digits. */
static int parse_uint(const char *s, size_t n, unsigned long long *out)
{
	unsigned long long v = 0;
	size_t i;

	if (!is_digits(s, n) || n > 15 || (n > 1 && s[0] == '0'))
		return 0;
	for (i = 0; i < n; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	*out = v;
	return 1;
}

static int is_port(const char *s, size_t n)
{
	unsigned long long v;
	return parse_uint(s, n, &v) && v >= 1 && v <= 65535;
}

/* An IP literal of at most 45 bytes: 4 or 6 (0 if neither); ADDR gets it. */
static int parse_ip(const char *s, size_t n, unsigned char addr[16])
{
	char tmp[48];

	if (n == 0 || n >= sizeof tmp)
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	if (inet_pton(AF_INET, tmp, addr) == 1)
		return 4;
	if (inet_pton(AF_INET6, tmp, addr) == 1)
		return 6;
	return 0;
}

static int ip_is_private(int fam, const unsigned char a[16])
{
	static const unsigned char loop6[16] = { [15] = 1 };

	if (fam == 4)
		return a[0] == 127 || a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		       (a[0] == 192 && a[1] == 168);
	return memcmp(a, loop6, 16) == 0 || (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

/* "port", "auto", "IPv4:port" or "[IPv6]:port".  PRIV: the address is
 * required and must be loopback or private. */
static int check_addrport(const char *s, size_t n, int priv)
{
	unsigned char a[16];
	const char *colon;
	int fam;

	if (!priv && (is_port(s, n) || (n == 4 && memcmp(s, "auto", 4) == 0)))
		return 1;
	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (!close || close + 1 >= s + n || close[1] != ':')
			return 0;
		fam = parse_ip(s + 1, (size_t)(close - s - 1), a);
		if (fam != 6)
			return 0;
		colon = close + 1;
	} else {
		colon = memchr(s, ':', n);
		if (!colon)
			return 0;
		fam = parse_ip(s, (size_t)(colon - s), a);
		if (fam != 4)
			return 0;
	}
	if (!is_port(colon + 1, (size_t)(s + n - colon - 1)))
		return 0;
	return !priv || ip_is_private(fam, a);
}

static int word_in(const char *s, size_t n, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == n && strncasecmp(s, *words, n) == 0)
			return 1;
	return 0;
}

/* ORPort/DirPort: an address-port then flags from a short list. */
static int check_orport(const char *s)
{
	static const char *const flags[] = { "NoAdvertise", "NoListen", "IPv4Only", "IPv6Only", NULL };
	const char *sp = strchr(s, ' ');
	size_t n = sp ? (size_t)(sp - s) : strlen(s);

	if (!check_addrport(s, n, 0))
		return 0;
	while (sp) {
		const char *w = sp + 1, *next = strchr(w, ' ');
		size_t m = next ? (size_t)(next - w) : strlen(w);
		if (!word_in(w, m, flags))
			return 0;
		sp = next;
	}
	return 1;
}

/* Policy: "accept|reject|accept6|reject6 PATTERN" items separated by ", "
 * or ",".  PATTERN is a narrow character set: addresses, masks, ports, "*". */
static int check_policy(const char *s)
{
	static const char *const verbs[] = { "accept", "reject", "accept6", "reject6", NULL };
	const char *p = s;

	for (;;) {
		const char *sp, *end;
		size_t i, m;

		while (*p == ' ')
			p++;
		sp = strchr(p, ' ');
		if (!sp || !word_in(p, (size_t)(sp - p), verbs))
			return 0;
		p = sp + 1;
		end = strchr(p, ',');
		m = end ? (size_t)(end - p) : strlen(p);
		if (m == 0)
			return 0;
		for (i = 0; i < m; i++) {
			char c = p[i];
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      c == '.' || c == ':' || c == '[' || c == ']' || c == '/' || c == '*' || c == '-'))
				return 0;
		}
		if (!end)
			return 1;
		p = end + 1;
	}
}

/* "N" or "N UNIT" with UNIT from WORDS (case-insensitive, as tor reads it). */
static int check_amount(const char *s, const char *const *units)
{
	const char *sp = strchr(s, ' ');
	unsigned long long v;

	if (!sp)
		return parse_uint(s, strlen(s), &v);
	return parse_uint(s, (size_t)(sp - s), &v) && word_in(sp + 1, strlen(sp + 1), units);
}

static const char *const bw_units[] = {
	"byte", "bytes", "KB", "KBytes", "kilobyte", "kilobytes", "MB", "MBytes", "megabyte",
	"megabytes", "GB", "GBytes", "gigabyte", "gigabytes", "TB", "TBytes", "terabyte", "terabytes",
	"bits", "KBits", "kilobits", "MBits", "megabits", "GBits", "gigabits", "TBits", "terabits", NULL,
};
static const char *const time_units[] = {
	"second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks",
	"month", "months", NULL,
};

/* "HH:MM" */
static int check_hhmm(const char *s)
{
	unsigned h, m;

	if (strlen(s) != 5 || s[2] != ':' || !is_digits(s, 2) || !is_digits(s + 3, 2))
		return 0;
	h = (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
	m = (unsigned)(s[3] - '0') * 10 + (unsigned)(s[4] - '0');
	return h < 24 && m < 60;
}

/* "day HH:MM", "week D HH:MM" (1-7), "month D HH:MM" (1-28). */
static int check_accstart(const char *s)
{
	unsigned long long d, dmax;
	const char *sp;

	if (strncmp(s, "day ", 4) == 0)
		return check_hhmm(s + 4);
	if (strncmp(s, "week ", 5) == 0) {
		s += 5;
		dmax = 7;
	} else if (strncmp(s, "month ", 6) == 0) {
		s += 6;
		dmax = 28;
	} else {
		return 0;
	}
	sp = strchr(s, ' ');
	if (!sp || !parse_uint(s, (size_t)(sp - s), &d) || d < 1 || d > dmax)
		return 0;
	return check_hhmm(sp + 1);
}

/* A host name (for Address): labels of [A-Za-z0-9-], dots between. */
static int check_hostname(const char *s)
{
	size_t n = strlen(s), label = 0, i;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-'))
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0;
}

/* "$FINGERPRINT" or "FINGERPRINT" (40 hex), comma-separated. */
static int check_family(const char *s)
{
	for (;;) {
		size_t i;
		if (*s == '$')
			s++;
		for (i = 0; i < 40; i++)
			if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F') ||
			      (s[i] >= 'a' && s[i] <= 'f')))
				return 0;
		s += 40;
		if (*s == 0)
			return 1;
		if (*s != ',')
			return 0;
		s++;
	}
}

static int check_familyid(const char *s)
{
	size_t n = strlen(s), i;

	if (strcmp(s, "*") == 0)
		return 1;
	if (n < 43 || n > 44)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '+' || s[i] == '/' || (s[i] == '=' && i == 43)))
			return 0;
	return 1;
}

/* Common to every value: printable, no torrc metacharacters, no edge spaces,
 * no doubled spaces (so the word splits above see single separators). */
static int check_text(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > TORRC_VALUE_MAX || s[0] == ' ' || s[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		/* jansson guarantees valid UTF-8; bytes >= 0x80 are its multi-byte
		 * sequences, which tor copies verbatim. */
		if (c < 0x20 || c == 0x7f || c == '#' || c == '\\' || c == '"')
			return 0;
		if (c == ' ' && s[i + 1] == ' ')
			return 0;
	}
	return 1;
}

static int check_value(const struct opt *o, const char *s, size_t n)
{
	unsigned long long v;
	unsigned char a[16];
	size_t i;

	if (strlen(s) != n || !check_text(s, n))
		return 0;
	switch (o->type) {
	case V_NICKNAME:
		if (n > 19)
			return 0;
		for (i = 0; i < n; i++)
			if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
			      (s[i] >= 'A' && s[i] <= 'Z')))
				return 0;
		return 1;
	case V_TEXT:
		return n <= 512;
	case V_BOOL:
		return n == 1 && (s[0] == '0' || s[0] == '1');
	case V_UINT:
		return parse_uint(s, n, &v) && v <= o->max;
	case V_ORPORT:
		return check_orport(s);
	case V_METRICSPORT:
		return check_addrport(s, n, 1);
	case V_POLICY:
		return check_policy(s);
	case V_BANDWIDTH:
		return check_amount(s, bw_units);
	case V_INTERVAL:
		return check_amount(s, time_units);
	case V_ACCSTART:
		return check_accstart(s);
	case V_ACCRULE:
		return strcmp(s, "sum") == 0 || strcmp(s, "max") == 0 || strcmp(s, "in") == 0 ||
		       strcmp(s, "out") == 0;
	case V_PUBLISH:
		return strcmp(s, "0") == 0 || strcmp(s, "1") == 0 || strcmp(s, "v3") == 0 ||
		       strcmp(s, "bridge") == 0;
	case V_ADDRESS:
		return parse_ip(s, n, a) != 0 || check_hostname(s);
	case V_IP:
		return parse_ip(s, n, a) != 0;
	case V_FAMILY:
		return check_family(s);
	case V_FAMILYID:
		return check_familyid(s);
	}
	return 0;
}

/* The text of one scalar JSON value: a string as is, a non-negative integer
 * in decimal, a boolean as 1/0 (only for boolean options).  NULL if none. */
static const char *value_text(const struct opt *o, const json_t *v, char *buf, size_t buflen, size_t *n)
{
	if (json_is_string(v)) {
		*n = json_string_length(v);
		return json_string_value(v);
	}
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		int k = snprintf(buf, buflen, "%lld", (long long)json_integer_value(v));
		*n = (size_t)k;
		return buf;
	}
	if (json_is_boolean(v) && (o->type == V_BOOL)) {
		*n = 1;
		return json_is_true(v) ? "1" : "0";
	}
	return NULL;
}

static int check_one(const struct opt *o, const json_t *v, const char *where, size_t idx,
		     struct cp_err *err)
{
	char buf[32];
	size_t n;
	const char *s = value_text(o, v, buf, sizeof buf, &n);

	if (!s)
		return err_set(err, "%s.%s[%zu]: value must be a string or a non-negative integer",
			       where, o->name, idx);
	if (!check_value(o, s, n))
		return err_set(err, "%s.%s[%zu]: invalid value (bad syntax, control character or too long)",
			       where, o->name, idx);
	return 1;
}

int torrc_check(const json_t *torrc, int family, const char *where, struct cp_err *err)
{
	const char *name;
	json_t *v;
	char nb[80];

	if (!json_is_object(torrc))
		return err_set(err, "%s: must be an object", where);
	if (json_object_size(torrc) > TORRC_OPTIONS_MAX)
		return err_set(err, "%s: more than %d options", where, TORRC_OPTIONS_MAX);
	json_object_foreach((json_t *)torrc, name, v) {
		const struct opt *o = torrc_find(name);
		if (!o)
			return err_set(err, "%s: option %s refused: %s", where,
				       err_name(name, nb, sizeof nb), torrc_refusal(name));
		if (o->family && !family)
			return err_set(err, "%s: option %s refused: family is off in this document",
				       where, o->name);
		if (json_is_array(v)) {
			size_t i, cnt = json_array_size(v);
			if (!o->repeat)
				return err_set(err, "%s.%s: takes one value, not a list", where, o->name);
			if (cnt == 0 || cnt > TORRC_VALUES_MAX)
				return err_set(err, "%s.%s: list must hold 1 to %d values", where,
					       o->name, TORRC_VALUES_MAX);
			for (i = 0; i < cnt; i++)
				if (!check_one(o, json_array_get(v, i), where, i, err))
					return 0;
		} else if (!check_one(o, v, where, 0, err)) {
			return 0;
		}
	}
	if (json_object_get(torrc, "MetricsPort") && !json_object_get(torrc, "MetricsPortPolicy"))
		return err_set(err, "%s: MetricsPort needs a MetricsPortPolicy", where);
	return 1;
}

static int render_values(const struct opt *o, const json_t *v, struct sbuf *out)
{
	char buf[32];
	size_t n, i, cnt = json_is_array(v) ? json_array_size(v) : 1;

	for (i = 0; i < cnt; i++) {
		const json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
		const char *s = value_text(o, e, buf, sizeof buf, &n);
		if (!s)
			return 0;
		sbuf_printf(out, "%s %s\n", o->name, s);
	}
	return !out->overflow;
}

int torrc_render(const char *instance, size_t index, const json_t *torrc, int family,
		 const struct torrc_paths *p, struct sbuf *out)
{
	size_t i;

	sbuf_printf(out, "# torrc for instance %s, rendered by configpull; lethe's options first.\n",
		    instance);
	sbuf_printf(out, "DataDirectory %s/%s\n", p->data_base, instance);
	sbuf_printf(out, "CacheDirectory %s/%s\n", p->data_base, instance);
	/* tpmseal unseals instance INDEX into KEYS/INDEX/keys (family key too) */
	sbuf_printf(out, "KeyDirectory %s/%zu/keys\n", p->key_base, index);
	if (family)
		sbuf_printf(out, "FamilyKeyDirectory %s/%zu/keys\n", p->key_base, index);
	/* one user per instance (lethe_paths.h: uid LETHE_TOR_UID + index,
	 * group debian-tor): one tor cannot read another's keys */
	if (index == 0)
		sbuf_printf(out, "User %s\n", p->user);
	else
		sbuf_printf(out, "User %s%zu\n", p->user, index);
	sbuf_cat(out, "RunAsDaemon 0\n"
		      "Sandbox 1\n"
		      "Log notice stdout\n"
		      "ControlPort 0\n"
		      "SocksPort 0\n"
		      "CookieAuthentication 0\n"
		      "AvoidDiskWrites 1\n"
		      "DisableDebuggerAttachment 1\n"
		      "# from the node document\n");
	for (i = 0; i < NALLOW; i++) {
		const json_t *v = json_object_get(torrc, torrc_allow[i].name);
		if (v && !render_values(&torrc_allow[i], v, out))
			return 0;
	}
	return !out->overflow;
}
