/* base64 and the descriptor: golden layout, round trip, strict parsing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "b64.h"
#include "descriptor.h"
#include "err.h"

/* RFC 4648 section 10 test vectors. */
static const struct { const char *plain, *enc; } rfc4648[] = {
	{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
};

static void test_b64_vectors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof rfc4648 / sizeof rfc4648[0]; i++) {
		struct buf b = BUF_ZERO;
		uint8_t *out;
		size_t n;

		assert_int_equal(b64_encode((const uint8_t *)rfc4648[i].plain,
			strlen(rfc4648[i].plain), &b), 0);
		assert_int_equal(b.len, strlen(rfc4648[i].enc));
		if (b.len)
			assert_memory_equal(b.p, rfc4648[i].enc, b.len);
		assert_int_equal(b64_decode(rfc4648[i].enc, strlen(rfc4648[i].enc), &out, &n), 0);
		assert_non_null(out);
		assert_int_equal(n, strlen(rfc4648[i].plain));
		if (n)
			assert_memory_equal(out, rfc4648[i].plain, n);
		free(out);
		buf_free(&b);
	}
}

static void test_b64_all_bytes_round_trip(void **state)
{
	uint8_t in[256], *out;
	struct buf b = BUF_ZERO;
	size_t i, len, n;

	(void)state;
	for (i = 0; i < 256; i++)
		in[i] = (uint8_t)(255 - i);
	for (len = 0; len <= 256; len += 1 + len / 3) {
		b.len = 0;
		assert_int_equal(b64_encode(in, len, &b), 0);
		assert_int_equal(b64_decode((const char *)b.p, b.len, &out, &n), 0);
		assert_int_equal(n, len);
		if (len)
			assert_memory_equal(out, in, len);
		free(out);
	}
	buf_free(&b);
}

static void test_b64_strict(void **state)
{
	static const char *bad[] = {
		"Zg", "Zg=", "Zh==", /* unused bits set */ "Zm9=", "Zm8=Zm8=", "Zm 9v", "Zm9v\n",
		"Zm-v", "Zm_v", "====", "Z===", "=Zm8", "Zm9vY===",
	};
	uint8_t *out;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(b64_decode(bad[i], strlen(bad[i]), &out, &n), -1);
		assert_int_equal(errno, EINVAL);
		assert_null(out);
	}
}

static const char golden_unsigned[] =
	"{\n"
	"  \"version\": 1,\n"
	"  \"os_pkg_url\": \"https://example.org/a.zip?x=1\\u0026y=2\",\n"
	"  \"certificates\": null,\n"
	"  \"signatures\": null\n"
	"}\n";

static const char golden_signed[] =
	"{\n"
	"  \"version\": 1,\n"
	"  \"os_pkg_url\": \"\",\n"
	"  \"certificates\": [\n"
	"    \"Zm9v\",\n"
	"    \"YmFy\"\n"
	"  ],\n"
	"  \"signatures\": [\n"
	"    \"AQ==\",\n"
	"    \"AgM=\"\n"
	"  ]\n"
	"}\n";

static void test_descriptor_render_golden(void **state)
{
	struct tool_err e = { 0, "" };
	struct descriptor d;
	struct buf b = BUF_ZERO;

	(void)state;
	assert_int_equal(descriptor_init(&d, "https://example.org/a.zip?x=1&y=2", &e), 0);
	assert_int_equal(descriptor_render(&d, &b, &e), 0);
	assert_int_equal(b.len, sizeof golden_unsigned - 1);
	assert_memory_equal(b.p, golden_unsigned, b.len);
	descriptor_free(&d);

	b.len = 0;
	assert_int_equal(descriptor_init(&d, "", &e), 0);
	assert_int_equal(descriptor_add(&d, (const uint8_t *)"foo", 3, (const uint8_t *)"\1", 1, &e), 0);
	assert_int_equal(descriptor_add(&d, (const uint8_t *)"bar", 3, (const uint8_t *)"\2\3", 2, &e), 0);
	assert_int_equal(descriptor_render(&d, &b, &e), 0);
	assert_int_equal(b.len, sizeof golden_signed - 1);
	assert_memory_equal(b.p, golden_signed, b.len);
	descriptor_free(&d);
	buf_free(&b);
}

