/* The log-batch check (logs.c): good batches pass with their line count;
 * each kind of bad line refuses the whole batch, naming the line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "logs.h"
#include "tests.h"

static void passes(const char *batch, size_t len, size_t want)
{
	struct reportd_err err = {{0}};
	size_t lines = 99;

	if (logs_check(batch, len, &lines, &err))
		fail_msg("refused: %s", err.msg);
	assert_int_equal(lines, want);
}

static void refused(const char *batch, size_t len, const char *why)
{
	struct reportd_err err = {{0}};
	size_t lines = 99;

	assert_int_equal(logs_check(batch, len, &lines, &err), -1);
	assert_int_equal(lines, 0);
	if (!strstr(err.msg, why))
		fail_msg("reason '%s' does not say '%s'", err.msg, why);
}

static void test_good(void **state)
{
	static const char batch[] = "1767225600000 initd: tor.relay1: started (pid 412)\n"
				    "1767225600001 tor.relay1: Nov 01 00:00:00.000 [notice] Bootstrapped 100% (done): Done\n"
				    "1767225600002 telemetry: send: connection refused, retry in 4 s\n"
				    "1767225600003 initd: log: dropped 12 lines (pipe full)\n"
				    "1767225600004 configpull: configpull: fatal: not attested: PCR 9 differs\n"
				    "1767225600005 abcdefghijklmnopqrstuvwx: a source of 24 bytes\n"
				    "0 tor.a: \n"
				    "9007199254740992 tor.abcdefghijklmnop: ~ !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}\n";

	(void)state;
	passes(batch, sizeof batch - 1, 8);
}

static void test_bad_lines(void **state)
{
	static const char *const bad[][2] = {
		{"", "logs: empty batch"},
		{"1 initd: no newline", "logs: line 1: no newline at its end"},
		{"1 initd: a\n2 initd: b", "logs: line 2: no newline at its end"},
		{"1 initd: a\n\n", "logs: line 2: no UNIX_MS"},
		{"initd: a\n", "logs: line 1: no UNIX_MS"},
		{"01 initd: a\n", "logs: line 1: no UNIX_MS"},
		{"-1 initd: a\n", "logs: line 1: no UNIX_MS"},
		{"9007199254740993 initd: a\n", "logs: line 1: no UNIX_MS"},
		{"12345678901234567 initd: a\n", "logs: line 1: no UNIX_MS"},
		{"1  initd: a\n", "logs: line 1: no SOURCE"},
		{"1 Kernel: a\n", "logs: line 1: no SOURCE"},
		{"1 9tor: a\n", "logs: line 1: no SOURCE"},
		{"1 .tor: a\n", "logs: line 1: no SOURCE"},
		{"1 tor_x: a\n", "logs: line 1: no SOURCE"},
		{"1 tor.Relay: a\n", "logs: line 1: no SOURCE"},
		{"1 tor.abcdefghijklmnopqrstu: a\n", "logs: line 1: no SOURCE"},
		{"1 initd a\n", "logs: line 1: no SOURCE"},
		{"1 initd:a\n", "logs: line 1: no ': '"},
		{"1 initd:\n", "logs: line 1: no ': '"},
		{"1 initd: tab\there\n", "logs: line 1: byte 13 is not printable ASCII"},
		{"1 initd: ok\n2 initd: caf\xc3\xa9\n", "logs: line 2: byte 13 is not printable ASCII"},
		{"1 initd: cr\r\n", "logs: line 1: byte 12 is not printable ASCII"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		refused(bad[i][0], strlen(bad[i][0]), bad[i][1]);
	/* a NUL byte */
	refused("1 initd: a\0b\n", 13, "logs: line 1: byte 11 is not printable ASCII");
}

/* A line of LETHE_LOGLINE_MAX bytes with its newline passes, one more does
 * not; a batch of LETHE_LOGS_BATCH_MAX bytes passes, one more does not. */
static void test_bounds(void **state)
{
	char *b = malloc(LETHE_LOGS_BATCH_MAX + 1);
	size_t i, n;

	(void)state;
	assert_non_null(b);
	memset(b, 'x', LETHE_LOGLINE_MAX + 1);
	memcpy(b, "1 initd: ", 9);
	b[LETHE_LOGLINE_MAX - 1] = '\n';
	passes(b, LETHE_LOGLINE_MAX, 1);
	b[LETHE_LOGLINE_MAX - 1] = 'x';
	b[LETHE_LOGLINE_MAX] = '\n';
	refused(b, LETHE_LOGLINE_MAX + 1, "logs: line 1: longer than 1024 bytes");
	/* 64 lines of 1024 bytes */
	for (i = 0, n = 0; i < LETHE_LOGS_BATCH_MAX / LETHE_LOGLINE_MAX; i++, n += LETHE_LOGLINE_MAX) {
		memset(b + n, 'y', LETHE_LOGLINE_MAX);
		memcpy(b + n, "2 tor.r: ", 9);
		b[n + LETHE_LOGLINE_MAX - 1] = '\n';
	}
	assert_int_equal(n, LETHE_LOGS_BATCH_MAX);
	passes(b, n, LETHE_LOGS_BATCH_MAX / LETHE_LOGLINE_MAX);
	b[n] = '\n';
	refused(b, n + 1, "logs: larger than 65536 bytes");
	free(b);
}

int test_logs_group(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests_name("logs", tests, NULL, NULL);
}
