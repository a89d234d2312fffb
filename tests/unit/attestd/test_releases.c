/* The releases (releases.c): matching path by path, first match in file
 * order, the closest path named on a miss; loading a real proofs file
 * (proofs_fx.h, made by lethe-log) and re-reading it when it changes;
 * every way to have no verified set refuses every quote. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "proofs_fx.h"
#include "quotefx.h"
#include "releases.h"
#include "tests.h"

/* Appends to record i of r (version v if new) PATH's lines for PCRs 4, 7,
 * 9, 11: the quoted values, except those in the bit mask DIFFER. */
static void rec_uefi(struct releases *r, size_t i, const char *v, const char *path, uint32_t differ)
{
	static const uint8_t other[32] = {0xee};
	struct tlog_record *rec = &r->rec[i];
	uint8_t pcr[ATTESTD_PCRS][32];
	static const unsigned idx[] = {4, 7, 9, 11};
	size_t k;

	qfx_quoted(pcr);
	if (i >= r->n)
		r->n = i + 1;
	if (!rec->version[0])
		snprintf(rec->version, sizeof rec->version, "%s", v);
	for (k = 0; k < 4; k++)
		qfx_record_pcr(rec, path, idx[k], (differ >> idx[k]) & 1u ? other : pcr[idx[k]]);
}

static const char *match(const struct releases *r, struct releases_match *m)
{
	static struct attest_err err;
	uint8_t pcr[ATTESTD_PCRS][32];

	qfx_quoted(pcr);
	memset(&err, 0, sizeof err);
	return releases_match(r, pcr, m, &err) ? err.msg : NULL;
}

static void test_first_match(void **state)
{
	static struct releases r;
	struct releases_match m;

	(void)state;
	memset(&r, 0, sizeof r);
	rec_uefi(&r, 0, "v1", "qemu", 0);
	rec_uefi(&r, 1, "v2", "qemu", 0);
	assert_null(match(&r, &m));
	assert_string_equal(m.version, "v1");
	assert_string_equal(m.path, "qemu");
	/* A path that differs before the one that matches, in one record. */
	memset(&r, 0, sizeof r);
	rec_uefi(&r, 0, "v1", "aaa", 1u << 9);
	rec_uefi(&r, 0, "v1", "qemu", 0);
	assert_null(match(&r, &m));
	assert_string_equal(m.path, "qemu");
	/* Only the listed PCRs count: stboot lists 12, 13, 14 (zero here). */
	memset(&r, 0, sizeof r);
	r.n = 1;
	snprintf(r.rec[0].version, sizeof r.rec[0].version, "s1");
	qfx_record_pcr(&r.rec[0], "stboot", 12, (const uint8_t[32]){0});
	qfx_record_pcr(&r.rec[0], "stboot", 13, (const uint8_t[32]){0});
	assert_null(match(&r, &m));
	assert_string_equal(m.version, "s1");
	assert_string_equal(m.path, "stboot");
}

static void test_closest(void **state)
{
	static struct releases r;
	struct releases_match m;

	(void)state;
	memset(&r, 0, sizeof r);
	rec_uefi(&r, 0, "v1", "qemu", 1u << 4 | 1u << 9);
	assert_string_equal(match(&r, &m), "no matching release: closest is v1 (qemu): PCRs 4, 9 differ");
	assert_string_equal(m.version, "");
	rec_uefi(&r, 1, "v2", "qemu", 1u << 9);
	assert_string_equal(match(&r, &m), "no matching release: closest is v2 (qemu): PCR 9 differs");
	/* A tie: the first in file order. */
	rec_uefi(&r, 2, "v3", "qemu", 1u << 11);
	assert_string_equal(match(&r, &m), "no matching release: closest is v2 (qemu): PCR 9 differs");
	/* A PCR outside the quote never matches, even with every other equal. */
	memset(&r, 0, sizeof r);
	qfx_record_pcr(&r.rec[0], "uefi", 0, (const uint8_t[32]){0});
	rec_uefi(&r, 0, "v1", "uefi", 0);
	assert_string_equal(match(&r, &m), "no matching release: closest is v1 (uefi): PCR 0 is not quoted");
	r.rec[0].pcr[3].value[0] ^= 1; /* PCR 9 */
	assert_string_equal(match(&r, &m),
			    "no matching release: closest is v1 (uefi): PCR 9 differs; PCR 0 is not quoted");
}

