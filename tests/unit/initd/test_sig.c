/* sig.c: signals as events.  The test process blocks its own signals and
 * raises them, which is what the kernel does to PID 1. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "sig.h"

static int sfd = -1;

static int group_setup(void **state)
{
	(void)state;
	log_set_fds(-1, -1);
	if (sig_block() < 0)
		return -1;
	sfd = sig_open();
	return sfd < 0 ? -1 : 0;
}

static int group_teardown(void **state)
{
	sigset_t none;

	(void)state;
	close(sfd);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	log_set_fds(2, -1);
	return 0;
}

/* Faults stay deliverable, everything else is held for the signalfd. */
static void test_mask(void **state)
{
	sigset_t cur;

	(void)state;
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
	assert_true(sigismember(&cur, SIGINT));
	assert_true(sigismember(&cur, SIGTERM));
	assert_true(sigismember(&cur, SIGCHLD));
	assert_true(sigismember(&cur, SIGHUP));
	assert_false(sigismember(&cur, SIGSEGV));
	assert_false(sigismember(&cur, SIGBUS));
	assert_false(sigismember(&cur, SIGABRT));
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(sig_name(SIGINT), "SIGINT");
	assert_string_equal(sig_name(SIGPWR), "SIGPWR");
	assert_string_equal(sig_name(SIGRTMIN), "signal");
	assert_true(sig_is_shutdown(SIGPWR));
	assert_false(sig_is_shutdown(SIGHUP));
	assert_false(sig_is_shutdown(SIGCHLD));
	/* s6-linux-init on a machine: cad reboots, USR1/PWR power off, USR2 halts */
	assert_int_equal(sig_pid1_action(SIGINT), SIG_ACTION_REBOOT);
	assert_int_equal(sig_pid1_action(SIGUSR1), SIG_ACTION_POWEROFF);
	assert_int_equal(sig_pid1_action(SIGPWR), SIG_ACTION_POWEROFF);
	assert_int_equal(sig_pid1_action(SIGUSR2), SIG_ACTION_HALT);
	assert_int_equal(sig_pid1_action(SIGTERM), SIG_ACTION_NONE);
	assert_int_equal(sig_pid1_action(SIGHUP), SIG_ACTION_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
