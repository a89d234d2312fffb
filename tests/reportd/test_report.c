/* The report check (report.c): the full and the minimal report pass and
 * come out as one line of compact JSON; every class of bad input is
 * refused with a reason that names the key: not JSON, unknown keys at
 * every depth, wrong types, values out of bounds, missing keys, strings
 * that are not printable ASCII, a body over LETHE_REPORT_MAX. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "report.h"
#include "tests.h"

/* REPORT_FULL_FMT (full) or REPORT_MIN_FMT of NODE_A, BOOT_1 and seq. */
static char *report_text(int full, long long seq)
{
	char *s = NULL;

	assert_true(asprintf(&s, full ? REPORT_FULL_FMT : REPORT_MIN_FMT, NODE_A, seq, BOOT_1) > 0);
	return s;
}

static void test_full(void **state)
{
	struct reportd_err err = {{0}};
	struct report_meta meta;
	char *text = report_text(1, 7), *json = NULL;

	(void)state;
	assert_int_equal(report_check(text, strlen(text), &meta, &json, &err), 0);
	assert_string_equal(meta.node, NODE_A);
	assert_string_equal(meta.boot_id, BOOT_1);
	assert_int_equal(meta.seq, 7);
	assert_int_equal(meta.time, 1767225600);
	/* one line, no spaces but inside strings, the node's 0.1 kept as 0.1 */
	assert_null(strchr(json, '\n'));
	assert_non_null(strstr(json, "{\"version\":1,\"node\":\"" NODE_A "\",\"seq\":7,"));
	assert_non_null(strstr(json, "\"some_avg10\":0.1,"));
	assert_non_null(strstr(json, "\"last_error\":\"tor.relay2: exited 1 \\\"bad\\\"\""));
	free(json);
	free(text);
}

static void test_minimal(void **state)
{
	struct reportd_err err = {{0}};
	struct report_meta meta;
	char *text = report_text(0, 0), *json = NULL;

	(void)state;
	assert_int_equal(report_check(text, strlen(text), &meta, &json, &err), 0);
	assert_int_equal(meta.seq, 0);
	free(json);
	free(text);
}

/* Sets the value at path ("a.b", "instances.1.state") of root to the JSON
 * text value, or deletes it if value is NULL. */
static void set_path(json_t *root, const char *path, const char *value)
{
	char buf[128], *dot, *key = buf;
	json_t *parent = root, *v = NULL;

	snprintf(buf, sizeof buf, "%s", path);
	while ((dot = strchr(key, '.'))) {
		*dot = '\0';
		parent = json_is_array(parent) ? json_array_get(parent, (size_t)atoi(key)) : json_object_get(parent, key);
		assert_non_null(parent);
		key = dot + 1;
	}
	if (value) {
		v = json_loads(value, JSON_DECODE_ANY, NULL);
		assert_non_null(v);
	}
	if (json_is_array(parent)) {
		assert_non_null(v);
		assert_int_equal(json_array_set_new(parent, (size_t)atoi(key), v), 0);
	} else if (v)
		assert_int_equal(json_object_set_new(parent, key, v), 0);
	else
		assert_int_equal(json_object_del(parent, key), 0);
}

/* One bad report: the full report with path set to value (NULL: deleted);
 * its reason contains why. */
struct bad {
	const char *path, *value, *why;
};