static void test_descriptor_round_trip(void **state)
{
	static const char compact[] =
		"{\"version\":1,\"os_pkg_url\":\"x.zip\",\"certificates\":[],\"signatures\":null}";
	struct tool_err e = { 0, "" };
	struct descriptor d;
	struct buf b = BUF_ZERO;

	(void)state;
	assert_int_equal(descriptor_parse((const uint8_t *)golden_signed, sizeof golden_signed - 1,
		&d, &e), 0);
	assert_int_equal(d.count, 2);
	assert_string_equal(d.url, "");
	assert_int_equal(d.cert[1].n, 3);
	assert_memory_equal(d.cert[1].p, "bar", 3);
	assert_int_equal(d.sig[1].n, 2);
	assert_memory_equal(d.sig[1].p, "\2\3", 2);
	assert_int_equal(descriptor_render(&d, &b, &e), 0);
	assert_int_equal(b.len, sizeof golden_signed - 1);
	assert_memory_equal(b.p, golden_signed, b.len);
	descriptor_free(&d);

	/* Compact stmgr-style input parses to the same thing; [] counts as none. */
	assert_int_equal(descriptor_parse((const uint8_t *)compact, strlen(compact), &d, &e), 0);
	assert_int_equal(d.count, 0);
	assert_string_equal(d.url, "x.zip");
	descriptor_free(&d);
	buf_free(&b);
}

static void expect_desc_reject(const char *json, const char *why)
{
	struct tool_err e = { 0, "" };
	struct descriptor d;

	assert_int_equal(descriptor_parse((const uint8_t *)json, strlen(json), &d, &e), 100);
	if (!strstr(e.msg, why))
		fail_msg("expected \"%s\" in \"%s\"", why, e.msg);
	assert_int_equal(d.count, 0);
	assert_null(d.url);
}

#define D(url, c, s) "{\"version\":1,\"os_pkg_url\":" url ",\"certificates\":" c ",\"signatures\":" s "}"

static void test_descriptor_parse_strict(void **state)
{
	(void)state;
	expect_desc_reject("", "not JSON");
	expect_desc_reject("{", "not JSON");
	expect_desc_reject("1", "not JSON");
	expect_desc_reject("[]", "not a JSON object");
	expect_desc_reject(D("\"\"", "null", "null") "x", "not JSON");
	expect_desc_reject("{\"version\":1,\"os_pkg_url\":\"\",\"certificates\":null}", "lacks \"signatures\"");
	expect_desc_reject("{\"version\":1,\"os_pkg_url\":\"\",\"certificates\":null,\"signatures\":null,"
		"\"extra\":1}", "unknown key \"extra\"");
	expect_desc_reject("{\"Version\":1,\"os_pkg_url\":\"\",\"certificates\":null,\"signatures\":null}",
		"unknown key \"Version\"");
	expect_desc_reject("{\"version\":1,\"version\":1,\"os_pkg_url\":\"\",\"certificates\":null,"
		"\"signatures\":null}", "duplicate");
	expect_desc_reject("{\"version\":2,\"os_pkg_url\":\"\",\"certificates\":null,\"signatures\":null}",
		"version");
	expect_desc_reject("{\"version\":1.0,\"os_pkg_url\":\"\",\"certificates\":null,\"signatures\":null}",
		"version");
	expect_desc_reject("{\"version\":\"1\",\"os_pkg_url\":\"\",\"certificates\":null,\"signatures\":null}",
		"version");
	expect_desc_reject(D("null", "null", "null"), "os_pkg_url is not a string");
	expect_desc_reject(D("\"\"", "[\"Zm9v\"]", "null"), "1 certificates but 0 signatures");
	expect_desc_reject(D("\"\"", "[\"Zm9v\"]", "[\"AQ==\",\"AQ==\"]"), "1 certificates but 2");
	expect_desc_reject(D("\"\"", "{}", "null"), "neither null nor an array");
	expect_desc_reject(D("\"\"", "[1]", "[\"AQ==\"]"), "certificates[0] is not a string");
	expect_desc_reject(D("\"\"", "[\"Zm9v\"]", "[\"AQ\"]"), "signatures[0] is not canonical");
	expect_desc_reject(D("\"\"", "[\"Zm9v\\n\"]", "[\"AQ==\"]"), "certificates[0] is not canonical");
}

