/* backoff.c and super.c: restart arithmetic and the supervision table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "backoff.h"
#include "super.h"

static void test_backoff_range(void **state)
{
	unsigned a;

	(void)state;
	/* no jitter draw: the lower half; the largest draw: the full delay */
	assert_int_equal(backoff_delay_ms(100, 10000, 0, 0), 50);
	assert_int_equal(backoff_delay_ms(100, 10000, 0, 50), 100);
	assert_int_equal(backoff_delay_ms(100, 10000, 0, 51), 50);
	assert_int_equal(backoff_delay_ms(100, 10000, 3, 400), 800);
	assert_int_equal(backoff_delay_ms(100, 10000, 3, 0), 400);
	/* capped, whatever the attempt */
	for (a = 7; a < 300; a++) {
		assert_int_equal(backoff_delay_ms(100, 10000, a, 5000), 10000);
		assert_int_equal(backoff_delay_ms(100, 10000, a, 0), 5000);
		assert_true(backoff_delay_ms(100, 10000, a, UINT32_MAX) <= 10000);
	}
	assert_int_equal(backoff_delay_ms(UINT32_MAX, UINT32_MAX, 31, 0), UINT32_MAX / 2);
	assert_true(backoff_delay_ms(UINT32_MAX, UINT32_MAX, 1000, UINT32_MAX) <= UINT32_MAX);
	/* degenerate parameters */
	assert_int_equal(backoff_delay_ms(0, 0, 0, 7), 1);
	assert_int_equal(backoff_delay_ms(1000, 10, 0, 500), 1000);
}

static void test_backoff_monotone(void **state)
{
	uint32_t prev = 0, d;
	unsigned a;

	(void)state;
	for (a = 0; a < 40; a++) {
		d = backoff_delay_ms(250, 60000, a, UINT32_MAX - 1);
		assert_true(d >= prev || d >= 30000);
		prev = d;
	}
}

static struct super_params const params = {
	.min_ms = 100, .max_ms = 1600, .stable_ms = 10000, .stop_ms = 3000,
	.kill_ms = 1000, .crash_n = 5, .crash_window_ms = 60000,
};

static void test_super_restart_backoff(void **state)
{
	struct super_svc s;
	uint64_t now = 1000;
	uint32_t expect[] = { 100, 200, 400, 800, 1600, 1600, 1600 };
	size_t i;

	(void)state;
	super_init(&s, &params);
	assert_int_equal(super_event(&s, SUPER_EV_START, 0, now, 0), SUPER_ACT_SPAWN);
	super_spawned(&s, 42, now);
	assert_int_equal(s.state, SUPER_UP);
	for (i = 0; i < sizeof expect / sizeof expect[0]; i++) {
		now += 10;
		/* a deadline in UP means nothing */
		assert_int_equal(super_event(&s, SUPER_EV_DEADLINE, 0, now, 0), SUPER_ACT_NONE);
		assert_int_equal(super_event(&s, SUPER_EV_EXIT, 0, now, expect[i] / 2), SUPER_ACT_NONE);
		assert_int_equal(s.state, SUPER_BACKOFF);
		assert_int_equal(s.pid, 0);
		assert_int_equal(s.last_delay_ms, expect[i]);
		assert_true(s.deadline_ms == now + expect[i]);
		assert_int_equal(s.crashloop, i + 1 >= 5);
		now = s.deadline_ms;
		assert_int_equal(super_event(&s, SUPER_EV_DEADLINE, 0, now, 0), SUPER_ACT_SPAWN);
		super_spawned(&s, 43 + (pid_t)i, now);
	}
	/* a stable run resets the backoff and the verdict */
	now += 10000;
	super_event(&s, SUPER_EV_EXIT, 0, now, 50);
	assert_int_equal(s.last_delay_ms, 100);
	assert_int_equal(s.crashloop, 0);
	assert_true(s.spawns == 8);
}

static void test_super_crash_window(void **state)
{
	struct super_svc s;
	uint64_t now = 0;
	int i;

	(void)state;
	super_init(&s, &params);
	super_event(&s, SUPER_EV_START, 0, now, 0);
	/* deaths spread wider than the window never reach the verdict */
	for (i = 0; i < 20; i++) {
		super_spawned(&s, 10, now);
		now += 9000;
		super_event(&s, SUPER_EV_EXIT, 0, now, 0);
		assert_false(s.crashloop);
		now = s.deadline_ms;
		super_event(&s, SUPER_EV_DEADLINE, 0, now, 0);
		now += 7000;
	}
}

