/* Fuzz target for the platform profile parser: refused with a message, or
 * parsed within the limits of profile.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lethe_exit.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct profile pr;
	struct tool_err e = { 0, "" };
	uint8_t v[PCR_BYTES];
	unsigned i;

	if (profile_parse((const char *)data, size, &pr, &e)) {
		if (e.code != LETHE_EXIT_USAGE || !e.msg[0])
			abort();
		return 0;
	}
	for (i = 0; i < PROFILE_PCRS; i++) {
		if (pr.pcr[i].nevents > PROFILE_EVENTS_MAX ||
				(pr.pcr[i].nevents && pr.pcr[i].has_value))
			abort();
		profile_start(&pr, i, v);
	}
	return 0;
}

#define FUZZ_NAME "fuzz_pcrpredict_profile"
#include "../replay.h"
