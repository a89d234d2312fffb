/* merkle: inclusion and consistency verification checked against a plain
 * recursive reading of RFC 9162 2.1.1-2.1.4 (MTH, PATH, PROOF) for every
 * tree of 1..64 leaves and every index and old size; altered proofs, roots
 * and leaves refused. */
#include <string.h>

#include <sodium.h>

#include "tests.h"
#include "tlog.h"

#define N_MAX 64

static uint8_t leaves[N_MAX][TLOG_HASH];

static void t_leaves(void)
{
	unsigned i;

	for (i = 0; i < N_MAX; i++) {
		uint8_t e[4] = { 'e', (uint8_t)i, (uint8_t)(i >> 8), 0 };

		tlog_leaf_hash(e, sizeof e, leaves[i]);
	}
}

/* Largest power of two below n (n > 1). */
static unsigned split(unsigned n)
{
	unsigned k = 1;

	while (k << 1 < n)
		k <<= 1;
	return k;
}

/* MTH(D[lo:hi]), RFC 9162 2.1.1. */
static void mth(unsigned lo, unsigned hi, uint8_t out[TLOG_HASH])
{
	uint8_t l[TLOG_HASH], r[TLOG_HASH];
	unsigned k;

	if (hi == lo) {
		crypto_hash_sha256(out, NULL, 0);
		return;
	}
	if (hi - lo == 1) {
		memcpy(out, leaves[lo], TLOG_HASH);
		return;
	}
	k = split(hi - lo);
	mth(lo, lo + k, l);
	mth(lo + k, hi, r);
	tlog_node_hash(l, r, out);
}

/* PATH(m, D[lo:hi]), RFC 9162 2.1.3.1: appends to path at *n. */
static void ref_path(unsigned m, unsigned lo, unsigned hi, uint8_t (*path)[TLOG_HASH], size_t *n)
{
	unsigned k;

	if (hi - lo <= 1)
		return;
	k = split(hi - lo);
	if (m < k) {
		ref_path(m, lo, lo + k, path, n);
		mth(lo + k, hi, path[(*n)++]);
	} else {
		ref_path(m - k, lo + k, hi, path, n);
		mth(lo, lo + k, path[(*n)++]);
	}
}

/* SUBPROOF(m, D[lo:hi], b), RFC 9162 2.1.4.1. */
static void ref_subproof(unsigned m, unsigned lo, unsigned hi, int b, uint8_t (*p)[TLOG_HASH], size_t *n)
{
	unsigned k, sz = hi - lo;

	if (m == sz) {
		if (!b)
			mth(lo, hi, p[(*n)++]);
		return;
	}
	k = split(sz);
	if (m <= k) {
		ref_subproof(m, lo, lo + k, b, p, n);
		mth(lo + k, hi, p[(*n)++]);
	} else {
		ref_subproof(m - k, lo + k, hi, 0, p, n);
		mth(lo, lo + k, p[(*n)++]);
	}
}

/* Bits flipped in each proof hash: all 256 for small trees, one per byte
 * above (the verifier treats every bit of a hash alike; the full sweep at
 * every size would take a minute under the sanitizers). */
static unsigned flip_step(unsigned size)
{
	return size <= 16 ? 1 : 9;
}