static void test_super_stop(void **state)
{
	struct super_svc s;

	(void)state;
	super_init(&s, &params);
	super_event(&s, SUPER_EV_START, 0, 0, 0);
	super_spawned(&s, 7, 0);
	assert_int_equal(super_event(&s, SUPER_EV_STOP, 0, 5, 0), SUPER_ACT_SIGINT);
	assert_int_equal(s.state, SUPER_STOPPING);
	assert_true(s.deadline_ms == 3005);
	/* a second stop does not signal again; an exit ends it, no restart */
	assert_int_equal(super_event(&s, SUPER_EV_STOP, 0, 6, 0), SUPER_ACT_NONE);
	assert_int_equal(super_event(&s, SUPER_EV_EXIT, 0, 100, 0), SUPER_ACT_NONE);
	assert_int_equal(s.state, SUPER_STOPPED);
	assert_int_equal(s.pid, 0);
	assert_true(s.deadline_ms == SUPER_NO_DEADLINE);
	assert_int_equal(super_event(&s, SUPER_EV_START, 0, 200, 0), SUPER_ACT_NONE);

	/* ignores SIGINT: SIGKILL at the deadline, then give up */
	super_init(&s, &params);
	super_event(&s, SUPER_EV_START, 0, 0, 0);
	super_spawned(&s, 8, 0);
	super_event(&s, SUPER_EV_STOP, 0, 0, 0);
	assert_int_equal(super_event(&s, SUPER_EV_DEADLINE, 0, 3000, 0), SUPER_ACT_SIGKILL);
	assert_int_equal(s.state, SUPER_KILLED);
	assert_int_equal(super_event(&s, SUPER_EV_DEADLINE, 0, 4000, 0), SUPER_ACT_GIVEUP);
	assert_int_equal(s.state, SUPER_STOPPED);
	assert_int_equal(s.pid, 8);

	/* stop during backoff: nothing to signal, no spawn later */
	super_init(&s, &params);
	super_event(&s, SUPER_EV_START, 0, 0, 0);
	super_spawned(&s, 9, 0);
	super_event(&s, SUPER_EV_EXIT, 0, 1, 0);
	assert_int_equal(super_event(&s, SUPER_EV_STOP, 0, 2, 0), SUPER_ACT_NONE);
	assert_int_equal(s.state, SUPER_STOPPED);
	assert_int_equal(super_event(&s, SUPER_EV_DEADLINE, 0, 100000, 0), SUPER_ACT_NONE);
}

static void test_super_oneshot(void **state)
{
	struct super_params p = params;
	struct super_svc s;

	(void)state;
	p.oneshot = 1;
	super_init(&s, &p);
	super_event(&s, SUPER_EV_START, 0, 0, 0);
	super_spawned(&s, 5, 0);
	/* a failed step is retried, a successful one is done */
	super_event(&s, SUPER_EV_EXIT, 0, 1, 0);
	assert_int_equal(s.state, SUPER_BACKOFF);
	super_event(&s, SUPER_EV_DEADLINE, 0, s.deadline_ms, 0);
	super_spawned(&s, 6, 100);
	super_event(&s, SUPER_EV_EXIT, 1, 200, 0);
	assert_int_equal(s.state, SUPER_DONE);
	assert_int_equal(super_event(&s, SUPER_EV_DEADLINE, 0, 300, 0), SUPER_ACT_NONE);
	assert_string_equal(super_state_name(s.state), "done");
	/* a step that overruns its deadline is killed, then retried */
	p.run_ms = 500;
	super_init(&s, &p);
	super_event(&s, SUPER_EV_START, 0, 0, 0);
	super_spawned(&s, 5, 0);
	assert_true(s.deadline_ms == 500);
	assert_int_equal(super_event(&s, SUPER_EV_DEADLINE, 0, 500, 0), SUPER_ACT_OVERRUN);
	assert_int_equal(s.state, SUPER_UP);
	assert_true(s.deadline_ms == SUPER_NO_DEADLINE);
	super_event(&s, SUPER_EV_EXIT, 0, 510, 0);
	assert_int_equal(s.state, SUPER_BACKOFF);
	assert_string_equal(super_state_name(SUPER_STATE_N), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_range),
		cmocka_unit_test(test_backoff_monotone),
		cmocka_unit_test(test_super_restart_backoff),
		cmocka_unit_test(test_super_crash_window),
		cmocka_unit_test(test_super_stop),
		cmocka_unit_test(test_super_oneshot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
