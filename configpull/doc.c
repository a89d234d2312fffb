/* Version-1 node documents.
 *
 * Every object is checked against its list of keys: a key we do not know is
 * an error naming it, because a newer server silently ignored by an older
 * node is how settings drift.  Every string, list and number is bounded. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "doc.h"
#include "lethe_dns.h"
#include "lethe_paths.h"
#include "lethe_telemetry.h"
#include "sysctl.h"
#include "torrc.h"

static int only_keys(const json_t *obj, const char *where, const char *const *keys,
		     struct cp_err *err)
{
	const char *k;
	json_t *v;
	char nb[80];

	json_object_foreach((json_t *)obj, k, v) {
		const char *const *p;
		for (p = keys; *p; p++)
			if (strcmp(*p, k) == 0)
				break;
		if (!*p)
			return err_set(err, "%s: unknown key %s", where, err_name(k, nb, sizeof nb));
	}
	return 1;
}

/* A string of 1..MAX bytes from SET (a function), no embedded NUL. */
static int str_ok(const json_t *v, size_t min, size_t max, int (*okc)(int))
{
	const char *s;
	size_t n, i;

	if (!json_is_string(v))
		return 0;
	s = json_string_value(v);
	n = json_string_length(v);
	if (n < min || n > max || strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!okc((unsigned char)s[i]))
			return 0;
	return 1;
}

static int c_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int c_name(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
}

static int c_version(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '.' || c == '-' || c == '+' || c == '_';
}

static int c_b64(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '+' || c == '/';
}

static int int_in(const json_t *v, json_int_t min, json_int_t max)
{
	return json_is_integer(v) && json_integer_value(v) >= min && json_integer_value(v) <= max;
}

static int one_of(const json_t *v, const char *const *words)
{
	if (!json_is_string(v))
		return 0;
	for (; *words; words++)
		if (strcmp(*words, json_string_value(v)) == 0 &&
		    strlen(*words) == json_string_length(v))
			return 1;
	return 0;
}

