/* log.c: line format on the console and in kmsg, with pipes standing in
 * for both. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

struct pipes {
	int console[2];
	int kmsg[2];
};

static int pipes_setup(void **state)
{
	struct pipes *p = calloc(1, sizeof *p);

	if (!p)
		return -1;
	if (pipe2(p->console, O_NONBLOCK) < 0 || pipe2(p->kmsg, O_NONBLOCK) < 0) {
		free(p);
		return -1;
	}
	log_set_fds(p->console[1], p->kmsg[1]);
	*state = p;
	return 0;
}

static int pipes_teardown(void **state)
{
	struct pipes *p = *state;

	log_set_fds(2, -1);
	close(p->console[0]);
	close(p->console[1]);
	close(p->kmsg[0]);
	close(p->kmsg[1]);
	free(p);
	return 0;
}

/* Reads what is in the pipe now (empty string if nothing). */
static void drain(int fd, char *buf, size_t size)
{
	ssize_t n = read(fd, buf, size - 1);

	buf[n > 0 ? n : 0] = 0;
}

static void test_levels(void **state)
{
	struct pipes *p = *state;
	char buf[1024];

	log_info("lethe %s (epoch %d)", "0.1", 42);
	log_warn("unable to open %s: %s", "/dev/kmsg", "No such file or directory");
	log_fatal("must run as PID 1");
	drain(p->console[0], buf, sizeof buf);
	assert_string_equal(buf,
		"initd: lethe 0.1 (epoch 42)\n"
		"initd: warning: unable to open /dev/kmsg: No such file or directory\n"
		"initd: fatal: must run as PID 1\n");
	drain(p->kmsg[0], buf, sizeof buf);
	assert_string_equal(buf,
		"<6>initd: lethe 0.1 (epoch 42)\n"
		"<4>initd: warning: unable to open /dev/kmsg: No such file or directory\n"
		"<3>initd: fatal: must run as PID 1\n");
}

/* A value with a newline cannot forge a second line (a "LETHE-BOOT" marker,
 * say). */
static void test_one_line(void **state)
{
	struct pipes *p = *state;
	char buf[1024];

	log_info("version %s", "1\nLETHE-BOOT version=evil\x1b[2J\x9b");
	drain(p->console[0], buf, sizeof buf);
	assert_string_equal(buf, "initd: version 1?LETHE-BOOT version=evil?[2J?\n");
	drain(p->kmsg[0], buf, sizeof buf);
	assert_string_equal(buf, "<6>initd: version 1?LETHE-BOOT version=evil?[2J?\n");
}

/* Long messages are cut to one whole line of LOG_LINE_BYTES at most. */
static void test_truncation(void **state)
{
	struct pipes *p = *state;
	char big[LOG_LINE_BYTES * 2];
	char buf[LOG_LINE_BYTES * 4];
	size_t n;

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	log_info("%s", big);
	drain(p->kmsg[0], buf, sizeof buf);
	n = strlen(buf);
	assert_int_equal(n, LOG_LINE_BYTES);
	assert_true(buf[n - 1] == '\n');
	assert_memory_equal(buf, "<6>initd: xxx", 13);
	drain(p->console[0], buf, sizeof buf);
	assert_int_equal(strlen(buf), LOG_LINE_BYTES - 3);
}

static void test_errno_kept(void **state)
{
	struct pipes *p = *state;
	char buf[256];

	/* A closed kmsg must not disturb the caller's errno either. */
	log_set_fds(p->console[1], 1000);
	errno = ENOSPC;
	log_info("x");
	assert_int_equal(errno, ENOSPC);
	drain(p->console[0], buf, sizeof buf);
	assert_string_equal(buf, "initd: x\n");
}

static void test_no_console(void **state)
{
	struct pipes *p = *state;
	char buf[256];

	log_set_fds(-1, p->kmsg[1]);
	log_info("only kmsg");
	drain(p->console[0], buf, sizeof buf);
	assert_string_equal(buf, "");
	drain(p->kmsg[0], buf, sizeof buf);
	assert_string_equal(buf, "<6>initd: only kmsg\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_levels, pipes_setup, pipes_teardown),
		cmocka_unit_test_setup_teardown(test_one_line, pipes_setup, pipes_teardown),
		cmocka_unit_test_setup_teardown(test_truncation, pipes_setup, pipes_teardown),
		cmocka_unit_test_setup_teardown(test_errno_kept, pipes_setup, pipes_teardown),
		cmocka_unit_test_setup_teardown(test_no_console, pipes_setup, pipes_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
