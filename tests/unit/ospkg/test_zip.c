/* Zip writer golden bytes, reader acceptance and rejection. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "err.h"
#include "zip.h"

/* "d/" (directory) and "d/f" = "hi", written field by field from the
 * specification (APPNOTE 4.3.7, 4.3.12, 4.3.16), not by our writer. */
static const uint8_t golden[] = {
	/* local header 1 at 0 */
	0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, /* sig, need 20, flags, method */
	0x00, 0x00, 0x00, 0x00,                                     /* time, date */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* crc, sizes */
	0x02, 0x00, 0x00, 0x00, 'd', '/',                           /* name len, extra len, name */
	/* local header 2 at 32 */
	0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0xac, 0x2a, 0x93, 0xd8, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, /* crc32("hi") */
	0x03, 0x00, 0x00, 0x00, 'd', '/', 'f', 'h', 'i',
	/* central entry 1 at 67 */
	0x50, 0x4b, 0x01, 0x02, 0x14, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, /* sig, made by, need, flags, method */
	0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* name, extra, comment, disk, int attr */
	0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 'd', '/',   /* ext attr dir, offset 0 */
	/* central entry 2 at 115 */
	0x50, 0x4b, 0x01, 0x02, 0x14, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0xac, 0x2a, 0x93, 0xd8, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 'd', '/', 'f', /* offset 32 */
	/* end record at 164 */
	0x50, 0x4b, 0x05, 0x06, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x02, 0x00,
	0x61, 0x00, 0x00, 0x00, 0x43, 0x00, 0x00, 0x00, 0x00, 0x00, /* cd size 97, offset 67 */
};

static void test_crc32_check_value(void **state)
{
	const uint8_t *s = (const uint8_t *)"123456789";

	(void)state;
	assert_int_equal(zip_crc32(0, s, 9), 0xcbf43926u);
	assert_int_equal(zip_crc32(zip_crc32(0, s, 4), s + 4, 5), 0xcbf43926u);
	assert_int_equal(zip_crc32(0, s, 0), 0);
}

