/* file.c: the one bounded reader: exactly max bytes, one more, the head of
 * a longer file, a symlink, a missing file. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "file.h"

static char dir[128];

static int setup(void **state)
{
	char const *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof dir, "%s/initd-file.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[160];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char const *put(char const *name, char const *text)
{
	static char path[192];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_read(void **state)
{
	char buf[8], link[200];
	char const *p;

	(void)state;
	p = put("eight", "12345678");
	assert_int_equal(file_read(p, buf, 8), 8);
	assert_memory_equal(buf, "12345678", 8);
	/* one byte more than max: too long, whole; the head is the first max */
	assert_int_equal(file_read(p, buf, 7), -EFBIG);
	assert_int_equal(file_read_head(p, buf, 7), 7);
	assert_memory_equal(buf, "1234567", 7);
	p = put("short", "ab");
	assert_int_equal(file_read(p, buf, 8), 2);
	assert_int_equal(file_read_head(p, buf, 8), 2);
	p = put("empty", "");
	assert_int_equal(file_read(p, buf, 0), 0);
	assert_int_equal(file_read(put("one", "x"), buf, 0), -EFBIG);
	/* never through a symlink; a missing file is its errno */
	snprintf(link, sizeof link, "%s/link", dir);
	assert_int_equal(symlink(p, link), 0);
	assert_int_equal(file_read(link, buf, 8), -ELOOP);
	snprintf(link, sizeof link, "%s/none", dir);
	assert_int_equal(file_read(link, buf, 8), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
