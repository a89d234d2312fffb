/* rootlist.c: --roots files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "elfclosure_test.h"
#include "lethe_exit.h"
#include "rootlist.h"

static int parse(struct rootlist *rl, const char *text, char *err)
{
	return rootlist_parse(rl, "roots.txt", text, strlen(text), err);
}

static void test_rootlist_parse(void **state)
{
	struct rootlist rl = { 0 };
	char err[ROOTLIST_ERR_BYTES];

	(void)state;
	assert_int_equal(parse(&rl,
			       "# programs of the relay\n"
			       "/usr/bin/tor\n"
			       "\n"
			       "   /sbin/init  \r\n"
			       "\t# indented comment\n"
			       "/usr/bin/with#hash\n"
			       "/last/without/newline",
			       err),
			 LETHE_EXIT_OK);
	assert_int_equal(rl.n, 4);
	assert_string_equal(rl.v[0], "/usr/bin/tor");
	assert_string_equal(rl.v[1], "/sbin/init");
	assert_string_equal(rl.v[2], "/usr/bin/with#hash");
	assert_string_equal(rl.v[3], "/last/without/newline");
	rootlist_free(&rl);
}

static void test_rootlist_errors(void **state)
{
	struct rootlist rl = { 0 };
	char err[ROOTLIST_ERR_BYTES], *big;

	(void)state;
	assert_int_equal(parse(&rl, "/ok\n\nrelative/path\n", err), LETHE_EXIT_USAGE);
	assert_string_equal(err, "unable to parse roots.txt line 3: not an absolute path");
	rootlist_free(&rl);

	assert_int_equal(rootlist_parse(&rl, "roots.txt", "/a\0b\n", 5, err), LETHE_EXIT_USAGE);
	assert_string_equal(err, "unable to parse roots.txt line 1: NUL byte");
	rootlist_free(&rl);

	big = malloc(5000);
	assert_non_null(big);
	memset(big, 'a', 4999);
	big[0] = '/';
	big[4999] = '\0';
	assert_int_equal(parse(&rl, big, err), LETHE_EXIT_USAGE);
	assert_string_equal(err, "unable to parse roots.txt line 1: path too long");
	rootlist_free(&rl);
	free(big);
}

static void test_rootlist_cap(void **state)
{
	struct rootlist rl = { 0 };
	char err[ROOTLIST_ERR_BYTES];
	size_t i;

	(void)state;
	for (i = 0; i < ROOTLIST_MAX; i++)
		assert_int_equal(rootlist_add(&rl, "/x", err), LETHE_EXIT_OK);
	assert_int_equal(rootlist_add(&rl, "/x", err), LETHE_EXIT_USAGE);
	rootlist_free(&rl);
}

static void test_rootlist_file(void **state)
{
	struct rootlist rl = { 0 };
	char err[ROOTLIST_ERR_BYTES], *dir = tu_mkdtemp(), *p = tu_path(dir, "roots");
	char *big;

	(void)state;
	tu_write(p, "/usr/bin/tor\n", 13);
	assert_int_equal(rootlist_read_file(&rl, p, err), LETHE_EXIT_OK);
	assert_int_equal(rl.n, 1);
	rootlist_free(&rl);

	big = calloc(1, ROOTLIST_FILE_MAX + 1);
	assert_non_null(big);
	memset(big, '\n', ROOTLIST_FILE_MAX + 1);
	tu_write(p, big, ROOTLIST_FILE_MAX + 1);
	assert_int_equal(rootlist_read_file(&rl, p, err), LETHE_EXIT_USAGE);
	free(big);
	rootlist_free(&rl);

	free(p);
	p = tu_path(dir, "missing");
	assert_int_equal(rootlist_read_file(&rl, p, err), LETHE_EXIT_USAGE);
	free(p);
	tu_rmrf(dir);
	free(dir);
}

int test_rootlist_run(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rootlist_parse),
		cmocka_unit_test(test_rootlist_errors),
		cmocka_unit_test(test_rootlist_cap),
		cmocka_unit_test(test_rootlist_file),
	};

	return cmocka_run_group_tests_name("rootlist", tests, NULL, NULL);
}
