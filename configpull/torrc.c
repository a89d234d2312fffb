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
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lethe_dns.h"
#include "lethe_telemetry.h"
#include "torrc.h"

enum vtype {
	V_NICKNAME,
	V_TEXT,
	V_BOOL,
	V_FRONTPAGE,
	V_UINT,
	V_ORPORT,
	V_METRICSPORT,
	V_POLICY,
	V_BANDWIDTH,
	V_MEMORY,
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
	unsigned long long min; /* V_UINT, amounts: bounds in tor's base unit */
	unsigned long long max; /* (bytes, bytes per second or seconds) */
};

/* tor's own limits (tor 0.4.9, config.c, relay_config.c, unitparse.c):
 * a rate fits in an int32 (ROUTER_MAX_DECLARED_BANDWIDTH), a relay's rate
 * is at least ROUTER_REQUIRED_MIN_BANDWIDTH (75 KBytes, its advertised
 * bandwidth half that), a memory amount fits in an int64, an interval in an
 * int, a signing key lives at least twice TestingSigningKeySlop (1 day). */
#define TOR_BW_MAX 2147483648ULL /* "2 GBytes": tor reads it as INT32_MAX */
#define TOR_BW_MIN 76800ULL
#define TOR_ADVBW_MIN 38400ULL
#define TOR_MEM_MAX 9223372036854775807ULL
#define TOR_INTERVAL_MAX 2147483647ULL
#define TOR_KEYLIFE_MIN 172800ULL
#define TOR_BW_DEFAULT 1073741824ULL /* BandwidthRate and BandwidthBurst: 1 GByte */

/* Sorted by purpose, rendered in this order. */
static const struct opt torrc_allow[] = {
	{ "Nickname", V_NICKNAME, 0, 0, 0, 0 },
	{ "ContactInfo", V_TEXT, 0, 0, 0, 0 },
	{ "Address", V_ADDRESS, 1, 0, 0, 0 },
	{ "AddressDisableIPv6", V_BOOL, 0, 0, 0, 0 },
	{ "ORPort", V_ORPORT, 1, 0, 0, 0 },
	{ "DirPort", V_ORPORT, 1, 0, 0, 0 },
	{ "DirCache", V_BOOL, 0, 0, 0, 0 },
	/* a boolean: 1 serves lethe's exit notice, never a path of the server's */
	{ "DirPortFrontPage", V_FRONTPAGE, 0, 0, 0, 0 },
	{ "OutboundBindAddress", V_IP, 1, 0, 0, 0 },
	{ "OutboundBindAddressOR", V_IP, 1, 0, 0, 0 },
	{ "OutboundBindAddressExit", V_IP, 1, 0, 0, 0 },
	{ "AssumeReachable", V_BOOL, 0, 0, 0, 0 },
	{ "PublishServerDescriptor", V_PUBLISH, 0, 0, 0, 0 },
	{ "BridgeRelay", V_BOOL, 0, 0, 0, 0 },
	{ "ExitRelay", V_BOOL, 0, 0, 0, 0 },
	{ "ExitPolicy", V_POLICY, 1, 0, 0, 0 },
	{ "ReducedExitPolicy", V_BOOL, 0, 0, 0, 0 },
	{ "IPv6Exit", V_BOOL, 0, 0, 0, 0 },
	{ "BandwidthRate", V_BANDWIDTH, 0, 0, TOR_BW_MIN, TOR_BW_MAX },
	{ "BandwidthBurst", V_BANDWIDTH, 0, 0, TOR_BW_MIN, TOR_BW_MAX },
	{ "RelayBandwidthRate", V_BANDWIDTH, 0, 0, TOR_BW_MIN, TOR_BW_MAX },
	{ "RelayBandwidthBurst", V_BANDWIDTH, 0, 0, TOR_BW_MIN, TOR_BW_MAX },
	{ "MaxAdvertisedBandwidth", V_BANDWIDTH, 0, 0, TOR_ADVBW_MIN, TOR_BW_MAX },
	{ "AccountingMax", V_MEMORY, 0, 0, 0, TOR_MEM_MAX },
	{ "AccountingStart", V_ACCSTART, 0, 0, 0, 0 },
	{ "AccountingRule", V_ACCRULE, 0, 0, 0, 0 },
	{ "MyFamily", V_FAMILY, 1, 1, 0, 0 },
	{ "FamilyId", V_FAMILYID, 1, 1, 0, 0 },
	{ "MetricsPort", V_METRICSPORT, 0, 0, 0, 0 },
	{ "MetricsPortPolicy", V_POLICY, 1, 0, 0, 0 },
	{ "NumCPUs", V_UINT, 0, 0, 0, 256 },
	{ "MaxMemInQueues", V_MEMORY, 0, 0, 0, TOR_MEM_MAX },
	{ "HeartbeatPeriod", V_INTERVAL, 0, 0, 0, TOR_INTERVAL_MAX },
	{ "ShutdownWaitLength", V_INTERVAL, 0, 0, 0, TOR_INTERVAL_MAX },
	{ "SigningKeyLifetime", V_INTERVAL, 0, 0, TOR_KEYLIFE_MIN, TOR_INTERVAL_MAX },
};
#define NALLOW (sizeof torrc_allow / sizeof torrc_allow[0])