/* "IP" or "IP/PREFIX" with PREFIX <= 32 or 128. */
static int address_ok(const json_t *v)
{
	char tmp[64], *slash;
	unsigned char a[16];
	int fam, prefix = -1;

	if (!json_is_string(v) || json_string_length(v) >= sizeof tmp ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return 0;
	memcpy(tmp, json_string_value(v), json_string_length(v) + 1);
	slash = strchr(tmp, '/');
	if (slash) {
		char *p = slash + 1;
		*slash = 0;
		if (!*p || strlen(p) > 3 || (p[0] == '0' && p[1]))
			return 0;
		for (prefix = 0; *p; p++) {
			if (*p < '0' || *p > '9')
				return 0;
			prefix = prefix * 10 + (*p - '0');
		}
	}
	if (inet_pton(AF_INET, tmp, a) == 1)
		fam = 32;
	else if (inet_pton(AF_INET6, tmp, a) == 1)
		fam = 128;
	else
		return 0;
	return prefix <= fam;
}

/* "HH:MM-HH:MM", UTC, 24-hour, exactly that spelling (one string per
 * window, so the fleet and initd never disagree on how to read it); the
 * end may be earlier than the start (past midnight), never equal (an empty
 * or a whole-day window would be a guess). */
static int window_ok(const json_t *v)
{
	const char *s;
	int t[4], i;

	if (!json_is_string(v) || json_string_length(v) != 11)
		return 0;
	s = json_string_value(v);
	if (s[2] != ':' || s[5] != '-' || s[8] != ':')
		return 0;
	for (i = 0; i < 4; i++) {
		const char *d = s + 3 * i;
		if (d[0] < '0' || d[0] > '9' || d[1] < '0' || d[1] > '9')
			return 0;
		t[i] = (d[0] - '0') * 10 + (d[1] - '0');
	}
	return t[0] <= 23 && t[1] <= 59 && t[2] <= 23 && t[3] <= 59 &&
	       (t[0] != t[2] || t[1] != t[3]);
}

/* JSON's exactly representable integers: a fleet tool in any language
 * writes and reads the same epoch. */
#define DOC_EPOCH_MAX (((json_int_t)1 << 53) - 1)
#define DOC_ROLLOUT_MAX ((json_int_t)0x7FFFFFFF)

static int check_image(const json_t *img, struct cp_err *err)
{
	static const char *const keys[] = { "version", "sha256", "epoch", "rollout", "window", NULL };
	/* A rollout is the three together: which image (its approval epoch),
	 * which rollout (a node reboots once per number), and when. */
	static const char *const rollout[] = { "epoch", "rollout", "window" };
	const json_t *v;
	int i, have = -1, lack = -1;

	if (!json_is_object(img))
		return err_set(err, "image: must be an object");
	if (!only_keys(img, "image", keys, err))
		return 0;
	v = json_object_get(img, "version");
	if (!v || !str_ok(v, 1, 64, c_version))
		return err_set(err, "image.version: required, 1-64 of [A-Za-z0-9._+-]");
	v = json_object_get(img, "sha256");
	if (v && !str_ok(v, 64, 64, c_hex))
		return err_set(err, "image.sha256: must be 64 hex digits");
	v = json_object_get(img, "epoch");
	if (v && !int_in(v, 1, DOC_EPOCH_MAX))
		return err_set(err, "image.epoch: an integer from 1 to 2^53-1 (the image's approval epoch)");
	v = json_object_get(img, "rollout");
	if (v && !int_in(v, 1, DOC_ROLLOUT_MAX))
		return err_set(err, "image.rollout: an integer from 1 to 2^31-1");
	v = json_object_get(img, "window");
	if (v && !window_ok(v))
		return err_set(err, "image.window: must be \"HH:MM-HH:MM\" (UTC, 00:00-23:59, start != end)");
	for (i = 0; i < 3; i++) {
		if (json_object_get(img, rollout[i]))
			have = have < 0 ? i : have;
		else
			lack = lack < 0 ? i : lack;
	}
	if (have >= 0 && lack >= 0)
		return err_set(err, "image.%s: required with image.%s (epoch, rollout and window go together)",
			       rollout[lack], rollout[have]);
	return 1;
}

static int check_zram(const json_t *z, struct cp_err *err)
{
	static const char *const keys[] = { "enabled", "size_mib", "algorithm", NULL };
	static const char *const algs[] = { "zstd", "lz4", "lzo-rle", NULL };
	const json_t *v;

	if (!json_is_object(z))
		return err_set(err, "zram: must be an object");
	if (!only_keys(z, "zram", keys, err))
		return 0;
	v = json_object_get(z, "enabled");
	if (!json_is_boolean(v))
		return err_set(err, "zram.enabled: required, a boolean");
	v = json_object_get(z, "size_mib");
	if (v && !int_in(v, 16, 65536))
		return err_set(err, "zram.size_mib: an integer from 16 to 65536");
	v = json_object_get(z, "algorithm");
	if (v && !one_of(v, algs))
		return err_set(err, "zram.algorithm: one of zstd, lz4, lzo-rle");
	return 1;
}

static int check_provisioning(const json_t *p, struct cp_err *err)
{
	static const char *const keys[] = { "allow_new_identities", NULL };

	if (!json_is_object(p))
		return err_set(err, "provisioning: must be an object");
	if (!only_keys(p, "provisioning", keys, err))
		return 0;
	if (!json_is_boolean(json_object_get(p, "allow_new_identities")))
		return err_set(err, "provisioning.allow_new_identities: required, a boolean");
	return 1;
}

/* Why the resolver must not forward to A (family 4 or 6), or NULL.  unbound
 * itself listens on loopback (a loop, and unbound does not query it
 * anyway); the rest reach no resolver.  IPv4-mapped would name IPv4 (its
 * loopback included) a second way. */
static const char *forwarder_refused(int fam, const unsigned char *a)
{
	static const unsigned char zero[16], mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (fam == 4) {
		if (a[0] == 127)
			return "loopback (127.0.0.0/8), where unbound itself listens";
		if (a[0] == 0)
			return "unspecified (0.0.0.0/8)";
		if (a[0] >= 224 && a[0] <= 239)
			return "multicast (224.0.0.0/4)";
		if (a[0] == 169 && a[1] == 254)
			return "link-local (169.254.0.0/16)";
		return NULL;
	}
	if (memcmp(a, zero, 15) == 0 && a[15] <= 1)
		return a[15] ? "loopback (::1), where unbound itself listens" : "unspecified (::)";
	if (memcmp(a, mapped, 12) == 0)
		return "IPv4-mapped (::ffff:0:0/96): write the IPv4 address";
	if (a[0] == 0xff)
		return "multicast (ff00::/8)";
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return "link-local (fe80::/10)";
	return NULL;
}

/* dns.forwarders[I]: a bare IP literal exactly as inet_ntop writes it, so
 * that initd and unbound read the bytes checked here, and one that can be
 * a resolver. */
static int check_forwarder(const json_t *v, size_t i, struct cp_err *err)
{
	char ip[INET6_ADDRSTRLEN], back[INET6_ADDRSTRLEN];
	unsigned char a[16];
	const char *why;
	int af;

	if (!json_is_string(v) || json_string_length(v) >= sizeof ip ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return err_set(err, "dns.forwarders[%zu]: not an IPv4 or IPv6 address", i);
	memcpy(ip, json_string_value(v), json_string_length(v) + 1);
	af = strchr(ip, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, ip, a) != 1)
		return err_set(err, "dns.forwarders[%zu]: not an IPv4 or IPv6 address (a bare literal: "
			       "no port, brackets, zone id or leading zeros)", i);
	if (!inet_ntop(af, a, back, sizeof back) || strcmp(back, ip) != 0)
		return err_set(err, "dns.forwarders[%zu]: %s is not in canonical form, write %s", i, ip, back);
	why = forwarder_refused(af == AF_INET ? 4 : 6, a);
	if (why)
		return err_set(err, "dns.forwarders[%zu]: %s refused: %s", i, ip, why);
	return 1;
}

/* The exit's resolver (include/lethe_dns.h): unbound's recursion from the
 * root, unbound forwarding to the operator's resolvers, or none (tor asks
 * the network's resolvers).  Forwarders exactly when forwarding. */
static int check_dns(const json_t *dns, struct cp_err *err)
{
	static const char *const keys[] = { "resolver", "forwarders", NULL };
	static const char *const modes[] = { LETHE_DNS_RESOLVER_RECURSIVE, LETHE_DNS_RESOLVER_FORWARD,
					     LETHE_DNS_RESOLVER_OFF, NULL };
	const json_t *mode, *fw;
	size_t i, j, n;

	if (!json_is_object(dns))
		return err_set(err, "dns: must be an object");
	if (!only_keys(dns, "dns", keys, err))
		return 0;
	mode = json_object_get(dns, "resolver");
	if (!one_of(mode, modes))
		return err_set(err, "dns.resolver: required, one of recursive, forward, off");
	fw = json_object_get(dns, "forwarders");
	if (strcmp(json_string_value(mode), LETHE_DNS_RESOLVER_FORWARD) != 0)
		return fw ? err_set(err, "dns.forwarders: only with \"resolver\": \"forward\"") : 1;
	n = json_array_size(fw);
	if (!json_is_array(fw) || n < 1 || n > LETHE_DNS_FORWARDERS_MAX)
		return err_set(err, "dns.forwarders: required with \"resolver\": \"forward\", a list of "
			       "1 to %d IP addresses", LETHE_DNS_FORWARDERS_MAX);
	for (i = 0; i < n; i++) {
		if (!check_forwarder(json_array_get(fw, i), i, err))
			return 0;
		for (j = 0; j < i; j++)
			if (json_equal(json_array_get(fw, i), json_array_get(fw, j)))
				return err_set(err, "dns.forwarders[%zu]: same as dns.forwarders[%zu]", i, j);
	}
	return 1;
}

static int check_instance(const json_t *inst, size_t idx, int family, struct cp_err *err)
{
	static const char *const keys[] = { "name", "addresses", "fingerprint", "ed25519", "torrc",
					    NULL };
	char where[64];
	const json_t *v;
	size_t i;

	snprintf(where, sizeof where, "instances[%zu]", idx);
	if (!json_is_object(inst))
		return err_set(err, "%s: must be an object", where);
	if (!only_keys(inst, where, keys, err))
		return 0;
	if (!str_ok(json_object_get(inst, "name"), 1, LETHE_INSTANCE_NAME_MAX, c_name))
		return err_set(err, "%s.name: required, 1-16 of [a-z0-9]", where);
	v = json_object_get(inst, "addresses");
	if (v) {
		if (!json_is_array(v) || json_array_size(v) > DOC_ADDRESSES_MAX)
			return err_set(err, "%s.addresses: a list of at most %d addresses", where,
				       DOC_ADDRESSES_MAX);
		for (i = 0; i < json_array_size(v); i++)
			if (!address_ok(json_array_get(v, i)))
				return err_set(err, "%s.addresses[%zu]: not an IP address or IP/prefix",
					       where, i);
	}
	v = json_object_get(inst, "fingerprint");
	if (v && !str_ok(v, 40, 40, c_hex))
		return err_set(err, "%s.fingerprint: must be 40 hex digits", where);
	v = json_object_get(inst, "ed25519");
	if (v && !str_ok(v, 43, 43, c_b64))
		return err_set(err, "%s.ed25519: must be 43 base64 characters (no padding)", where);
	v = json_object_get(inst, "torrc");
	if (!v)
		return err_set(err, "%s.torrc: required", where);
	snprintf(where, sizeof where, "instances[%zu].torrc", idx);
	return torrc_check(v, family, where, err);
}

/* Two lines that would bind one port, within an instance (ORPort against
 * DirPort or MetricsPort) or across instances (any of them): tor would fail
 * to start, or one instance would take another's port.  The lines of one
 * option of one instance are tor's own business (it merges duplicates). */
static int check_ports(const json_t *insts, size_t n, struct cp_err *err)
{
	struct torrc_bind b[DOC_INSTANCES_MAX][TORRC_BINDS_MAX];
	size_t cnt[DOC_INSTANCES_MAX], i, j, k, l;

	for (i = 0; i < n && i < DOC_INSTANCES_MAX; i++)
		cnt[i] = torrc_binds(json_object_get(json_array_get(insts, i), "torrc"), b[i]);
	/* lethe's own MetricsPorts (torrc.c) on any address: the agent must
	 * reach the instance it asks, never a port the document moved there */
	for (i = 0; i < n && i < DOC_INSTANCES_MAX; i++)
		for (k = 0; k < cnt[i]; k++)
			if (b[i][k].port >= LETHE_TOR_METRICS_PORT_BASE &&
			    b[i][k].port < LETHE_TOR_METRICS_PORT_BASE + LETHE_INSTANCES_MAX)
				return err_set(err, "instances[%zu].torrc.%s[%zu]: port %u is lethe's "
					       "(the MetricsPort of instance %u, docs/observability.md)", i,
					       b[i][k].option, b[i][k].idx, b[i][k].port,
					       b[i][k].port - LETHE_TOR_METRICS_PORT_BASE);
	for (i = 0; i < n && i < DOC_INSTANCES_MAX; i++)
		for (k = 0; k < cnt[i]; k++)
			for (j = 0; j <= i; j++)
				for (l = 0; l < (j == i ? k : cnt[j]); l++) {
					const struct torrc_bind *x = &b[i][k], *y = &b[j][l];
					if ((j == i && x->option == y->option) || !torrc_binds_clash(x, y))
						continue;
					return err_set(err, "instances[%zu].torrc.%s[%zu]: port %u already "
						       "used by instances[%zu].torrc.%s[%zu]", i, x->option,
						       x->idx, x->port, j, y->option, y->idx);
				}
	return 1;
}

int doc_node_is(const json_t *doc, const char *id, struct cp_err *err)
{
	const json_t *v = json_object_get(doc, "node");

	/* a document served for another node must never configure this one */
	if (!json_is_string(v) || strcasecmp(json_string_value(v), id) != 0)
		return err_set(err, "node: the document is for node %s, this node is %.64s",
			       json_is_string(v) ? json_string_value(v) : "(none)", id);
	return 1;
}

int doc_family(const json_t *doc)
{
	return json_is_true(json_object_get(doc, "family"));
}

const char *doc_dns_resolver(const json_t *doc)
{
	const json_t *v = json_object_get(json_object_get(doc, "dns"), "resolver");

	return json_is_string(v) ? json_string_value(v) : LETHE_DNS_RESOLVER_RECURSIVE;
}

int doc_check(const json_t *doc, struct cp_err *err)
{
	static const char *const keys[] = { "version", "node", "refresh_interval", "image",
					    "family", "allocator", "zram", "sysctls",
					    "provisioning", "dns", "instances", NULL };
	/* Exactly the allocators the image ships (image/roots.list). */
	static const char *const allocs[] = { "glibc", "mimalloc", "jemalloc", NULL };
	const json_t *v, *insts;
	size_t i, j, n;
	int family;

	if (!json_is_object(doc))
		return err_set(err, "document: must be a JSON object");
	/* The version first: a version-2 document gets "wrong version", not a
	 * list of keys this node does not know. */
	v = json_object_get(doc, "version");
	if (!json_is_integer(v) || json_integer_value(v) != 1)
		return err_set(err, "version: must be 1");
	if (!only_keys(doc, "document", keys, err))
		return 0;
	v = json_object_get(doc, "node");
	if (v && !str_ok(v, 64, 64, c_hex))
		return err_set(err, "node: must be 64 hex digits");
	v = json_object_get(doc, "refresh_interval");
	if (v && !int_in(v, 60, 86400))
		return err_set(err, "refresh_interval: an integer from 60 to 86400 (seconds)");
	v = json_object_get(doc, "image");
	if (v && !check_image(v, err))
		return 0;
	v = json_object_get(doc, "family");
	if (v && !json_is_boolean(v))
		return err_set(err, "family: must be a boolean");
	family = doc_family(doc);
	v = json_object_get(doc, "allocator");
	if (v && !one_of(v, allocs))
		return err_set(err, "allocator: one of glibc, mimalloc, jemalloc");
	v = json_object_get(doc, "zram");
	if (v && !check_zram(v, err))
		return 0;
	v = json_object_get(doc, "sysctls");
	if (v && !sysctl_check(v, err))
		return 0;
	v = json_object_get(doc, "provisioning");
	if (v && !check_provisioning(v, err))
		return 0;
	v = json_object_get(doc, "dns");
	if (v && !check_dns(v, err))
		return 0;
	insts = json_object_get(doc, "instances");
	n = json_array_size(insts);
	if (!json_is_array(insts) || n < 1 || n > DOC_INSTANCES_MAX)
		return err_set(err, "instances: required, a list of 1 to %d instances", DOC_INSTANCES_MAX);
	for (i = 0; i < n; i++) {
		if (!check_instance(json_array_get(insts, i), i, family, err))
			return 0;
		for (j = 0; j < i; j++)
			if (json_equal(json_object_get(json_array_get(insts, i), "name"),
				       json_object_get(json_array_get(insts, j), "name")))
				return err_set(err, "instances[%zu].name: used twice", i);
	}
	return check_ports(insts, n, err);
}

json_t *doc_load(const char *buf, size_t len, struct cp_err *err)
{
	json_error_t jerr;
	json_t *doc;

	if (len > DOC_SIZE_MAX) {
		err_set(err, "document: larger than %zu bytes", DOC_SIZE_MAX);
		return NULL;
	}
	/* Duplicate keys would let two readers of one document disagree. */
	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		err_set(err, "document: invalid JSON at line %d column %d", jerr.line, jerr.column);
		return NULL;
	}
	if (!doc_check(doc, err)) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}
