/* Fuzz target for initd's pipeline helper parser (initd/seal.c): tpmseal's
 * identity lines (seal_identity_parse; node.conf: fuzz_initd_nodeconf).
 *
 * Checks that an accepted identity line has the exact shape initd prints.  Built with -DLETHE_LIBFUZZER this is a libFuzzer target;
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
	char const *text = (char const *)data;
	struct seal_identity id;
	size_t b;

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