static void test_load(void **state)
{
	static struct releases r;
	struct releases_match m;
	struct attest_err err;
	char key[sizeof pfx_vkey];

	(void)state;
	releases_init(&r, NULL, NULL);
	assert_string_equal(match(&r, &m), "no matching release: attestd serve has no --log-key and --log-proofs");
	assert_int_equal(releases_load(&r, pfx_vkey, strlen(pfx_vkey), (const uint8_t *)pfx_v1, strlen(pfx_v1), &err),
			 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.why, "");
	assert_null(match(&r, &m));
	assert_string_equal(m.version, "v1");
	assert_string_equal(m.path, "qemu");
	assert_int_equal(releases_load(&r, pfx_vkey, strlen(pfx_vkey), (const uint8_t *)pfx_v12, strlen(pfx_v12),
				       &err), 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.rec[1].version, "v2");
	/* A truncated file, another key, no key: nothing is trusted. */
	assert_int_equal(releases_load(&r, pfx_vkey, strlen(pfx_vkey), (const uint8_t *)pfx_v12, strlen(pfx_v12) - 9,
				       &err), -1);
	assert_int_equal(r.n, 0);
	assert_true(!strncmp(r.why, "log proofs: ", 12));
	assert_string_equal(err.msg, r.why);
	assert_true(!strncmp(match(&r, &m), "no matching release: log proofs: ", 33));
	memcpy(key, pfx_vkey, sizeof key);
	key[0] = 'x'; /* another name: its id no longer matches */
	assert_int_equal(releases_load(&r, key, strlen(key), (const uint8_t *)pfx_v1, strlen(pfx_v1), &err), -1);
	assert_true(!strncmp(r.why, "log key: ", 9));
	assert_int_equal(releases_load(&r, "", 0, (const uint8_t *)pfx_v1, strlen(pfx_v1), &err), -1);
	assert_true(!strncmp(r.why, "log key: ", 9));
}

static void put(const char *path, const char *text, size_t n)
{
	char tmp[512];
	FILE *f;

	/* Replaced by a rename, as an operator publishing a release would. */
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	f = fopen(tmp, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp, path), 0);
}

static void test_refresh(void **state)
{
	static struct releases r;
	char dir[] = "/tmp/test_releases.XXXXXX", key[256], proofs[256];
	struct releases_match m;
	char *big;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(key, sizeof key, "%s/log.pub", dir);
	snprintf(proofs, sizeof proofs, "%s/logproofs", dir);
	releases_init(&r, key, proofs);
	assert_true(!strncmp(match(&r, &m), "no matching release: ", 21));
	/* Missing files: refused, saying which. */
	releases_refresh(&r);
	assert_string_equal(r.why, "log key unreadable (No such file or directory)");
	put(key, pfx_vkey, strlen(pfx_vkey));
	releases_refresh(&r);
	assert_string_equal(r.why, "log proofs unreadable (No such file or directory)");
	put(proofs, pfx_v1, strlen(pfx_v1));
	releases_refresh(&r);
	assert_string_equal(r.why, "");
	assert_int_equal(r.n, 1);
	/* Unchanged files are not read again. */
	snprintf(r.rec[0].version, sizeof r.rec[0].version, "kept");
	releases_refresh(&r);
	assert_string_equal(r.rec[0].version, "kept");
	/* A second release published: read at the next quote. */
	put(proofs, pfx_v12, strlen(pfx_v12));
	releases_refresh(&r);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.rec[0].version, "v1");
	assert_string_equal(r.rec[1].version, "v2");
	/* Broken, then too large, then gone: refused each time. */
	put(proofs, pfx_v12, 100);
	releases_refresh(&r);
	assert_int_equal(r.n, 0);
	assert_true(!strncmp(r.why, "log proofs: ", 12));
	big = calloc(1, TLOG_PROOFS_FILE_MAX + 1);
	assert_non_null(big);
	put(proofs, big, TLOG_PROOFS_FILE_MAX + 1);
	free(big);
	releases_refresh(&r);
	assert_string_equal(r.why, "log proofs larger than 65536 bytes");
	assert_int_equal(unlink(proofs), 0);
	releases_refresh(&r);
	assert_string_equal(r.why, "log proofs unreadable (No such file or directory)");
	put(proofs, pfx_v1, strlen(pfx_v1));
	releases_refresh(&r);
	assert_null(match(&r, &m));
	assert_int_equal(unlink(proofs), 0);
	assert_int_equal(unlink(key), 0);
	assert_int_equal(rmdir(dir), 0);
}

int test_releases_group(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_match),
		cmocka_unit_test(test_closest),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_refresh),
	};

	return cmocka_run_group_tests_name("releases", tests, NULL, NULL);
}
