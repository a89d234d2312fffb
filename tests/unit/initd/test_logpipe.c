/* logpipe.c and output.c: the record format, the never-blocking write and
 * its drop marker, and a service's output cut into lines (the console
 * copy as written, the record sanitised), with a pipe standing in for the
 * console (console.c, tested on its own in test_console.c).  The log pipe
 * is one per process: the tests run in order. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lethe_telemetry.h"
#include "console.h"
#include "logpipe.h"
#include "output.h"

static char rbuf[LETHE_LOGPIPE_BYTES * 2];

/* Everything in fd now, NUL-terminated; its length. */
static size_t drain(int fd)
{
	size_t n = 0;
	ssize_t r;

	while (n < sizeof rbuf - 1 && (r = read(fd, rbuf + n, sizeof rbuf - 1 - n)) > 0)
		n += (size_t)r;
	rbuf[n] = '\0';
	return n;
}

/* The record at line, without its time: "SOURCE: TEXT\n...". */
static char const *untimed(char const *line)
{
	char const *p = line;

	while (*p >= '0' && *p <= '9')
		p++;
	assert_true(p - line >= 13);
	assert_int_equal(*p, ' ');
	return p + 1;
}

/* Record k (from 0) of rbuf is want ("SOURCE: TEXT\n"), after its time. */
static void record_is(size_t k, char const *want)
{
	char const *p = rbuf;

	while (k-- > 0) {
		p = strchr(p, '\n');
		assert_non_null(p);
		p++;
	}
	p = untimed(p);
	assert_memory_equal(p, want, strlen(want));
}

static int setup(void **state)
{
	(void)state;
	if (logpipe_open() < 0)
		return -1;
	/* the tests read without blocking */
	return fcntl(logpipe_reader(), F_SETFL, O_NONBLOCK);
}

static void test_record(void **state)
{
	char text[2000];

	(void)state;
	logpipe_record("initd", "warning: x\ty\x80z", 14);
	drain(logpipe_reader());
	assert_string_equal(untimed(rbuf), "initd: warning: x?y?z\n");
	record_is(0, "initd: warning: x?y?z\n");
	/* cut so that the record with its newline is LETHE_LOGLINE_MAX */
	memset(text, 'a', sizeof text);
	logpipe_record("tor.relay1", text, sizeof text);
	assert_int_equal(drain(logpipe_reader()), LETHE_LOGLINE_MAX);
	assert_int_equal(rbuf[LETHE_LOGLINE_MAX - 1], '\n');
	assert_int_equal(rbuf[LETHE_LOGLINE_MAX - 2], 'a');
}

/* Nobody reads: the write never blocks, the records are counted, and
 * the next record that fits comes after the marker. */
static void test_full(void **state)
{
	char line[64];
	unsigned long long n;
	size_t len, i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		snprintf(line, sizeof line, "flood %zu", i);
		logpipe_record("tor.a", line, strlen(line));
	}
	assert_true(logpipe_dropped() > 0);
	n = logpipe_dropped();
	len = drain(logpipe_reader());
	assert_true(len > LETHE_LOGPIPE_BYTES / 2);
	/* the pipe held whole records only */
	assert_int_equal(rbuf[len - 1], '\n');
	logpipe_record("tor.a", "after", 5);
	assert_int_equal(logpipe_dropped(), 0);
	drain(logpipe_reader());
	snprintf(line, sizeof line, "initd: log: dropped %llu lines (pipe full)\n", n);
	record_is(0, line);
	record_is(1, "tor.a: after\n");
	assert_string_equal(untimed(strchr(rbuf, '\n') + 1), "tor.a: after\n");
}

static void test_output(void **state)
{
	static char const in[] = "one\ntw";
	static struct output out;
	struct output *o = &out;
	char big[LETHE_LOGLINE_MAX + 500];
	int con[2];
	size_t k;

	(void)state;
	assert_int_equal(pipe2(con, O_NONBLOCK), 0);
	console_open(con[1]);
	/* a line split over two reads, a tab kept on the console */
	output_feed(o, "tor.a", in, sizeof in - 1);
	output_feed(o, "tor.a", "o\tx\n", 4);
	drain(con[0]);
	assert_string_equal(rbuf, "one\ntwo\tx\n");
	drain(logpipe_reader());
	record_is(0, "tor.a: one\n");
	record_is(1, "tor.a: two?x\n");
	assert_string_equal(untimed(strchr(rbuf, '\n') + 1), "tor.a: two?x\n");
	/* too long, in pieces: the record is cut to LETHE_LOGLINE_MAX, the
	 * console gets every byte of the line (an enrollment bundle's base64
	 * lines are longer), the next line is whole in both */
	memset(big, 'b', sizeof big);
	for (k = 0; k < sizeof big; k += 100)
		output_feed(o, "tor.a", big + k, sizeof big - k < 100 ? sizeof big - k : 100);
	output_feed(o, "tor.a", "tail\nnext\n", 10);
	assert_int_equal(drain(con[0]), sizeof big + 10);
	assert_null(memchr(rbuf, '\n', sizeof big));
	assert_string_equal(rbuf + sizeof big, "tail\nnext\n");
	drain(logpipe_reader());
	assert_int_equal(strchr(rbuf, '\n') - rbuf + 1, LETHE_LOGLINE_MAX);
	assert_string_equal(untimed(strchr(rbuf, '\n') + 1), "tor.a: next\n");
	/* exactly LETHE_LOGLINE_MAX with its newline: whole, nothing dropped */
	memset(big, 'c', LETHE_LOGLINE_MAX - 1);
	big[LETHE_LOGLINE_MAX - 1] = '\n';
	output_feed(o, "tor.a", big, LETHE_LOGLINE_MAX);
	output_feed(o, "tor.a", "d\n", 2);
	assert_int_equal(drain(con[0]), LETHE_LOGLINE_MAX + 2);
	assert_string_equal(rbuf + LETHE_LOGLINE_MAX, "d\n");
	drain(logpipe_reader());
	/* the end of the output: a last line without newline gets one */
	output_feed(o, "tor.a", "bye", 3);
	drain(con[0]);
	assert_string_equal(rbuf, "");
	output_flush(o, "tor.a");
	output_flush(o, "tor.a");
	drain(con[0]);
	assert_string_equal(rbuf, "bye\n");
	drain(logpipe_reader());
	assert_string_equal(untimed(rbuf), "tor.a: bye\n");
	console_open(-1);
	close(con[0]);
	close(con[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_output),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
