/* Spec parser: accepted forms, every rejection with its line, limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lethe_exit.h"
#include "path.h"
#include "spec.h"

#include "tests.h"

static int parse(struct spec *s, struct diag *d, char const *text)
{
	memset(d, 0, sizeof *d);
	spec_init(s, "t.spec");
	return spec_parse_buf(s, text, strlen(text), d);
}

/* expect_error: text fails at line with a message containing want */
static void expect_error(char const *text, size_t line, char const *want)
{
	struct spec *s = malloc(sizeof *s);
	struct diag d;
	char prefix[64];

	assert_non_null(s);
	snprintf(prefix, sizeof prefix, "unable to parse t.spec:%zu: ", line);
	if (parse(s, &d, text) == 0)
		fail_msg("accepted: %s", text);
	assert_int_equal(d.code, LETHE_EXIT_USAGE);
	if (strncmp(d.msg, prefix, strlen(prefix)) != 0 || !strstr(d.msg, want))
		fail_msg("for %s\n got: %s\nwant: %s...%s", text, d.msg, prefix, want);
	spec_free(s);
	free(s);
}

static void expect_ok(char const *text)
{
	struct spec *s = malloc(sizeof *s);
	struct diag d;

	assert_non_null(s);
	if (parse(s, &d, text) != 0)
		fail_msg("rejected: %s\n%s", text, d.msg);
	spec_free(s);
	free(s);
}

static char const example[] =
	"# type  path                 mode  uid gid source\n"
	"dir     /etc                 0755  0   0   -\n"
	"file    /usr/bin/tor         0755  0   0   build/stage/usr/bin/tor\n"
	"dir\t/usr\t0755\t0\t0\t-\n"
	"slink   /bin                 0777  0   0   usr/bin\n"
	"\n"
	"   \t \n"
	"  # indented comment, any text: \xc3\xa9t\xc3\xa9\n"
	"dir     /usr/bin             0755  0   0   -\n"
	"dir     /dev                 0755  0   0   -\n"
	"nod     /dev/console         0600  0   5   c,5,1\n"
	"nod     /dev/sda             06640 65535 6 b,8,0\n"
	"file    /etc/empty           600   1000 1000 /abs/empty"; /* no final newline */

static void test_spec_example(void **state)
{
	struct spec *s = malloc(sizeof *s);
	struct spec_entry const *e;
	struct diag d;

	(void)state;
	assert_non_null(s);
	assert_int_equal(parse(s, &d, example), 0);
	assert_int_equal(s->n, 9);
	/* component order, whatever the input order */
	assert_string_equal(s->entries[0].path, "/bin");
	assert_string_equal(s->entries[1].path, "/dev");
	assert_string_equal(s->entries[2].path, "/dev/console");
	assert_string_equal(s->entries[3].path, "/dev/sda");
	assert_string_equal(s->entries[4].path, "/etc");
	assert_string_equal(s->entries[5].path, "/etc/empty");
	assert_string_equal(s->entries[6].path, "/usr");
	assert_string_equal(s->entries[7].path, "/usr/bin");
	assert_string_equal(s->entries[8].path, "/usr/bin/tor");

	e = &s->entries[0];
	assert_int_equal(e->type, SPEC_SLINK);
	assert_int_equal(e->mode, 0777);
	assert_string_equal(e->source, "usr/bin");
	assert_int_equal(e->source_len, 7);
	assert_int_equal(e->line, 5);

	e = &s->entries[2];
	assert_int_equal(e->type, SPEC_NOD);
	assert_int_equal(e->blockdev, 0);
	assert_int_equal(e->mode, 0600);
	assert_int_equal(e->gid, 5);
	assert_int_equal(e->rmajor, 5);
	assert_int_equal(e->rminor, 1);
	assert_null(e->source);

	e = &s->entries[3];
	assert_int_equal(e->blockdev, 1);
	assert_int_equal(e->mode, 06640);
	assert_int_equal(e->uid, 65535);
	assert_int_equal(e->rmajor, 8);
	assert_int_equal(e->rminor, 0);

	e = &s->entries[5];
	assert_int_equal(e->type, SPEC_FILE);
	assert_int_equal(e->mode, 0600);
	assert_int_equal(e->uid, 1000);
	assert_int_equal(e->gid, 1000);
	assert_string_equal(e->source, "/abs/empty");
	assert_int_equal(e->line, 13);

	e = &s->entries[6];
	assert_int_equal(e->type, SPEC_DIR);
	assert_null(e->source);
	assert_int_equal(e->line, 4);

	assert_string_equal(s->entries[8].source, "build/stage/usr/bin/tor");
	spec_free(s);
	free(s);
}