/* Options lethe writes itself: named so a refusal says why. */
static const char *const torrc_owned[] = {
	"DataDirectory", "CacheDirectory", "KeyDirectory", "FamilyKeyDirectory", "User",
	"RunAsDaemon", "Sandbox", "Log", "PidFile", "ControlPort", "ControlSocket",
	"ControlPortWriteToFile", "CookieAuthentication", "CookieAuthFile",
	"HashedControlPassword", "AvoidDiskWrites", "DisableDebuggerAttachment", "SocksPort",
	"DisableNetwork", "ExitPolicyRejectPrivate", "ExitPolicyRejectLocalInterfaces",
	"ServerDNSResolvConfFile", "ResolvConf", /* tor's old name for it */
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
	/* how tor resolves for its clients: the node's resolver, set by the
	 * document's "dns" object (the rest stay tor's defaults) */
	if (strncasecmp(name, "ServerDNS", 9) == 0)
		return "tor's DNS settings are lethe's (the document's dns object picks the resolver)";
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

/* Networks an exit must never accept traffic to, whatever the document
 * says: tor's ExitPolicyRejectPrivate list as lethe reads it, plus CGNAT
 * and IPv4-mapped IPv6 (a way to name the IPv4 ones again). */
struct net {
	int fam;
	unsigned char a[16];
	unsigned bits;
	const char *what;
};

static const struct net forbidden_nets[] = {
	{ 4, { 127 }, 8, "loopback (127.0.0.0/8)" },
	{ 4, { 10 }, 8, "private (10.0.0.0/8)" },
	{ 4, { 172, 16 }, 12, "private (172.16.0.0/12)" },
	{ 4, { 192, 168 }, 16, "private (192.168.0.0/16)" },
	{ 4, { 169, 254 }, 16, "link-local (169.254.0.0/16)" },
	{ 4, { 100, 64 }, 10, "CGNAT (100.64.0.0/10)" },
	{ 4, { 0 }, 32, "unspecified (0.0.0.0)" },
	{ 6, { [15] = 1 }, 128, "loopback (::1)" },
	{ 6, { 0xfc }, 7, "private (fc00::/7)" },
	{ 6, { 0xfe, 0x80 }, 10, "link-local (fe80::/10)" },
	{ 6, { 0 }, 128, "unspecified (::)" },
	{ 6, { [10] = 0xff, [11] = 0xff }, 96, "IPv4-mapped (::ffff:0:0/96)" },
};

/* Whether A and B agree on their first BITS bits. */
static int prefix_eq(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	unsigned char mask;

	if (memcmp(a, b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff00 >> rest);
	return (a[full] & mask) == (b[full] & mask);
}

/* The forbidden network A/BITS overlaps, or NULL.  Two prefixes overlap
 * when they agree on the shorter one's bits. */
static const char *net_forbidden(int fam, const unsigned char a[16], unsigned bits)
{
	size_t i;

	for (i = 0; i < sizeof forbidden_nets / sizeof forbidden_nets[0]; i++) {
		const struct net *f = &forbidden_nets[i];
		if (f->fam == fam && prefix_eq(a, f->a, bits < f->bits ? bits : f->bits))
			return f->what;
	}
	return NULL;
}

static int ip_is_private(int fam, const unsigned char a[16])
{
	static const unsigned char loop6[16] = { [15] = 1 };

	if (fam == 4)
		return a[0] == 127 || a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		       (a[0] == 192 && a[1] == 168);
	return memcmp(a, loop6, 16) == 0 || (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

/* 127/8, ::1 and ::ffff:127/104: a relay address there is unreachable. */
/* --testnet: a private test network on the host's loopback (initd passes it
 * only with lethe.testnet on the measured kernel command line). */
static int torrc_loopback_ok;

void torrc_allow_loopback(int on)
{
	torrc_loopback_ok = on;
}

static int ip_is_loopback(int fam, const unsigned char a[16])
{
	static const unsigned char loop6[16] = { [15] = 1 };
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (fam == 4)
		return a[0] == 127;
	return memcmp(a, loop6, 16) == 0 || (memcmp(a, mapped, 12) == 0 && a[12] == 127);
}

/* "port", "auto", "IPv4:port" or "[IPv6]:port" into AP (fam 0: no
 * address, port 0: auto).  1 ok, 0 bad syntax. */
static int parse_addrport(const char *s, size_t n, struct torrc_bind *ap)
{
	unsigned long long port;
	const char *colon;

	memset(ap, 0, sizeof *ap);
	if (n == 4 && memcmp(s, "auto", 4) == 0)
		return 1;
	if (is_port(s, n)) {
		parse_uint(s, n, &port);
		ap->port = (unsigned)port;
		return 1;
	}
	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (!close || close + 1 >= s + n || close[1] != ':')
			return 0;
		ap->fam = parse_ip(s + 1, (size_t)(close - s - 1), ap->addr);
		if (ap->fam != 6)
			return 0;
		colon = close + 1;
	} else {
		colon = memchr(s, ':', n);
		if (!colon)
			return 0;
		ap->fam = parse_ip(s, (size_t)(colon - s), ap->addr);
		if (ap->fam != 4)
			return 0;
	}
	if (!is_port(colon + 1, (size_t)(s + n - colon - 1)))
		return 0;
	parse_uint(colon + 1, (size_t)(s + n - colon - 1), &port);
	ap->port = (unsigned)port;
	return 1;
}

static int word_in(const char *s, size_t n, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == n && strncasecmp(s, *words, n) == 0)
			return 1;
	return 0;
}

#define BAD_SYNTAX "invalid value (bad syntax, control character or too long)"

enum { F_NOADVERTISE = 1, F_NOLISTEN = 2, F_IPV4ONLY = 4, F_IPV6ONLY = 8 };

/* ORPort/DirPort: an address-port then flags from a short list, in the
 * combinations tor accepts.  *FLAGS gets them.  NULL ok, else why not. */
static const char *check_orport(const struct opt *o, const char *s, unsigned *flags)
{
	static const char *const names[] = { "NoAdvertise", "NoListen", "IPv4Only", "IPv6Only", NULL };
	const char *sp = strchr(s, ' ');
	size_t n = sp ? (size_t)(sp - s) : strlen(s);
	struct torrc_bind ap;

	*flags = 0;
	if (!parse_addrport(s, n, &ap))
		return BAD_SYNTAX;
	while (sp) {
		const char *w = sp + 1, *next = strchr(w, ' ');
		size_t m = next ? (size_t)(next - w) : strlen(w), k;
		for (k = 0; names[k]; k++)
			if (strlen(names[k]) == m && strncasecmp(w, names[k], m) == 0)
				break;
		if (!names[k])
			return BAD_SYNTAX;
		*flags |= 1u << k;
		sp = next;
	}
	if ((*flags & F_NOADVERTISE) && (*flags & F_NOLISTEN))
		return "NoAdvertise and NoListen together (tor refuses the line)";
	if ((*flags & F_IPV4ONLY) && (*flags & F_IPV6ONLY))
		return "IPv4Only and IPv6Only together (tor refuses the line)";
	if ((ap.fam == 6 && (*flags & F_IPV4ONLY)) || (ap.fam == 4 && (*flags & F_IPV6ONLY)))
		return "the IPv4Only/IPv6Only flag contradicts the address (tor refuses the line)";
	if (strcmp(o->name, "ORPort") == 0 && ap.fam && !torrc_loopback_ok &&
	    ip_is_loopback(ap.fam, ap.addr))
		return "a loopback address: a relay's ORPort must be reachable";
	if (strcmp(o->name, "DirPort") == 0 && (ap.fam == 6 || (*flags & F_IPV6ONLY)))
		return "tor accepts only IPv4 DirPorts";
	return NULL;
}

/* "*" or PORT or LO-HI, 1 to 65535, LO <= HI (tor's "insane port range"). */
static int check_portspec(const char *s, size_t n)
{
	const char *dash = memchr(s, '-', n);
	unsigned long long lo, hi;

	if (n == 1 && s[0] == '*')
		return 1;
	if (!dash)
		return is_port(s, n);
	if (!is_port(s, (size_t)(dash - s)) || !is_port(dash + 1, (size_t)(s + n - dash - 1)))
		return 0;
	parse_uint(s, (size_t)(dash - s), &lo);
	parse_uint(dash + 1, (size_t)(s + n - dash - 1), &hi);
	return lo <= hi;
}

/* One "VERB ADDR[/BITS][:PORTS]" item, M bytes at S.  ADDR is "*", "*4",
 * "*6", "private", an IPv4 literal or a bracketed IPv6 literal; BITS a
 * prefix length (no dotted masks).  EXIT: an ExitPolicy, whose accepts may
 * not reach a forbidden network (tor's private rejection, forced by lethe,
 * comes first anyway: this keeps the document honest about it).  NULL ok,
 * else why not. */
static const char *check_policy_item(const char *s, size_t m, int exit, char *why, size_t whylen)
{
	static const char *const verbs[] = { "accept", "reject", "accept6", "reject6", NULL };
	const char *sp = memchr(s, ' ', m), *end = s + m, *p, *q;
	unsigned char a[16] = { 0 };
	unsigned long long bits;
	int fam = 0, priv = 0, wild = 0;
	const char *net;

	if (!sp || !word_in(s, (size_t)(sp - s), verbs))
		return BAD_SYNTAX;
	p = sp + 1;
	if (p < end && *p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));
		if (!close || parse_ip(p + 1, (size_t)(close - p - 1), a) != 6)
			return BAD_SYNTAX;
		fam = 6;
		q = close + 1;
	} else {
		for (q = p; q < end && *q != ':' && *q != '/'; q++)
			;
		if ((q - p == 1 && p[0] == '*') || (q - p == 2 && p[0] == '*' && (p[1] == '4' || p[1] == '6')))
			wild = 1;
		else if (q - p == 7 && strncasecmp(p, "private", 7) == 0)
			priv = 1;
		else if (parse_ip(p, (size_t)(q - p), a) == 4)
			fam = 4;
		else
			return BAD_SYNTAX;
	}
	bits = fam == 4 ? 32 : 128;
	if (q < end && *q == '/') {
		const char *b = ++q;
		while (q < end && *q != ':')
			q++;
		if (!fam || !parse_uint(b, (size_t)(q - b), &bits) || bits > (fam == 4 ? 32u : 128u))
			return BAD_SYNTAX;
	}
	if (q < end && (*q != ':' || !check_portspec(q + 1, (size_t)(end - q - 1))))
		return BAD_SYNTAX;
	if (!exit || (s[0] != 'a' && s[0] != 'A') || wild)
		return NULL;
	if (priv)
		return "accept private refused: lethe forces ExitPolicyRejectPrivate 1";
	net = net_forbidden(fam, a, (unsigned)bits);
	if (!net)
		return NULL;
	snprintf(why, whylen, "accept to a network overlapping %s refused (reject entries may name it)", net);
	return why;
}

