/* report.c: the report of docs/observability.md, version 1, checked key by
 * key against one table per object (the rules are in report.h).  jansson
 * parses; nothing here allocates but its tree and the compact copy. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lethe_state.h"
#include "report.h"

#define REPORT_INT_MAX 9007199254740992LL /* 2^53: exact in every JSON reader */
/* image.rollout's bound (docs/config-schema.md): 2^31-1 */
#define REPORT_ROLLOUT_MAX 2147483647LL

/* One key of an object.  type: 'i' integer, 'n' number, 'b' boolean,
 * 's' string, 'o' object (sub), 'l' list of objects (sub, at most hi),
 * 'm' the marks.  Integers and numbers lie in lo...hi; a string's length
 * in lo...hi, and it is one of set ("a|b|c") if set, and passes chars if
 * chars, else any printable ASCII. */
struct report_key {
	const char *key;
	char type;
	char required;
	long long lo, hi;
	const char *set;
	int (*chars)(const char *s, size_t n);
	const struct report_key *sub;
};

/* Where a reason points: "instances[2].state". */
struct report_path {
	char s[96];
};

static int report_is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int report_chars_node(const char *s, size_t n)
{
	return n == REPORTD_NODE_HEX && !reportd_node_valid(s) ? 0 : -1;
}

/* /proc/sys/kernel/random/boot_id: 8-4-4-4-12 lowercase hex. */
static int report_chars_boot_id(const char *s, size_t n)
{
	size_t i;

	if (n != 36)
		return -1;
	for (i = 0; i < n; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-' : !report_is_hex((unsigned char)s[i]))
			return -1;
	return 0;
}

/* LETHE_VERSION: [A-Za-z0-9._+~-] (the length is the table's). */
static int report_chars_version(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(s[i] >= 'A' && s[i] <= 'Z') && !(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= '0' && s[i] <= '9') &&
		    !strchr("._+~-", s[i]))
			return -1;
	return 0;
}

/* A tor instance's name, as in the node document: 1-16 of [a-z0-9]. */
static int report_chars_instance(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= '0' && s[i] <= '9'))
			return -1;
	return 0;
}

/* tor's RSA identity fingerprint: 40 hex (either case), or empty. */
static int report_chars_fingerprint(const char *s, size_t n)
{
	size_t i;

	if (n && n != 40)
		return -1;
	for (i = 0; i < n; i++)
		if (!report_is_hex((unsigned char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i])))
			return -1;
	return 0;
}