/* feeding the text in pieces of any size gives the same result */
static void test_spec_chunked(void **state)
{
	struct spec *whole = malloc(sizeof *whole), *part = malloc(sizeof *part);
	size_t len = sizeof example - 1, chunk, i, off;
	struct diag d;

	(void)state;
	assert_non_null(whole);
	assert_non_null(part);
	assert_int_equal(parse(whole, &d, example), 0);
	for (chunk = 1; chunk <= 70; chunk++) {
		spec_init(part, "t.spec");
		for (off = 0; off < len; off += chunk) {
			size_t n = len - off < chunk ? len - off : chunk;

			assert_int_equal(spec_feed(part, example + off, n, &d), 0);
		}
		assert_int_equal(spec_finish(part, &d), 0);
		assert_int_equal(part->n, whole->n);
		for (i = 0; i < whole->n; i++) {
			struct spec_entry const *a = &whole->entries[i], *b = &part->entries[i];

			assert_string_equal(a->path, b->path);
			assert_int_equal(a->line, b->line);
			assert_int_equal(a->type, b->type);
			assert_int_equal(a->mode, b->mode);
			assert_int_equal(a->uid, b->uid);
			assert_int_equal(a->gid, b->gid);
			assert_int_equal(a->rmajor, b->rmajor);
			assert_int_equal(a->rminor, b->rminor);
			assert_int_equal(a->source_len, b->source_len);
			if (a->source)
				assert_string_equal(a->source, b->source);
		}
		spec_free(part);
	}
	spec_free(whole);
	free(whole);
	free(part);
}

static void test_spec_empty(void **state)
{
	(void)state;
	expect_ok("");
	expect_ok("\n\n# nothing\n");
}

