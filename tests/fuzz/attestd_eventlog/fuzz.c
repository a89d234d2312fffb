/* Fuzz harness for the firmware event log a node sends with its quote
 * (eventlog.c): refused with a one-line reason and nothing replayed, or
 * replayed within the limits of eventlog.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eventlog.h"

#define FUZZ_NAME "fuzz_attestd_eventlog"
#define FUZZ_MAX_BYTES (LETHE_ATTEST_EVENTLOG_MAX + 1024)

static void fuzz_one(const uint8_t *data, size_t size)
{
	static const struct eventlog_replay zero;
	static struct eventlog_replay r;
	struct attest_err err = {{0}};
	unsigned i;

	if (eventlog_replay(data, size, &r, &err)) {
		if (!err.msg[0] || strchr(err.msg, '\n') || memcmp(&r, &zero, sizeof r))
			abort();
		return;
	}
	if (r.events < 1 || r.events > EVENTLOG_EVENTS_MAX || r.logged >> EVENTLOG_PCRS)
		abort();
	/* A PCR no event extended keeps its start: zero, but for PCR 0's
	 * StartupLocality byte. */
	for (i = 0; i < EVENTLOG_PCRS; i++)
		if (!(r.logged >> i & 1) && memcmp(r.pcr[i], zero.pcr[i], i ? 32 : 31))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one(data, size);
	return 0;
}

#include "../replay.h"