/* Policy: items separated by ", " or ",".  NULL ok, else why not. */
static const char *check_policy(const char *s, int exit, char *why, size_t whylen)
{
	for (;;) {
		const char *end, *bad;
		size_t m;

		while (*s == ' ')
			s++;
		end = strchr(s, ',');
		m = end ? (size_t)(end - s) : strlen(s);
		if (m == 0)
			return BAD_SYNTAX;
		bad = check_policy_item(s, m, exit, why, whylen);
		if (bad)
			return bad;
		if (!end)
			return NULL;
		s = end + 1;
	}
}

struct unit {
	const char *name;
	unsigned long long mult; /* in bytes or seconds */
};

/* tor's memory units (unitparse.c), the spellings lethe allows: bits are
 * bytes/8, so a KBit is 2^7 bytes. */
static const struct unit bw_units[] = {
	{ "byte", 1 }, { "bytes", 1 },
	{ "KB", 1ULL << 10 }, { "KBytes", 1ULL << 10 }, { "kilobyte", 1ULL << 10 }, { "kilobytes", 1ULL << 10 },
	{ "MB", 1ULL << 20 }, { "MBytes", 1ULL << 20 }, { "megabyte", 1ULL << 20 }, { "megabytes", 1ULL << 20 },
	{ "GB", 1ULL << 30 }, { "GBytes", 1ULL << 30 }, { "gigabyte", 1ULL << 30 }, { "gigabytes", 1ULL << 30 },
	{ "TB", 1ULL << 40 }, { "TBytes", 1ULL << 40 }, { "terabyte", 1ULL << 40 }, { "terabytes", 1ULL << 40 },
	{ "KBits", 1ULL << 7 }, { "kilobits", 1ULL << 7 }, { "MBits", 1ULL << 17 }, { "megabits", 1ULL << 17 },
	{ "GBits", 1ULL << 27 }, { "gigabits", 1ULL << 27 }, { "TBits", 1ULL << 37 }, { "terabits", 1ULL << 37 },
	{ NULL, 0 },
};
/* tor's time units (a month is 30.44 days to tor). */
static const struct unit time_units[] = {
	{ "second", 1 }, { "seconds", 1 }, { "minute", 60 }, { "minutes", 60 },
	{ "hour", 3600 }, { "hours", 3600 }, { "day", 86400 }, { "days", 86400 },
	{ "week", 604800 }, { "weeks", 604800 }, { "month", 2629728 }, { "months", 2629728 },
	{ NULL, 0 },
};

