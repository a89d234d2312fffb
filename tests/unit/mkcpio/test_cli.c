/* The mkcpio binary: exit codes, one-line messages, and no output and no
 * temporary left behind on any failure. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lethe_exit.h"

#include "test_util.h"
#include "tests.h"

#define ERR_BYTES 4096

/* one_line: a message is exactly one line */
static void one_line(char const *err)
{
	char const *nl = strchr(err, '\n');

	assert_non_null(nl);
	assert_int_equal(nl[1], '\0');
}

/* run_spec writes text as dir/spec and runs mkcpio -t 1 -o dir/out.cpio */
static int run_spec(char const *dir, char const *text, char *err)
{
	char spec[TU_PATH_BYTES], out[TU_PATH_BYTES];
	char const *argv[] = { "mkcpio", "-t", "1", "-o", out, spec, NULL };

	strcpy(spec, tu_path(dir, "spec"));
	strcpy(out, tu_path(dir, "out.cpio"));
	tu_write_str(spec, text);
	return tu_run(argv, NULL, NULL, err, ERR_BYTES);
}

static void test_cli_spec_errors(void **state)
{
	static struct {
		char const *text;
		char const *want; /* after "mkcpio: fatal: unable to parse <dir>/spec:" */
	} const cases[] = {
		{ "pipe /p 0644 0 0 -\n", "1: unknown type pipe\n" },
		{ "dir /d 0755 0 0 -\ndir d/e 0755 0 0 -\n", "2: bad path d/e: path must be absolute\n" },
		{ "dir /d 0758 0 0 -\n", "1: bad mode 0758: want octal permission bits <= 07777\n" },
		{ "dir /d 0755 0 0 -\ndir /d 0755 0 0 -\n", "2: duplicate path /d (first at line 1)\n" },
		{ "\n\nfile /etc/f 0644 0 0 x\n", "3: parent of /etc/f is not in the spec\n" },
		{ "dir /d 0755 0 70000 -\n", "1: bad gid 70000: want decimal 0..65535\n" },
		{ "dir /d 0755 0 0\n", "1: expected 6 columns (type path mode uid gid source), found 5\n" },
	};
	char dir[TU_PATH_BYTES], sub[16], err[ERR_BYTES], want[2 * TU_PATH_BYTES], names[512];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(sub, sizeof sub, "case%zu", i);
		tu_subdir(dir, *state, sub);
		assert_int_equal(run_spec(dir, cases[i].text, err), LETHE_EXIT_USAGE);
		snprintf(want, sizeof want, "mkcpio: fatal: unable to parse %s/spec:%s", dir,
			 cases[i].want);
		assert_string_equal(err, want);
		/* spec errors are found before the output is even created */
		tu_dir_names(dir, names, sizeof names);
		assert_string_equal(names, "spec");
		tu_scratch_remove(dir);
	}
}

/* sources are checked as they are written: the temporary must go */
static void test_cli_source_errors(void **state)
{
	static struct {
		char const *source;  /* relative to the scratch dir unless absolute */
		int code;
		char const *want;
	} const cases[] = {
		{ "missing", LETHE_EXIT_USAGE, "unable to open " },
		{ "adir", LETHE_EXIT_USAGE, "not a regular file" },
		{ "alink", LETHE_EXIT_USAGE, "unable to open " },  /* O_NOFOLLOW */
		{ "afifo", LETHE_EXIT_USAGE, "not a regular file" }, /* and no hang */
		{ "/dev/null", LETHE_EXIT_USAGE, "not a regular file" },
		/* st_size 0, but there is content: the size changed while read */
		{ "/proc/self/stat", LETHE_EXIT_TEMP, "file changed size while read" },
	};
	char dir[TU_PATH_BYTES], sub[16], err[ERR_BYTES], text[2 * TU_PATH_BYTES], src[TU_PATH_BYTES];
	char names[512], want[3 * TU_PATH_BYTES];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(sub, sizeof sub, "case%zu", i);
		tu_subdir(dir, *state, sub);
		tu_write_str(tu_path(dir, "ok"), "fine");
		assert_int_equal(mkdir(tu_path(dir, "adir"), 0755), 0);
		assert_int_equal(symlink("ok", tu_path(dir, "alink")), 0);
		assert_int_equal(mkfifo(tu_path(dir, "afifo"), 0644), 0);
		/* an older archive at OUT must survive a failed run untouched */
		tu_write_str(tu_path(dir, "out.cpio"), "old");
		strcpy(src, cases[i].source[0] == '/' ? cases[i].source : tu_path(dir, cases[i].source));
		snprintf(text, sizeof text,
			 "dir /a 0755 0 0 -\n"
			 "file /a/1 0644 0 0 %s\n"
			 "file /a/2 0644 0 0 %s\n",
			 tu_path(dir, "ok"), src);
		assert_int_equal(run_spec(dir, text, err), cases[i].code);
		one_line(err);
		assert_non_null(strstr(err, cases[i].want));
		snprintf(want, sizeof want, "%s (%s/spec:3)", src, dir);
		assert_non_null(strstr(err, want));
		tu_dir_names(dir, names, sizeof names);
		assert_string_equal(names, "adir afifo alink ok out.cpio spec");
		{
			size_t len;
			unsigned char *old = tu_read(tu_path(dir, "out.cpio"), &len);

			assert_int_equal(len, 3);
			assert_memory_equal(old, "old", 3);
			free(old);
		}
		tu_scratch_remove(dir);
	}
}

