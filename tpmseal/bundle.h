/* bundle: the sealed payload, one versioned binary record (docs/tpmseal.md).
 *
 *   offset  size  field
 *   0       4     magic "LTSB"
 *   4       1     version (1)
 *   5       1     flags (bit 0: a family key follows the instances)
 *   6       1     instance count (1..8)
 *   7       1     reserved, 0
 *   8       2     total length of the record in bytes, big-endian
 *   10      2     reserved, 0
 *   12            count x { u8 plen, p[plen], u8 qlen, q[qlen], ed25519 expanded[64] }
 *                 [family: u8 nlen, name[nlen], ed25519 expanded[64]]
 *   len-32  32    BLAKE2b-256 of every byte before it
 *
 * p and q are the RSA-1024 identity key's primes, big-endian without leading
 * zero bytes (e = 65537 is implied).  The whole record is exactly `total`
 * bytes: nothing is padded and nothing is guessed. */
#ifndef TPMSEAL_BUNDLE_H
#define TPMSEAL_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "tpmseal.h"

#define BUNDLE_MAX_BYTES 2048
#define BUNDLE_HEADER_BYTES 12
#define BUNDLE_MAC_BYTES 32
#define BUNDLE_PRIME_MAX 80     /* bytes; a 1024-bit modulus has ~64-byte primes */
#define BUNDLE_ED_BYTES 64
#define BUNDLE_NAME_MAX 32

struct bundle_instance {
	uint8_t p[BUNDLE_PRIME_MAX];
	uint8_t q[BUNDLE_PRIME_MAX];
	uint8_t ed[BUNDLE_ED_BYTES];
	uint8_t plen, qlen;
};

/* Holds secrets: allocate it with bundle_new() (guarded, locked memory) and
 * release it with bundle_free(), which wipes it. */
struct bundle {
	unsigned count;
	int has_family;
	char family_name[BUNDLE_NAME_MAX + 1];
	uint8_t family[BUNDLE_ED_BYTES];
	struct bundle_instance inst[TPMSEAL_MAX_INSTANCES];
};

struct bundle *bundle_new(void);
void bundle_free(struct bundle *b);

/* Whether NAME is a family key name we accept: 1..32 of [A-Za-z0-9_-]. */
int bundle_name_ok(const char *name);

/* Writes B into OUT (at most cap bytes); returns the length, or 0 if B is
 * not valid (count, lengths, name) or does not fit. */
size_t bundle_marshal(const struct bundle *b, uint8_t *out, size_t cap);

/* The total length announced by a header of n >= BUNDLE_HEADER_BYTES bytes,
 * or 0 if the header is not ours; lets a reader fetch the rest in chunks. */
size_t bundle_peek_length(const uint8_t *p, size_t n);

/* Parses exactly n bytes into B.  0 on success, -1 if the record is
 * malformed in any way (B is wiped then). */
int bundle_unmarshal(const uint8_t *p, size_t n, struct bundle *b);

#endif
