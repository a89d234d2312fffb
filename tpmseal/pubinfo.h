/* pubinfo: the public half of a provisioning, in a second, world-readable
 * NV index next to the bundle, so `status` can show the mode, the instance
 * count and the identities without reading (or read-locking) any secret.
 * It is informational only: the owner can rewrite it, so nothing trusts
 * it; initd compares what `unseal` prints with the node document instead.
 *
 *   0   4   magic "LTPI"
 *   4   1   version (1)
 *   5   1   mode (1 authority, 2 authorized)
 *   6   1   instance count (1..8)
 *   7   1   flags (bit 0: family key)
 *   8   4   PCR mask of the authority policy (0 in authorized mode), big-endian
 *   12      count x { RSA fingerprint[20], ed25519 public key[32] }
 *           [family: u8 nlen, name[nlen], ed25519 public key[32]]
 *
 * The record is exactly as long as its fields. */
#ifndef TPMSEAL_PUBINFO_H
#define TPMSEAL_PUBINFO_H

#include <stddef.h>
#include <stdint.h>

#include "bundle.h"
#include "keydir.h"

#define PUBINFO_MAX_BYTES (12 + TPMSEAL_MAX_INSTANCES * 52 + 1 + BUNDLE_NAME_MAX + 32)

struct pubinfo {
	uint8_t mode;
	unsigned count;
	int has_family;
	uint32_t mask;
	uint8_t rsa[TPMSEAL_MAX_INSTANCES][20];
	uint8_t ed[TPMSEAL_MAX_INSTANCES][32];
	char family_name[BUNDLE_NAME_MAX + 1];
	uint8_t family[32];
};

/* The public record of B; 0 or -1 if a key does not rebuild. */
int pubinfo_from_bundle(const struct bundle *b, uint8_t mode, uint32_t mask, struct pubinfo *pi);
size_t pubinfo_render(const struct pubinfo *pi, uint8_t *out, size_t cap);
int pubinfo_parse(const uint8_t *p, size_t n, struct pubinfo *pi);
/* The printable identities of instance i (RSA hex, ed25519 base64). */
void pubinfo_ids(const struct pubinfo *pi, unsigned i, struct keydir_ids *ids);

#endif