static const struct bad bad_values[] = {
	/* unknown keys, at every depth */
	{"color", "\"blue\"", "report: color: unknown key"},
	{"unseal.pcrs", "[]", "report: unseal.pcrs: unknown key"},
	{"instances.1.pid", "42", "report: instances[1].pid: unknown key"},
	{"marks.coffee", "1", "unknown mark 'coffee'"},
	/* wrong types */
	{"seq", "\"7\"", "report: seq: not an integer"},
	{"seq", "7.0", "report: seq: not an integer"},
	{"time", "null", "report: time: not an integer"},
	{"image_mismatch", "1", "report: image_mismatch: not a boolean"},
	{"instances.0.crashloop", "\"false\"", "report: instances[0].crashloop: not a boolean"},
	{"psi.some_avg10", "\"0.1\"", "report: psi.some_avg10: not a number"},
	{"unseal", "\"ok\"", "report: unseal: not an object"},
	{"instances", "{}", "report: instances: not a list"},
	{"instances.0", "\"relay1\"", "report: instances[0]: not an object"},
	{"marks", "[]", "report: marks: not an object"},
	{"stage", "1", "report: stage: not a string"},
	/* out of bounds */
	{"version", "2", "report: version: 2 is out of bounds (1 to 1)"},
	{"seq", "-1", "report: seq: -1 is out of bounds"},
	{"seq", "9007199254740993", "report: seq: 9007199254740993 is out of bounds"},
	{"uptime_s", "-5", "report: uptime_s: -5 is out of bounds"},
	{"pull.exit", "256", "report: pull.exit: 256 is out of bounds (-1 to 255)"},
	{"pull.exit", "-2", "report: pull.exit: -2 is out of bounds"},
	{"psi.full_avg10", "100.5", "report: psi.full_avg10: out of bounds (0 to 100)"},
	{"psi.some_avg10", "-0.5", "report: psi.some_avg10: out of bounds"},
	{"marks.ready", "-1", "report: marks.ready: not an integer 0 to 2^53"},
	{"instances.0.rss_kib", "-1", "report: instances[0].rss_kib: -1 is out of bounds"},
	/* strings: sets, forms, lengths, bytes */
	{"node", "\"" NODE_B "X\"", "report: node: length 65"},
	{"node", "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"", "report: node: malformed"},
	{"boot_id", "\"6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5F\"", "report: boot_id: malformed"},
	{"boot_id", "\"6f1c2d3e04a5b-4c6d-8e9f-0a1b2c3d4e5f\"", "report: boot_id: malformed"},
	{"image", "\"\"", "report: image: length 0"},
	{"image", "\"v1 2\"", "report: image: malformed"},
	{"image", "\"v1111111111111111111111111111111111111111111111111111111111111111\"", "report: image: length 65"},
	{"image_wanted", "\"v1/2\"", "report: image_wanted: malformed"},
	{"stage", "\"booting\"", "report: stage: not one of network|clock|config|keys|state|tor|rescue"},
	{"unseal.result", "\"maybe\"", "report: unseal.result: not one of"},
	{"attestation", "\"\"", "report: attestation: length 0"},
	{"instances.0.state", "\"Up\"", "report: instances[0].state: not one of"},
	{"instances.0.name", "\"Relay1\"", "report: instances[0].name: malformed"},
	{"instances.0.name", "\"relay12345678901234\"", "report: instances[0].name: length 19"},
	{"instances.0.fingerprint", "\"0123456789ABCDEF0123456789ABCDEF0123456\"", "report: instances[0].fingerprint: malformed"},
	{"instances.0.fingerprint", "\"0123456789ABCDEF0123456789ABCDEF0123456G\"", "report: instances[0].fingerprint: malformed"},
	{"instances.0.last_exit", "\"exit 256\"", "report: instances[0].last_exit: malformed"},
	{"instances.0.last_exit", "\"signal 0\"", "report: instances[0].last_exit: malformed"},
	{"instances.0.last_exit", "\"exit 01\"", "report: instances[0].last_exit: malformed"},
	{"instances.0.allocator", "\"hardened_malloc\"", "report: instances[0].allocator: not one of"},
	{"instances.1.name", "\"relay1\"", "report: instances: instance name 'relay1' twice"},
	{"stage_error", "\"line\\nbreak\"", "report: stage_error: not printable ASCII"},
	{"last_error", "\"caf\\u00e9\"", "report: last_error: not printable ASCII"},
	{"config_etag", "\"\\u0007\"", "report: config_etag: not printable ASCII"},
	/* missing keys: required at the top, every key of an object */
	{"image", NULL, "report: image: missing"},
	{"boot_id", NULL, "report: boot_id: missing"},
	{"version", NULL, "report: version: missing"},
	{"unseal.mode", NULL, "report: unseal.mode: missing"},
	{"instances.0.rss_kib", NULL, "report: instances[0].rss_kib: missing"},
	{"telemetry.rss_kib", NULL, "report: telemetry.rss_kib: missing"},
	/* the rollout-capable agent's keys: strict like the rest */
	{"epoch", "-1", "report: epoch: -1 is out of bounds (0 to 9007199254740992)"},
	{"epoch", "9007199254740993", "report: epoch: 9007199254740993 is out of bounds"},
	{"epoch", "\"1796280102\"", "report: epoch: not an integer"},
	{"rollout", "7", "report: rollout: not an object"},
	{"rollout.when", "1", "report: rollout.when: unknown key"},
	{"rollout.wanted", "-1", "report: rollout.wanted: -1 is out of bounds (0 to 2147483647)"},
	{"rollout.wanted", "2147483648", "report: rollout.wanted: 2147483648 is out of bounds"},
	{"rollout.done", "-2", "report: rollout.done: -2 is out of bounds (-1 to 2147483647)"},
	{"rollout.done", "2147483648", "report: rollout.done: 2147483648 is out of bounds"},
	{"rollout.done", "6.0", "report: rollout.done: not an integer"},
	{"rollout.state", "\"rebooted\"", "report: rollout.state: not one of none|current|waiting|refused|draining|rebooting"},
	{"rollout.state", "\"\"", "report: rollout.state: length 0"},
	{"rollout.reason", "\"tab\\there\"", "report: rollout.reason: not printable ASCII"},
	{"rollout.reason", NULL, "report: rollout.reason: missing"},
	{"rollout.state", NULL, "report: rollout.state: missing"},
	{"tor_state", "[]", "report: tor_state: not an object"},
	{"tor_state.blob", "\"\"", "report: tor_state.blob: unknown key"},
	{"tor_state.restore", "\"ok\"", "report: tor_state.restore: not one of pending|restored|none|refused|failed"},
	{"tor_state.reason", "null", "report: tor_state.reason: not a string"},
	{"tor_state.saved", "-1", "report: tor_state.saved: -1 is out of bounds"},
	{"tor_state.counter", "9007199254740993", "report: tor_state.counter: 9007199254740993 is out of bounds"},
	{"tor_state.counter", NULL, "report: tor_state.counter: missing"},
	/* image_mismatch says what image and image_wanted say */
	{"image_mismatch", "false", "report: image_mismatch: false, but image_wanted differs from image"},
	{"image_wanted", "\"v1.2.3-4-gabcdef0\"", "report: image_mismatch: true, but image_wanted is empty or equals image"},
	{"image_wanted", "\"\"", "report: image_mismatch: true, but image_wanted is empty"},
};

static void refused(const char *text, size_t len, const char *why)
{
	struct reportd_err err = {{0}};
	struct report_meta meta;
	char *json = (char *)"untouched";

	assert_int_equal(report_check(text, len, &meta, &json, &err), -1);
	assert_null(json);
	if (!strstr(err.msg, why))
		fail_msg("reason '%s' does not say '%s'", err.msg, why);
	assert_null(strchr(err.msg, '\n'));
}

static void test_bad_values(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
		char *text = report_text(1, 7), *bad;
		json_t *root = json_loads(text, 0, NULL);

		assert_non_null(root);
		set_path(root, bad_values[i].path, bad_values[i].value);
		bad = json_dumps(root, JSON_COMPACT);
		assert_non_null(bad);
		refused(bad, strlen(bad), bad_values[i].why);
		free(bad);
		json_decref(root);
		free(text);
	}
}

