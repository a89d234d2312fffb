/* kdf.c: kdf.h.  BLAKE2b keyed with the scalar half, not a hash of the
 * whole file: the context string separates this key from every other use
 * of the identity secret, and the key file's header is no secret. */
#include <string.h>

#include <sodium.h>

#include "kdf.h"
#include "lethe_state.h"

static const char kdf_header[KDF_FILE_HEADER] = "== ed25519v1-secret: type0 ==\0\0";

int kdf_derive(const uint8_t secret[KDF_SECRET], uint8_t key[KDF_KEY])
{
	return crypto_generichash(key, KDF_KEY, (const unsigned char *)LETHE_STATE_KDF_CONTEXT,
				  sizeof LETHE_STATE_KDF_CONTEXT - 1, secret, 32) == 0 ? 0 : -1;
}

int kdf_from_file(const uint8_t *file, size_t len, uint8_t key[KDF_KEY])
{
	if (len != KDF_FILE_BYTES || memcmp(file, kdf_header, KDF_FILE_HEADER) != 0)
		return -1;
	return kdf_derive(file + KDF_FILE_HEADER, key);
}
