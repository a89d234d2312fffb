/* PID 1's host pieces without root: PSI text, power button events, the
 * zram swap header and setup against a scratch "sysfs", and the event
 * loop's extra descriptors with loop_shutdown (the power button path). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "loop.h"
#include "net.h"
#include "powerkey.h"
#include "psi.h"
#include "sig.h"
#include "zram.h"

static int avg(char const *s, char *some, char *full)
{
	return psi_parse_avg10(s, strlen(s), some, full);
}

static void test_psi_parse(void **state)
{
	char some[PSI_AVG_MAX + 1], full[PSI_AVG_MAX + 1];

	(void)state;
	assert_int_equal(avg("some avg10=1.25 avg60=0.40 avg300=0.10 total=123\n"
		"full avg10=0.50 avg60=0.00 avg300=0.00 total=45\n", some, full), 0);
	assert_string_equal(some, "1.25");
	assert_string_equal(full, "0.50");
	/* cpu before 5.13: no full line */
	assert_int_equal(avg("some avg10=99.99 avg60=0.00 avg300=0.00 total=1\n", some, full), 0);
	assert_string_equal(some, "99.99");
	assert_string_equal(full, "-");
	/* malformed values are refused, never copied */
	assert_int_equal(avg("some avg10=1.2.3 avg60=0\n", some, full), -1);
	assert_int_equal(avg("some avg10=\x1b[2J avg60=0\n", some, full), -1);
	assert_int_equal(avg("some avg10=123456789012 avg60=0\n", some, full), -1);
	assert_int_equal(avg("some avg60=1.00\n", some, full), -1);
	assert_int_equal(avg("", some, full), -1);
	assert_int_equal(avg("some avg10=1.00 avg60=0\nfull avg10=x\n", some, full), 0);
	assert_string_equal(full, "-");
}

static void test_powerkey(void **state)
{
	unsigned char bits[POWERKEY_KEY_MAX / 8 + 1];
	struct powerkey_event ev[3];

	(void)state;
	memset(bits, 0, sizeof bits);
	assert_false(powerkey_capable(bits, sizeof bits));
	bits[POWERKEY_KEY_POWER / 8] = (unsigned char)(1u << (POWERKEY_KEY_POWER % 8));
	assert_true(powerkey_capable(bits, sizeof bits));
	assert_false(powerkey_capable(bits, POWERKEY_KEY_POWER / 8)); /* too short */
	memset(ev, 0, sizeof ev);
	assert_int_equal(sizeof ev[0], 24); /* struct input_event on x86-64 */
	ev[0].type = POWERKEY_EV_KEY;
	ev[0].code = POWERKEY_KEY_POWER;
	ev[0].value = 0; /* release */
	ev[1].type = 0;  /* EV_SYN */
	assert_false(powerkey_pressed(ev, 2));
	ev[2] = ev[0];
	ev[2].value = 1;
	assert_true(powerkey_pressed(ev, 3));
	ev[2].code = 115; /* KEY_VOLUMEUP */
	assert_false(powerkey_pressed(ev, 3));
}

static void test_zram_header(void **state)
{
	static unsigned char page[4096];
	unsigned char uuid[16];
	uint32_t v[3];

	(void)state;
	memset(uuid, 0xab, sizeof uuid);
	assert_int_equal(zram_swap_header(page, sizeof page, 262144, uuid), 0);
	assert_memory_equal(page + 4096 - 10, "SWAPSPACE2", 10);
	memcpy(v, page + 1024, sizeof v);
	assert_int_equal(v[0], 1);
	assert_int_equal(v[1], 262143);
	assert_int_equal(v[2], 0);
	assert_memory_equal(page + 1036, uuid, 16);
	assert_int_equal(page[0], 0);
	assert_int_equal(zram_swap_header(page, sizeof page, 9, uuid), -1);
	assert_int_equal(zram_swap_header(page, sizeof page, (uint64_t)UINT32_MAX + 2, uuid), -1);
	assert_int_equal(zram_swap_header(page, 2048, 100, uuid), -1);
}

static char *slurp(char const *dir, char const *file, char *buf, size_t size)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, size - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static void touch(char const *dir, char const *file)
{
	char path[512];
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	close(fd);
}

