/* test_tpmseal: every tpmseal unit test group; exit code = failed groups. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tests.h"

size_t t_slurp(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

const char *t_golden(const char *name)
{
	static char slots[4][128];
	static unsigned next;
	char path[256], *line = slots[next++ % 4];
	size_t n;

	snprintf(path, sizeof path, "%s/%s", TDATA, name);
	n = t_slurp(path, (uint8_t *)line, sizeof slots[0] - 1);
	line[n] = 0;
	line[strcspn(line, "\n")] = 0;
	return line;
}

int main(void)
{
	int failed = 0;

	if (sodium_init() < 0)
		return 1;
	failed += run_bundle_tests();
	failed += run_torkey_tests();
	failed += run_policy_tests();
	failed += run_keydir_tests();
	failed += run_approved_tests();
	return failed ? 1 : 0;
}