static void test_inclusion_all(void **state)
{
	uint8_t path[TLOG_PATH_MAX][TLOG_HASH], root[TLOG_HASH], bad[TLOG_HASH];
	char err[128];
	unsigned size, m, bit;
	size_t n, i;

	(void)state;
	t_leaves();
	for (size = 1; size <= N_MAX; size++) {
		mth(0, size, root);
		for (m = 0; m < size; m++) {
			n = 0;
			ref_path(m, 0, size, path, &n);
			assert_int_equal(tlog_inclusion_verify(m, size, leaves[m],
							       (const uint8_t (*)[TLOG_HASH])path, n, root,
							       err, sizeof err), 0);
			/* A hash more or less, another leaf, the index past
			 * the end: refused. */
			assert_int_equal(tlog_inclusion_verify(m, size, leaves[m],
							       (const uint8_t (*)[TLOG_HASH])path, n + 1,
							       root, err, sizeof err), -1);
			if (n > 0)
				assert_int_equal(tlog_inclusion_verify(m, size, leaves[m],
								       (const uint8_t (*)[TLOG_HASH])path,
								       n - 1, root, err, sizeof err), -1);
			assert_int_equal(tlog_inclusion_verify(m, size, leaves[(m + 1) % N_MAX],
							       (const uint8_t (*)[TLOG_HASH])path, n, root,
							       err, sizeof err), -1);
			assert_int_equal(tlog_inclusion_verify(size, size, leaves[m],
							       (const uint8_t (*)[TLOG_HASH])path, n, root,
							       err, sizeof err), -1);
			for (bit = 0; bit < 8 * TLOG_HASH; bit += flip_step(size)) {
				memcpy(bad, root, TLOG_HASH);
				bad[bit / 8] ^= (uint8_t)(1u << bit % 8);
				assert_int_equal(tlog_inclusion_verify(m, size, leaves[m],
								       (const uint8_t (*)[TLOG_HASH])path,
								       n, bad, err, sizeof err), -1);
				memcpy(bad, leaves[m], TLOG_HASH);
				bad[bit / 8] ^= (uint8_t)(1u << bit % 8);
				assert_int_equal(tlog_inclusion_verify(m, size, bad,
								       (const uint8_t (*)[TLOG_HASH])path,
								       n, root, err, sizeof err), -1);
				for (i = 0; i < n; i++) {
					path[i][bit / 8] ^= (uint8_t)(1u << bit % 8);
					assert_int_equal(tlog_inclusion_verify(
								 m, size, leaves[m],
								 (const uint8_t (*)[TLOG_HASH])path, n, root,
								 err, sizeof err), -1);
					path[i][bit / 8] ^= (uint8_t)(1u << bit % 8);
				}
			}
		}
	}
	assert_string_equal(err, "path does not lead to the checkpoint's root");
}

static void test_consistency_all(void **state)
{
	uint8_t proof[TLOG_PATH_MAX][TLOG_HASH], oldr[TLOG_HASH], newr[TLOG_HASH], bad[TLOG_HASH];
	char err[128];
	unsigned size, m, bit;
	size_t n, i;

	(void)state;
	t_leaves();
	for (size = 1; size <= N_MAX; size++) {
		mth(0, size, newr);
		for (m = 0; m <= size; m++) {
			mth(0, m, oldr);
			n = 0;
			if (m > 0 && m < size)
				ref_subproof(m, 0, size, 1, proof, &n);
			assert_int_equal(tlog_consistency_verify(m, size, oldr, newr,
								 (const uint8_t (*)[TLOG_HASH])proof, n,
								 err, sizeof err), 0);
			if (m == 0 || m == size)
				continue;
			assert_int_equal(tlog_consistency_verify(m, size, oldr, newr,
								 (const uint8_t (*)[TLOG_HASH])proof, n - 1,
								 err, sizeof err), -1);
			assert_int_equal(tlog_consistency_verify(m, size, oldr, newr,
								 (const uint8_t (*)[TLOG_HASH])proof, n + 1,
								 err, sizeof err), -1);
			/* The roots swapped: a tree does not extend itself
			 * backwards. */
			assert_int_equal(tlog_consistency_verify(m, size, newr, oldr,
								 (const uint8_t (*)[TLOG_HASH])proof, n,
								 err, sizeof err), -1);
			for (bit = 0; bit < 8 * TLOG_HASH; bit += flip_step(size)) {
				memcpy(bad, oldr, TLOG_HASH);
				bad[bit / 8] ^= (uint8_t)(1u << bit % 8);
				assert_int_equal(tlog_consistency_verify(m, size, bad, newr,
									 (const uint8_t (*)[TLOG_HASH])proof,
									 n, err, sizeof err), -1);
				memcpy(bad, newr, TLOG_HASH);
				bad[bit / 8] ^= (uint8_t)(1u << bit % 8);
				assert_int_equal(tlog_consistency_verify(m, size, oldr, bad,
									 (const uint8_t (*)[TLOG_HASH])proof,
									 n, err, sizeof err), -1);
				for (i = 0; i < n; i++) {
					proof[i][bit / 8] ^= (uint8_t)(1u << bit % 8);
					assert_int_equal(tlog_consistency_verify(
								 m, size, oldr, newr,
								 (const uint8_t (*)[TLOG_HASH])proof, n, err,
								 sizeof err), -1);
					proof[i][bit / 8] ^= (uint8_t)(1u << bit % 8);
				}
			}
		}
	}
}