static void test_cli_usage(void **state)
{
	char const *dir = *state;
	char err[ERR_BYTES], spec[TU_PATH_BYTES], out[TU_PATH_BYTES];
	char names[512];
	char const *const usage = "mkcpio: usage: mkcpio [-t EPOCH] -o OUT SPEC\n";

	strcpy(spec, tu_path(dir, "spec"));
	strcpy(out, tu_path(dir, "out.cpio"));
	tu_write_str(spec, "dir /d 0755 0 0 -\n");
	{
		char const *argv[] = { "mkcpio", NULL };
		assert_int_equal(tu_run(argv, "1", NULL, err, ERR_BYTES), LETHE_EXIT_USAGE);
		assert_string_equal(err, usage);
	}
	{
		char const *argv[] = { "mkcpio", spec, NULL };
		assert_int_equal(tu_run(argv, "1", NULL, err, ERR_BYTES), LETHE_EXIT_USAGE);
		assert_string_equal(err, usage);
	}
	{
		char const *argv[] = { "mkcpio", "-o", out, NULL };
		assert_int_equal(tu_run(argv, "1", NULL, err, ERR_BYTES), LETHE_EXIT_USAGE);
		assert_string_equal(err, usage);
	}
	{
		char const *argv[] = { "mkcpio", "-o", out, spec, spec, NULL };
		assert_int_equal(tu_run(argv, "1", NULL, err, ERR_BYTES), LETHE_EXIT_USAGE);
		assert_string_equal(err, usage);
	}
	{
		char const *argv[] = { "mkcpio", "-x", "-o", out, spec, NULL };
		assert_int_equal(tu_run(argv, "1", NULL, err, ERR_BYTES), LETHE_EXIT_USAGE);
		assert_string_equal(err, usage);
	}
	{
		char const *argv[] = { "mkcpio", "-o", out, spec, "-t", NULL };
		assert_int_equal(tu_run(argv, "1", NULL, err, ERR_BYTES), LETHE_EXIT_USAGE);
		assert_string_equal(err, usage);
	}
	{
		char const *argv[] = { "mkcpio", "-o", "", spec, NULL };
		assert_int_equal(tu_run(argv, "1", NULL, err, ERR_BYTES), LETHE_EXIT_USAGE);
		assert_string_equal(err, usage);
	}
	{
		char const *argv[] = { "mkcpio", "-o", out, tu_path(dir, "nospec"), NULL };
		assert_int_equal(tu_run(argv, "1", NULL, err, ERR_BYTES), LETHE_EXIT_USAGE);
		one_line(err);
		assert_non_null(strstr(err, "mkcpio: fatal: unable to open "));
		assert_non_null(strstr(err, "/nospec: No such file or directory"));
	}
	{
		char const *argv[] = { "mkcpio", "-o", tu_path(dir, "nodir/out.cpio"), spec, NULL };
		assert_int_equal(tu_run(argv, "1", NULL, err, ERR_BYTES), LETHE_EXIT_USAGE);
		one_line(err);
		assert_non_null(strstr(err, "unable to create a temporary file for "));
	}
	{
		/* OUT is a directory: rename fails, the temporary goes */
		char const *argv[] = { "mkcpio", "-o", out, spec, NULL };
		assert_int_equal(mkdir(out, 0755), 0);
		assert_int_equal(tu_run(argv, "1", NULL, err, ERR_BYTES), LETHE_EXIT_USAGE);
		one_line(err);
		assert_non_null(strstr(err, "unable to rename "));
		assert_int_equal(rmdir(out), 0);
	}
	tu_dir_names(dir, names, sizeof names);
	assert_string_equal(names, "spec");
}

/* run_epoch runs mkcpio with the given -t (or none) and environment, and
 * returns the exit code; on success *mtime is the first entry's mtime */
static int run_epoch(char const *dir, char const *t, char const *env, uint32_t *mtime, char *err)
{
	char spec[TU_PATH_BYTES], out[TU_PATH_BYTES];
	char const *with_t[] = { "mkcpio", "-t", t, "-o", out, spec, NULL };
	char const *without_t[] = { "mkcpio", "-o", out, spec, NULL };
	struct tu_entry e[2];
	unsigned char *a;
	size_t len;
	int r;

	strcpy(spec, tu_path(dir, "spec"));
	strcpy(out, tu_path(dir, "out.cpio"));
	tu_write_str(spec, "dir /d 0755 0 0 -\n");
	unlink(out);
	r = tu_run(t ? with_t : without_t, env, NULL, err, ERR_BYTES);
	if (r != 0) {
		assert_int_equal(access(out, F_OK), -1);
		return r;
	}
	a = tu_read(out, &len);
	assert_int_equal(tu_newc_parse(a, len, e, 2), 1);
	*mtime = e[0].f[TU_MTIME];
	free(a);
	return r;
}

