/* The key of one instance's state (include/lethe_state.h):
 *
 *   key = BLAKE2b-256(key = the first 32 bytes of the instance's ed25519
 *                     expanded identity secret, message = LETHE_STATE_KDF_CONTEXT)
 *
 * from the key file tpmseal wrote (tor's ed25519_master_id_secret_key: a
 * 32-byte header, then the 64-byte expanded secret).  The key exists only
 * while the sealed identities are unsealed: nobody without the TPM's
 * unseal has it, the config server included. */
#ifndef STATE_KDF_H
#define STATE_KDF_H

#include <stddef.h>
#include <stdint.h>

#include "torkey.h"

#define KDF_KEY 32
#define KDF_SECRET 64
/* tor's tagged ed25519 file, as tpmseal writes and reads it (torkey.h) */
#define KDF_FILE_BYTES TORKEY_ED_FILE_BYTES
#define KDF_KEYFILE_NAME "ed25519_master_id_secret_key"

/* KEY from the 64-byte expanded SECRET.  0 or -1. */
int kdf_derive(const uint8_t secret[KDF_SECRET], uint8_t key[KDF_KEY]);

/* KEY from the LEN bytes of a key file at FILE: tor's master identity
 * file (torkey_ed_file_parse: its type0 tag, a clamped scalar), else -1
 * (KEY untouched). */
int kdf_from_file(const uint8_t *file, size_t len, uint8_t key[KDF_KEY]);

#endif