/* A decimal without sign or leading zero, lo ... hi. */
static int report_decimal(const char *s, size_t n, long lo, long hi)
{
	long v = 0;
	size_t i;

	if (!n || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v >= lo && v <= hi ? 0 : -1;
}

/* inst.I.last_exit: "-", "exit N" (0-255) or "signal N" (1-64). */
static int report_chars_last_exit(const char *s, size_t n)
{
	if (n == 1 && s[0] == '-')
		return 0;
	if (n > 5 && !memcmp(s, "exit ", 5))
		return report_decimal(s + 5, n - 5, 0, 255);
	if (n > 7 && !memcmp(s, "signal ", 7))
		return report_decimal(s + 7, n - 7, 1, 64);
	return -1;
}

#define I(k, lo, hi) {k, 'i', 1, lo, hi, NULL, NULL, NULL}
#define N(k, lo, hi) {k, 'n', 1, lo, hi, NULL, NULL, NULL}
#define S(k, lo, hi, set, chars) {k, 's', 1, lo, hi, set, chars, NULL}
#define END {NULL, 0, 0, 0, 0, NULL, NULL, NULL}

static const struct report_key report_unseal[] = {
	S("result", 1, 16, "pending|ok|refused|failed", NULL),
	S("mode", 1, 16, "literal|authorized", NULL),
	END,
};

static const struct report_key report_pull[] = {
	I("exit", -1, 255),
	I("ms", 0, REPORT_INT_MAX),
	END,
};

/* The LETHE-MARK names of the status file (mark.NAME). */
static const char report_marks[] = "network|clock|config|keys|state|tor-exec|tor-ready|ready";

static const struct report_key report_instance[] = {
	S("name", 1, 16, NULL, report_chars_instance),
	S("fingerprint", 0, 40, NULL, report_chars_fingerprint),
	S("tor_version", 0, 64, NULL, NULL),
	S("state", 1, 16, "up|backoff|stopping|stopped|down", NULL),
	I("restarts", 0, REPORT_INT_MAX),
	S("last_exit", 1, 10, NULL, report_chars_last_exit),
	{"crashloop", 'b', 1, 0, 0, NULL, NULL, NULL},
	I("rss_kib", 0, REPORT_INT_MAX),
	S("allocator", 1, 16, "glibc|mimalloc|jemalloc", NULL),
	S("allocator_mapped", 1, 16, "yes|no|unknown", NULL),
	END,
};

static const struct report_key report_memory[] = {
	I("total_kib", 0, REPORT_INT_MAX),
	I("available_kib", 0, REPORT_INT_MAX),
	I("swap_total_kib", 0, REPORT_INT_MAX),
	I("swap_free_kib", 0, REPORT_INT_MAX),
	END,
};

static const struct report_key report_psi[] = {
	N("some_avg10", 0, 100),
	N("full_avg10", 0, 100),
	I("events", 0, REPORT_INT_MAX),
	END,
};

static const struct report_key report_zram[] = {
	I("disksize_bytes", 0, REPORT_INT_MAX),
	I("orig_bytes", 0, REPORT_INT_MAX),
	I("compr_bytes", 0, REPORT_INT_MAX),
	END,
};

/* initd's verdict on the document's rollout, and the sealed tor state's
 * (include/lethe_state.h: the words; docs/rollouts.md, docs/torstate.md). */
static const struct report_key report_rollout[] = {
	I("wanted", 0, REPORT_ROLLOUT_MAX),
	I("done", -1, REPORT_ROLLOUT_MAX),
	S("state", 1, 16,
	  LETHE_ROLLOUT_NONE "|" LETHE_ROLLOUT_CURRENT "|" LETHE_ROLLOUT_WAITING "|" LETHE_ROLLOUT_REFUSED
	  "|" LETHE_ROLLOUT_DRAINING "|" LETHE_ROLLOUT_REBOOTING, NULL),
	S("reason", 0, LETHE_STATUS_VALUE_MAX, NULL, NULL),
	END,
};

static const struct report_key report_tor_state[] = {
	S("restore", 1, 16,
	  "pending|" LETHE_STATE_R_RESTORED "|" LETHE_STATE_R_NONE "|" LETHE_STATE_R_REFUSED "|" LETHE_STATE_R_FAILED,
	  NULL),
	S("reason", 0, LETHE_STATUS_VALUE_MAX, NULL, NULL),
	I("saved", 0, REPORT_INT_MAX),
	I("counter", 0, REPORT_INT_MAX),
	END,
};

static const struct report_key report_telemetry[] = {
	I("reports_dropped", 0, REPORT_INT_MAX),
	I("lines_dropped", 0, REPORT_INT_MAX),
	I("send_failures", 0, REPORT_INT_MAX),
	I("rss_kib", 0, REPORT_INT_MAX),
	END,
};

/* The top level: required marks what a report cannot be without. */
static const struct report_key report_top[] = {
	I("version", LETHE_REPORT_VERSION, LETHE_REPORT_VERSION),
	S("node", REPORTD_NODE_HEX, REPORTD_NODE_HEX, NULL, report_chars_node),
	I("seq", 0, REPORT_INT_MAX),
	I("time", 0, REPORT_INT_MAX),
	S("boot_id", 36, 36, NULL, report_chars_boot_id),
	I("uptime_s", 0, REPORT_INT_MAX),
	S("image", 1, 64, NULL, report_chars_version),
	{"epoch", 'i', 0, 0, REPORT_INT_MAX, NULL, NULL, NULL},
	{"image_wanted", 's', 0, 0, 64, NULL, report_chars_version, NULL},
	{"image_mismatch", 'b', 0, 0, 0, NULL, NULL, NULL},
	S("stage", 1, 16, "network|clock|config|keys|state|tor|rescue", NULL),
	{"stage_error", 's', 0, 0, LETHE_STATUS_VALUE_MAX, NULL, NULL, NULL},
	{"last_error", 's', 0, 0, LETHE_STATUS_VALUE_MAX, NULL, NULL, NULL},
	{"unseal", 'o', 0, 0, 0, NULL, NULL, report_unseal},
	{"attestation", 's', 0, 1, 16, "attested|refused|off|unknown", NULL, NULL},
	{"config_etag", 's', 0, 0, 128, NULL, NULL, NULL},
	{"pull", 'o', 0, 0, 0, NULL, NULL, report_pull},
	{"marks", 'm', 0, 0, REPORT_INT_MAX, NULL, NULL, NULL},
	{"instances", 'l', 0, 0, 8, NULL, NULL, report_instance},
	{"memory", 'o', 0, 0, 0, NULL, NULL, report_memory},
	{"psi", 'o', 0, 0, 0, NULL, NULL, report_psi},
	{"rollout", 'o', 0, 0, 0, NULL, NULL, report_rollout},
	{"tor_state", 'o', 0, 0, 0, NULL, NULL, report_tor_state},
	{"zram", 'o', 0, 0, 0, NULL, NULL, report_zram},
	{"telemetry", 'o', 0, 0, 0, NULL, NULL, report_telemetry},
	END,
};

#undef I
#undef N
#undef S
#undef END

/* 1 if s (n bytes) is one of the '|'-separated words of set. */
static int report_in_set(const char *set, const char *s, size_t n)
{
	const char *p = set, *bar;
	size_t w;

	for (;;) {
		bar = strchr(p, '|');
		w = bar ? (size_t)(bar - p) : strlen(p);
		if (w == n && !memcmp(p, s, n))
			return 1;
		if (!bar)
			return 0;
		p = bar + 1;
	}
}

/* parent.key, the key cut at 32 bytes (a path is at most three deep:
 * instances[7].name, so it fits; a longer one would be cut). */
static void report_path_key(struct report_path *child, const struct report_path *parent, const char *key)
{
	char k[33];

	reportd_sanitize(key, 32, k);
	if ((size_t)snprintf(child->s, sizeof child->s, "%s%s%s", parent->s, parent->s[0] ? "." : "", k) >=
	    sizeof child->s)
		child->s[sizeof child->s - 2] = '~';
}

static int report_check_string(const json_t *v, const struct report_key *k, const char *where,
			       struct reportd_err *err)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v), i;

	if ((long long)n < k->lo || (long long)n > k->hi)
		return reportd_fail(err, "report: %s: length %zu, not %lld to %lld", where, n, k->lo, k->hi);
	for (i = 0; i < n; i++)
		if (!reportd_printable((unsigned char)s[i]))
			return reportd_fail(err, "report: %s: not printable ASCII", where);
	if (k->set && !report_in_set(k->set, s, n))
		return reportd_fail(err, "report: %s: not one of %s", where, k->set);
	if (k->chars && k->chars(s, n))
		return reportd_fail(err, "report: %s: malformed", where);
	return 0;
}