/* "N" or "N UNIT" with UNIT from UNITS (case-insensitive, as tor reads it):
 * *OUT gets N times the unit, saturated at ULLONG_MAX (so "too large" is
 * seen, never a wrapped small number).  1 ok, 0 bad syntax. */
static int parse_amount(const char *s, const struct unit *units, unsigned long long *out)
{
	const char *sp = strchr(s, ' ');
	unsigned long long v;

	if (!sp)
		return parse_uint(s, strlen(s), out);
	if (!parse_uint(s, (size_t)(sp - s), &v))
		return 0;
	for (; units->name; units++)
		if (strcasecmp(sp + 1, units->name) == 0) {
			*out = v > ULLONG_MAX / units->mult ? ULLONG_MAX : v * units->mult;
			return 1;
		}
	return 0;
}

/* An amount within O's bounds.  NULL ok, else why not (in WHY). */
static const char *check_amount(const struct opt *o, const char *s, const struct unit *units,
				const char *base, char *why, size_t whylen)
{
	unsigned long long v;

	if (!parse_amount(s, units, &v))
		return BAD_SYNTAX;
	if (v >= o->min && v <= o->max)
		return NULL;
	snprintf(why, whylen, "out of range: %llu to %llu %s, as tor reads it", o->min, o->max, base);
	return why;
}

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

