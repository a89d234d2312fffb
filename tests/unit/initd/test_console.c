/* console.c: the services' lines to a console that falls behind, with a
 * pipe of one page standing in for the console.  Lines the console does
 * not take wait in the backlog (never cut), the lines that do not fit are
 * dropped whole and counted exactly, the marker takes their place once
 * there is room; initd's own lines (log.c) queue behind the backlog when
 * they share the console's file (fd 2 here), never dropped, waiting for
 * room; the drain keeps its deadline; a console that is gone is given
 * up.  The console is one per process: each test opens it anew.  Every
 * test that could block has an alarm. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "console.h"
#include "log.h"

#define PAGE 4096

static char got[CONSOLE_BACKLOG * 4];
static size_t got_len;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A console of one page: [0] read end, [1] the non-blocking write end. */
static void console_pipe(int p[2])
{
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	assert_int_equal(fcntl(p[1], F_SETPIPE_SZ, PAGE), PAGE);
}

/* Fills the pipe: the console takes nothing more. */
static void console_fill(int fd)
{
	static char junk[PAGE];

	memset(junk, 'j', sizeof junk);
	assert_int_equal(write(fd, junk, sizeof junk), PAGE);
	assert_int_equal(write(fd, "j", 1), -1);
	assert_int_equal(errno, EAGAIN);
}

/* Reads the console and lets the backlog out until both are empty;
 * everything after the first skip bytes (console_fill's junk) is in got. */
static void console_read_all(int fd, size_t skip)
{
	char buf[PAGE];
	ssize_t n;

	got_len = 0;
	for (;;) {
		while ((n = read(fd, buf, sizeof buf)) > 0) {
			size_t k = (size_t)n < skip ? (size_t)n : skip;

			skip -= k;
			assert_true(got_len + (size_t)n - k <= sizeof got);
			memcpy(got + got_len, buf + k, (size_t)n - k);
			got_len += (size_t)n - k;
		}
		if (console_waiting() < 0)
			break;
		console_flush();
	}
	got[got_len] = '\0';
}

static int lines_in(char const *s)
{
	int n = 0;

	while ((s = strchr(s, '\n'))) {
		n++;
		s++;
	}
	return n;
}

/* A console with room: each line at once, nothing waits. */
static void test_direct(void **state)
{
	int p[2];
	char buf[64];

	(void)state;
	console_pipe(p);
	console_open(p[1]);
	console_line("one\n", 4);
	console_line("two\n", 4);
	assert_int_equal(console_waiting(), -1);
	assert_int_equal(read(p[0], buf, sizeof buf), 8);
	assert_memory_equal(buf, "one\ntwo\n", 8);
	console_open(-1);
	close(p[0]);
	close(p[1]);
}

/* A full console: 100-byte lines wait until the backlog holds 163 of
 * them; the 137 others are dropped whole and counted, and the marker
 * with that count follows the last line kept; nothing is cut. */
static void test_backlog(void **state)
{
	char line[128], want[64];
	int p[2], k;

	(void)state;
	console_pipe(p);
	console_open(p[1]);
	console_fill(p[1]);
	for (k = 0; k < 300; k++) {
		snprintf(line, sizeof line, "line %03d %090d\n", k, 0);
		assert_int_equal(strlen(line), 100);
		console_line(line, 100);
	}
	assert_int_equal(console_waiting(), p[1]);
	assert_int_equal(console_dropped(), 300 - CONSOLE_BACKLOG / 100);
	console_read_all(p[0], PAGE);
	assert_int_equal(console_dropped(), 0);
	snprintf(want, sizeof want, "initd: console: dropped %d lines\n", 300 - CONSOLE_BACKLOG / 100);
	assert_int_equal(got_len, CONSOLE_BACKLOG / 100 * 100 + strlen(want));
	for (k = 0; k < CONSOLE_BACKLOG / 100; k++) {
		snprintf(line, sizeof line, "line %03d %090d\n", k, 0);
		assert_memory_equal(got + k * 100, line, 100);
	}
	assert_string_equal(got + CONSOLE_BACKLOG / 100 * 100, want);
	/* the count starts again, and the next line goes straight out */
	console_line("after\n", 6);
	assert_int_equal(console_waiting(), -1);
	assert_int_equal(read(p[0], line, sizeof line), 6);
	console_open(-1);
	close(p[0]);
	close(p[1]);
}

/* initd's own lines on fd 2, a blocking description of the console's
 * file: written at once while nothing waits, behind the backlog while
 * something does, and waiting for room (never dropped) when it is
 * full. */