/* The marks: LETHE-MARK name -> ms since boot. */
static int report_check_marks(const json_t *v, const char *where, struct reportd_err *err)
{
	const char *name;
	json_t *ms;

	if (!json_is_object(v))
		return reportd_fail(err, "report: %s: not an object", where);
	json_object_foreach((json_t *)v, name, ms) {
		char k[33];

		reportd_sanitize(name, 32, k);
		if (!report_in_set(report_marks, name, strlen(name)))
			return reportd_fail(err, "report: %s: unknown mark '%s'", where, k);
		if (!json_is_integer(ms) || json_integer_value(ms) < 0 || json_integer_value(ms) > REPORT_INT_MAX)
			return reportd_fail(err, "report: %s.%s: not an integer 0 to 2^53", where, k);
	}
	return 0;
}

static int report_check_object(const json_t *o, const struct report_key *keys, const struct report_path *at,
			       struct reportd_err *err);

/* A list of at most k->hi objects of k->sub; names unique (instances). */
static int report_check_list(const json_t *v, const struct report_key *k, const struct report_path *at,
			     struct reportd_err *err)
{
	struct report_path item;
	size_t i, j, n = json_array_size(v);

	if (!json_is_array(v))
		return reportd_fail(err, "report: %s: not a list", at->s);
	if ((long long)n > k->hi)
		return reportd_fail(err, "report: %s: %zu entries, at most %lld", at->s, n, k->hi);
	for (i = 0; i < n; i++) {
		const char *name;

		if ((size_t)snprintf(item.s, sizeof item.s, "%s[%zu]", at->s, i) >= sizeof item.s)
			return reportd_fail(err, "report: %s: nested too deep", at->s);
		if (report_check_object(json_array_get(v, i), k->sub, &item, err))
			return -1;
		name = json_string_value(json_object_get(json_array_get(v, i), "name"));
		for (j = 0; name && j < i; j++)
			if (!strcmp(name, json_string_value(json_object_get(json_array_get(v, j), "name"))))
				return reportd_fail(err, "report: %s: instance name '%s' twice", at->s, name);
	}
	return 0;
}