/* "localhost", "localhost." or a name under it (RFC 6761). */
static int is_localhost(const char *s)
{
	size_t n = strlen(s);

	if (n && s[n - 1] == '.')
		n--;
	return (n == 9 && strncasecmp(s, "localhost", 9) == 0) ||
	       (n > 10 && strncasecmp(s + n - 10, ".localhost", 10) == 0);
}

/* One value of O.  NULL ok, else why not (possibly in WHY). */
static const char *check_value(const struct opt *o, const char *s, size_t n, char *why, size_t whylen)
{
	unsigned long long v;
	unsigned char a[16];
	unsigned flags;
	size_t i;
	int fam;

	if (strlen(s) != n || !check_text(s, n))
		return BAD_SYNTAX;
	switch (o->type) {
	case V_NICKNAME:
		if (n > 19)
			return BAD_SYNTAX;
		for (i = 0; i < n; i++)
			if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
			      (s[i] >= 'A' && s[i] <= 'Z')))
				return BAD_SYNTAX;
		return NULL;
	case V_TEXT:
		return n <= 512 ? NULL : BAD_SYNTAX;
	case V_BOOL:
	case V_FRONTPAGE:
		return n == 1 && (s[0] == '0' || s[0] == '1') ? NULL : BAD_SYNTAX;
	case V_UINT:
		return parse_uint(s, n, &v) && v >= o->min && v <= o->max ? NULL : BAD_SYNTAX;
	case V_ORPORT:
		return check_orport(o, s, &flags);
	case V_METRICSPORT: {
		struct torrc_bind ap;
		return parse_addrport(s, n, &ap) && ap.fam && ip_is_private(ap.fam, ap.addr) ? NULL : BAD_SYNTAX;
	}
	case V_POLICY:
		return check_policy(s, strcmp(o->name, "ExitPolicy") == 0, why, whylen);
	case V_BANDWIDTH:
		return check_amount(o, s, bw_units, "bytes per second", why, whylen);
	case V_MEMORY:
		return check_amount(o, s, bw_units, "bytes", why, whylen);
	case V_INTERVAL:
		return check_amount(o, s, time_units, "seconds", why, whylen);
	case V_ACCSTART:
		return check_accstart(s) ? NULL : BAD_SYNTAX;
	case V_ACCRULE:
		return strcmp(s, "sum") == 0 || strcmp(s, "max") == 0 || strcmp(s, "in") == 0 ||
		       strcmp(s, "out") == 0 ? NULL : BAD_SYNTAX;
	case V_PUBLISH:
		return strcmp(s, "0") == 0 || strcmp(s, "1") == 0 || strcmp(s, "v3") == 0 ||
		       strcmp(s, "bridge") == 0 ? NULL : BAD_SYNTAX;
	case V_ADDRESS:
		fam = parse_ip(s, n, a);
		if (!fam && !check_hostname(s))
			return BAD_SYNTAX;
		if (!torrc_loopback_ok && ((fam && ip_is_loopback(fam, a)) || (!fam && is_localhost(s))))
			return "a loopback address: a relay's Address must be reachable";
		return NULL;
	case V_IP:
		return parse_ip(s, n, a) != 0 ? NULL : BAD_SYNTAX;
	case V_FAMILY:
		return check_family(s) ? NULL : BAD_SYNTAX;
	case V_FAMILYID:
		return check_familyid(s) ? NULL : BAD_SYNTAX;
	}
	return BAD_SYNTAX;
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
	if (json_is_boolean(v) && (o->type == V_BOOL || o->type == V_FRONTPAGE)) {
		*n = 1;
		return json_is_true(v) ? "1" : "0";
	}
	return NULL;
}

