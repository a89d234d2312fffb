/* Fuzz target for lethe-state's blob parser (state/blob.c): blob_parse on
 * arbitrary bytes, which come from the config server.  What it accepts
 * must account for every byte (header, entries, nothing after), hold at
 * most 8 instances with unique valid names and bounded ciphertexts inside
 * the input; what it refuses says why.  Each accepted instance is then
 * opened with a key no blob here was sealed with: the tag must refuse it,
 * and the output must come back wiped. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "blob.h"

#define FUZZ_NAME "fuzz_state_blob"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[LETHE_STATE_FILE_MAX];
	static const uint8_t key[BLOB_KEY] = { 0x42 };
	struct blob b;
	char why[160];
	size_t i, j, sum = LETHE_STATE_HEADER, n;

	if (sodium_init() < 0)
		abort();
	why[0] = 0;
	if (blob_parse(data, size, &b, why, sizeof why) < 0) {
		if (!why[0] || b.n != 0)
			abort();
		return 0;
	}
	if (size < LETHE_STATE_HEADER || size > LETHE_STATE_BLOB_MAX || b.n > LETHE_INSTANCES_MAX ||
	    memcmp(data, LETHE_STATE_MAGIC, 8) != 0 || b.raw != data)
		abort();
	for (i = 0; i < b.n; i++) {
		const struct blob_inst *in = &b.inst[i];
		size_t nlen = strlen(in->name);

		if (!blob_name_valid(in->name, nlen) || in->clen < BLOB_CLEN_MIN || in->clen > BLOB_CLEN_MAX ||
		    in->nonce < data || in->c + in->clen > data + size || in->c != in->nonce + BLOB_NONCE)
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(in->name, b.inst[j].name) == 0)
				abort();
		sum += BLOB_ENTRY_FIXED + nlen + in->clen;
		memset(out, 0x55, sizeof out);
		if (blob_open(&b, i, key, out, sizeof out, &n) == 0)
			abort();
		if (n != 0 || (in->clen > BLOB_TAG && (out[0] != 0 || out[in->clen - BLOB_TAG - 1] != 0)))
			abort();
	}
	if (sum != size)
		abort();
	return 0;
}

#include "../replay.h"
