/* Fuzz harness for the bundle parser `tpmseal unseal` runs on whatever the
 * NV index holds.  A parsed bundle must re-marshal to the same bytes (one
 * encoding per bundle), and its keys go through the same rebuild unseal
 * does before writing anything. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bundle.h"
#include "keydir.h"

#define FUZZ_NAME "fuzz_tpmseal_bundle"

static void fuzz_parse(const uint8_t *p, size_t n)
{
	struct keydir_ids ids[TPMSEAL_MAX_INSTANCES];
	char fam[TORKEY_ED_ID_B64];
	uint8_t again[BUNDLE_MAX_BYTES];
	struct bundle *b = bundle_new();
	size_t len;

	if (!b)
		abort();
	len = bundle_peek_length(p, n);
	if (bundle_unmarshal(p, n, b) == 0) {
		if (len != n || bundle_marshal(b, again, sizeof again) != n || memcmp(again, p, n))
			abort();
		(void)keydir_identities(b, ids, fam);
	}
	bundle_free(b);
}

/* Random bytes almost never carry a valid checksum, so each input is also
 * parsed with its checksum fixed up: that reaches the field checks. */
static void fuzz_one(const uint8_t *p, size_t n)
{
	static uint8_t fixed[BUNDLE_MAX_BYTES];

	fuzz_parse(p, n);
	if (n >= BUNDLE_HEADER_BYTES + BUNDLE_MAC_BYTES && n <= sizeof fixed) {
		memcpy(fixed, p, n);
		crypto_generichash(fixed + n - BUNDLE_MAC_BYTES, BUNDLE_MAC_BYTES, fixed,
				   n - BUNDLE_MAC_BYTES, NULL, 0);
		fuzz_parse(fixed, n);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one(data, size);
	return 0;
}

#include "../replay.h"
