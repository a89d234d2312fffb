/* Fuzz harness for the log-batch check (reportd/logs.c): the body a node
 * POSTs to /v1/logs.  An accepted batch is lines of printable ASCII, each
 * ending in '\n', as many as it said. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logs.h"

#define FUZZ_NAME "fuzz_reportd_logs"
#define FUZZ_MAX_BYTES (LETHE_LOGS_BATCH_MAX + 1024)

static void fuzz_one(const uint8_t *data, size_t size)
{
	struct reportd_err err;
	size_t lines, n = 0, i;

	if (logs_check((const char *)data, size, &lines, &err))
		return;
	if (!size || data[size - 1] != '\n')
		abort();
	for (i = 0; i < size; i++) {
		if (data[i] == '\n')
			n++;
		else if (!reportd_printable(data[i]))
			abort();
	}
	if (n != lines)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one(data, size);
	return 0;
}

#include "../replay.h"
