/* rootfs.c: resolution stays inside the root and reports the links it
 * follows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "elfclosure_test.h"
#include "rootfs.h"

struct fixture {
	char *dir;
	struct rootfs fs;
};

/* root/
 *   usr/lib/x86_64-linux-gnu/libz.so.1.2.13   "zlib"
 *   usr/lib/x86_64-linux-gnu/libz.so.1 -> libz.so.1.2.13
 *   lib -> usr/lib
 *   etc/passwd                                "inside"
 *   usr/lib/esc -> ../../../../../../../etc/passwd
 *   usr/lib/abs -> /etc/passwd
 *   usr/lib/loop -> loop
 *   usr/lib/dangling -> nothing
 *   usr/lib/empty-dir/ */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	char *p;

	assert_non_null(f);
	f->dir = tu_mkdtemp();
#define AT(rel, stmt)                          \
	do {                                   \
		p = tu_path(f->dir, rel);      \
		stmt;                          \
		free(p);                       \
	} while (0)
	AT("usr/lib/x86_64-linux-gnu", tu_mkdirs(p));
	AT("usr/lib/empty-dir", tu_mkdirs(p));
	AT("etc", tu_mkdirs(p));
	AT("usr/lib/x86_64-linux-gnu/libz.so.1.2.13", tu_write(p, "zlib", 4));
	AT("usr/lib/x86_64-linux-gnu/libz.so.1", tu_symlink("libz.so.1.2.13", p));
	AT("lib", tu_symlink("usr/lib", p));
	AT("etc/passwd", tu_write(p, "inside", 6));
	AT("usr/lib/esc", tu_symlink("../../../../../../../etc/passwd", p));
	AT("usr/lib/abs", tu_symlink("/etc/passwd", p));
	AT("usr/lib/loop", tu_symlink("loop", p));
	AT("usr/lib/dangling", tu_symlink("nothing", p));
#undef AT
	assert_int_equal(rootfs_open(&f->fs, f->dir), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rootfs_close(&f->fs);
	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void expect(struct fixture *f, const char *path, int want, const char *resolved)
{
	char out[ROOTFS_PATH_MAX];
	mode_t mode;
	int r;

	r = rootfs_resolve(&f->fs, path, out, &mode, NULL);
	assert_int_equal(r, want);
	if (resolved)
		assert_string_equal(out, resolved);
}

static void test_rootfs_plain(void **state)
{
	struct fixture *f = *state;

	expect(f, "/", 0, "/");
	expect(f, "/usr/lib", 0, "/usr/lib");
	expect(f, "//usr/./lib//x86_64-linux-gnu/", 0, "/usr/lib/x86_64-linux-gnu");
	expect(f, "/usr/lib/../lib/./x86_64-linux-gnu/libz.so.1.2.13", 0,
	       "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13");
	expect(f, "/../../..", 0, "/");
	expect(f, "/usr/../../../etc/passwd", 0, "/etc/passwd");
	expect(f, "relative/path", -EINVAL, NULL);
	expect(f, "/nope", -ENOENT, NULL);
	expect(f, "/etc/passwd/x", -ENOTDIR, NULL);
	expect(f, "/etc/passwd/..", -ENOTDIR, NULL);
}

static void test_rootfs_links_recorded(void **state)
{
	struct fixture *f = *state;
	struct rootfs_links links = { 0 };
	char out[ROOTFS_PATH_MAX];
	mode_t mode;

	assert_int_equal(rootfs_resolve(&f->fs, "/lib/x86_64-linux-gnu/libz.so.1", out, &mode, &links), 0);
	assert_string_equal(out, "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13");
	assert_true(S_ISREG(mode));
	assert_int_equal(links.n, 2);
	assert_string_equal(links.v[0].path, "/lib");
	assert_string_equal(links.v[0].target, "usr/lib");
	/* the link's own path has its directories resolved */
	assert_string_equal(links.v[1].path, "/usr/lib/x86_64-linux-gnu/libz.so.1");
	assert_string_equal(links.v[1].target, "libz.so.1.2.13");

	/* a failed lookup leaves the list as it was */
	assert_int_equal(rootfs_resolve(&f->fs, "/lib/nope", out, &mode, &links), -ENOENT);
	assert_int_equal(links.n, 2);
	rootfs_links_free(&links);
}

static void test_rootfs_escape(void **state)
{
	struct fixture *f = *state;
	struct rootfs_links links = { 0 };
	unsigned char *buf;
	char out[ROOTFS_PATH_MAX];
	size_t len;
	mode_t mode;

	expect(f, "/usr/lib/esc", 0, "/etc/passwd");
	expect(f, "/lib/abs", 0, "/etc/passwd");
	assert_int_equal(rootfs_resolve(&f->fs, "/lib/abs", out, &mode, &links), 0);
	assert_int_equal(links.n, 2);
	assert_string_equal(links.v[1].path, "/usr/lib/abs");
	assert_string_equal(links.v[1].target, "/etc/passwd");
	rootfs_links_free(&links);
	/* and what is read is the root's file, not the host's */
	assert_int_equal(rootfs_read(&f->fs, out, &buf, &len), 0);
	assert_int_equal(len, 6);
	assert_memory_equal(buf, "inside", 6);
	free(buf);
}

static void test_rootfs_loops(void **state)
{
	struct fixture *f = *state;
	char name[64], target[64], *p;
	int i;

	expect(f, "/usr/lib/loop", -ELOOP, NULL);
	expect(f, "/usr/lib/dangling", -ENOENT, NULL);

	/* c0 -> c1 -> ... -> c40 -> regular file: 40 links are allowed */
	for (i = 0; i <= ROOTFS_LINKS_MAX; i++) {
		snprintf(name, sizeof name, "usr/lib/c%d", i);
		snprintf(target, sizeof target, i == ROOTFS_LINKS_MAX ? "/etc/passwd" : "c%d", i + 1);
		p = tu_path(f->dir, name);
		tu_symlink(target, p);
		free(p);
	}
	expect(f, "/usr/lib/c1", 0, "/etc/passwd");
	expect(f, "/usr/lib/c0", -ELOOP, NULL);
}

static void test_rootfs_read(void **state)
{
	struct fixture *f = *state;
	unsigned char *buf;
	size_t len;

	assert_int_equal(rootfs_read(&f->fs, "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13", &buf, &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(buf, "zlib", 4);
	free(buf);
	/* never through a link, never a directory */
	assert_int_equal(rootfs_read(&f->fs, "/usr/lib/x86_64-linux-gnu/libz.so.1", &buf, &len), -ELOOP);
	assert_int_equal(rootfs_read(&f->fs, "/usr/lib/empty-dir", &buf, &len), -EINVAL);
}

static void test_rootfs_long_names(void **state)
{
	struct fixture *f = *state;
	char path[ROOTFS_PATH_MAX + 16];

	(void)f;
	memset(path, 'a', sizeof path);
	path[0] = '/';
	path[300] = '\0';
	expect(f, path, -ENAMETOOLONG, NULL);     /* one component above NAME_MAX */
	memset(path, 'a', sizeof path);
	path[0] = '/';
	path[sizeof path - 1] = '\0';
	expect(f, path, -ENAMETOOLONG, NULL);
}

int test_rootfs_run(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rootfs_plain),
		cmocka_unit_test(test_rootfs_links_recorded),
		cmocka_unit_test(test_rootfs_escape),
		cmocka_unit_test(test_rootfs_loops),
		cmocka_unit_test(test_rootfs_read),
		cmocka_unit_test(test_rootfs_long_names),
	};

	return cmocka_run_group_tests_name("rootfs", tests, setup, teardown);
}
