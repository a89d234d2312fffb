/* The wait after the STREAK-th failed request in a row: 1 s doubling to
 * 300 s (TELEMETRY_BACKOFF_MIN_MS, _MAX_MS), drawn uniformly from [d/2, d]
 * with RND, so that a fleet whose server came back does not return all at
 * once. */
#ifndef TELEMETRY_BACKOFF_H
#define TELEMETRY_BACKOFF_H

#include <stdint.h>

/* STREAK >= 1; milliseconds. */
uint64_t backoff_ms(unsigned streak, uint32_t rnd);

#endif
