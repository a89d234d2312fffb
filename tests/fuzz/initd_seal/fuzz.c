/* Fuzz target for initd's pipeline helper parsers (initd/seal.c): node.conf
 * values (seal_conf_get) and tpmseal's identity lines (seal_identity_parse).
 *
 * Checks that a value found fits its buffer and holds printable ASCII
 * only, and that an accepted identity line has the exact shape initd
 * prints.  Built with -DLETHE_LIBFUZZER this is a libFuzzer target;
 * otherwise the shared replay driver runs the corpus. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seal.h"

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size);

static void fuzz_check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	static char const *const keys[] = {
		"instances", "provision", "family", "instance.relay1.fingerprint",
		"instance.relay1.ed25519", "a",
	};
	char const *text = (char const *)data;
	char v[SEAL_VALUE_MAX];
	struct seal_identity id;
	size_t k, i, b;

	for (k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		int r = seal_conf_get(text, size, keys[k], v, sizeof v);

		fuzz_check(r == 0 || r == -2 /* ENOENT */ || r == -22 /* EINVAL */);
		if (r == 0) {
			fuzz_check(strlen(v) < sizeof v);
			for (i = 0; v[i]; i++)
				fuzz_check(v[i] >= 0x20 && v[i] < 0x7f);
		}
		/* a small buffer: never written past */
		(void)seal_conf_get(text, size, keys[k], v, 4);
	}
	/* every line as a tpmseal identity line */
	for (b = 0; b < size; ) {
		char const *nl = memchr(text + b, '\n', size - b);
		size_t l = nl ? (size_t)(nl - (text + b)) : size - b;

		if (seal_identity_parse(text + b, l, &id) == 0) {
			fuzz_check(id.index <= 7 && strlen(id.fp) == SEAL_FP_HEX &&
				strlen(id.ed) == SEAL_ED_B64);
		}
		b += l + 1;
	}
	return 0;
}

#define FUZZ_NAME "fuzz_initd_seal"
#include "../replay.h"
