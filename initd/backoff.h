/* Capped exponential backoff with jitter, as plain arithmetic (no clock,
 * no randomness source of its own), so it can be tested exactly. */
#ifndef INITD_BACKOFF_H
#define INITD_BACKOFF_H

#include <stdint.h>

/* The delay before retry number attempt (0 for the first retry):
 * d = min(max_ms, min_ms * 2^attempt), then a random point of [d/2, d]
 * chosen by rnd, so that a fleet restarted at once does not retry in step.
 * min_ms 0 is taken as 1; max_ms below min_ms is taken as min_ms.  Never
 * overflows, whatever attempt is. */
uint32_t backoff_delay_ms(uint32_t min_ms, uint32_t max_ms, unsigned attempt, uint32_t rnd);

#endif
