/* test_elfclosure: every elfclosure test group; fails if any group fails. */
#include "elfclosure_test.h"

int main(void)
{
	int failed = 0;

	failed += test_elf_run();
	failed += test_rootfs_run();
	failed += test_rootlist_run();
	failed += test_closure_run();
	return failed ? 1 : 0;
}
