/* test_reportd: cmocka unit tests of reportd, one group per module. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests.h"

int main(void)
{
	int failed = 0;

	failed += test_report_group();
	failed += test_logs_group();
	failed += test_db_group();
	return failed ? 1 : 0;
}