static int check_one(const struct opt *o, const json_t *v, const char *where, size_t idx,
		     struct cp_err *err)
{
	char buf[32], why[160];
	size_t n;
	const char *s = value_text(o, v, buf, sizeof buf, &n), *bad;

	if (!s)
		return err_set(err, "%s.%s[%zu]: value must be a string or a non-negative integer",
			       where, o->name, idx);
	bad = check_value(o, s, n, why, sizeof why);
	if (bad)
		return err_set(err, "%s.%s[%zu]: %s", where, o->name, idx, bad);
	return 1;
}

/* Value I of option value V (a scalar or a list), as text; NULL past the end. */
static const char *value_at(const struct opt *o, const json_t *v, size_t i, char *buf, size_t buflen)
{
	size_t n;

	if (json_is_array(v))
		return i < json_array_size(v) ? value_text(o, json_array_get(v, i), buf, buflen, &n) : NULL;
	return i == 0 ? value_text(o, v, buf, buflen, &n) : NULL;
}

/* Rules over all the lines of one option, as tor applies them: an ORPort
 * set listens on IPv4 somewhere and advertises somewhere, a DirPort set
 * listens somewhere, an OutboundBindAddress* names one address per family. */
static int check_lines(const struct opt *o, const json_t *v, const char *where, struct cp_err *err)
{
	int listen4 = 0, listen = 0, advertised = 0, seen4 = 0, seen6 = 0;
	unsigned char a[16];
	char buf[32];
	const char *s;
	size_t i;

	for (i = 0; (s = value_at(o, v, i, buf, sizeof buf)); i++) {
		if (o->type == V_ORPORT) {
			struct torrc_bind ap;
			const char *sp = strchr(s, ' ');
			unsigned flags;
			check_orport(o, s, &flags);
			parse_addrport(s, sp ? (size_t)(sp - s) : strlen(s), &ap);
			listen |= !(flags & F_NOLISTEN);
			listen4 |= !(flags & (F_NOLISTEN | F_IPV6ONLY)) && ap.fam != 6;
			advertised |= !(flags & F_NOADVERTISE);
		} else if (o->type == V_IP) {
			int fam = parse_ip(s, strlen(s), a);
			if ((fam == 4 && seen4++) || (fam == 6 && seen6++))
				return err_set(err, "%s.%s[%zu]: a second IPv%d address (tor takes one per family)",
					       where, o->name, i, fam);
		}
	}
	if (strcmp(o->name, "ORPort") == 0 && (!listen4 || !advertised))
		return err_set(err, "%s.ORPort: tor needs a line that listens on IPv4 and one that is advertised",
			       where);
	if (strcmp(o->name, "DirPort") == 0 && !listen)
		return err_set(err, "%s.DirPort: tor needs a line that listens (not NoListen)", where);
	return 1;
}

