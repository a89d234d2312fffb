/* The store (db.c) and what status.c prints of it: a report is kept as
 * the newest; a retry or an overtaken seq of the same boot is not, another
 * boot's is; LETHE_REPORT_HISTORY older reports and LETHE_LOG_LINES_KEPT
 * lines are kept per node, the oldest dropped first, another node's never
 * touched; forget drops one node; the status line in its documented
 * format; a database of a newer schema is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "db.h"
#include "logs.h"
#include "report.h"
#include "status.h"
#include "tests.h"

struct fx {
	char dir[64], path[96];
	sqlite3 *db;
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct reportd_err err;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "%s", "/tmp/test_reportd.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/reports.db", f->dir);
	if (db_open(f->path, 1, &f->db, &err))
		return -1;
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	char p[128];

	db_close(f->db);
	unlink(f->path);
	snprintf(p, sizeof p, "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", f->path);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Checks and adds a report (full: REPORT_FULL_FMT, else REPORT_MIN_FMT) of
 * node (boot, seq) at now: whether it was kept. */
static int add(sqlite3 *db, int full, const char *node, const char *boot, long long seq, time_t now)
{
	struct reportd_err err = {{0}};
	struct report_meta meta;
	char *text = NULL, *json = NULL;
	long long newest = -1;
	int kept = -1;

	assert_true(asprintf(&text, full ? REPORT_FULL_FMT : REPORT_MIN_FMT, node, seq, boot) > 0);
	if (report_check(text, strlen(text), &meta, &json, &err))
		fail_msg("refused: %s", err.msg);
	assert_int_equal(db_report_add(db, &meta, json, now, &kept, &newest, &err), 0);
	free(json);
	free(text);
	return kept;
}

