/* test_mkcpio: every group runs, and the exit status counts the failures. */
#include "tests.h"

int main(void)
{
	int failed = 0;

	failed += test_spec_run();
	failed += test_archive_run();
	failed += test_cli_run();
	return failed ? 1 : 0;
}
