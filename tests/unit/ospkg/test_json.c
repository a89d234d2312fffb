/* Go-compatible JSON string escaping and manifest.json. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "err.h"
#include "gojson.h"
#include "manifest.h"
#include "zip.h"

static void expect_escape(const char *in, size_t n, const char *want)
{
	struct buf b = BUF_ZERO;

	assert_int_equal(gojson_append_string(&b, (const uint8_t *)in, n), 0);
	assert_int_equal(buf_putc(&b, 0), 0);
	assert_string_equal((const char *)b.p, want);
	buf_free(&b);
}

/* Expected strings are what Go 1.22+ json.Marshal writes for the same
 * input. */
static void test_go_escaping(void **state)
{
	(void)state;
	expect_escape("", 0, "\"\"");
	expect_escape("console=ttyS0,115200 quiet", 26, "\"console=ttyS0,115200 quiet\"");
	expect_escape("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	expect_escape("\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"");
	expect_escape("\x01\x1f", 2, "\"\\u0001\\u001f\"");
	expect_escape("\0", 1, "\"\\u0000\"");
	expect_escape("<a href=x>&amp;</a>", 19,
		"\"\\u003ca href=x\\u003e\\u0026amp;\\u003c/a\\u003e\"");
	expect_escape("\x7f/'", 3, "\"\x7f/'\"");
	expect_escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92", 14,
		"\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92\"");
	expect_escape("a\xe2\x80\xa8z\xe2\x80\xa9", 8, "\"a\\u2028z\\u2029\"");
}

static void test_invalid_utf8_refused(void **state)
{
	static const char *bad[] = {
		"\x80", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80", /* surrogate */
		"\xf4\x90\x80\x80", /* > U+10FFFF */ "\xf5\x80\x80\x80", "\xc3", "\xe2\x82",
		"\xff",
	};
	struct buf b = BUF_ZERO;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(buf_puts(&b, "keep"), 0);
		assert_int_equal(gojson_append_string(&b, (const uint8_t *)bad[i], strlen(bad[i])), -1);
		assert_int_equal(errno, EILSEQ);
		assert_int_equal(b.len, 4);
		assert_false(gojson_utf8_valid((const uint8_t *)bad[i], strlen(bad[i])));
		b.len = 0;
	}
	assert_true(gojson_utf8_valid((const uint8_t *)"\xf4\x8f\xbf\xbf", 4));
	assert_true(gojson_utf8_valid((const uint8_t *)"\xed\x9f\xbf", 3));
	buf_free(&b);
}

static void test_manifest_render_golden(void **state)
{
	struct manifest m = { (char *)"lethe <1.0> & \"x\"", (char *)"boot/vmlinuz",
		(char *)"boot/initramfs.cpio.zst", (char *)"console=ttyS0 panic=10" };
	static const char want[] =
		"{\n"
		"  \"version\": 1,\n"
		"  \"label\": \"lethe \\u003c1.0\\u003e \\u0026 \\\"x\\\"\",\n"
		"  \"kernel\": \"boot/vmlinuz\",\n"
		"  \"initramfs\": \"boot/initramfs.cpio.zst\",\n"
		"  \"cmdline\": \"console=ttyS0 panic=10\"\n"
		"}";
	struct tool_err e = { 0, "" };
	struct buf b = BUF_ZERO;

	(void)state;
	assert_int_equal(manifest_render(&m, &b, &e), 0);
	assert_int_equal(b.len, sizeof want - 1);
	assert_memory_equal(b.p, want, sizeof want - 1);
	buf_free(&b);
}

static void test_manifest_render_limits(void **state)
{
	struct manifest m = { (char *)"ok", (char *)"boot/vmlinuz", (char *)"boot/i", NULL };
	struct tool_err e = { 0, "" };
	struct buf b = BUF_ZERO;
	char *longline = malloc(MANIFEST_CMDLINE_MAX + 2);

	(void)state;
	assert_non_null(longline);
	memset(longline, 'a', MANIFEST_CMDLINE_MAX + 1);
	longline[MANIFEST_CMDLINE_MAX + 1] = 0;
	m.cmdline = longline;
	assert_int_equal(manifest_render(&m, &b, &e), 100);
	assert_non_null(strstr(e.msg, "cmdline is longer than 2047"));
	assert_int_equal(b.len, 0);
	longline[MANIFEST_CMDLINE_MAX] = 0;
	assert_int_equal(manifest_render(&m, &b, &e), 0);
	b.len = 0;
	m.cmdline = (char *)"bad \xff";
	assert_int_equal(manifest_render(&m, &b, &e), 100);
	assert_non_null(strstr(e.msg, "not valid UTF-8"));
	free(longline);
	buf_free(&b);
}

