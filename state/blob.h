/* The blob of include/lethe_state.h: built from each instance's state
 * file and key, parsed strictly (every byte accounted for, bounded, fuzzed:
 * tests/fuzz/state_blob), opened one instance at a time.  Pure functions
 * over caller buffers; libsodium's XChaCha20-Poly1305-IETF for the rest. */
#ifndef STATE_BLOB_H
#define STATE_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "lethe_state.h"

#define BLOB_NODE 32   /* node id, raw (the hex id's 32 bytes) */
#define BLOB_KEY 32
#define BLOB_NONCE 24
#define BLOB_TAG 16
#define BLOB_CLEN_MIN BLOB_TAG
#define BLOB_CLEN_MAX (LETHE_STATE_FILE_MAX + BLOB_TAG)
/* an instance entry's bytes before its ciphertext: nlen, name, clen, nonce */
#define BLOB_ENTRY_FIXED (1 + 4 + BLOB_NONCE)

struct blob_head {
	uint8_t node[BLOB_NODE];
	uint64_t counter;   /* the NV counter's value after this save's increment */
	uint64_t rollout;   /* the highest rollout the node rebooted for */
	uint64_t time;      /* the node's clock at the save, Unix seconds */
};

/* One parsed instance: pointers into the blob given to blob_parse. */
struct blob_inst {
	char name[LETHE_INSTANCE_NAME_MAX + 1];
	const uint8_t *nonce;
	const uint8_t *c;
	size_t clen;
};

struct blob {
	struct blob_head h;
	const uint8_t *raw;  /* the blob's first LETHE_STATE_HEADER bytes */
	size_t n;
	struct blob_inst inst[LETHE_INSTANCES_MAX];
};

/* What blob_build seals for one instance: its name, the plaintext state
 * file and the instance's key (kdf.h). */
struct blob_in {
	const char *name;
	const uint8_t *plain;
	size_t len;
	const uint8_t *key;
};

/* 1 if S (N bytes) is an instance name: 1..LETHE_INSTANCE_NAME_MAX of
 * [a-z0-9], as node.conf's. */
int blob_name_valid(const char *s, size_t n);

/* The blob's exact length for these N instances (0 if one is out of
 * bounds). */
size_t blob_size(const struct blob_in *in, size_t n);

/* Seals the N instances under header H into OUT (CAP bytes) with a fresh
 * random nonce each: 0 and *LEN, or -1 with a one-line reason in WHY
 * (N over LETHE_INSTANCES_MAX, a bad or repeated name, a state over
 * LETHE_STATE_FILE_MAX, OUT too small).  libsodium must be initialised. */
int blob_build(const struct blob_head *h, const struct blob_in *in, size_t n, uint8_t *out, size_t cap,
	       size_t *len, char *why, size_t whylen);

/* Parses the LEN bytes at P strictly: the magic, reserved bytes 0, at most
 * LETHE_INSTANCES_MAX instances with valid unique names, every clen in
 * bounds, nothing after the last instance.  0 with B pointing into P, or
 * -1 with a one-line reason in WHY (no byte of P copied into it but a
 * valid name). */
int blob_parse(const uint8_t *p, size_t len, struct blob *b, char *why, size_t whylen);

/* Decrypts instance I of B with KEY into OUT (CAP bytes, at least its
 * clen - BLOB_TAG): 0 and *LEN, or -1 when the tag does not verify (another
 * key, or any byte of the header, the name, the nonce or the ciphertext
 * changed); OUT is then wiped. */
int blob_open(const struct blob *b, size_t i, const uint8_t key[BLOB_KEY], uint8_t *out, size_t cap,
	      size_t *len);

#endif
