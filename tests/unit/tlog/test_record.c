/* record: the canonical lethe-release/v1 accepted, and each way of
 * writing the same thing differently refused with the line it is on. */
#include <stdio.h>
#include <string.h>

#include "tests.h"
#include "tlog.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

const char t_record[] =
	"lethe-release/v1\n"
	"version 0.3.0-5-gabcdef0\n"
	"commit abcdef0123456789abcdef0123456789abcdef01\n"
	"source-date-epoch 1764633600\n"
	"approval-epoch 1764633600\n"
	"sha256 zip " H64 "\n"
	"sha256 descriptor " H64 "\n"
	"sha256 kernel " H64 "\n"
	"sha256 initramfs " H64 "\n"
	"sha256 uki " H64 "\n"
	"sha256 manifest " H64 "\n"
	"pcr qemu 7 " H64 "\n"
	"pcr qemu 9 " H64 "\n"
	"pcr stboot 12 " H64 "\n"
	"pcr uefi 4 " H64 "\n";

static char err[256];
static struct tlog_record rec;

static int t_parse(const char *s)
{
	return tlog_record_parse((const uint8_t *)s, strlen(s), &rec, err, sizeof err);
}

/* t_record with its first FROM replaced by TO. */
static const char *t_edit(const char *from, const char *to)
{
	static char buf[2 * TLOG_RECORD_MAX];
	const char *at = strstr(t_record, from);

	assert_non_null(at);
	snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - t_record), t_record, to, at + strlen(from));
	return buf;
}

static void test_canonical(void **state)
{
	(void)state;
	assert_int_equal(t_parse(t_record), 0);
	assert_string_equal(rec.version, "0.3.0-5-gabcdef0");
	assert_string_equal(rec.commit, "abcdef0123456789abcdef0123456789abcdef01");
	assert_true(rec.source_date_epoch == 1764633600);
	assert_int_equal(rec.has_epoch, 1);
	assert_int_equal(rec.npcrs, 4);
	assert_string_equal(rec.pcr[2].path, "stboot");
	assert_int_equal(rec.pcr[2].index, 12);
	assert_int_equal(rec.sha256[TLOG_MANIFEST][31], 0xef);
	assert_int_equal(t_parse(t_edit("approval-epoch 1764633600", "approval-epoch none")), 0);
	assert_int_equal(rec.has_epoch, 0);
	assert_int_equal(t_parse(t_edit("source-date-epoch 1764633600", "source-date-epoch 0")), 0);
	assert_int_equal(t_parse(t_edit("approval-epoch 1764633600", "approval-epoch 18446744073709551615")), 0);
	assert_string_equal(tlog_artifact_names[TLOG_UKI], "uki");
}

