/* Fuzz harness for what a node parses from the config server: a proofs
 * file (tlog_proofs_verify), and the same bytes as a checkpoint note and as
 * a verifier key.  The key is fixed: the corpus holds real proofs signed by
 * it (made once with lethe-log; its private half was never kept), so the
 * fuzzer starts past the signature check. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlog.h"

#define FUZZ_NAME "fuzz_tlog_proofs"

static const char vkey[] = "fuzz.lethe.invalid/log+65eb6e37+AT+lUm/AxnA0RvSaCHBFhvLzfzZBzN2I65GiS+SAHKqS";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tlog_proof out[TLOG_PROOFS_MAX];
	struct tlog_checkpoint cp;
	struct tlog_vkey k, k2;
	char err[256];
	size_t count = 0, i, text_len;

	if (tlog_vkey_parse(vkey, strlen(vkey), &k, err, sizeof err))
		abort();
	if (tlog_proofs_verify(&k, data, size, out, TLOG_PROOFS_MAX, &count, err, sizeof err) == 0) {
		if (count == 0 || count > TLOG_PROOFS_MAX)
			abort();
		for (i = 0; i < count; i++)
			if (out[i].index >= out[i].cp.size || strcmp(out[i].cp.origin, k.name) != 0 ||
			    out[i].rec.npcrs == 0)
				abort();
	} else if (strlen(err) == 0 || strlen(err) >= sizeof err) {
		abort();  /* every refusal says why */
	}
	if (tlog_checkpoint_open(&k, data, size, &cp, err, sizeof err) == 0 &&
	    (tlog_note_open(&k, data, size, &text_len, err, sizeof err) || text_len >= size))
		abort();
	if (tlog_vkey_parse((const char *)data, size, &k2, err, sizeof err) == 0 &&
	    (strlen(k2.name) == 0 || strlen(k2.name) > TLOG_NAME_MAX))
		abort();
	return 0;
}

#include "../replay.h"
