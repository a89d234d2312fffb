/* Fuzz target for pcrpredict's PE parser, Authenticode and the UEFI
 * predictor: any input is refused with a one-line message or yields four
 * predictions; nothing reads outside the input (ASan). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lethe_exit.h"
#include "pe.h"
#include "predict.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pe_image pe;
	static struct profile pr;
	struct prediction_set set;
	struct tool_err e = { 0, "" };
	uint8_t d[PCR_BYTES];
	int rc;

	if (pe_parse(data, size, &pe, &e) == 0) {
		rc = pe_authenticode(&pe, d, &e);
		if (rc && rc != LETHE_EXIT_USAGE)
			abort();
	} else if (!e.msg[0] || strchr(e.msg, '\n')) {
		abort();
	}
	memset(&pr, 0, sizeof pr);
	pr.pcr[7].has_value = 1;
	memset(&set, 0, sizeof set);
	e.code = 0;
	e.msg[0] = 0;
	rc = uefi_predict(data, size, &pr, &set, &e);
	if (rc == 0 && set.n != 4)
		abort();
	if (rc && (rc != LETHE_EXIT_USAGE || !e.msg[0]))
		abort();
	return 0;
}

#define FUZZ_NAME "fuzz_pcrpredict_pe"
#include "../replay.h"
