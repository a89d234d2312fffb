/* test_tlog: every tlog unit test group; exit code = failed tests. */
#include <sodium.h>

#include "tests.h"

int main(void)
{
	int failed = 0;

	if (sodium_init() < 0)
		return 1;
	failed += run_merkle_tests();
	failed += run_note_tests();
	failed += run_record_tests();
	failed += run_proof_tests();
	return failed;
}