static void test_cli_epoch(void **state)
{
	char const *dir = *state;
	static char const *const bad[] = {
		"", "-1", "+1", " 1", "1 ", "0x10", "1e9", "4294967296", "99999999999999999999",
	};
	char err[ERR_BYTES];
	uint32_t mtime = 0;
	size_t i;

	assert_int_equal(run_epoch(dir, NULL, "1234", &mtime, err), 0);
	assert_int_equal(mtime, 1234);
	assert_int_equal(run_epoch(dir, "42", "1234", &mtime, err), 0);
	assert_int_equal(mtime, 42);
	assert_int_equal(run_epoch(dir, "0", NULL, &mtime, err), 0);
	assert_int_equal(mtime, 0);
	assert_int_equal(run_epoch(dir, "4294967295", NULL, &mtime, err), 0);
	assert_int_equal(mtime, 0xffffffffu);
	assert_int_equal(run_epoch(dir, "007", "bogus", &mtime, err), 0);
	assert_int_equal(mtime, 7);

	/* never the current time */
	assert_int_equal(run_epoch(dir, NULL, NULL, &mtime, err), LETHE_EXIT_USAGE);
	assert_string_equal(err, "mkcpio: fatal: unable to choose a timestamp: "
			    "give -t EPOCH or set SOURCE_DATE_EPOCH\n");
	assert_int_equal(run_epoch(dir, NULL, "", &mtime, err), LETHE_EXIT_USAGE);
	assert_non_null(strstr(err, "unable to choose a timestamp"));
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(run_epoch(dir, bad[i], NULL, &mtime, err), LETHE_EXIT_USAGE);
		assert_string_equal(err, "mkcpio: fatal: unable to parse -t: "
				    "want decimal 0..4294967295\n");
		if (bad[i][0] == '\0')
			continue;
		assert_int_equal(run_epoch(dir, NULL, bad[i], &mtime, err), LETHE_EXIT_USAGE);
		assert_string_equal(err, "mkcpio: fatal: unable to parse SOURCE_DATE_EPOCH: "
				    "want decimal 0..4294967295\n");
	}
}

/* SPEC "-" is stdin; the output is 0666 under the umask, like any file */
static void test_cli_stdin_and_mode(void **state)
{
	char const *dir = *state;
	char err[ERR_BYTES], spec[TU_PATH_BYTES], out[TU_PATH_BYTES];
	char const *argv[] = { "mkcpio", "-o", out, "-", NULL };
	struct tu_entry e[4];
	unsigned char *a;
	struct stat st;
	size_t len;

	strcpy(spec, tu_path(dir, "spec"));
	strcpy(out, tu_path(dir, "out.cpio"));
	tu_write_str(spec, "dir /x 0700 0 0 -\ndir /x/y 0700 0 0 -\n");
	assert_int_equal(tu_run(argv, "5", spec, err, ERR_BYTES), 0);
	assert_string_equal(err, "");
	a = tu_read(out, &len);
	assert_int_equal(tu_newc_parse(a, len, e, 4), 2);
	assert_string_equal(e[1].name, "x/y");
	free(a);
	assert_int_equal(stat(out, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644); /* tu_run sets umask 022 */

	/* errors on stdin name it */
	tu_write_str(spec, "dir /x 0700 0 0 -\nbad\n");
	assert_int_equal(tu_run(argv, "5", spec, err, ERR_BYTES), LETHE_EXIT_USAGE);
	assert_string_equal(err, "mkcpio: fatal: unable to parse <stdin>:2: expected 6 columns "
			    "(type path mode uid gid source), found 1\n");
}

/* a relative OUT (no directory part) and relative sources resolve from cwd */
static void test_cli_relative(void **state)
{
	char const *dir = *state;
	char err[ERR_BYTES], names[512];
	char const *argv[] = { "mkcpio", "-o", "out.cpio", "spec", NULL };
	int r;

	tu_write_str(tu_path(dir, "spec"), "file /f 0644 0 0 src/f\n");
	assert_int_equal(mkdir(tu_path(dir, "src"), 0755), 0);
	tu_write_str(tu_path(dir, "src/f"), "data");
	tu_run_in(dir);
	r = tu_run(argv, "1", NULL, err, ERR_BYTES);
	tu_run_in(NULL);
	assert_int_equal(r, 0);
	assert_string_equal(err, "");
	tu_dir_names(dir, names, sizeof names);
	assert_string_equal(names, "out.cpio spec src");
}

int test_cli_run(void)
{
	static struct CMUnitTest const tests[] = {
		cmocka_unit_test_setup_teardown(test_cli_spec_errors, tu_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_cli_source_errors, tu_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_cli_usage, tu_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_cli_epoch, tu_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_cli_stdin_and_mode, tu_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_cli_relative, tu_setup, tu_teardown),
	};

	return cmocka_run_group_tests_name("mkcpio cli", tests, NULL, NULL);
}
