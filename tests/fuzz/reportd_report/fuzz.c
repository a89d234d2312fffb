/* Fuzz harness for the report check (reportd/report.c): the body a node
 * POSTs to /v1/report.  An accepted report round-trips: its compact JSON
 * is accepted again, with the same meta and the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define FUZZ_NAME "fuzz_reportd_report"
#define FUZZ_MAX_BYTES (LETHE_REPORT_MAX + 1024)

static void fuzz_one(const uint8_t *data, size_t size)
{
	struct reportd_err err;
	struct report_meta m1, m2;
	char *j1 = NULL, *j2 = NULL;

	if (report_check((const char *)data, size, &m1, &j1, &err))
		return;
	if (report_check(j1, strlen(j1), &m2, &j2, &err) || memcmp(&m1, &m2, sizeof m1) || strcmp(j1, j2) ||
	    strchr(j1, '\n'))
		abort();
	free(j1);
	free(j2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one(data, size);
	return 0;
}

#include "../replay.h"