/* The agents before rollouts send no epoch, rollout or tor_state: still a
 * report; reasons at their bounds and values at their limits pass. */
static void test_rollout_keys(void **state)
{
	static const char *const good[][2] = {
		{"epoch", "0"},
		{"epoch", "9007199254740992"},
		{"rollout.wanted", "0"},
		{"rollout.wanted", "2147483647"},
		{"rollout.done", "-1"},
		{"rollout.done", "2147483647"},
		{"rollout.state", "\"rebooting\""},
		{"rollout.state", "\"none\""},
		{"tor_state.restore", "\"pending\""},
		{"tor_state.restore", "\"refused\""},
		{"tor_state.saved", "9007199254740992"},
	};
	struct reportd_err err = {{0}};
	struct report_meta meta;
	char *text = report_text(1, 7), *body, *json = NULL, reason[300];
	json_t *root;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0] + 3; i++) {
		root = json_loads(text, 0, NULL);
		assert_non_null(root);
		if (i < sizeof good / sizeof good[0])
			set_path(root, good[i][0], good[i][1]);
		else if (i == sizeof good / sizeof good[0]) {
			/* an older agent's report */
			set_path(root, "epoch", NULL);
			set_path(root, "rollout", NULL);
			set_path(root, "tor_state", NULL);
		} else {
			/* reasons of 256 printable bytes; 257 is refused */
			memset(reason, 'r', 256);
			reason[256] = 0;
			json_object_set_new(json_object_get(root, i == sizeof good / sizeof good[0] + 1 ? "rollout" : "tor_state"),
					    "reason", json_string(reason));
		}
		body = json_dumps(root, JSON_COMPACT);
		assert_non_null(body);
		if (report_check(body, strlen(body), &meta, &json, &err))
			fail_msg("refused (case %zu): %s", i, err.msg);
		free(json);
		json = NULL;
		free(body);
		json_decref(root);
	}
	root = json_loads(text, 0, NULL);
	memset(reason, 'r', 257);
	reason[257] = 0;
	json_object_set_new(json_object_get(root, "rollout"), "reason", json_string(reason));
	body = json_dumps(root, JSON_COMPACT);
	refused(body, strlen(body), "report: rollout.reason: length 257, not 0 to 256");
	free(body);
	json_decref(root);
	free(text);
}