/* What status.c prints: status (node NULL), a node's reports or its logs. */
static char *printed(sqlite3 *db, const char *what, const char *node, long arg)
{
	struct reportd_err err = {{0}};
	char *text = NULL;
	size_t n = 0;
	long found = 0;
	FILE *f = open_memstream(&text, &n);
	int rc;

	assert_non_null(f);
	if (!strcmp(what, "status"))
		rc = status_print(db, f, &err);
	else if (!strcmp(what, "report"))
		rc = status_report(db, node, (int)arg, f, &found, &err);
	else
		rc = status_logs(db, node, arg, f, &err);
	if (rc)
		fail_msg("%s: %s", what, err.msg);
	assert_int_equal(fclose(f), 0);
	return text;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_newest(void **state)
{
	struct fx *f = *state;
	char *out;

	assert_int_equal(add(f->db, 0, NODE_A, BOOT_1, 5, 1000), 1);
	/* a retry, an overtaken one: acknowledged, not kept */
	assert_int_equal(add(f->db, 0, NODE_A, BOOT_1, 5, 1001), 0);
	assert_int_equal(add(f->db, 0, NODE_A, BOOT_1, 4, 1002), 0);
	assert_int_equal(add(f->db, 1, NODE_A, BOOT_1, 6, 1003), 1);
	/* another boot: kept, whatever its seq */
	assert_int_equal(add(f->db, 0, NODE_A, BOOT_2, 0, 1004), 1);
	/* another node's seq is its own */
	assert_int_equal(add(f->db, 0, NODE_B, BOOT_1, 0, 1005), 1);
	out = printed(f->db, "report", NODE_A, 1);
	assert_int_equal(count_lines(out), 3);
	assert_non_null(strstr(out, "\"seq\":0,\"time\":0,\"boot_id\":\"" BOOT_2 "\""));
	assert_true(strstr(out, BOOT_2) < strstr(out, "\"seq\":6"));
	assert_true(strstr(out, "\"seq\":6") < strstr(out, "\"seq\":5"));
	free(out);
	out = printed(f->db, "report", NODE_A, 0);
	assert_int_equal(count_lines(out), 1);
	assert_non_null(strstr(out, BOOT_2));
	free(out);
}

static void test_history_bound(void **state)
{
	struct fx *f = *state;
	char *out, want[64];
	long long i;

	for (i = 0; i < LETHE_REPORT_HISTORY + 10; i++)
		assert_int_equal(add(f->db, 0, NODE_A, BOOT_1, i, 2000 + i), 1);
	assert_int_equal(add(f->db, 0, NODE_B, BOOT_1, 1, 3000), 1);
	out = printed(f->db, "report", NODE_A, 1);
	assert_int_equal(count_lines(out), LETHE_REPORT_HISTORY + 1);
	/* the oldest kept is seq 9: 0 ... 8 went */
	snprintf(want, sizeof want, "\"seq\":%d,", 9);
	assert_non_null(strstr(out, want));
	assert_null(strstr(out, "\"seq\":8,"));
	free(out);
	out = printed(f->db, "report", NODE_B, 1);
	assert_int_equal(count_lines(out), 1);
	free(out);
}

/* n lines "MS tor.r: line K" (K from first), batches of at most 64 KiB. */
static void add_lines(sqlite3 *db, const char *node, long first, long n)
{
	struct reportd_err err = {{0}};
	char *b = malloc(LETHE_LOGS_BATCH_MAX);
	size_t len = 0, lines;
	long k;

	assert_non_null(b);
	for (k = first; k < first + n; k++) {
		len += (size_t)snprintf(b + len, 64, "%ld tor.r: line %ld\n", 1767225600000L + k, k);
		if (len > LETHE_LOGS_BATCH_MAX - 64 || k == first + n - 1) {
			assert_int_equal(logs_check(b, len, &lines, &err), 0);
			assert_int_equal(db_logs_add(db, node, b, len, 5000, &err), 0);
			len = 0;
		}
	}
	free(b);
}

static void test_logs_bound(void **state)
{
	struct fx *f = *state;
	char *out;

	add_lines(f->db, NODE_B, 0, 3);
	add_lines(f->db, NODE_A, 0, LETHE_LOG_LINES_KEPT + 25);
	out = printed(f->db, "logs", NODE_A, 0);
	assert_int_equal(count_lines(out), LETHE_LOG_LINES_KEPT);
	/* oldest first: line 25 is the oldest kept */
	assert_memory_equal(out, "1767225600025 tor.r: line 25\n", 29);
	free(out);
	out = printed(f->db, "logs", NODE_A, 2);
	assert_string_equal(out, "1767225620023 tor.r: line 20023\n1767225620024 tor.r: line 20024\n");
	free(out);
	/* the other node's lines are its own */
	out = printed(f->db, "logs", NODE_B, 0);
	assert_string_equal(out, "1767225600000 tor.r: line 0\n1767225600001 tor.r: line 1\n"
				 "1767225600002 tor.r: line 2\n");
	free(out);
}

static void test_forget(void **state)
{
	struct fx *f = *state;
	struct reportd_err err;
	long long reports, lines;
	char *out;

	assert_int_equal(add(f->db, 0, NODE_A, BOOT_1, 1, 100), 1);
	assert_int_equal(add(f->db, 0, NODE_A, BOOT_1, 2, 101), 1);
	assert_int_equal(add(f->db, 0, NODE_B, BOOT_1, 1, 102), 1);
	add_lines(f->db, NODE_A, 0, 5);
	assert_int_equal(db_forget(f->db, NODE_A, &reports, &lines, &err), 0);
	assert_int_equal(reports, 2);
	assert_int_equal(lines, 5);
	out = printed(f->db, "status", NULL, 0);
	assert_int_equal(count_lines(out), 1);
	assert_memory_equal(out, NODE_B " ", 65);
	free(out);
}

static void test_status_line(void **state)
{
	struct fx *f = *state;
	char *out;

	assert_int_equal(add(f->db, 1, NODE_A, BOOT_1, 3, 1767225700), 1);
	assert_int_equal(add(f->db, 0, NODE_B, BOOT_2, 1, 1767225800), 1);
	out = printed(f->db, "status", NULL, 0);
	assert_string_equal(out,
			    NODE_B " image=dev up=0/0 restarts=0 report=1767225800 stage=network unseal=- mismatch=0 error=\"\"\n"
			    NODE_A " image=v1.2.3-4-gabcdef0 up=1/2 restarts=4 report=1767225700 stage=tor unseal=ok"
			    " mismatch=1 error=\"tor.relay2: exited 1 \\\"bad\\\"\"\n");
	free(out);
}

/* A file of a newer schema is left alone. */
static void test_newer_schema(void **state)
{
	struct fx *f = *state;
	struct reportd_err err = {{0}};
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_exec(f->db, "PRAGMA user_version = 2", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(db_open(f->path, 0, &db, &err), -1);
	assert_null(db);
	assert_non_null(strstr(err.msg, "schema version 2 is newer than this reportd's 1"));
}

/* The file is the operator's alone. */
static void test_mode(void **state)
{
	struct fx *f = *state;
	struct stat st;

	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

int test_db_group(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_newest, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_history_bound, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_logs_bound, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_forget, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_status_line, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_mode, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests_name("db", tests, NULL, NULL);
}
