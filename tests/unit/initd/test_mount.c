/* mount.c: the early mount table, applied under a scratch root with
 * mount(2) wrapped at link time (-Wl,--wrap=mount), so no root is needed. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "mount.h"

#define CALLS_MAX 16

struct call {
	char source[64];
	char target[PATH_MAX];
	char fstype[64];
	unsigned long flags;
	char data[128];
};

static struct call calls[CALLS_MAX];
static size_t ncalls;
static int fail_errno[CALLS_MAX]; /* errno to return from call i, 0: succeed */

int __wrap_mount(char const *source, char const *target, char const *fstype,
	unsigned long flags, void const *data);

int __wrap_mount(char const *source, char const *target, char const *fstype,
	unsigned long flags, void const *data)
{
	struct call *c;
	size_t i = ncalls;

	if (ncalls >= CALLS_MAX) {
		errno = E2BIG;
		return -1;
	}
	c = &calls[ncalls++];
	snprintf(c->source, sizeof c->source, "%s", source);
	snprintf(c->target, sizeof c->target, "%s", target);
	snprintf(c->fstype, sizeof c->fstype, "%s", fstype);
	snprintf(c->data, sizeof c->data, "%s", data ? (char const *)data : "(null)");
	c->flags = flags;
	if (fail_errno[i]) {
		errno = fail_errno[i];
		return -1;
	}
	return 0;
}

static char ucalls[CALLS_MAX][PATH_MAX];
static size_t nucalls;
static int ubusy; /* umount2 without MNT_DETACH fails with EBUSY */

int __wrap_umount2(char const *target, int flags);

int __wrap_umount2(char const *target, int flags)
{
	if (nucalls >= CALLS_MAX) {
		errno = E2BIG;
		return -1;
	}
	snprintf(ucalls[nucalls++], PATH_MAX, "%s%s", flags & MNT_DETACH ? "detach " : "", target);
	if (ubusy && !(flags & MNT_DETACH)) {
		errno = EBUSY;
		return -1;
	}
	return 0;
}

struct scratch {
	char root[PATH_MAX];
	int logpipe[2];
};

static int scratch_setup(void **state)
{
	static char const *const dirs[] = { "/sys", "/sys/kernel" };
	struct scratch *s = calloc(1, sizeof *s);
	char const *tmp = getenv("TMPDIR");
	char path[PATH_MAX + 32];
	size_t i;

	if (!s)
		return -1;
	snprintf(s->root, sizeof s->root, "%s/test_mount.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(s->root))
		goto fail;
	/* sysfs provides /sys/kernel; the fake root has to make it. */
	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		snprintf(path, sizeof path, "%s%s", s->root, dirs[i]);
		if (mkdir(path, 0755) < 0)
			goto fail;
	}
	if (pipe(s->logpipe) < 0)
		goto fail;
	log_set_fds(s->logpipe[1], -1);
	memset(calls, 0, sizeof calls);
	memset(fail_errno, 0, sizeof fail_errno);
	ncalls = 0;
	*state = s;
	return 0;
fail:
	free(s);
	return -1;
}

static int scratch_teardown(void **state)
{
	static char const *const dirs[] = {
		"/tmp", "/run", "/dev", "/sys/kernel/security", "/sys/kernel", "/sys", "/proc", "",
	};
	struct scratch *s = *state;
	char path[PATH_MAX + 32];
	size_t i;

	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		snprintf(path, sizeof path, "%s%s", s->root, dirs[i]);
		rmdir(path);
	}
	log_set_fds(2, -1);
	close(s->logpipe[0]);
	close(s->logpipe[1]);
	free(s);
	return 0;
}

/* Whatever the code under test logged so far (the pipe is not drained
 * otherwise; the few lines fit its buffer). */
static void read_log(struct scratch *s, char *buf, size_t size)
{
	ssize_t n;

	close(s->logpipe[1]);
	s->logpipe[1] = -1;
	log_set_fds(-1, -1);
	n = read(s->logpipe[0], buf, size - 1);
	buf[n > 0 ? n : 0] = 0;
}

static void test_table_order(void **state)
{
	size_t i, j;

	(void)state;
	/* Each target is absolute, and a parent mount precedes its children. */
	for (i = 0; i < mount_table_len; i++) {
		char const *t = mount_table[i].target;

		assert_true(t[0] == '/');
		for (j = i + 1; j < mount_table_len; j++) {
			char const *u = mount_table[j].target;
			size_t ul = strlen(u);

			assert_false(!strncmp(t, u, ul) && t[ul] == '/');
		}
	}
}

