/* release.c: the /etc/lethe-release parser and its bounded reader. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "release.h"

static int parse(char const *s, struct release *rel, struct release_error *err)
{
	return release_parse(s, strlen(s), rel, err);
}

/* Parses s expecting -EINVAL at line, with a reason containing what. */
static void expect_bad(char const *s, size_t line, char const *what)
{
	struct release rel;
	struct release_error err;

	assert_int_equal(parse(s, &rel, &err), -EINVAL);
	assert_int_equal(err.line, line);
	assert_non_null(err.what);
	assert_non_null(strstr(err.what, what));
}

static void test_minimal(void **state)
{
	struct release rel;
	struct release_error err;

	(void)state;
	assert_int_equal(parse("LETHE_VERSION=0.1.0\nLETHE_EPOCH=1700000000\n", &rel, &err), 0);
	assert_string_equal(rel.version, "0.1.0");
	assert_true(rel.epoch == 1700000000u);
}

/* Comments, blank lines, unknown keys, and no final newline are all fine. */
static void test_tolerant(void **state)
{
	struct release rel;
	struct release_error err;

	(void)state;
	assert_int_equal(parse("# written by the image build\n\nLETHE_EPOCH=0\n"
		"LETHE_FUTURE_FIELD=x=y\n#\tsecond comment\n"
		"LETHE_VERSION=v0.1-3-gabcdef0-dirty", &rel, &err), 0);
	assert_string_equal(rel.version, "v0.1-3-gabcdef0-dirty");
	assert_true(rel.epoch == 0);
}

static void test_missing_keys(void **state)
{
	(void)state;
	expect_bad("LETHE_EPOCH=1\n", 0, "no LETHE_VERSION");
	expect_bad("LETHE_VERSION=1\n", 0, "no LETHE_EPOCH");
	expect_bad("", 0, "no LETHE_VERSION");
}

static void test_duplicates(void **state)
{
	(void)state;
	expect_bad("LETHE_VERSION=1\nLETHE_EPOCH=1\nLETHE_VERSION=2\n", 3, "twice");
	expect_bad("LETHE_EPOCH=1\nLETHE_EPOCH=1\n", 2, "twice");
}

static void test_syntax(void **state)
{
	(void)state;
	expect_bad("LETHE_VERSION\n", 1, "expected KEY=value");
	expect_bad("lethe_version=1\n", 1, "expected KEY=value");
	expect_bad("=1\n", 1, "expected KEY=value");
	expect_bad(" LETHE_VERSION=1\n", 1, "expected KEY=value");
	expect_bad("LETHE_VERSION =1\n", 1, "expected KEY=value");
	expect_bad("LETHE_VERSION=1\r\nLETHE_EPOCH=1\r\n", 1, "bad character in value");
	expect_bad("LETHE_VERSION=\"1\"\n", 1, "bad character in value");
	expect_bad("LETHE_VERSION=1\nX=$(reboot)\n", 2, "bad character in value");
	expect_bad("LETHE_VERSION=1\nX=a b\n", 2, "bad character in value");
	expect_bad("# caf\xc3\xa9\n", 1, "bad character in comment");
	expect_bad("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=1\n", 1, "key too long");
}

static void test_nul_byte(void **state)
{
	static char const buf[] = "LETHE_VERSION=1\0x\nLETHE_EPOCH=1\n";
	struct release rel;
	struct release_error err;

	(void)state;
	assert_int_equal(release_parse(buf, sizeof buf - 1, &rel, &err), -EINVAL);
	assert_int_equal(err.line, 1);
}

