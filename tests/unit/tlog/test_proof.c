/* proof: tlog-proof@v1 files of one and several proofs verified end to
 * end; each kind of wrong proof refused with a message naming the proof and
 * what is wrong with it. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "tests.h"
#include "tlog.h"

#define NAME "dev.lethe.invalid/log"

static char err[256];
static struct tlog_proof out[TLOG_PROOFS_MAX];
/* A log of three entries: the record with versions 1, 2, 3. */
static char entries[3][TLOG_RECORD_MAX];
static uint8_t leaf[3][TLOG_HASH], root[TLOG_HASH];

static void t_log(void)
{
	uint8_t h01[TLOG_HASH];
	size_t i;

	for (i = 0; i < 3; i++) {
		const char *v = strstr(t_record, "version ") + 8;
		size_t at = (size_t)(v - t_record);

		snprintf(entries[i], sizeof entries[i], "%.*s%zu%s", (int)at, t_record, i + 1, strchr(v, '\n'));
		tlog_leaf_hash((const uint8_t *)entries[i], strlen(entries[i]), leaf[i]);
	}
	tlog_node_hash(leaf[0], leaf[1], h01);
	tlog_node_hash(h01, leaf[2], root);
}

static void b64(const uint8_t *p, size_t n, char *dst, size_t cap)
{
	sodium_bin2base64(dst, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
}

/* The proof of entry INDEX (0 or 2) of the 3-entry log, appended at *len;
 * EXTRA overrides the entry. */
static void t_proof(char *buf, size_t cap, size_t *len, unsigned index, const char *extra)
{
	char e64[TLOG_RECORD_MAX * 2], h[64], text[256], note[1024];
	const char *entry = extra ? extra : entries[index];
	uint8_t h01[TLOG_HASH];
	int n;

	b64((const uint8_t *)entry, strlen(entry), e64, sizeof e64);
	n = snprintf(buf + *len, cap - *len, "c2sp.org/tlog-proof@v1\nextra %s\nindex %u\n", e64, index);
	*len += (size_t)n;
	if (index == 0) {
		b64(leaf[1], TLOG_HASH, h, sizeof h);
		*len += (size_t)snprintf(buf + *len, cap - *len, "%s\n", h);
		b64(leaf[2], TLOG_HASH, h, sizeof h);
		*len += (size_t)snprintf(buf + *len, cap - *len, "%s\n", h);
	} else {
		tlog_node_hash(leaf[0], leaf[1], h01);
		b64(h01, TLOG_HASH, h, sizeof h);
		*len += (size_t)snprintf(buf + *len, cap - *len, "%s\n", h);
	}
	b64(root, TLOG_HASH, h, sizeof h);
	snprintf(text, sizeof text, NAME "\n3\n%s\n", h);
	t_sign(text, note, sizeof note);
	*len += (size_t)snprintf(buf + *len, cap - *len, "\n%s", note);
}

static void test_good(void **state)
{
	static char buf[TLOG_PROOFS_FILE_MAX];
	size_t len = 0, count;

	(void)state;
	t_key(NAME);
	t_log();
	t_proof(buf, sizeof buf, &len, 2, NULL);
	assert_int_equal(tlog_proofs_verify(&key.k, (const uint8_t *)buf, len, out, TLOG_PROOFS_MAX, &count, err,
					    sizeof err), 0);
	assert_int_equal(count, 1);
	assert_int_equal(out[0].index, 2);
	assert_int_equal(out[0].cp.size, 3);
	assert_string_equal(out[0].rec.version, "3");
	t_proof(buf, sizeof buf, &len, 0, NULL);
	assert_int_equal(tlog_proofs_verify(&key.k, (const uint8_t *)buf, len, out, TLOG_PROOFS_MAX, &count, err,
					    sizeof err), 0);
	assert_int_equal(count, 2);
	assert_string_equal(out[1].rec.version, "1");
	/* A cap below the count is refused, not truncated. */
	assert_int_equal(tlog_proofs_verify(&key.k, (const uint8_t *)buf, len, out, 1, &count, err, sizeof err),
			 -1);
	assert_string_equal(err, "more than 1 proofs");
}

static void test_refused(void **state)
{
	static char buf[TLOG_PROOFS_FILE_MAX];
	size_t len, count;
	char *p;

	(void)state;
	t_key(NAME);
	t_log();
	/* The extra is another entry than the one at that index. */
	len = 0;
	t_proof(buf, sizeof buf, &len, 0, NULL);
	t_proof(buf, sizeof buf, &len, 2, entries[1]);
	assert_int_equal(tlog_proofs_verify(&key.k, (const uint8_t *)buf, len, out, TLOG_PROOFS_MAX, &count, err,
					    sizeof err), -1);
	assert_string_equal(err, "proof 2: inclusion: path does not lead to the checkpoint's root");
	/* Signed by another key. */
	t_key(NAME);
	assert_int_equal(tlog_proofs_verify(&key.k, (const uint8_t *)buf, len, out, TLOG_PROOFS_MAX, &count, err,
					    sizeof err), -1);
	assert_string_equal(err, "proof 1: checkpoint: no signature by the log key " NAME);
	t_key(NAME);
	/* An entry that is no record. */
	len = 0;
	t_proof(buf, sizeof buf, &len, 2, "hello\n");
	assert_int_equal(tlog_proofs_verify(&key.k, (const uint8_t *)buf, len, out, TLOG_PROOFS_MAX, &count, err,
					    sizeof err), -1);
	assert_string_equal(err, "proof 1: entry: record line 1: not \"lethe-release/v1\"");
	/* An index past the size. */
	len = 0;
	t_proof(buf, sizeof buf, &len, 2, NULL);
	p = strstr(buf, "index 2");
	p[6] = '3';
	assert_int_equal(tlog_proofs_verify(&key.k, (const uint8_t *)buf, len, out, TLOG_PROOFS_MAX, &count, err,
					    sizeof err), -1);
	assert_string_equal(err, "proof 1: index 3 is not below the checkpoint's size 3");
	p[6] = '1';
	assert_int_equal(tlog_proofs_verify(&key.k, (const uint8_t *)buf, len, out, TLOG_PROOFS_MAX, &count, err,
					    sizeof err), -1);
	p[6] = '2';
	/* No extra; a bad header; no blank line; an empty file. */
	memcpy(strstr(buf, "extra"), "extrA", 5);
	assert_int_equal(tlog_proofs_verify(&key.k, (const uint8_t *)buf, len, out, TLOG_PROOFS_MAX, &count, err,
					    sizeof err), -1);
	assert_string_equal(err, "proof 1: no \"extra\" line (the entry)");
	memcpy(strstr(buf, "extrA"), "extra", 5);
	buf[0] = 'C';
	assert_int_equal(tlog_proofs_verify(&key.k, (const uint8_t *)buf, len, out, TLOG_PROOFS_MAX, &count, err,
					    sizeof err), -1);
	buf[0] = 'c';
	assert_int_equal(tlog_proofs_verify(&key.k, (const uint8_t *)buf, len, out, TLOG_PROOFS_MAX, &count, err,
					    sizeof err), 0);
	assert_int_equal(tlog_proofs_verify(&key.k, (const uint8_t *)buf, 0, out, TLOG_PROOFS_MAX, &count, err,
					    sizeof err), -1);
	/* Every flipped bit of the file is refused (or, for the base64 pad
	 * bits libsodium rejects too, still refused). */
	{
		size_t i;
		unsigned b;

		for (i = 0; i < len; i++)
			for (b = 0; b < 8; b++) {
				buf[i] ^= (char)(1u << b);
				if (tlog_proofs_verify(&key.k, (const uint8_t *)buf, len, out, TLOG_PROOFS_MAX,
						       &count, err, sizeof err) == 0)
				{
					FILE *f = fopen("/tmp/bad.proof", "w");
					fwrite(buf, 1, len, f);
					fclose(f);
					fail_msg("byte %zu bit %u flipped: accepted", i, b);
				}
				buf[i] ^= (char)(1u << b);
			}
	}
}

int run_proof_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests_name("tlog proof", tests, NULL, NULL);
}
