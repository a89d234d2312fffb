/* Fuzz target for the bytes that reach lethe-telemetry from outside: the
 * log pipe (telemetry/logline.c, then the ring, telemetry/ring.c) and tor's
 * MetricsPort body (telemetry/expo.c).  The first byte picks how reads are
 * cut; the same input is fed to both.
 *
 * Promises checked: every record passed on is one reportd accepts; the
 * ring's batches are whole records within LETHE_LOGS_BATCH_MAX and it
 * never loses count; the exposition filter keeps only lines it accepts,
 * never grows its input, and filtering its output again changes nothing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"
#include "logline.h"
#include "ring.h"

#define FUZZ_NAME "fuzz_telemetry_logline"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ring ring;
static char batch[LETHE_LOGS_BATCH_MAX];
static unsigned long long pushed;

static void fuzz_emit(void *arg, const char *line, size_t len)
{
	(void)arg;
	if (len < 2 || len > LETHE_LOGLINE_MAX || line[len - 1] != '\n' || !logline_valid(line, len - 1))
		abort();
	ring_push(&ring, line, len, 1);
	pushed++;
}

/* Every line of a batch is a record. */
static void fuzz_batch(size_t n)
{
	size_t at = 0;

	if (n > LETHE_LOGS_BATCH_MAX)
		abort();
	while (at < n) {
		const char *nl = memchr(batch + at, '\n', n - at);

		if (!nl || !logline_valid(batch + at, (size_t)(nl - (batch + at))))
			abort();
		at = (size_t)(nl - batch) + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct logline l;
	size_t chunk, at, n, m, d1, d2, delivered = 0;
	char *copy;

	if (size == 0)
		return 0;
	chunk = (size_t)data[0] % 64 + 1;
	ring_init(&ring);
	memset(&l, 0, sizeof l);
	pushed = 0;
	for (at = 1; at < size; at += chunk) {
		logline_feed(&l, (const char *)data + at, size - at < chunk ? size - at : chunk, 42, fuzz_emit, NULL);
		/* a batch now and then, answered in turn delivered, failed, refused */
		if ((at / chunk) % 7 == 0 && (n = ring_batch(&ring, batch, sizeof batch, 7, 1))) {
			fuzz_batch(n);
			ring_done(&ring, (enum ring_outcome)((at / chunk / 7) % 3));
		}
	}
	logline_flush(&l, 42, fuzz_emit, NULL);
	while ((n = ring_batch(&ring, batch, sizeof batch, 8, 1))) {
		fuzz_batch(n);
		ring_done(&ring, RING_DELIVERED);
		if (++delivered > 100)
			abort();
	}
	if (ring.used || ring.dropped || ring.dropped_total > pushed)
		abort();

	copy = malloc(size);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	m = expo_filter(copy, size, &d1);
	if (m > size)
		abort();
	for (at = 0; at < m;) {
		const char *nl = memchr(copy + at, '\n', m - at);

		if (!nl || expo_line(copy + at, (size_t)(nl - (copy + at))) != (size_t)(nl - (copy + at)))
			abort();
		at = (size_t)(nl - copy) + 1;
	}
	if (expo_filter(copy, m, &d2) != m || d2 != 0)
		abort();
	free(copy);
	return 0;
}

#include "../replay.h"