/* An amount option's value in its base unit (a rate as tor reads it: 2^31
 * becomes INT32_MAX), or DFLT when absent. */
static unsigned long long amount_of(const json_t *torrc, const char *name, unsigned long long dflt)
{
	const struct opt *o = torrc_find(name);
	const json_t *v = json_object_get(torrc, name);
	unsigned long long out;
	char buf[32];
	const char *s;

	if (!o || !v || !(s = value_at(o, v, 0, buf, sizeof buf)) ||
	    !parse_amount(s, o->type == V_INTERVAL ? time_units : bw_units, &out))
		return dflt;
	return o->type == V_BANDWIDTH && out == TOR_BW_MAX ? out - 1 : out;
}

/* A checked boolean option: 1, 0, or -1 when the document leaves it out. */
static int bool_opt(const json_t *torrc, const char *name)
{
	const struct opt *o = torrc_find(name);
	const json_t *v = json_object_get(torrc, name);
	char buf[32];
	const char *s;

	if (!o || !v || !(s = value_at(o, v, 0, buf, sizeof buf)))
		return -1;
	return s[0] == '1';
}

/* tor refuses a burst below its rate; BandwidthRate and BandwidthBurst
 * default to 1 GByte each, the relay pair to "unset" (the other's value). */
static int check_rates(const json_t *torrc, const char *where, struct cp_err *err)
{
	unsigned long long rate = amount_of(torrc, "BandwidthRate", TOR_BW_DEFAULT);
	unsigned long long burst = amount_of(torrc, "BandwidthBurst", TOR_BW_DEFAULT);
	unsigned long long rrate = amount_of(torrc, "RelayBandwidthRate", 0);
	unsigned long long rburst = amount_of(torrc, "RelayBandwidthBurst", 0);

	if (burst < rate)
		return err_set(err, "%s.BandwidthBurst: below BandwidthRate (each defaults to 1 GByte; tor refuses)",
			       where);
	if (rrate && rburst && rburst < rrate)
		return err_set(err, "%s.RelayBandwidthBurst: below RelayBandwidthRate (tor refuses)", where);
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
		if (!check_lines(o, v, where, err))
			return 0;
	}
	if (json_object_get(torrc, "MetricsPort") && !json_object_get(torrc, "MetricsPortPolicy"))
		return err_set(err, "%s: MetricsPort needs a MetricsPortPolicy", where);
	/* tor serves the page on the DirPort: without one it would be a
	 * setting that does nothing */
	if (bool_opt(torrc, "DirPortFrontPage") == 1 && !json_object_get(torrc, "DirPort"))
		return err_set(err, "%s.DirPortFrontPage: needs a DirPort (tor serves the page there)", where);
	if (bool_opt(torrc, "DirCache") == 0 && json_object_get(torrc, "DirPort"))
		return err_set(err, "%s.DirCache: 0 with a DirPort (tor refuses: a DirPort needs DirCache)", where);
	return check_rates(torrc, where, err);
}

size_t torrc_binds(const json_t *torrc, struct torrc_bind *out)
{
	static const char *const opts[] = { "ORPort", "DirPort", "MetricsPort", NULL };
	const char *const *p;
	size_t n = 0;

	for (p = opts; *p; p++) {
		const struct opt *o = torrc_find(*p);
		const json_t *v = json_object_get(torrc, *p);
		char buf[32];
		const char *s;
		size_t i;

		/* bounded by TORRC_VALUES_MAX per option, checked before */
		for (i = 0; v && i < TORRC_VALUES_MAX && (s = value_at(o, v, i, buf, sizeof buf)); i++) {
			const char *sp = strchr(s, ' ');
			if (!parse_addrport(s, sp ? (size_t)(sp - s) : strlen(s), &out[n]) || out[n].port == 0)
				continue; /* auto: tor picks a free port */
			out[n].option = o->name;
			out[n].idx = i;
			n++;
		}
	}
	return n;
}

int torrc_binds_clash(const struct torrc_bind *a, const struct torrc_bind *b)
{
	if (a->port != b->port)
		return 0;
	/* no address: every address of both families */
	if (!a->fam || !b->fam)
		return 1;
	return a->fam == b->fam && memcmp(a->addr, b->addr, a->fam == 4 ? 4 : 16) == 0;
}