static void test_apply_all(void **state)
{
	struct scratch *s = *state;
	char path[PATH_MAX + 32];
	struct stat st;
	size_t i;

	assert_int_equal(mount_apply(s->root, mount_table, mount_table_len), 0);
	assert_int_equal(ncalls, mount_table_len);
	for (i = 0; i < mount_table_len; i++) {
		snprintf(path, sizeof path, "%s%s", s->root, mount_table[i].target);
		assert_string_equal(calls[i].target, path);
		assert_string_equal(calls[i].fstype, mount_table[i].fstype);
		assert_int_equal(stat(path, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		/* Nothing in the early table may allow set-uid programs. */
		assert_true(calls[i].flags & MS_NOSUID);
	}
	assert_string_equal(calls[0].fstype, "proc");
	assert_true(calls[0].flags & MS_NOEXEC);
	assert_true(calls[0].flags & MS_NODEV);
	assert_string_equal(calls[3].fstype, "devtmpfs");
	assert_false(calls[3].flags & MS_NODEV);
	assert_string_equal(calls[mount_table_len - 1].data, "mode=1777,size=20%");
}

/* Shutdown: reverse order, children first; busy ones are detached. */
static void test_release_reverse(void **state)
{
	size_t i;

	(void)state;
	nucalls = 0;
	ubusy = 0;
	assert_int_equal(mount_release("/r", mount_table, mount_table_len), 0);
	assert_int_equal(nucalls, mount_table_len);
	for (i = 0; i < mount_table_len; i++) {
		char want[PATH_MAX];

		snprintf(want, sizeof want, "/r%s", mount_table[mount_table_len - 1 - i].target);
		assert_string_equal(ucalls[i], want);
	}
	nucalls = 0;
	ubusy = 1;
	assert_int_equal(mount_release("", mount_table, 1), 0);
	assert_int_equal(nucalls, 2);
	assert_string_equal(ucalls[1], "detach /proc");
	ubusy = 0;
}

/* EBUSY means someone mounted it already: done, not failed. */
static void test_ebusy_tolerated(void **state)
{
	struct scratch *s = *state;
	char log[1024];

	fail_errno[0] = EBUSY;
	fail_errno[4] = EBUSY;
	assert_int_equal(mount_apply(s->root, mount_table, mount_table_len), 0);
	read_log(s, log, sizeof log);
	assert_string_equal(log, "");
}

/* One failure is reported and the rest of the table still gets mounted. */
static void test_failure_goes_on(void **state)
{
	struct scratch *s = *state;
	char log[1024];

	fail_errno[1] = EPERM;
	fail_errno[2] = ENODEV;
	assert_int_equal(mount_apply(s->root, mount_table, mount_table_len), 2);
	assert_int_equal(ncalls, mount_table_len);
	read_log(s, log, sizeof log);
	assert_string_equal(log,
		"initd: warning: unable to mount sysfs on /sys: Operation not permitted\n"
		"initd: warning: unable to mount securityfs on /sys/kernel/security: No such device\n");
}

/* A target that cannot be created is a failure of that entry only. */
static void test_mkdir_failure(void **state)
{
	static struct mount_entry const table[] = {
		{ "x", "/missing/deeper/parent", "tmpfs", MS_NOSUID, NULL, 0755 },
		{ "y", "/run", "tmpfs", MS_NOSUID, NULL, 0755 },
	};
	struct scratch *s = *state;
	char log[1024];

	assert_int_equal(mount_apply(s->root, table, 2), 1);
	assert_int_equal(ncalls, 1);
	read_log(s, log, sizeof log);
	assert_non_null(strstr(log, "unable to mount tmpfs on /missing/deeper/parent: No such file"));
}

/* (one missing parent level is created: /sys/fs/cgroup in a scratch root) */

/* An existing mount point is left alone: the host's /proc is one. */
static void test_already_mounted(void **state)
{
	static struct mount_entry const table[] = {
		{ "proc", "/proc", "proc", MS_NOSUID, NULL, 0555 },
	};

	(void)state;
	assert_int_equal(mount_apply("", table, 1), 0);
	assert_int_equal(ncalls, 0);
}

static void test_path_too_long(void **state)
{
	static struct mount_entry const table[] = {
		{ "x", "/run", "tmpfs", MS_NOSUID, NULL, 0755 },
	};
	static char root[PATH_MAX + 1];

	(void)state;
	memset(root, 'a', sizeof root - 1);
	assert_int_equal(mount_apply(root, table, 1), 1);
	assert_int_equal(ncalls, 0);
}

static void test_is_mountpoint(void **state)
{
	struct scratch *s = *state;
	char path[PATH_MAX + 32];

	assert_true(mount_is_mountpoint("/"));
	assert_true(mount_is_mountpoint("/proc"));
	assert_false(mount_is_mountpoint(s->root));
	snprintf(path, sizeof path, "%s/sys", s->root);
	assert_false(mount_is_mountpoint(path));
	snprintf(path, sizeof path, "%s/nonexistent", s->root);
	assert_false(mount_is_mountpoint(path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_order),
		cmocka_unit_test(test_release_reverse),
		cmocka_unit_test_setup_teardown(test_apply_all, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_ebusy_tolerated, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_failure_goes_on, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_failure, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_already_mounted, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_path_too_long, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_is_mountpoint, scratch_setup, scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