/* Nine instances: at most eight. */
static void test_too_many_instances(void **state)
{
	char *text = report_text(1, 7), *bad;
	json_t *root = json_loads(text, 0, NULL), *list;
	int i;

	(void)state;
	assert_non_null(root);
	list = json_object_get(root, "instances");
	for (i = 2; i < 9; i++) {
		json_t *inst = json_deep_copy(json_array_get(list, 0));
		char name[16];

		snprintf(name, sizeof name, "relay%d", i + 1);
		json_object_set_new(inst, "name", json_string(name));
		assert_int_equal(json_array_append_new(list, inst), 0);
	}
	bad = json_dumps(root, JSON_COMPACT);
	refused(bad, strlen(bad), "report: instances: 9 entries, at most 8");
	free(bad);
	/* eight pass */
	json_array_remove(list, 8);
	bad = json_dumps(root, JSON_COMPACT);
	{
		struct reportd_err err;
		struct report_meta meta;
		char *json = NULL;

		assert_int_equal(report_check(bad, strlen(bad), &meta, &json, &err), 0);
		free(json);
	}
	free(bad);
	json_decref(root);
	free(text);
}

/* Bodies that are no report at all. */
static void test_not_a_report(void **state)
{
	static const char *const bodies[][2] = {
		{"", "report: not JSON"},
		{"{\"version\": 1", "report: not JSON"},
		{"[1, 2]", "report: the body: not an object"},
		{"\"version\"", "report: not JSON"},
		{"{\"version\": 1, \"version\": 1}", "report: not JSON: duplicate object key"},
		{"{\"stage_error\": \"a\\u0000b\"}", "report: not JSON"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
		refused(bodies[i][0], strlen(bodies[i][0]), bodies[i][1]);
}

/* Trailing bytes after the object, a NUL inside the body, and a body of
 * LETHE_REPORT_MAX + 1 bytes (white space after a valid report). */
static void test_framing(void **state)
{
	char *text = report_text(0, 1), *big;
	size_t n = strlen(text);
	struct reportd_err err;
	struct report_meta meta;
	char *json = NULL;

	(void)state;
	big = malloc(LETHE_REPORT_MAX + 1);
	assert_non_null(big);
	memset(big, ' ', LETHE_REPORT_MAX + 1);
	memcpy(big, text, n);
	assert_int_equal(report_check(big, LETHE_REPORT_MAX, &meta, &json, &err), 0);
	free(json);
	refused(big, LETHE_REPORT_MAX + 1, "report: larger than 16384 bytes");
	memcpy(big + n, "{}", 2);
	refused(big, n + 2, "report: not JSON");
	big[n] = '\0';
	refused(big, n + 1, "report: not JSON");
	free(big);
	free(text);
}

/* A key named with bytes that are not printable is named with '?'. */
static void test_reason_sanitized(void **state)
{
	static const char body[] = "{\"\\u00e9t\\u00e9\": 1}";

	(void)state;
	refused(body, strlen(body), "report: ??t??: unknown key");
}

int test_report_group(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_rollout_keys),
		cmocka_unit_test(test_too_many_instances),
		cmocka_unit_test(test_not_a_report),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_reason_sanitized),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
