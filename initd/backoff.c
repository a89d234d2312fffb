#include "backoff.h"

uint32_t backoff_delay_ms(uint32_t min_ms, uint32_t max_ms, unsigned attempt, uint32_t rnd)
{
	uint64_t d;

	if (min_ms == 0)
		min_ms = 1;
	if (max_ms < min_ms)
		max_ms = min_ms;
	/* 2^32 already exceeds any uint32_t cap */
	d = attempt >= 32 ? max_ms : (uint64_t)min_ms << attempt;
	if (d > max_ms)
		d = max_ms;
	return (uint32_t)(d / 2 + rnd % (d - d / 2 + 1));
}
