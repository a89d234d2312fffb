/* notify.c (sd_notify datagrams) and alloc.c (allocator from /proc/PID/maps). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "notify.h"

static int parse(char const *s, struct notify_msg *m)
{
	return notify_parse(s, strlen(s), m);
}

static void test_notify_tor(void **state)
{
	struct notify_msg m;

	(void)state;
	/* what tor sends (tor.md 5.3) */
	assert_int_equal(parse("MAINPID=4242", &m), 0);
	assert_int_equal(m.mainpid, 4242);
	assert_int_equal(m.flags, 0);
	assert_int_equal(parse("READY=1", &m), 0);
	assert_int_equal(m.flags, NOTIFY_READY);
	assert_int_equal(parse("WATCHDOG=1", &m), 0);
	assert_int_equal(m.flags, NOTIFY_WATCHDOG);
	assert_int_equal(parse("STOPPING=1\nEXTEND_TIMEOUT_USEC=33000000", &m), 0);
	assert_int_equal(m.flags, NOTIFY_STOPPING);
	assert_true(m.extend_usec == 33000000u);
	assert_int_equal(parse("RELOADING=1\nSTATUS=Reloading\n", &m), 0);
	assert_int_equal(m.flags, NOTIFY_RELOADING);
	assert_string_equal(m.status, "Reloading");
	/* unknown keys and empty lines are ignored; WATCHDOG=trigger is not ours */
	assert_int_equal(parse("\nX_FOO=bar\nMONOTONIC_USEC=1\nWATCHDOG=trigger\nREADY=1\n\n", &m), 0);
	assert_int_equal(m.flags, NOTIFY_READY);
}

static void test_notify_bad(void **state)
{
	static char const *const bad[] = {
		"", "READY", "READY=0", "READY=11", "READY=1\n=x", "=1", "MAINPID=0",
		"MAINPID=-1", "MAINPID=01", "MAINPID=4194305", "MAINPID=99999999999999999999999",
		"EXTEND_TIMEOUT_USEC=3600000001", "EXTEND_TIMEOUT_USEC=x", "WATCHDOG=2",
		"READY=1\nSTOPPING=yes",
	};
	struct notify_msg m;
	char big[NOTIFY_MSG_MAX + 2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse(bad[i], &m) != -1)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(m.flags, 0);
	}
	/* a NUL inside refuses the whole datagram */
	assert_int_equal(notify_parse("READY=1\0WATCHDOG=1", 18, &m), -1);
	assert_int_equal(m.flags, 0);
	/* size bound */
	memset(big, 'x', sizeof big);
	memcpy(big, "READY=1\nSTATUS=", 15);
	assert_int_equal(notify_parse(big, NOTIFY_MSG_MAX, &m), 0);
	assert_int_equal(strlen(m.status), NOTIFY_STATUS_MAX);
	assert_int_equal(notify_parse(big, NOTIFY_MSG_MAX + 1, &m), -1);
	/* control bytes in STATUS are made printable */
	assert_int_equal(parse("STATUS=a\tb\x7f", &m), 0);
	assert_string_equal(m.status, "a?b?");
}

static enum alloc_kind maps(char const *s)
{
	return alloc_from_maps(s, strlen(s));
}

static void test_alloc(void **state)
{
	(void)state;
	assert_int_equal(maps(
		"55d0c0a00000-55d0c0a10000 r--p 00000000 00:1a 123 /usr/bin/tor\n"
		"7f0000000000-7f0000001000 r-xp 00000000 00:1a 456 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2\n"
		"7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]\n"), ALLOC_JEMALLOC);
	assert_int_equal(maps("7f00-7f01 r-xp 0 00:1a 4 /usr/lib/libmimalloc.so\n"), ALLOC_MIMALLOC);
	assert_int_equal(maps("7f00-7f01 r-xp 0 00:1a 4 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
		"7f00-7f01 rw-p 0 00:00 0 [heap]\n"), ALLOC_GLIBC);
	/* near misses */
	assert_int_equal(maps("7f00-7f01 r-xp 0 00:1a 4 /tmp/libjemalloc_x.so\n"), ALLOC_GLIBC);
	assert_int_equal(maps("7f00-7f01 r-xp 0 00:1a 4 /tmp/libjemalloc.sox\n"), ALLOC_GLIBC);
	assert_int_equal(maps("7f00-7f01 r-xp 0 00:1a 4 /libjemalloc.so/x\n"), ALLOC_GLIBC);
	assert_int_equal(maps(""), ALLOC_GLIBC);
	assert_string_equal(alloc_name(ALLOC_JEMALLOC), "jemalloc");
	assert_string_equal(alloc_name(ALLOC_GLIBC), "glibc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notify_tor),
		cmocka_unit_test(test_notify_bad),
		cmocka_unit_test(test_alloc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