static void test_refused(void **state)
{
	static const struct {
		const char *from, *to, *why;
	} bad[] = {
		{ "lethe-release/v1", "lethe-release/v2", "record line 1: not \"lethe-release/v1\"" },
		{ "version 0.3.0-5-gabcdef0", "version 0.3.0 5", "record line 2" },
		{ "version 0.3.0-5-gabcdef0", "version ", "record line 2" },
		{ "version 0.3.0-5-gabcdef0", "version  0.3.0", "record line 2" },
		{ "version 0.3.0-5-gabcdef0", "version 0.3.0/5", "record line 2" },
		{ "commit abcdef0123456789abcdef0123456789abcdef01", "commit ABCDEF0123456789abcdef0123456789abcdef01",
		  "record line 3: want \"commit\" and 40 lowercase hex" },
		{ "commit abcdef0123456789abcdef0123456789abcdef01", "commit abcdef0123456789abcdef0123456789abcdef0",
		  "record line 3" },
		{ "source-date-epoch 1764633600", "source-date-epoch 01764633600",
		  "record line 4: want \"source-date-epoch N\", canonical decimal" },
		{ "source-date-epoch 1764633600", "source-date-epoch +1764633600", "record line 4" },
		{ "source-date-epoch 1764633600", "source-date-epoch 18446744073709551616", "record line 4" },
		{ "approval-epoch 1764633600", "approval-epoch None", "record line 5" },
		{ "approval-epoch 1764633600", "approval-epoch 00", "record line 5" },
		{ "sha256 zip 0123", "sha256 zip 0123", NULL },
		{ "sha256 zip " H64, "sha256 zip " H64 "0", "record line 6" },
		{ "sha256 zip 0123456789abcdef", "sha256 zip 0123456789ABCDEF", "record line 6" },
		{ "sha256 descriptor", "sha256 kernel", "record line 7: want \"sha256 descriptor\" and 64 lowercase hex" },
		{ "pcr qemu 7", "pcr qemu 07", "record line 12: PCR number is not 0..23 in canonical decimal" },
		{ "pcr qemu 7", "pcr qemu 24", "record line 12" },
		{ "pcr qemu 7", "pcr QEMU 7", "record line 12: boot path is not 1..16 of [a-z0-9]" },
		{ "pcr qemu 7", "pcr qemu-x 7", "record line 12" },
		{ "pcr qemu 7", "pcr abcdefghijklmnopq 7", "record line 12" },
		{ "pcr qemu 9", "pcr qemu 7", "record line 13: duplicate pcr qemu 7" },
		{ "pcr qemu 9", "pcr qemu 6", "record line 13: pcr lines not sorted by path then number" },
		{ "pcr uefi 4", "pcr stboot 4", "record line 15: pcr lines not sorted by path then number" },
		{ "pcr qemu 7 " H64 "\n", "pcr qemu 7 " H64 " \n", "record line 12: PCR value is not 64 lowercase hex" },
		{ "version 0.3.0-5-gabcdef0\n", "version 0.3.0-5-gabcdef0 \n", "record line 2" },
		{ "version 0.3.0-5-gabcdef0\n", "version 0.3.0-5-gabcdef0\r\n",
		  "record line 2: byte 0x0d is not printable ASCII" },
		{ "approval-epoch 1764633600\n", "approval-epoch 1764633600\n\n", "record line 6" },
		{ "lethe-release/v1\n", "\nlethe-release/v1\n", "record line 1" },
		{ "version 0.3.0-5-gabcdef0\n", "", "record line 2" },
		{ "source-date-epoch 1764633600\napproval-epoch 1764633600\n",
		  "approval-epoch 1764633600\nsource-date-epoch 1764633600\n", "record line 4" },
	};
	char buf[TLOG_RECORD_MAX * 2];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (!bad[i].why)
			continue;
		assert_int_equal(t_parse(t_edit(bad[i].from, bad[i].to)), -1);
		if (strncmp(err, bad[i].why, strlen(bad[i].why)) != 0)
			fail_msg("case %zu: \"%s\" does not start with \"%s\"", i, err, bad[i].why);
	}
	/* No final newline. */
	n = strlen(t_record);
	assert_int_equal(tlog_record_parse((const uint8_t *)t_record, n - 1, &rec, err, sizeof err), -1);
	assert_string_equal(err, "record line 15: missing final newline");
	/* A trailing empty line, trailing junk. */
	snprintf(buf, sizeof buf, "%s\n", t_record);
	assert_int_equal(t_parse(buf), -1);
	snprintf(buf, sizeof buf, "%sx", t_record);
	assert_int_equal(t_parse(buf), -1);
	/* No pcr line at all. */
	snprintf(buf, sizeof buf, "%.*s", (int)(strstr(t_record, "pcr ") - t_record), t_record);
	assert_int_equal(t_parse(buf), -1);
	assert_string_equal(err, "record line 12: no pcr line");
	/* Empty. */
	assert_int_equal(tlog_record_parse((const uint8_t *)"", 0, &rec, err, sizeof err), -1);
}

/* TLOG_RECORD_PCRS_MAX pcr lines pass, one more does not; and a record
 * over TLOG_RECORD_MAX bytes is refused whatever it holds.  32 lines of the
 * longest kind (16-character path) fit in 4096 bytes, so the count binds a
 * real record before the size does. */
static void test_bounds(void **state)
{
	char buf[TLOG_RECORD_MAX * 2];
	size_t n, head, i;

	(void)state;
	head = n = (size_t)(strstr(t_record, "pcr ") - t_record);
	memcpy(buf, t_record, n);
	for (i = 0; i < TLOG_RECORD_PCRS_MAX; i++)
		n += (size_t)sprintf(buf + n, "pcr p%02zu 23 %s\n", i, H64);
	assert_true(n <= TLOG_RECORD_MAX);
	assert_int_equal(tlog_record_parse((const uint8_t *)buf, n, &rec, err, sizeof err), 0);
	assert_int_equal(rec.npcrs, TLOG_RECORD_PCRS_MAX);
	n += (size_t)sprintf(buf + n, "pcr p%02zu 23 %s\n", i, H64);
	assert_int_equal(tlog_record_parse((const uint8_t *)buf, n, &rec, err, sizeof err), -1);
	assert_string_equal(err, "record line 44: more than 32 pcr lines");
	/* Size, checked before any line is read: lines up to just over
	 * 4096 bytes (more lines than the count allows, but the size is
	 * what the parser says). */
	n = head;
	for (i = 0; n <= TLOG_RECORD_MAX; i++)
		n += (size_t)sprintf(buf + n, "pcr pppppppppppp%04zu 23 %s\n", i, H64);
	assert_true(n > TLOG_RECORD_MAX);
	assert_int_equal(tlog_record_parse((const uint8_t *)buf, n, &rec, err, sizeof err), -1);
	assert_string_equal(err, "record: over 4096 bytes");
}

int run_record_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests_name("tlog record", tests, NULL, NULL);
}