static int report_check_value(const json_t *v, const struct report_key *k, const struct report_path *at,
			      struct reportd_err *err)
{
	double d;

	switch (k->type) {
	case 'i':
		if (!json_is_integer(v))
			return reportd_fail(err, "report: %s: not an integer", at->s);
		if (json_integer_value(v) < k->lo || json_integer_value(v) > k->hi)
			return reportd_fail(err, "report: %s: %lld is out of bounds (%lld to %lld)", at->s,
					    (long long)json_integer_value(v), k->lo, k->hi);
		return 0;
	case 'n':
		if (!json_is_number(v))
			return reportd_fail(err, "report: %s: not a number", at->s);
		d = json_number_value(v);
		if (!isfinite(d) || d < (double)k->lo || d > (double)k->hi)
			return reportd_fail(err, "report: %s: out of bounds (%lld to %lld)", at->s, k->lo, k->hi);
		return 0;
	case 'b':
		return json_is_boolean(v) ? 0 : reportd_fail(err, "report: %s: not a boolean", at->s);
	case 's':
		if (!json_is_string(v))
			return reportd_fail(err, "report: %s: not a string", at->s);
		return report_check_string(v, k, at->s, err);
	case 'o':
		return report_check_object(v, k->sub, at, err);
	case 'l':
		return report_check_list(v, k, at, err);
	case 'm':
		return report_check_marks(v, at->s, err);
	}
	return reportd_fail(err, "report: %s: internal error", at->s);
}

/* Every key of o is in keys and of its type; every required one is there. */
static int report_check_object(const json_t *o, const struct report_key *keys, const struct report_path *at,
			       struct reportd_err *err)
{
	struct report_path child;
	const struct report_key *k;
	const char *key;
	json_t *v;

	if (!json_is_object(o))
		return reportd_fail(err, "report: %s: not an object", at->s[0] ? at->s : "the body");
	json_object_foreach((json_t *)o, key, v) {
		for (k = keys; k->key && strcmp(k->key, key); k++)
			;
		report_path_key(&child, at, key);
		if (!k->key)
			return reportd_fail(err, "report: %s: unknown key", child.s);
		if (report_check_value(v, k, &child, err))
			return -1;
	}
	for (k = keys; k->key; k++)
		if (k->required && !json_object_get(o, k->key)) {
			report_path_key(&child, at, k->key);
			return reportd_fail(err, "report: %s: missing", child.s);
		}
	return 0;
}

/* image_mismatch says what image and image_wanted say. */
static int report_check_mismatch(const json_t *root, struct reportd_err *err)
{
	const json_t *m = json_object_get(root, "image_mismatch");
	const char *wanted = json_string_value(json_object_get(root, "image_wanted"));
	const char *image = json_string_value(json_object_get(root, "image"));
	int differs;

	if (!m || !wanted)
		return 0;
	differs = *wanted && strcmp(wanted, image);
	if (json_is_true(m) != differs)
		return reportd_fail(err, "report: image_mismatch: %s, but image_wanted %s image",
				    json_is_true(m) ? "true" : "false", differs ? "differs from" : "is empty or equals");
	return 0;
}

int report_check(const char *body, size_t len, struct report_meta *meta, char **compact, struct reportd_err *err)
{
	static const struct report_path top = {""};
	json_error_t jerr;
	json_t *root = NULL;
	int rc = -1;

	*compact = NULL;
	memset(meta, 0, sizeof *meta);
	if (len > LETHE_REPORT_MAX) {
		reportd_fail(err, "report: larger than %d bytes", LETHE_REPORT_MAX);
		goto out;
	}
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		char why[81];

		reportd_sanitize(jerr.text, 80, why);
		reportd_fail(err, "report: not JSON: %s at byte %d", why, jerr.position);
		goto out;
	}
	if (report_check_object(root, report_top, &top, err) || report_check_mismatch(root, err))
		goto out;
	/* Checked above: present, of their type and form. */
	memcpy(meta->node, json_string_value(json_object_get(root, "node")), REPORTD_NODE_HEX);
	memcpy(meta->boot_id, json_string_value(json_object_get(root, "boot_id")), 36);
	meta->seq = json_integer_value(json_object_get(root, "seq"));
	meta->time = json_integer_value(json_object_get(root, "time"));
	/* %.15g: the node's 0.1 stays 0.1 (the default %.17g prints
	 * 0.10000000000000001); strings are printable ASCII already. */
	*compact = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(15));
	if (!*compact) {
		reportd_fail(err, "report: out of memory");
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}
