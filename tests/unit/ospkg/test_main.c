/* test_ospkg: every ospkg unit test group; the exit code is the number of
 * failed tests (0 = all passed). */
#include "testutil.h"

int main(void)
{
	int failed = 0;

	failed += run_zip_tests();
	failed += run_json_tests();
	failed += run_descriptor_tests();
	failed += run_verify_tests();
	failed += run_cmd_tests();
	return failed ? 1 : 0;
}