static void test_manifest_round_trip(void **state)
{
	struct manifest m = { (char *)"l\n\xe2\x80\xa8", (char *)"boot/vmlinuz",
		(char *)"boot/initramfs.cpio.zst", (char *)"a=<b>" }, got;
	struct tool_err e = { 0, "" };
	struct buf b = BUF_ZERO;

	(void)state;
	assert_int_equal(manifest_render(&m, &b, &e), 0);
	assert_int_equal(manifest_parse(b.p, b.len, &got, &e), 0);
	assert_string_equal(got.label, m.label);
	assert_string_equal(got.kernel, m.kernel);
	assert_string_equal(got.initramfs, m.initramfs);
	assert_string_equal(got.cmdline, m.cmdline);
	manifest_free(&got);
	buf_free(&b);
}

static void expect_manifest_reject(const char *json, const char *why)
{
	struct tool_err e = { 0, "" };
	struct manifest m;

	assert_int_equal(manifest_parse((const uint8_t *)json, strlen(json), &m, &e), 100);
	if (!strstr(e.msg, why))
		fail_msg("expected \"%s\" in \"%s\"", why, e.msg);
	assert_null(m.kernel);
}

static void test_manifest_parse_strict(void **state)
{
	struct tool_err e = { 0, "" };
	struct manifest m;
	static const char minimal[] = "{\"version\":1,\"kernel\":\"k\",\"initramfs\":\"i\"}";

	(void)state;
	assert_int_equal(manifest_parse((const uint8_t *)minimal, strlen(minimal), &m, &e), 0);
	assert_string_equal(m.label, "");
	assert_string_equal(m.cmdline, "");
	manifest_free(&m);
	expect_manifest_reject("", "not JSON");
	expect_manifest_reject("[]", "not a JSON object");
	expect_manifest_reject("{\"version\":2,\"kernel\":\"k\",\"initramfs\":\"i\"}", "version");
	expect_manifest_reject("{\"version\":1.0,\"kernel\":\"k\",\"initramfs\":\"i\"}", "version");
	expect_manifest_reject("{\"version\":\"1\",\"kernel\":\"k\",\"initramfs\":\"i\"}", "version");
	expect_manifest_reject("{\"kernel\":\"k\",\"initramfs\":\"i\"}", "no version");
	expect_manifest_reject("{\"version\":1,\"initramfs\":\"i\"}", "no kernel");
	expect_manifest_reject("{\"version\":1,\"kernel\":\"\",\"initramfs\":\"i\"}", "kernel is empty");
	expect_manifest_reject("{\"version\":1,\"kernel\":\"k\"}", "no initramfs");
	expect_manifest_reject("{\"version\":1,\"kernel\":\"k\",\"initramfs\":\"i\",\"Kernel\":\"x\"}",
		"unknown key \"Kernel\"");
	expect_manifest_reject("{\"version\":1,\"kernel\":\"k\",\"kernel\":\"j\",\"initramfs\":\"i\"}",
		"duplicate");
	expect_manifest_reject("{\"version\":1,\"kernel\":\"k\",\"initramfs\":\"i\",\"cmdline\":null}",
		"cmdline is not a string");
	expect_manifest_reject("{\"version\":1,\"kernel\":\"k\\u0000x\",\"initramfs\":\"i\"}", "not JSON");
	expect_manifest_reject("{\"version\":1,\"kernel\":\"k\",\"initramfs\":\"i\"} x", "not JSON");
}

static void test_manifest_names_entries(void **state)
{
	struct tool_err e = { 0, "" };
	struct buf zip = BUF_ZERO;
	struct zip_archive za;
	struct manifest m;

	(void)state;
	tu_make_package(&zip, "K", "I", "c");
	assert_int_equal(zip_parse(zip.p, zip.len, &za, &e), 0);
	assert_int_equal(manifest_check_archive(zip.p, &za, &m, &e), 0);
	assert_string_equal(m.cmdline, "c");
	manifest_free(&m);
	zip_archive_free(&za);
	buf_free(&zip);

	/* An empty initramfs is refused, as stboot refuses to boot it. */
	tu_make_package(&zip, "K", "", "c");
	assert_int_equal(zip_parse(zip.p, zip.len, &za, &e), 0);
	assert_int_equal(manifest_check_archive(zip.p, &za, &m, &e), 100);
	assert_non_null(strstr(e.msg, "empty"));
	zip_archive_free(&za);
	buf_free(&zip);
}

int run_json_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_go_escaping),
		cmocka_unit_test(test_invalid_utf8_refused),
		cmocka_unit_test(test_manifest_render_golden),
		cmocka_unit_test(test_manifest_render_limits),
		cmocka_unit_test(test_manifest_round_trip),
		cmocka_unit_test(test_manifest_parse_strict),
		cmocka_unit_test(test_manifest_names_entries),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
