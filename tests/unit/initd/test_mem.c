/* mem.c: MemTotal/VmRSS parsing, per-instance MaxMemInQueues, the
 * torrc option check, CPU sets, the zram size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mem.h"

static int kb(char const *s, char const *key, uint64_t *v)
{
	return mem_parse_kb(s, strlen(s), key, v);
}

static void test_mem_parse(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(kb("MemTotal:        4014080 kB\nMemFree:  1 kB\n", "MemTotal:", &v), 0);
	assert_int_equal(v, 4014080);
	assert_int_equal(kb("MemFree: 1 kB\nMemTotal: 2048 kB", "MemTotal:", &v), 0);
	assert_int_equal(v, 2048);
	assert_int_equal(kb("Name:\tinitd\nVmRSS:\t     812 kB\n", "VmRSS:", &v), 0);
	assert_int_equal(v, 812);
	/* malformed or missing: refused, never guessed */
	assert_int_equal(kb("MemFree: 1 kB\n", "MemTotal:", &v), -1);
	assert_int_equal(kb("MemTotal: kB\n", "MemTotal:", &v), -1);
	assert_int_equal(kb("MemTotal: 12 MB\n", "MemTotal:", &v), -1);
	assert_int_equal(kb("MemTotal: 12 kB extra\n", "MemTotal:", &v), -1);
	assert_int_equal(kb("MemTotal: 1x2 kB\n", "MemTotal:", &v), -1);
	assert_int_equal(kb("MemTotal: 12345678901234 kB\n", "MemTotal:", &v), -1);
	assert_int_equal(kb("", "MemTotal:", &v), -1);
	assert_int_equal(kb("MemTotal:", "MemTotal:", &v), -1);
	/* a key is matched at the start of a line only */
	assert_int_equal(kb("XMemTotal: 5 kB\n", "MemTotal:", &v), -1);
}

static void test_mem_queues(void **state)
{
	(void)state;
	/* (MemTotal - 1 GiB) / N / 2, clamped to [256, 8192] MiB */
	assert_int_equal(mem_queues_mib(8u << 20, 1), (8192 - 1024) / 2);
	assert_int_equal(mem_queues_mib(8u << 20, 2), (8192 - 1024) / 4);
	assert_int_equal(mem_queues_mib(4u << 20, 8), 256);       /* 192: clamped up */
	assert_int_equal(mem_queues_mib(512u << 10, 1), 256);     /* below the reserve */
	assert_int_equal(mem_queues_mib(0, 1), 256);
	assert_int_equal(mem_queues_mib(64ull << 20, 1), 8192);   /* 32256: clamped down */
	assert_int_equal(mem_queues_mib(64ull << 20, 4), 8064);
	assert_int_equal(mem_queues_mib(8u << 20, 0), (8192 - 1024) / 2); /* n 0: 1 */
	assert_int_equal(mem_queues_mib(UINT64_MAX, 1), 8192);
}

static int sets(char const *s, char const *name)
{
	return mem_torrc_sets(s, strlen(s), name);
}

static void test_mem_torrc_sets(void **state)
{
	(void)state;
	assert_true(sets("Nickname a\nMaxMemInQueues 1 GB\n", "MaxMemInQueues"));
	assert_true(sets("maxmeminqueues 512 MB", "MaxMemInQueues"));
	assert_true(sets("  \t+MaxMemInQueues 512 MB\n", "MaxMemInQueues"));
	assert_true(sets("/MaxMemInQueues\n", "MaxMemInQueues"));
	assert_true(sets("MaxMemInQueues\r\n", "MaxMemInQueues"));
	assert_false(sets("# MaxMemInQueues 1 GB\n", "MaxMemInQueues"));
	assert_false(sets("MaxMemInQueuesX 1\n", "MaxMemInQueues"));
	assert_false(sets("Nickname MaxMemInQueues\n", "MaxMemInQueues"));
	assert_false(sets("", "MaxMemInQueues"));
}

static void test_mem_cpus(void **state)
{
	(void)state;
	/* fewer than 2 cores per instance: no pinning */
	assert_int_equal(mem_cpus(0, 2, 3), 0);
	assert_int_equal(mem_cpus(0, 1, 1), 0);
	assert_int_equal(mem_cpus(0, 0, 8), 0);
	assert_int_equal(mem_cpus(2, 2, 8), 0);
	/* round-robin, disjoint, covering every core */
	assert_int_equal(mem_cpus(0, 2, 4), 0x5);
	assert_int_equal(mem_cpus(1, 2, 4), 0xa);
	assert_int_equal(mem_cpus(0, 3, 7), 0x49);
	assert_int_equal(mem_cpus(1, 3, 7), 0x12);
	assert_int_equal(mem_cpus(2, 3, 7), 0x24);
	assert_int_equal(mem_cpus(0, 1, 2), 0x3);
	/* the first 64 cores only */
	assert_int_equal(mem_cpus(0, 1, 128), UINT64_MAX);
	assert_int_equal(mem_cpus(7, 8, 256), 0x8080808080808080ull);
}

static void test_mem_zram(void **state)
{
	(void)state;
	assert_int_equal(mem_zram_mib(4u << 20, 0), 1024);   /* auto: a quarter */
	assert_int_equal(mem_zram_mib(4u << 20, 512), 512);
	assert_int_equal(mem_zram_mib(4u << 20, 65536), 4096); /* at most MemTotal */
	assert_int_equal(mem_zram_mib(32u << 10, 0), 16);      /* at least 16 MiB */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mem_parse),
		cmocka_unit_test(test_mem_queues),
		cmocka_unit_test(test_mem_torrc_sets),
		cmocka_unit_test(test_mem_cpus),
		cmocka_unit_test(test_mem_zram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
