/* RFC 9162 2.1 Merkle tree hashing and the verification of inclusion and
 * consistency proofs, step by step as the RFC's algorithms (2.1.3.2,
 * 2.1.4.2) read. */
#include <string.h>

#include <sodium.h>

#include "tlog.h"
#include "tlog_int.h"

void tlog_leaf_hash(const uint8_t *entry, size_t n, uint8_t out[TLOG_HASH])
{
	crypto_hash_sha256_state st;
	const uint8_t zero = 0x00;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &zero, 1);
	crypto_hash_sha256_update(&st, entry, n);
	crypto_hash_sha256_final(&st, out);
}

void tlog_node_hash(const uint8_t left[TLOG_HASH], const uint8_t right[TLOG_HASH],
		    uint8_t out[TLOG_HASH])
{
	uint8_t buf[1 + 2 * TLOG_HASH];

	/* One buffer: OUT may alias LEFT or RIGHT (callers fold in place). */
	buf[0] = 0x01;
	memcpy(buf + 1, left, TLOG_HASH);
	memcpy(buf + 1 + TLOG_HASH, right, TLOG_HASH);
	crypto_hash_sha256(out, buf, sizeof buf);
}

int tlog_inclusion_verify(uint64_t index, uint64_t size, const uint8_t leaf[TLOG_HASH],
			  const uint8_t (*path)[TLOG_HASH], size_t n, const uint8_t root[TLOG_HASH],
			  char *err, size_t errlen)
{
	uint8_t r[TLOG_HASH];
	uint64_t fn, sn;
	size_t i;

	if (index >= size)
		return tlog_fail(err, errlen, "index %llu is not below the tree size %llu",
				 (unsigned long long)index, (unsigned long long)size);
	if (n > TLOG_PATH_MAX)
		return tlog_fail(err, errlen, "path of %zu hashes (at most %d)", n, TLOG_PATH_MAX);
	fn = index;
	sn = size - 1;
	memcpy(r, leaf, TLOG_HASH);
	for (i = 0; i < n; i++) {
		if (sn == 0)
			return tlog_fail(err, errlen, "path is %zu hashes too long", n - i);
		if ((fn & 1) || fn == sn) {
			tlog_node_hash(path[i], r, r);
			/* A right edge node with no right sibling: climb to
			 * where this node is a right child again. */
			if (!(fn & 1))
				while (!((fn & 1) || fn == 0)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			tlog_node_hash(r, path[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return tlog_fail(err, errlen, "path is too short for index %llu of %llu",
				 (unsigned long long)index, (unsigned long long)size);
	if (sodium_memcmp(r, root, TLOG_HASH) != 0)
		return tlog_fail(err, errlen, "path does not lead to the checkpoint's root");
	return 0;
}

int tlog_consistency_verify(uint64_t old_size, uint64_t new_size, const uint8_t old_root[TLOG_HASH],
			    const uint8_t new_root[TLOG_HASH], const uint8_t (*proof)[TLOG_HASH],
			    size_t n, char *err, size_t errlen)
{
	uint8_t fr[TLOG_HASH], sr[TLOG_HASH], empty[TLOG_HASH];
	uint64_t fn, sn;
	size_t i, start;

	if (old_size > new_size)
		return tlog_fail(err, errlen, "old size %llu is larger than new size %llu",
				 (unsigned long long)old_size, (unsigned long long)new_size);
	if (n > TLOG_PATH_MAX)
		return tlog_fail(err, errlen, "proof of %zu hashes (at most %d)", n, TLOG_PATH_MAX);
	if (old_size == new_size) {
		if (n != 0)
			return tlog_fail(err, errlen, "proof between equal sizes must be empty");
		if (sodium_memcmp(old_root, new_root, TLOG_HASH) != 0)
			return tlog_fail(err, errlen, "same size %llu, different roots",
					 (unsigned long long)old_size);
		return 0;
	}
	if (old_size == 0) {
		/* The empty tree is a prefix of every tree; its root is
		 * SHA-256 of nothing (RFC 9162 2.1.1). */
		crypto_hash_sha256(empty, NULL, 0);
		if (n != 0)
			return tlog_fail(err, errlen, "proof from the empty tree must be empty");
		if (sodium_memcmp(old_root, empty, TLOG_HASH) != 0)
			return tlog_fail(err, errlen, "old root of size 0 is not the empty tree's");
		return 0;
	}
	if (n == 0)
		return tlog_fail(err, errlen, "empty proof between sizes %llu and %llu",
				 (unsigned long long)old_size, (unsigned long long)new_size);
	/* A power-of-two old tree is a complete subtree of the new one: the
	 * RFC prepends its root, which the proof leaves out. */
	start = 0;
	fn = old_size - 1;
	sn = new_size - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	if ((old_size & (old_size - 1)) == 0) {
		memcpy(fr, old_root, TLOG_HASH);
	} else {
		memcpy(fr, proof[0], TLOG_HASH);
		start = 1;
	}
	memcpy(sr, fr, TLOG_HASH);
	for (i = start; i < n; i++) {
		if (sn == 0)
			return tlog_fail(err, errlen, "proof is %zu hashes too long", n - i);
		if ((fn & 1) || fn == sn) {
			tlog_node_hash(proof[i], fr, fr);
			tlog_node_hash(proof[i], sr, sr);
			if (!(fn & 1))
				while (!((fn & 1) || fn == 0)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			tlog_node_hash(sr, proof[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return tlog_fail(err, errlen, "proof is too short for sizes %llu to %llu",
				 (unsigned long long)old_size, (unsigned long long)new_size);
	if (sodium_memcmp(fr, old_root, TLOG_HASH) != 0)
		return tlog_fail(err, errlen, "proof does not lead to the old root");
	if (sodium_memcmp(sr, new_root, TLOG_HASH) != 0)
		return tlog_fail(err, errlen, "proof does not lead to the new root");
	return 0;
}
