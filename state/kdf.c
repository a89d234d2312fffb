/* kdf.c: kdf.h.  BLAKE2b keyed with the scalar half, not a hash of the
 * whole file: the context string separates this key from every other use
 * of the identity secret.  The file itself is parsed by tpmseal's own
 * reader of tor's key formats (tpmseal/torkey.c), which wrote it. */
#include <sodium.h>

#include "kdf.h"
#include "lethe_state.h"
#include "torkey.h"

int kdf_derive(const uint8_t secret[KDF_SECRET], uint8_t key[KDF_KEY])
{
	return crypto_generichash(key, KDF_KEY, (const unsigned char *)LETHE_STATE_KDF_CONTEXT,
				  sizeof LETHE_STATE_KDF_CONTEXT - 1, secret, 32) == 0 ? 0 : -1;
}

int kdf_from_file(const uint8_t *file, size_t len, uint8_t key[KDF_KEY])
{
	uint8_t esk[KDF_SECRET];
	int r = torkey_ed_file_parse(file, len, TORKEY_TAG_MASTER, esk) ? -1 : kdf_derive(esk, key);

	sodium_memzero(esk, sizeof esk);
	return r;
}