static void test_descriptor_limits(void **state)
{
	struct tool_err e = { 0, "" };
	struct descriptor d;
	struct buf b = BUF_ZERO;
	size_t i;

	(void)state;
	/* 65 pairs: one too many. */
	assert_int_equal(buf_puts(&b, "{\"version\":1,\"os_pkg_url\":\"\",\"certificates\":["), 0);
	for (i = 0; i < 65; i++)
		assert_int_equal(buf_puts(&b, i ? ",\"AQ==\"" : "\"AQ==\""), 0);
	assert_int_equal(buf_puts(&b, "],\"signatures\":null}"), 0);
	assert_int_equal(descriptor_parse(b.p, b.len, &d, &e), 100);
	assert_non_null(strstr(e.msg, "65 entries"));

	/* More than 1 MiB, even if it were valid JSON. */
	b.len = 0;
	assert_int_equal(buf_reserve(&b, DESC_MAX_BYTES + 1), 0);
	memset(b.p, ' ', DESC_MAX_BYTES + 1);
	b.len = DESC_MAX_BYTES + 1;
	assert_int_equal(descriptor_parse(b.p, b.len, &d, &e), 100);
	assert_non_null(strstr(e.msg, "larger than"));

	/* 64 pairs are fine, and descriptor_add refuses a 65th. */
	assert_int_equal(descriptor_init(&d, "", &e), 0);
	for (i = 0; i < DESC_MAX_SIGS; i++)
		assert_int_equal(descriptor_add(&d, (const uint8_t *)"c", 1, (const uint8_t *)"s", 1, &e), 0);
	assert_int_equal(descriptor_add(&d, (const uint8_t *)"c", 1, (const uint8_t *)"s", 1, &e), 100);
	b.len = 0;
	assert_int_equal(descriptor_render(&d, &b, &e), 0);
	descriptor_free(&d);
	assert_int_equal(descriptor_parse(b.p, b.len, &d, &e), 0);
	assert_int_equal(d.count, DESC_MAX_SIGS);
	descriptor_free(&d);
	buf_free(&b);
}

static void test_url_check(void **state)
{
	static const char *good[] = {
		"", "https://example.org/lethe.zip", "http://10.0.0.1:8080/a/b.zip", "HTTPS://x",
		"lethe.zip", "../pkg/lethe.zip", "/abs/path.zip", "//host/x.zip", "a/b:c", "x?y=a:b",
		"https://h/p%20q",
	};
	static const struct { const char *url, *why; } bad[] = {
		{ "ftp://x/y.zip", "not http or https" }, { "file:///etc/x", "not http or https" },
		{ "1a:b", "colon in its first path segment" }, { "https:/x", "no host" },
		{ "https://", "no host" }, { "http:///x", "no host" }, { "a b", "byte 0x20" },
		{ "a\tb", "byte 0x09" }, { "caf\xc3\xa9", "byte 0xc3" }, { "a%2", "%-escape" },
		{ "a%zz", "%-escape" },
	};
	struct tool_err e = { 0, "" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		if (descriptor_url_check(good[i], strlen(good[i]), &e))
			fail_msg("refused %s: %s", good[i], e.msg);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(descriptor_url_check(bad[i].url, strlen(bad[i].url), &e), 100);
		if (!strstr(e.msg, bad[i].why))
			fail_msg("%s: expected \"%s\" in \"%s\"", bad[i].url, bad[i].why, e.msg);
	}
}

int run_descriptor_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64_vectors),
		cmocka_unit_test(test_b64_all_bytes_round_trip),
		cmocka_unit_test(test_b64_strict),
		cmocka_unit_test(test_descriptor_render_golden),
		cmocka_unit_test(test_descriptor_round_trip),
		cmocka_unit_test(test_descriptor_parse_strict),
		cmocka_unit_test(test_descriptor_limits),
		cmocka_unit_test(test_url_check),
	};

	return cmocka_run_group_tests_name("descriptor", tests, NULL, NULL);
}
