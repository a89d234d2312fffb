/* Fuzz target for lethe-telemetry's status-file parser (telemetry/status.c):
 * status_parse on arbitrary bytes.  What it accepts must be what the report
 * may carry: printable values within their bounds, at most 8 instances
 * with unique [a-z0-9] names; what it refuses leaves the defaults. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

#define FUZZ_NAME "fuzz_telemetry_status"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_printable(const char *s, size_t max)
{
	size_t i, n = strlen(s);

	if (n > max)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct status st, def;
	char why[160];
	size_t i, j;

	if (status_parse((const char *)data, size, &st, why, sizeof why) < 0) {
		status_defaults(&def);
		if (memcmp(&st, &def, sizeof st) != 0 || !why[0])
			abort();
		return 0;
	}
	fuzz_printable(st.stage, STATUS_WORD_MAX);
	fuzz_printable(st.stage_error, LETHE_STATUS_VALUE_MAX);
	fuzz_printable(st.last_error, LETHE_STATUS_VALUE_MAX);
	if (st.instances > LETHE_INSTANCES_MAX || st.pull_exit < -1 || st.pull_exit > 255 || st.seq < 0)
		abort();
	for (i = 0; i < st.instances; i++) {
		const struct status_inst *in = &st.inst[i];

		if (!in->name[0] || strspn(in->name, "abcdefghijklmnopqrstuvwxyz0123456789") != strlen(in->name))
			abort();
		fuzz_printable(in->name, LETHE_INSTANCE_NAME_MAX);
		fuzz_printable(in->last_exit, STATUS_WORD_MAX);
		if (in->pid < 0 || in->restarts < 0 || (in->crashloop != 0 && in->crashloop != 1))
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(in->name, st.inst[j].name) == 0)
				abort();
	}
	return 0;
}

#include "../replay.h"