static void test_own(void **state)
{
	char path[64], line[128];
	char const *want;
	int p[2], blk, saved = dup(2), k;
	uint64_t lost, t0;
	pid_t reader;

	(void)state;
	alarm(20);
	console_pipe(p);
	snprintf(path, sizeof path, "/proc/self/fd/%d", p[1]);
	blk = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(blk >= 0);
	assert_int_equal(dup2(blk, 2), 2);
	console_open(p[1]);
	log_set_fds(2, -1);

	/* nothing waits: the blocking write, as before */
	log_info("own zero");
	assert_int_equal(read(p[0], line, sizeof line), 16);
	assert_memory_equal(line, "initd: own zero\n", 16);

	/* behind the backlog, not before it */
	console_fill(p[1]);
	console_line("svc a\n", 6);
	console_line("svc b\n", 6);
	log_info("own one");
	log_mark("test");
	console_line("svc c\n", 6);
	console_read_all(p[0], PAGE);
	want = "svc a\nsvc b\ninitd: own one\nLETHE-MARK test t=";
	assert_memory_equal(got, want, strlen(want));
	assert_string_equal(strchr(got + strlen(want), '\n'), "\nsvc c\n");

	/* a full backlog, to the last byte: the line waits until a reader
	 * makes room */
	console_fill(p[1]);
	for (k = 0; k < 200; k++) {
		snprintf(line, sizeof line, "line %03d %090d\n", k, 0);
		console_line(line, 100);
		if (k == CONSOLE_BACKLOG / 100 - 1) {
			memset(line, 'p', CONSOLE_BACKLOG % 100);
			line[CONSOLE_BACKLOG % 100 - 1] = '\n';
			console_line(line, CONSOLE_BACKLOG % 100);
		}
	}
	lost = console_dropped();
	assert_int_equal(lost, 200 - CONSOLE_BACKLOG / 100);
	reader = fork();
	assert_true(reader >= 0);
	if (reader == 0) {
		char junk[PAGE];
		size_t n = 0;
		ssize_t r;

		/* the junk only: the page console_fill wrote */
		poll(NULL, 0, 200);
		while (n < PAGE && (r = read(p[0], junk, PAGE - n)) > 0)
			n += (size_t)r;
		_exit(n == PAGE ? 0 : 1);
	}
	t0 = now_ms();
	log_info("own two");
	assert_true(now_ms() - t0 >= 150);
	assert_int_equal(console_dropped(), 0);
	assert_int_equal(waitpid(reader, &k, 0), reader);
	assert_true(WIFEXITED(k) && WEXITSTATUS(k) == 0);
	/* the reader took the junk */
	console_read_all(p[0], 0);
	snprintf(line, sizeof line, "initd: console: dropped %llu lines\ninitd: own two\n",
		(unsigned long long)lost);
	assert_true(got_len > strlen(line));
	assert_string_equal(got + got_len - strlen(line), line);
	assert_int_equal(lines_in(got), CONSOLE_BACKLOG / 100 + 1 + 2);

	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	close(blk);
	console_open(-1);
	close(p[0]);
	close(p[1]);
	alarm(0);
}

/* Nobody reads: the drain gives up at its deadline; once the console
 * takes lines again, it empties the backlog. */
static void test_drain(void **state)
{
	int p[2];
	uint64_t t0, dt;

	(void)state;
	alarm(20);
	console_pipe(p);
	console_open(p[1]);
	console_fill(p[1]);
	console_line("last words\n", 11);
	t0 = now_ms();
	console_drain(300);
	dt = now_ms() - t0;
	assert_true(dt >= 290 && dt < 3000);
	assert_int_equal(console_waiting(), p[1]);
	console_read_all(p[0], PAGE);
	assert_string_equal(got, "last words\n");
	console_open(-1);
	close(p[0]);
	close(p[1]);
	alarm(0);
}

/* The reader is gone (EPIPE): the console is given up, nothing waits,
 * the drain returns at once. */
static void test_gone(void **state)
{
	int p[2];
	uint64_t t0;

	(void)state;
	alarm(20);
	signal(SIGPIPE, SIG_IGN);
	console_pipe(p);
	console_open(p[1]);
	console_fill(p[1]);
	console_line("queued\n", 7);
	assert_int_equal(console_waiting(), p[1]);
	close(p[0]);
	t0 = now_ms();
	console_drain(5000);
	assert_true(now_ms() - t0 < 1000);
	assert_int_equal(console_waiting(), -1);
	console_line("nowhere\n", 8);
	assert_int_equal(console_waiting(), -1);
	console_open(-1);
	close(p[1]);
	alarm(0);
}

/* The test modes' stdout: a pipe gets a non-blocking description of its
 * own (the original stays blocking), a regular file is used as it is. */
static void test_reopen(void **state)
{
	char name[] = "/tmp/test_console.XXXXXX";
	int p[2], fd, f;
	char buf[8];

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	fd = console_reopen(p[1]);
	assert_true(fd >= 0 && fd != p[1]);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_false(fcntl(p[1], F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(write(fd, "x\n", 2), 2);
	assert_int_equal(read(p[0], buf, sizeof buf), 2);
	close(fd);
	close(p[0]);
	close(p[1]);
	f = mkstemp(name);
	assert_true(f >= 0);
	unlink(name);
	assert_int_equal(console_reopen(f), f);
	close(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_direct),
		cmocka_unit_test(test_backlog),
		cmocka_unit_test(test_own),
		cmocka_unit_test(test_drain),
		cmocka_unit_test(test_gone),
		cmocka_unit_test(test_reopen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