/* Whether tor runs this torrc as an exit (tor(1), ExitRelay): ExitRelay 1,
 * or ExitRelay left "auto" and one of ExitPolicy, ReducedExitPolicy 1 or
 * IPv6Exit 1 set; a bridge never is one. */
static int torrc_is_exit(const json_t *torrc)
{
	int exit = bool_opt(torrc, "ExitRelay");

	if (bool_opt(torrc, "BridgeRelay") == 1)
		return 0;
	if (exit >= 0)
		return exit;
	return json_object_get(torrc, "ExitPolicy") || bool_opt(torrc, "ReducedExitPolicy") == 1 ||
	       bool_opt(torrc, "IPv6Exit") == 1;
}

/* Whether the document gives the instance an IPv6 address: in its
 * addresses (initd puts them on the interface), an Address literal or an
 * ORPort's "[IPv6]:PORT".  All checked: an IPv4 address or a host name
 * has no ':', only an IPv6 ORPort starts with '['. */
static int torrc_knows_ipv6(const json_t *torrc, const json_t *addresses)
{
	const struct opt *orport = torrc_find("ORPort"), *address = torrc_find("Address");
	const json_t *v;
	char buf[32];
	const char *s;
	size_t i;

	for (i = 0; i < json_array_size(addresses); i++) {
		const char *a = json_string_value(json_array_get(addresses, i));

		if (a && strchr(a, ':'))
			return 1;
	}
	v = json_object_get(torrc, "Address");
	for (i = 0; v && (s = value_at(address, v, i, buf, sizeof buf)); i++)
		if (strchr(s, ':'))
			return 1;
	v = json_object_get(torrc, "ORPort");
	for (i = 0; v && (s = value_at(orport, v, i, buf, sizeof buf)); i++)
		if (s[0] == '[')
			return 1;
	return 0;
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

int torrc_render(const char *instance, size_t index, const json_t *torrc, const json_t *addresses,
		 int family, const struct torrc_paths *p, struct sbuf *out)
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
		      /* an exit never reaches the operator's own networks:
		       * tor puts these rejections before any ExitPolicy line */
		      "ExitPolicyRejectPrivate 1\n"
		      "ExitPolicyRejectLocalInterfaces 1\n"
		      /* the exit's resolver: initd writes this file before tor
		       * starts (nameserver 127.0.0.1, lethe's unbound, or the
		       * network's resolvers with the document's "resolver":
		       * "off"); tor's Sandbox fixes the path, so it never
		       * changes */
		      "ServerDNSResolvConfFile " LETHE_TOR_RESOLV_CONF "\n"
		      /* no client address in a line that leaves the node
		       * (docs/observability.md: the logs are shipped) */
		      "SafeLogging 1\n");
	/* lethe-telemetry reads this instance's metrics over loopback and
	 * pushes them over the mTLS channel (include/lethe_telemetry.h);
	 * tor's policy is first-match, so this line admits the agent before
	 * any MetricsPortPolicy of the document */
	sbuf_printf(out, "MetricsPort 127.0.0.1:%u\n", LETHE_TOR_METRICS_PORT_BASE + (unsigned)index);
	sbuf_cat(out, "MetricsPortPolicy accept 127.0.0.1\n"
		      "# from the node document\n");
	for (i = 0; i < NALLOW; i++) {
		const struct opt *o = &torrc_allow[i];
		const json_t *v = json_object_get(torrc, o->name);
		if (o->type == V_FRONTPAGE) {
			/* only ever lethe's page: the document says on or off */
			if (bool_opt(torrc, o->name) == 1)
				sbuf_cat(out, "DirPortFrontPage " LETHE_EXIT_NOTICE "\n");
		} else if (v) {
			if (!render_values(o, v, out))
				return 0;
		} else if (strcmp(o->name, "IPv6Exit") == 0 && torrc_is_exit(torrc) &&
			   torrc_knows_ipv6(torrc, addresses)) {
			/* an exit with an IPv6 address serves IPv6 destinations
			 * unless the document says IPv6Exit 0 (or 1 for an IPv6
			 * address it does not list, e.g. from router advertisements) */
			sbuf_cat(out, "IPv6Exit 1\n");
		}
	}
	return !out->overflow;
}