static void test_zram_setup(void **state)
{
	char tmpl[] = "/tmp/initd-zram.XXXXXX", block[256], sys[256], buf[8192];
	char *dir = mkdtemp(tmpl);
	struct zram_paths zp = { .block = block, .dev = NULL, .moddir = NULL, .proc_sys = sys };
	char dev[256];
	long ps = sysconf(_SC_PAGESIZE);
	uint32_t v[3];

	(void)state;
	assert_non_null(dir);
	snprintf(block, sizeof block, "%s/zram0", dir);
	snprintf(sys, sizeof sys, "%s/sys", dir);
	snprintf(dev, sizeof dev, "%s/dev", dir);
	zp.dev = dev;
	/* no device: refused, nothing written */
	assert_int_equal(zram_setup(&zp, "zstd", 64), -ENODEV);
	assert_int_equal(mkdir(block, 0700), 0);
	assert_int_equal(mkdir(sys, 0700), 0);
	snprintf(buf, sizeof buf, "%s/vm", sys);
	assert_int_equal(mkdir(buf, 0700), 0);
	touch(block, "comp_algorithm");
	touch(block, "disksize");
	touch(dir, "dev");
	touch(sys, "vm/swappiness");
	touch(sys, "vm/page-cluster");
	assert_int_equal(zram_setup(&zp, "zstd", 64), 0);
	assert_string_equal(slurp(block, "comp_algorithm", buf, sizeof buf), "zstd");
	assert_string_equal(slurp(block, "disksize", buf, sizeof buf), "67108864");
	assert_string_equal(slurp(sys, "vm/swappiness", buf, sizeof buf), ZRAM_SWAPPINESS);
	assert_string_equal(slurp(sys, "vm/page-cluster", buf, sizeof buf), ZRAM_PAGE_CLUSTER);
	slurp(dir, "dev", buf, sizeof buf);
	assert_memory_equal(buf + ps - 10, "SWAPSPACE2", 10);
	memcpy(v, buf + 1024, sizeof v);
	assert_int_equal(v[1], (uint32_t)((64u << 20) / (unsigned long)ps - 1));
	/* no disksize knob: an error, no header */
	snprintf(buf, sizeof buf, "%s/disksize", block);
	unlink(buf);
	touch(dir, "dev");
	assert_true(zram_setup(&zp, "lz4", 64) < 0);
	assert_string_equal(slurp(dir, "dev", buf, sizeof buf), "");
	snprintf(buf, sizeof buf, "rm -rf '%s'", dir);
	assert_int_equal(system(buf), 0);
}

static int fired;

static void on_fd(struct loop *l, int fd, short revents, void *ctx)
{
	char c;

	(void)ctx;
	assert_true(revents & POLLIN);
	assert_int_equal(read(fd, &c, 1), 1);
	fired++;
	loop_shutdown(l, SIGUSR2);
	loop_shutdown(l, SIGTERM); /* once only */
}

/* An extra descriptor in the loop's poll whose callback powers off, as
 * the power button does: the service gets SIGINT and the loop ends. */
static void test_loop_fd_shutdown(void **state)
{
	static struct loop l;
	static char *argv[] = { "/bin/sleep", "30", NULL };
	struct super_params p = {
		.min_ms = 100, .max_ms = 100, .stable_ms = 1000, .stop_ms = 2000, .kill_ms = 1000,
	};
	int sfd, fds[2];

	(void)state;
	assert_int_equal(sig_block(), 0);
	sfd = sig_open();
	assert_true(sfd >= 0);
	assert_int_equal(pipe(fds), 0);
	loop_init(&l, sfd);
	assert_int_equal(loop_add(&l, "sleeper", argv, &p), 0);
	assert_int_equal(loop_add_fd(&l, fds[0], POLLIN, on_fd, NULL), 0);
	assert_int_equal(loop_add_fd(&l, -1, POLLIN, on_fd, NULL), -EINVAL);
	assert_int_equal(write(fds[1], "x", 1), 1);
	assert_int_equal(loop_run(&l), 0);
	assert_int_equal(fired, 1);
	assert_int_equal(l.stop_signal, SIGUSR2);
	assert_int_equal(l.svc[0].sv.state, SUPER_STOPPED);
	close(fds[0]);
	close(fds[1]);
	close(sfd);
}

/* After the DHCP step: a supervised udhcpc without -q on the step's
 * interface and script, with LETHE_DHCP_RENEW=1 (the pipeline adds it only
 * after a DHCP step: pipeline.c). */
static void test_net_renew(void **state)
{
	static struct loop l;
	static char *stat[] = { "/usr/bin/sh", "-c", "ip link set dev eth0 up", NULL };
	struct super_params p = { .min_ms = 1000, .max_ms = 1000, .oneshot = 1 };
	struct loop_svc *s;
	size_t k;

	(void)state;
	loop_init(&l, -1);
	assert_int_equal(loop_add(&l, "network", stat, &p), 0);
	assert_int_equal(loop_add(&l, "other", stat, &p), 0);
	assert_int_equal(net_renew_add(&l, "eth1", "/run/lethe/udhcpc.script"), 0);
	assert_int_equal(l.n, 3);
	s = &l.svc[2];
	assert_string_equal(s->name, "dhcp");
	assert_false(s->sv.p.oneshot);
	assert_string_equal(s->argv[0], "/usr/bin/udhcpc");
	for (k = 0; s->argv[k]; k++)
		assert_string_not_equal(s->argv[k], "-q");
	assert_string_equal(s->argv[2], "-i");
	assert_string_equal(s->argv[3], "eth1");
	assert_string_equal(s->argv[4], "-s");
	assert_string_equal(s->argv[5], "/run/lethe/udhcpc.script");
	for (k = 0; s->env[k]; k++)
		if (strcmp(s->env[k], "LETHE_DHCP_RENEW=1") == 0)
			break;
	assert_non_null(s->env[k]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_psi_parse),
		cmocka_unit_test(test_powerkey),
		cmocka_unit_test(test_zram_header),
		cmocka_unit_test(test_zram_setup),
		cmocka_unit_test(test_loop_fd_shutdown),
		cmocka_unit_test(test_net_renew),
	};

	log_set_fds(-1, -1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
