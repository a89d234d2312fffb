/* The secrets of one run in one sodium_malloc'd area (guarded, locked when
 * the limit allows, wiped when freed): each instance's key file while it
 * is read, its derived key, its plaintext state. */
#ifndef STATE_SECRET_H
#define STATE_SECRET_H

#include <stddef.h>
#include <stdint.h>

#include "kdf.h"
#include "lethe_state.h"

struct secret {
	uint8_t file[KDF_FILE_BYTES];
	uint8_t key[LETHE_INSTANCES_MAX][KDF_KEY];
	uint8_t plain[LETHE_INSTANCES_MAX][LETHE_STATE_FILE_MAX];
};

/* Zeroed; NULL when out of memory.  libsodium must be initialised. */
struct secret *secret_new(void);
/* Wipes and frees; NULL is fine. */
void secret_free(struct secret *s);

/* S->key[I] from KEYS/I/keys/ed25519_master_id_secret_key (tpmseal's
 * layout: keydir.h); the file's bytes wiped again.  0, or -1 with a reason
 * naming the path. */
int secret_key(struct secret *s, const char *keys_dir, size_t i, char *why, size_t whylen);

#endif
