/* Capped exponential backoff with jitter (backoff.h). */
#include "backoff.h"
#include "telemetry.h"

uint64_t backoff_ms(unsigned streak, uint32_t rnd)
{
	uint64_t d = TELEMETRY_BACKOFF_MIN_MS;
	unsigned i;

	for (i = 1; i < streak && d < TELEMETRY_BACKOFF_MAX_MS; i++)
		d *= 2;
	if (d > TELEMETRY_BACKOFF_MAX_MS)
		d = TELEMETRY_BACKOFF_MAX_MS;
	return d / 2 + rnd % (d / 2 + 1);
}