/* Writes the golden archive through the streaming path (fd) or buffers. */
static void write_golden(struct buf *out, int streamed)
{
	struct tool_err e = { 0, "" };
	char *dir = tu_mkdtemp(), *zp = tu_path(dir, "g.zip"), *src = tu_path(dir, "src");
	struct zip_writer w;
	int fd, in;

	tu_write(src, "hi", 2);
	fd = open(zp, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	zipw_init(&w, fd);
	assert_int_equal(zipw_add_dir(&w, "d/", &e), 0);
	if (streamed) {
		in = open(src, O_RDONLY);
		assert_true(in >= 0);
		assert_int_equal(zipw_add_fd(&w, "d/f", in, "src", &e), 0);
		close(in);
	} else {
		assert_int_equal(zipw_add_buf(&w, "d/f", (const uint8_t *)"hi", 2, &e), 0);
	}
	assert_int_equal(zipw_finish(&w, &e), 0);
	zipw_free(&w);
	close(fd);
	tu_read(zp, out);
	tu_rmtree(dir);
	free(zp);
	free(src);
	free(dir);
}

static void test_writer_golden_bytes(void **state)
{
	struct buf a = BUF_ZERO, b = BUF_ZERO;

	(void)state;
	write_golden(&a, 1);
	write_golden(&b, 0);
	assert_int_equal(a.len, sizeof golden);
	assert_memory_equal(a.p, golden, sizeof golden);
	assert_int_equal(b.len, sizeof golden);
	assert_memory_equal(b.p, golden, sizeof golden);
	buf_free(&a);
	buf_free(&b);
}

static void test_writer_refuses_bad_names(void **state)
{
	struct tool_err e = { 0, "" };
	struct zip_writer w;
	int fd = open("/dev/null", O_WRONLY);

	(void)state;
	assert_true(fd >= 0);
	zipw_init(&w, fd);
	assert_int_equal(zipw_add_buf(&w, "../x", (const uint8_t *)"a", 1, &e), 100);
	assert_int_equal(zipw_add_buf(&w, "/x", (const uint8_t *)"a", 1, &e), 100);
	assert_int_equal(zipw_add_buf(&w, "x", (const uint8_t *)"a", 1, &e), 0);
	assert_int_equal(zipw_add_buf(&w, "x", (const uint8_t *)"a", 1, &e), 100);
	assert_non_null(strstr(e.msg, "duplicate"));
	assert_int_equal(zipw_add_dir(&w, "y", &e), 100);
	zipw_free(&w);
	close(fd);
}

static void test_reader_accepts_golden(void **state)
{
	struct tool_err e = { 0, "" };
	struct zip_archive za;
	const struct zip_entry *f;

	(void)state;
	assert_int_equal(zip_parse(golden, sizeof golden, &za, &e), 0);
	assert_int_equal(za.count, 2);
	assert_string_equal(za.entries[0].name, "d/");
	assert_true(za.entries[0].is_dir);
	f = zip_find(&za, "d/f");
	assert_non_null(f);
	assert_false(f->is_dir);
	assert_int_equal(f->size, 2);
	assert_memory_equal(golden + f->data_off, "hi", 2);
	assert_null(zip_find(&za, "d"));
	zip_archive_free(&za);
}

static void test_reader_accepts_package(void **state)
{
	struct tool_err e = { 0, "" };
	struct buf zip = BUF_ZERO;
	struct zip_archive za;

	(void)state;
	tu_make_package(&zip, "KERNEL", "INITRAMFS", "console=ttyS0");
	assert_int_equal(zip_parse(zip.p, zip.len, &za, &e), 0);
	assert_int_equal(za.count, 4);
	assert_string_equal(za.entries[0].name, "boot/");
	assert_string_equal(za.entries[1].name, "boot/vmlinuz");
	assert_string_equal(za.entries[2].name, "boot/initramfs.cpio.zst");
	assert_string_equal(za.entries[3].name, "manifest.json");
	assert_memory_equal(zip.p + za.entries[2].data_off, "INITRAMFS", 9);
	zip_archive_free(&za);
	buf_free(&zip);
}

static void test_name_check(void **state)
{
	static const char *good[] = { "boot/", "boot/vmlinuz", "a/b/c", "manifest.json",
		"a/..b", "...", "x-y_z+1~@=,.txt" };
	static const struct { const char *name; const char *why; } bad[] = {
		{ "", "length" },      { "/abs", "absolute" },   { "a/../b", "\"..\"" },
		{ "..", "\"..\"" },    { "a/..", "\"..\"" },      { "../", "\"..\"" },
		{ "./x", "\".\"" },    { "a//b", "empty" },       { "a\\b", "backslash" },
		{ "C:x", "colon" },    { "a b", "printable" },    { "a\x01", "printable" },
		{ "\xc3\xa9", "printable" }, { "a\x7f", "printable" },
	};
	char why[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_int_equal(zip_name_check(good[i], strlen(good[i]), why, sizeof why), 0);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(zip_name_check(bad[i].name, strlen(bad[i].name), why, sizeof why), -1);
		assert_non_null(strstr(why, bad[i].why));
	}
}

/* An independent, deliberately naive zip builder for hostile archives:
 * names and data as given, optional junk between entries and after the
 * last one. */
struct raw_ent {
	const char *name;
	const char *data;
};

static void put16(struct buf *b, unsigned v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	assert_int_equal(buf_append(b, x, 2), 0);
}

static void put32(struct buf *b, uint32_t v)
{
	put16(b, v & 0xffff);
	put16(b, v >> 16);
}

static void raw_zip(struct buf *b, const struct raw_ent *ents, size_t n, size_t gap,
	size_t tail_junk)
{
	uint32_t off[8], cd;
	size_t i;

	assert_true(n <= 8);
	b->len = 0;
	for (i = 0; i < n; i++) {
		size_t nl = strlen(ents[i].name), dl = strlen(ents[i].data);

		if (i == 1)
			while (gap--)
				assert_int_equal(buf_putc(b, 'J'), 0);
		off[i] = (uint32_t)b->len;
		put32(b, 0x04034b50);
		put16(b, 20);
		put16(b, 0);
		put16(b, 0);
		put32(b, 0);
		put32(b, zip_crc32(0, (const uint8_t *)ents[i].data, dl));
		put32(b, (uint32_t)dl);
		put32(b, (uint32_t)dl);
		put16(b, (unsigned)nl);
		put16(b, 0);
		assert_int_equal(buf_append(b, ents[i].name, nl), 0);
		assert_int_equal(buf_append(b, ents[i].data, dl), 0);
	}
	while (tail_junk--)
		assert_int_equal(buf_putc(b, 'T'), 0);
	cd = (uint32_t)b->len;
	for (i = 0; i < n; i++) {
		size_t nl = strlen(ents[i].name), dl = strlen(ents[i].data);

		put32(b, 0x02014b50);
		put16(b, 0x14);
		put16(b, 20);
		put16(b, 0);
		put16(b, 0);
		put32(b, 0);
		put32(b, zip_crc32(0, (const uint8_t *)ents[i].data, dl));
		put32(b, (uint32_t)dl);
		put32(b, (uint32_t)dl);
		put16(b, (unsigned)nl);
		put16(b, 0);
		put16(b, 0);
		put16(b, 0);
		put16(b, 0);
		put32(b, 0);
		put32(b, off[i]);
		assert_int_equal(buf_append(b, ents[i].name, nl), 0);
	}
	put32(b, 0x06054b50);
	put16(b, 0);
	put16(b, 0);
	put16(b, (unsigned)n);
	put16(b, (unsigned)n);
	put32(b, (uint32_t)(b->len - cd - 12));
	put32(b, cd);
	put16(b, 0);
}

static void expect_reject(const struct buf *b, const char *why)
{
	struct tool_err e = { 0, "" };
	struct zip_archive za;

	assert_int_equal(zip_parse(b->p, b->len, &za, &e), 100);
	if (!strstr(e.msg, why))
		fail_msg("expected \"%s\" in \"%s\"", why, e.msg);
	assert_null(za.entries);
}

static void test_reader_rejects_hostile_names(void **state)
{
	static const struct raw_ent dup[] = { { "a", "1" }, { "a", "2" } };
	static const struct raw_ent abs[] = { { "/etc/passwd", "x" } };
	static const struct raw_ent dotdot[] = { { "boot/../../x", "x" } };
	static const struct raw_ent bs[] = { { "boot\\x", "x" } };
	static const struct raw_ent dirdata[] = { { "d/", "data" } };
	static const struct raw_ent ok[] = { { "a", "1" }, { "b", "2" } };
	struct buf b = BUF_ZERO;
	struct tool_err e = { 0, "" };
	struct zip_archive za;

	(void)state;
	raw_zip(&b, ok, 2, 0, 0);
	assert_int_equal(zip_parse(b.p, b.len, &za, &e), 0);
	zip_archive_free(&za);
	raw_zip(&b, dup, 2, 0, 0);
	expect_reject(&b, "duplicate name a");
	raw_zip(&b, abs, 1, 0, 0);
	expect_reject(&b, "absolute");
	raw_zip(&b, dotdot, 1, 0, 0);
	expect_reject(&b, "\"..\"");
	raw_zip(&b, bs, 1, 0, 0);
	expect_reject(&b, "backslash");
	raw_zip(&b, dirdata, 1, 0, 0);
	expect_reject(&b, "directory with data");
	buf_free(&b);
}

static void test_reader_rejects_unaccounted_bytes(void **state)
{
	static const struct raw_ent ok[] = { { "a", "1" }, { "b", "2" } };
	struct buf b = BUF_ZERO;

	(void)state;
	raw_zip(&b, ok, 2, 3, 0);
	expect_reject(&b, "gap, overlap");
	raw_zip(&b, ok, 2, 0, 5);
	expect_reject(&b, "5 bytes between the last entry");
	/* Data in front of the archive (a self-extractor stub). */
	b.len = 0;
	assert_int_equal(buf_putc(&b, 'X'), 0);
	assert_int_equal(buf_append(&b, golden, sizeof golden), 0);
	expect_reject(&b, "does not end where");
	/* Data after the end record, or an archive comment. */
	b.len = 0;
	assert_int_equal(buf_append(&b, golden, sizeof golden), 0);
	assert_int_equal(buf_putc(&b, 'X'), 0);
	expect_reject(&b, "no end of central directory");
	b.len = 0;
	assert_int_equal(buf_append(&b, golden, sizeof golden), 0);
	b.p[sizeof golden - 2] = 1;
	expect_reject(&b, "comment");
	buf_free(&b);
}

/* Golden copy with patches applied to the local header(s) and/or central
 * entry of "d/f" (local at 32, central at 115) or the end record (164). */
static void patched(struct buf *b, size_t off1, size_t off2, const uint8_t *v, size_t n)
{
	b->len = 0;
	assert_int_equal(buf_append(b, golden, sizeof golden), 0);
	if (off1 != (size_t)-1)
		memcpy(b->p + off1, v, n);
	if (off2 != (size_t)-1)
		memcpy(b->p + off2, v, n);
}

static void test_reader_rejects_header_fields(void **state)
{
	static const uint8_t deflate[] = { 8, 0 }, dd[] = { 8, 0 }, enc[] = { 1, 0 },
		need45[] = { 45, 0 }, ffff[] = { 0xff, 0xff }, one[] = { 1, 0 },
		size3[] = { 3, 0, 0, 0 }, time1[] = { 1, 0 };
	struct buf b = BUF_ZERO;
	const size_t none = (size_t)-1;

	(void)state;
	patched(&b, 32 + 8, 115 + 10, deflate, 2);
	expect_reject(&b, "deflated");
	patched(&b, 32 + 6, 115 + 8, dd, 2);
	expect_reject(&b, "data descriptor");
	patched(&b, 32 + 6, 115 + 8, enc, 2);
	expect_reject(&b, "encrypted");
	patched(&b, 32 + 4, 115 + 6, need45, 2);
	expect_reject(&b, "needs zip version 4.5");
	patched(&b, 164 + 8, 164 + 10, ffff, 2);
	expect_reject(&b, "zip64");
	patched(&b, 164 + 4, none, one, 2);
	expect_reject(&b, "multi-disk");
	patched(&b, 164 + 8, none, one, 2);
	expect_reject(&b, "counts disagree");
	patched(&b, 32 + 18, 115 + 20, size3, 4);
	expect_reject(&b, "sizes differ");
	patched(&b, 115 + 30, none, one, 2);
	expect_reject(&b, "extra field");
	patched(&b, 115 + 32, none, one, 2);
	expect_reject(&b, "comment");
	patched(&b, 32 + 10, none, time1, 2);
	expect_reject(&b, "local header does not match");
	patched(&b, 32 + 14, none, one, 1);
	expect_reject(&b, "local header does not match");
	patched(&b, 115 + 46 + 2, none, (const uint8_t *)"g", 1);
	expect_reject(&b, "local header does not match");
	/* Data byte changed: the CRC catches it. */
	patched(&b, 32 + 30 + 3, none, (const uint8_t *)"H", 1);
	expect_reject(&b, "CRC-32 mismatch");
	buf_free(&b);
}

static void test_reader_rejects_short_and_empty(void **state)
{
	static const uint8_t eocd_only[22] = { 0x50, 0x4b, 0x05, 0x06 };
	struct tool_err e = { 0, "" };
	struct zip_archive za;
	struct buf b = BUF_ZERO;
	size_t n;

	(void)state;
	assert_int_equal(zip_parse(golden, 10, &za, &e), 100);
	assert_int_equal(zip_parse(eocd_only, sizeof eocd_only, &za, &e), 100);
	assert_non_null(strstr(e.msg, "no entries"));
	/* Every truncation fails cleanly. */
	for (n = 0; n < sizeof golden; n++) {
		b.len = 0;
		assert_int_equal(buf_append(&b, golden, n), 0);
		assert_int_equal(zip_parse(b.p, b.len, &za, &e), 100);
	}
	buf_free(&b);
}

/* Every single-bit flip either fails cleanly or, for the few fields the
 * reader ignores (version made by, attributes), parses to the same data. */
static void test_reader_bit_flips(void **state)
{
	struct tool_err e = { 0, "" };
	struct zip_archive za;
	uint8_t copy[sizeof golden];
	size_t i, accepted = 0;
	int bit;

	(void)state;
	for (i = 0; i < sizeof golden; i++)
		for (bit = 0; bit < 8; bit++) {
			memcpy(copy, golden, sizeof golden);
			copy[i] ^= (uint8_t)(1u << bit);
			if (zip_parse(copy, sizeof copy, &za, &e) == 0) {
				const struct zip_entry *f = zip_find(&za, "d/f");

				assert_non_null(f);
				assert_memory_equal(copy + f->data_off, "hi", 2);
				accepted++;
				zip_archive_free(&za);
			}
		}
	/* made-by (2 x 2 bytes), internal (2 x 2) and external (2 x 4) attributes */
	assert_int_equal(accepted, (size_t)(8 * 16));
}

int run_zip_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32_check_value),
		cmocka_unit_test(test_writer_golden_bytes),
		cmocka_unit_test(test_writer_refuses_bad_names),
		cmocka_unit_test(test_reader_accepts_golden),
		cmocka_unit_test(test_reader_accepts_package),
		cmocka_unit_test(test_name_check),
		cmocka_unit_test(test_reader_rejects_hostile_names),
		cmocka_unit_test(test_reader_rejects_unaccounted_bytes),
		cmocka_unit_test(test_reader_rejects_header_fields),
		cmocka_unit_test(test_reader_rejects_short_and_empty),
		cmocka_unit_test(test_reader_bit_flips),
	};

	return cmocka_run_group_tests_name("zip", tests, NULL, NULL);
}