static void test_spec_errors(void **state)
{
	static struct {
		char const *text;
		size_t line;
		char const *want;
	} const cases[] = {
		{ "pipe /p 0644 0 0 -\n", 1, "unknown type pipe" },
		{ "#\nsock /s 0644 0 0 -\n", 2, "unknown type sock" },
		{ "DIR /d 0755 0 0 -\n", 1, "unknown type DIR" },
		{ "dir /d 0755 0 0\n", 1, "expected 6 columns" },
		{ "dir /d 0755 0 0 - extra\n", 1, "more than 6 columns" },
		{ "dir /d 0755 0 0 - # comment\n", 1, "more than 6 columns" },
		{ "dir d 0755 0 0 -\n", 1, "bad path d: path must be absolute" },
		{ "dir / 0755 0 0 -\n", 1, "path must not be /" },
		{ "dir //d 0755 0 0 -\n", 1, "empty component" },
		{ "dir /d//e 0755 0 0 -\n", 1, "empty component" },
		{ "dir /d/ 0755 0 0 -\n", 1, "trailing /" },
		{ "dir /. 0755 0 0 -\n", 1, "a . component" },
		{ "dir /d/./e 0755 0 0 -\n", 1, "a . component" },
		{ "dir /.. 0755 0 0 -\n", 1, "a .. component" },
		{ "dir /d/../e 0755 0 0 -\n", 1, "a .. component" },
		{ "dir /d 0855 0 0 -\n", 1, "bad mode 0855" },
		{ "dir /d 010000 0 0 -\n", 1, "bad mode 010000" },
		{ "dir /d -755 0 0 -\n", 1, "bad mode" },
		{ "dir /d +755 0 0 -\n", 1, "bad mode" },
		{ "dir /d 0x1ff 0 0 -\n", 1, "bad mode" },
		{ "dir /d 0755 65536 0 -\n", 1, "bad uid 65536" },
		{ "dir /d 0755 -1 0 -\n", 1, "bad uid" },
		{ "dir /d 0755 root 0 -\n", 1, "bad uid root" },
		{ "dir /d 0755 0 99999999999999999999 -\n", 1, "bad gid" },
		{ "dir /d 0755 0 1a -\n", 1, "bad gid 1a" },
		{ "dir /d 0755 0 0 /src\n", 1, "dir source must be -" },
		{ "file /f 0644 0 0 -\n", 1, "file source must be a host path" },
		{ "nod /n 0600 0 0 c,5\n", 1, "nod source" },
		{ "nod /n 0600 0 0 x,5,1\n", 1, "nod source" },
		{ "nod /n 0600 0 0 p,5,1\n", 1, "nod source" },
		{ "nod /n 0600 0 0 c5,1\n", 1, "nod source" },
		{ "nod /n 0600 0 0 c,,1\n", 1, "nod source" },
		{ "nod /n 0600 0 0 c,5,\n", 1, "nod source" },
		{ "nod /n 0600 0 0 c,5,1,2\n", 1, "nod source" },
		{ "nod /n 0600 0 0 c,4096,1\n", 1, "nod source" },
		{ "nod /n 0600 0 0 b,1,1048576\n", 1, "nod source" },
		{ "nod /n 0600 0 0 c,-1,1\n", 1, "nod source" },
		{ "nod /n 0600 0 0 -\n", 1, "nod source" },
		{ "dir /d\r 0755 0 0 -\n", 1, "invalid byte 0x0d" },
		{ "dir /d 0755 0 0 -\r\n", 1, "invalid byte 0x0d" },
		{ "dir /\xc3\xa9 0755 0 0 -\n", 1, "invalid byte 0xc3" },
		{ "dir /d\x7f 0755 0 0 -\n", 1, "invalid byte 0x7f" },
		{ "dir /d 0755 0 0 -\n\n# x\ndir /d 0700 0 0 -\n", 4, "duplicate path /d (first at line 1)" },
		{ "file /d/f 0644 0 0 src\n", 1, "parent of /d/f is not in the spec" },
		{ "dir /a 0755 0 0 -\ndir /a/b/c 0755 0 0 -\n", 2, "parent of /a/b/c is not in the spec" },
		{ "file /d 0644 0 0 src\nfile /d/f 0644 0 0 src\n", 2,
		  "parent of /d/f is not a dir entry (line 1)" },
		{ "dir /usr/bin 0755 0 0 -\nslink /usr 0777 0 0 x\n", 1,
		  "parent of /usr/bin is not a dir entry (line 2)" },
		{ "nod /dev 0755 0 0 c,1,1\nnod /dev/null 0666 0 0 c,1,3\n", 2, "not a dir entry" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		expect_error(cases[i].text, cases[i].line, cases[i].want);
}

/* the lowest-numbered of several problems is the one reported */
static void test_spec_error_choice(void **state)
{
	(void)state;
	expect_error("dir /b 0755 0 0 -\n"
		     "dir /a 0755 0 0 -\n"
		     "dir /a 0755 0 0 -\n"
		     "dir /b 0755 0 0 -\n"
		     "dir /a 0755 0 0 -\n", 3, "duplicate path /a (first at line 2)");
	expect_error("file /z/f 0644 0 0 s\n"
		     "file /a/f 0644 0 0 s\n", 1, "parent of /z/f");
	/* duplicates are reported before parents, whatever the lines */
	expect_error("file /x/f 0644 0 0 s\n"
		     "dir /y 0755 0 0 -\n"
		     "dir /y 0755 0 0 -\n", 3, "duplicate path /y");
	/* a parse error stops at its line, before anything later is seen */
	expect_error("dir /d 0755 0 0 -\n"
		     "dir /d 0755 0 0 -\n"
		     "bogus /e 0755 0 0 -\n", 3, "unknown type");
}

static void test_spec_nul(void **state)
{
	static char const text[] = "dir /d 0755 0 0 -\n# a\0b\n";
	struct spec *s = malloc(sizeof *s);
	struct diag d = { 0 };

	(void)state;
	assert_non_null(s);
	spec_init(s, "t.spec");
	assert_int_equal(spec_parse_buf(s, text, sizeof text - 1, &d), -1);
	assert_string_equal(d.msg, "unable to parse t.spec:2: NUL byte in line");
	spec_free(s);
	free(s);
}

static void test_spec_ranges(void **state)
{
	(void)state;
	expect_ok("dir /d 07777 65535 65535 -\n");
	expect_ok("dir /d 0 0 0 -\n");
	expect_ok("dir /d 00000000000000000000755 00000000000000000000001 0 -\n");
	expect_ok("nod /n 0600 0 0 c,4095,1048575\n");
	expect_ok("nod /n 0600 0 0 b,0,0\n");
	expect_ok("slink /l 0777 0 0 -\n"); /* a target named "-" is still a target */
	expect_ok("dir /a..b 0755 0 0 -\ndir /.hidden 0755 0 0 -\ndir /... 0755 0 0 -\n");
	expect_ok("dir /~!\"$%&'()*+,-.:;<=>?@[\\]^_`{|}# 0755 0 0 -\n");
}

static void test_spec_path_length(void **state)
{
	char line[512];
	char path[300];

	(void)state;
	memset(path, 'p', sizeof path);
	path[0] = '/';
	path[255] = '\0';
	snprintf(line, sizeof line, "dir %s 0755 0 0 -\n", path);
	expect_ok(line);
	path[255] = 'p';
	path[256] = '\0';
	snprintf(line, sizeof line, "dir %s 0755 0 0 -\n", path);
	expect_error(line, 1, "longer than 255 bytes");
}

static void test_spec_line_length(void **state)
{
	char *text = malloc(2 * SPEC_LINE_MAX + 16);
	char const *head = "slink /l 0777 0 0 ";
	size_t hl = strlen(head), chunk;
	struct spec *s = malloc(sizeof *s);
	struct diag d;

	(void)state;
	assert_non_null(text);
	assert_non_null(s);
	/* exactly SPEC_LINE_MAX bytes before the newline is accepted */
	memcpy(text, head, hl);
	memset(text + hl, 't', SPEC_LINE_MAX - hl);
	strcpy(text + SPEC_LINE_MAX, "\n");
	assert_int_equal(parse(s, &d, text), 0);
	assert_int_equal(s->entries[0].source_len, SPEC_LINE_MAX - hl);
	spec_free(s);
	/* same without the newline */
	text[SPEC_LINE_MAX] = '\0';
	expect_ok(text);
	/* a comment line of the maximum length is accepted too */
	memset(text, '#', SPEC_LINE_MAX);
	strcpy(text + SPEC_LINE_MAX, "\n");
	expect_ok(text);
	/* one byte more is refused, whole or in pieces */
	text[0] = '\n';
	memset(text + 1, '#', SPEC_LINE_MAX + 1);
	strcpy(text + SPEC_LINE_MAX + 2, "\n");
	expect_error(text, 2, "line longer than 4096 bytes");
	text[SPEC_LINE_MAX + 2] = '\0';
	expect_error(text, 2, "line longer than 4096 bytes");
	for (chunk = 1000; chunk <= 5000; chunk += 1000) {
		size_t len = strlen(text), off;
		int r = 0;

		memset(&d, 0, sizeof d);
		spec_init(s, "t.spec");
		for (off = 0; off < len && r == 0; off += chunk)
			r = spec_feed(s, text + off, len - off < chunk ? len - off : chunk, &d);
		if (r == 0)
			r = spec_finish(s, &d);
		assert_int_equal(r, -1);
		assert_string_equal(d.msg, "unable to parse t.spec:2: line longer than 4096 bytes");
		spec_free(s);
	}
	free(text);
	free(s);
}

static void test_spec_entry_limit(void **state)
{
	size_t const per = 22; /* "dir /e0000000 0 0 0 -\n" */
	size_t n = SPEC_ENTRIES_MAX + 1, i;
	char *text = malloc(n * per + 1);
	struct spec *s = malloc(sizeof *s);
	struct diag d;

	(void)state;
	assert_non_null(text);
	assert_non_null(s);
	for (i = 0; i < n; i++)
		assert_int_equal(snprintf(text + i * per, per + 1, "dir /e%07zu 0 0 0 -\n", n - i),
				 (int)per);
	/* the first SPEC_ENTRIES_MAX lines are fine */
	memset(&d, 0, sizeof d);
	spec_init(s, "t.spec");
	assert_int_equal(spec_parse_buf(s, text, (n - 1) * per, &d), 0);
	assert_int_equal(s->n, SPEC_ENTRIES_MAX);
	assert_string_equal(s->entries[0].path, "/e0000002");
	spec_free(s);
	/* one more is refused at its line */
	memset(&d, 0, sizeof d);
	spec_init(s, "t.spec");
	assert_int_equal(spec_parse_buf(s, text, n * per, &d), -1);
	assert_string_equal(d.msg, "unable to parse t.spec:100001: more than 100000 entries");
	spec_free(s);
	free(s);
	free(text);
}

static void test_spec_sticky_failure(void **state)
{
	struct spec *s = malloc(sizeof *s);
	struct diag d = { 0 };

	(void)state;
	assert_non_null(s);
	spec_init(s, "t.spec");
	assert_int_equal(spec_feed(s, "oops\n", 5, &d), -1);
	assert_int_equal(spec_feed(s, "dir /d 0755 0 0 -\n", 18, &d), -1);
	assert_int_equal(spec_finish(s, &d), -1);
	assert_string_equal(d.msg, "unable to parse t.spec:1: expected 6 columns "
			    "(type path mode uid gid source), found 1");
	spec_free(s);
	free(s);
}

static void test_path_check(void **state)
{
	(void)state;
	assert_null(path_check("/a", 2));
	assert_null(path_check("/a/b/c", 6));
	assert_null(path_check("/.a/a./..a/a..", 14));
	assert_non_null(path_check("", 0));
	assert_non_null(path_check("a", 1));
	assert_non_null(path_check("/", 1));
	assert_non_null(path_check("/a b", 4));
	assert_non_null(path_check("/a\0b", 4));
	assert_non_null(path_check("/a/.", 4));
	assert_non_null(path_check("/a/..", 5));
	assert_non_null(path_check("/./a", 4));
	assert_non_null(path_check("/a//b", 5));
	assert_int_equal(path_parent_len("/a", 2), 0);
	assert_int_equal(path_parent_len("/a/b", 4), 2);
	assert_int_equal(path_parent_len("/ab/cd/e", 8), 6);
}

static void test_path_cmp(void **state)
{
	/* component order, which is not strcmp order */
	static char const *const sorted[] = {
		"/A", "/a", "/a/-x", "/a/b", "/a/b/c", "/a/b-c", "/a-b", "/a.b", "/a0", "/b",
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof sorted / sizeof sorted[0]; i++)
		for (j = 0; j < sizeof sorted / sizeof sorted[0]; j++) {
			int c = path_cmp(sorted[i], sorted[j]);

			if (i < j)
				assert_true(c < 0);
			else if (i > j)
				assert_true(c > 0);
			else
				assert_int_equal(c, 0);
		}
	assert_true(strcmp("/a-b", "/a/b") < 0); /* what plain order would do */
}

int test_spec_run(void)
{
	static struct CMUnitTest const tests[] = {
		cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_spec_chunked),
		cmocka_unit_test(test_spec_empty),
		cmocka_unit_test(test_spec_errors),
		cmocka_unit_test(test_spec_error_choice),
		cmocka_unit_test(test_spec_nul),
		cmocka_unit_test(test_spec_ranges),
		cmocka_unit_test(test_spec_path_length),
		cmocka_unit_test(test_spec_line_length),
		cmocka_unit_test(test_spec_entry_limit),
		cmocka_unit_test(test_spec_sticky_failure),
		cmocka_unit_test(test_path_check),
		cmocka_unit_test(test_path_cmp),
	};

	return cmocka_run_group_tests_name("mkcpio spec", tests, NULL, NULL);
}
