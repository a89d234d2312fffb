/* test_attestd: cmocka unit tests of attestd, one group per module. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests.h"

int main(void)
{
	int failed = 0;

	failed += test_check_group();
	failed += test_activate_group();
	failed += test_eventlog_group();
	failed += test_quote_group();
	failed += test_releases_group();
	failed += test_pull_group();
	failed += test_db_group();
	return failed ? 1 : 0;
}