static void test_version_values(void **state)
{
	char buf[256];
	struct release rel;
	struct release_error err;

	(void)state;
	expect_bad("LETHE_VERSION=\nLETHE_EPOCH=1\n", 1, "bad LETHE_VERSION");
	expect_bad("LETHE_VERSION=1/2\nLETHE_EPOCH=1\n", 1, "bad LETHE_VERSION");
	expect_bad("LETHE_VERSION=1:2\nLETHE_EPOCH=1\n", 1, "bad LETHE_VERSION");

	/* 64 bytes is the limit, 65 is over it. */
	snprintf(buf, sizeof buf, "LETHE_EPOCH=1\nLETHE_VERSION=%.*s\n", RELEASE_VERSION_MAX,
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(parse(buf, &rel, &err), 0);
	assert_int_equal(strlen(rel.version), RELEASE_VERSION_MAX);
	snprintf(buf, sizeof buf, "LETHE_EPOCH=1\nLETHE_VERSION=%.*s\n", RELEASE_VERSION_MAX + 1,
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	expect_bad(buf, 2, "bad LETHE_VERSION");
}

static void test_epoch_values(void **state)
{
	struct release rel;
	struct release_error err;

	(void)state;
	assert_int_equal(parse("LETHE_VERSION=1\nLETHE_EPOCH=9223372036854775807\n", &rel, &err), 0);
	assert_true(rel.epoch == 9223372036854775807u);
	expect_bad("LETHE_VERSION=1\nLETHE_EPOCH=9223372036854775808\n", 2, "bad LETHE_EPOCH");
	expect_bad("LETHE_VERSION=1\nLETHE_EPOCH=99999999999999999999\n", 2, "bad LETHE_EPOCH");
	expect_bad("LETHE_VERSION=1\nLETHE_EPOCH=01\n", 2, "bad LETHE_EPOCH");
	expect_bad("LETHE_VERSION=1\nLETHE_EPOCH=-1\n", 2, "bad LETHE_EPOCH");
	expect_bad("LETHE_VERSION=1\nLETHE_EPOCH=+1\n", 2, "bad LETHE_EPOCH");
	expect_bad("LETHE_VERSION=1\nLETHE_EPOCH=1e9\n", 2, "bad LETHE_EPOCH");
	expect_bad("LETHE_VERSION=1\nLETHE_EPOCH=\n", 2, "bad LETHE_EPOCH");
}

/* Fills buf with a valid file padded by comments to exactly len bytes. */
static void make_file_of_size(char *buf, size_t len)
{
	static char const head[] = "LETHE_VERSION=1\nLETHE_EPOCH=1\n#";

	memset(buf, 'x', len);
	memcpy(buf, head, sizeof head - 1);
	buf[len - 1] = '\n';
}

static void test_size_limit(void **state)
{
	static char buf[RELEASE_FILE_BYTES + 1];
	struct release rel;
	struct release_error err;

	(void)state;
	make_file_of_size(buf, RELEASE_FILE_BYTES);
	assert_int_equal(release_parse(buf, RELEASE_FILE_BYTES, &rel, &err), 0);
	make_file_of_size(buf, RELEASE_FILE_BYTES + 1);
	assert_int_equal(release_parse(buf, RELEASE_FILE_BYTES + 1, &rel, &err), -EINVAL);
	assert_string_equal(err.what, "file too large");
}

struct scratch {
	char dir[4096];
	char path[4200];
};

static int scratch_setup(void **state)
{
	struct scratch *s = calloc(1, sizeof *s);
	char const *tmp = getenv("TMPDIR");

	if (!s)
		return -1;
	snprintf(s->dir, sizeof s->dir, "%s/test_release.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(s->dir)) {
		free(s);
		return -1;
	}
	snprintf(s->path, sizeof s->path, "%s/lethe-release", s->dir);
	*state = s;
	return 0;
}

static int scratch_teardown(void **state)
{
	struct scratch *s = *state;

	unlink(s->path);
	rmdir(s->path); /* one test makes it a directory */
	rmdir(s->dir);
	free(s);
	return 0;
}

static void write_file(char const *path, char const *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void test_load(void **state)
{
	static char const ok[] = "LETHE_VERSION=2.0\nLETHE_EPOCH=42\n";
	static char big[RELEASE_FILE_BYTES + 100];
	struct scratch *s = *state;
	struct release rel;
	struct release_error err;

	assert_int_equal(release_load(s->path, &rel, &err), -ENOENT);
	assert_null(err.what);

	write_file(s->path, ok, sizeof ok - 1);
	assert_int_equal(release_load(s->path, &rel, &err), 0);
	assert_string_equal(rel.version, "2.0");
	assert_true(rel.epoch == 42);

	/* A file that grew past the limit is refused, not cut. */
	make_file_of_size(big, sizeof big);
	write_file(s->path, big, sizeof big);
	assert_int_equal(release_load(s->path, &rel, &err), -EINVAL);
	assert_string_equal(err.what, "file too large");

	assert_int_equal(unlink(s->path), 0);
	assert_int_equal(mkdir(s->path, 0755), 0);
	assert_int_equal(release_load(s->path, &rel, &err), -EINVAL);
	assert_string_equal(err.what, "not a regular file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_tolerant),
		cmocka_unit_test(test_missing_keys),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_version_values),
		cmocka_unit_test(test_epoch_values),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test_setup_teardown(test_load, scratch_setup, scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
