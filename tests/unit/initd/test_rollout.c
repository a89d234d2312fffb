/* rollout_rule.c and node.conf's image keys: when a node may reboot for a
 * rollout, and the window of the day. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "nodeconf.h"
#include "rollout.h"

static void test_rollout_decide(void **state)
{
	struct rollout_in in = { .wanted = 7, .epoch = 200, .own_epoch = 100, .done = 6, .authorized = 1 };
	struct rollout_in x;

	(void)state;
	assert_int_equal(rollout_decide(&in), ROLLOUT_CHECK);
	x = in, x.wanted = 0;
	assert_int_equal(rollout_decide(&x), ROLLOUT_NONE);
	/* never twice for one rollout, nor for an older one */
	x = in, x.done = 7;
	assert_int_equal(rollout_decide(&x), ROLLOUT_CURRENT);
	x = in, x.done = 9;
	assert_int_equal(rollout_decide(&x), ROLLOUT_CURRENT);
	/* the wanted image is this one, or older, or ours is unknown */
	x = in, x.epoch = 100;
	assert_int_equal(rollout_decide(&x), ROLLOUT_CURRENT);
	x = in, x.epoch = 50;
	assert_int_equal(rollout_decide(&x), ROLLOUT_CURRENT);
	x = in, x.own_epoch = 0;
	assert_int_equal(rollout_decide(&x), ROLLOUT_CURRENT);
	/* past rollouts unknown: no reboot (adopted as done) */
	x = in, x.done = -1;
	assert_int_equal(rollout_decide(&x), ROLLOUT_UNKNOWN);
	/* ... unless there is nothing to reboot for anyway */
	x.epoch = 100;
	assert_int_equal(rollout_decide(&x), ROLLOUT_CURRENT);
	/* literal PCRs: another image cannot unseal */
	x = in, x.authorized = 0;
	assert_int_equal(rollout_decide(&x), ROLLOUT_LITERAL);
	x = in, x.done = 0;
	assert_int_equal(rollout_decide(&x), ROLLOUT_CHECK);
}

static void test_rollout_window(void **state)
{
	uint16_t a, b;

	(void)state;
	assert_int_equal(nodeconf_window_parse("02:00-04:30", 11, &a, &b), 0);
	assert_int_equal(a, 120);
	assert_int_equal(b, 270);
	assert_false(nodeconf_window_in(a, b, 119));
	assert_true(nodeconf_window_in(a, b, 120));
	assert_true(nodeconf_window_in(a, b, 269));
	assert_false(nodeconf_window_in(a, b, 270));
	/* past midnight */
	assert_int_equal(nodeconf_window_parse("22:00-01:00", 11, &a, &b), 0);
	assert_true(nodeconf_window_in(a, b, 1439));
	assert_true(nodeconf_window_in(a, b, 0));
	assert_true(nodeconf_window_in(a, b, 1320));
	assert_false(nodeconf_window_in(a, b, 60));
	assert_false(nodeconf_window_in(a, b, 600));
	assert_int_equal(nodeconf_window_parse("00:00-23:59", 11, &a, &b), 0);
	assert_false(nodeconf_window_in(a, b, 1439));
	static char const *const bad[] = {
		"02:00-02:00", "24:00-01:00", "01:60-02:00", "1:00-02:00", "01:00-02:00 ",
		"01:00+02:00", "01.00-02:00", "", "01:00-2:00", "-1:00-02:00",
	};
	size_t k;

	for (k = 0; k < sizeof bad / sizeof bad[0]; k++)
		assert_int_equal(nodeconf_window_parse(bad[k], strlen(bad[k]), &a, &b), -22);
}

#define CONF "refresh_interval=3600\nallocator=glibc\nzram=1\nzram_size_mib=0\n" \
	"zram_algorithm=zstd\ninstances=a\nprovision=0\nfamily=0\n"

static void test_rollout_nodeconf(void **state)
{
	struct nodeconf nc;
	struct nodeconf_error err;
	static char const ok[] = CONF "image_version=v2.0\nimage_epoch=1796280102\n"
		"image_rollout=3\nimage_window=22:00-02:00\n";
	static char const *const bad[] = {
		CONF "image_epoch=01\n", CONF "image_epoch=9007199254740992\n",
		CONF "image_rollout=2147483648\n", CONF "image_rollout=-1\n",
		CONF "image_window=22:00\n", CONF "image_version=a b\n",
		CONF "image_rollout=1\nimage_rollout=2\n",
	};
	size_t k;

	(void)state;
	assert_int_equal(nodeconf_parse(ok, strlen(ok), &nc, &err), 0);
	assert_string_equal(nc.image_version, "v2.0");
	assert_true(nc.image_epoch == 1796280102ull);
	assert_int_equal(nc.image_rollout, 3);
	assert_int_equal(nc.window, 1);
	assert_int_equal(nc.window_start, 1320);
	assert_int_equal(nc.window_end, 120);
	/* a node.conf from before rollouts has none of them */
	assert_int_equal(nodeconf_parse(CONF, strlen(CONF), &nc, &err), 0);
	assert_int_equal(nc.image_rollout, 0);
	assert_int_equal(nc.window, 0);
	assert_int_equal(nodeconf_parse(CONF "image_window=\n", strlen(CONF) + 14, &nc, &err), 0);
	assert_int_equal(nc.window, 0);
	for (k = 0; k < sizeof bad / sizeof bad[0]; k++)
		assert_int_equal(nodeconf_parse(bad[k], strlen(bad[k]), &nc, &err), -22);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rollout_decide),
		cmocka_unit_test(test_rollout_window),
		cmocka_unit_test(test_rollout_nodeconf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