/* The corner cases the RFC leaves to the implementer. */
static void test_consistency_edges(void **state)
{
	uint8_t empty[TLOG_HASH], r[TLOG_HASH], other[TLOG_HASH], p[1][TLOG_HASH];
	char err[128];

	(void)state;
	t_leaves();
	crypto_hash_sha256(empty, NULL, 0);
	mth(0, 5, r);
	mth(0, 6, other);
	memset(p, 0, sizeof p);
	assert_int_equal(tlog_consistency_verify(0, 5, empty, r, NULL, 0, err, sizeof err), 0);
	assert_int_equal(tlog_consistency_verify(0, 5, r, r, NULL, 0, err, sizeof err), -1);
	assert_int_equal(tlog_consistency_verify(0, 5, empty, r, (const uint8_t (*)[TLOG_HASH])p, 1, err,
						 sizeof err), -1);
	assert_int_equal(tlog_consistency_verify(5, 5, r, r, NULL, 0, err, sizeof err), 0);
	assert_int_equal(tlog_consistency_verify(5, 5, r, other, NULL, 0, err, sizeof err), -1);
	assert_string_equal(err, "same size 5, different roots");
	assert_int_equal(tlog_consistency_verify(6, 5, other, r, NULL, 0, err, sizeof err), -1);
	assert_int_equal(tlog_consistency_verify(3, 5, r, r, NULL, 0, err, sizeof err), -1);
	assert_int_equal(tlog_inclusion_verify(0, 0, r, NULL, 0, r, err, sizeof err), -1);
	assert_int_equal(tlog_inclusion_verify(0, 1, leaves[0], NULL, 0, leaves[0], err, sizeof err), 0);
	assert_int_equal(tlog_inclusion_verify(0, 2, leaves[0], NULL, TLOG_PATH_MAX + 1, r, err, sizeof err),
			 -1);
}

/* RFC 9162 2.1.1: the empty tree and a leaf, by their definitions. */
static void test_hashes(void **state)
{
	static const uint8_t leaf_empty[TLOG_HASH] = {
		0x6e, 0x34, 0x0b, 0x9c, 0xff, 0xb3, 0x7a, 0x98, 0x9c, 0xa5, 0x44, 0xe6, 0xbb, 0x78, 0x0a, 0x2c,
		0x78, 0x90, 0x1d, 0x3f, 0xb3, 0x37, 0x38, 0x76, 0x85, 0x11, 0xa3, 0x06, 0x17, 0xaf, 0xa0, 0x1d,
	};
	uint8_t h[TLOG_HASH];

	(void)state;
	tlog_leaf_hash((const uint8_t *)"", 0, h);
	assert_memory_equal(h, leaf_empty, TLOG_HASH);
}

int run_merkle_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hashes),
		cmocka_unit_test(test_inclusion_all),
		cmocka_unit_test(test_consistency_all),
		cmocka_unit_test(test_consistency_edges),
	};
	return cmocka_run_group_tests_name("tlog merkle", tests, NULL, NULL);
}
