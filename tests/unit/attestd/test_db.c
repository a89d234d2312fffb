/* The database's version 2 (db.c): a version-1 file made by the version-1
 * attestd (db_v1.h) keeps every row and every value when the current code
 * opens it, and its active node attests; the history keeps a node's last
 * DB_HISTORY_MAX results, newest first, and no other node's; status and
 * history lines in the documented format. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "db.h"
#include "db_v1.h"
#include "pull.h"
#include "quotefx.h"
#include "srv_db.h"
#include "tests.h"

#define NODE_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define NODE_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* Every version-1 column of every row, as one text. */
#define V1_ROWS                                                                                          \
	"SELECT group_concat(id || state || hex(ak_public) || ak_name || hex(ek_cert) ||"               \
	" ifnull(hex(secret_sha256), '-') || wrong || created || ifnull(activated, '-'), '|')"       \
	" FROM (SELECT * FROM node ORDER BY id)"

static char *query_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	char *out;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	out = strdup(sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
	assert_non_null(out);
	sqlite3_finalize(st);
	return out;
}

/* What FN printed, as a string to free. */
static char *printed(sqlite3 *db, const char *node)
{
	struct attest_err err;
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);

	assert_non_null(f);
	assert_int_equal(node ? db_history(db, node, f, &err) : db_status(db, f, &err), 0);
	assert_int_equal(fclose(f), 0);
	return text;
}

static void test_migrate_v1(void **state)
{
	struct qfx_db d;
	struct attest_err err;
	struct pull_reply r;
	sqlite3 *raw = NULL;
	char *before, *after, *status;

	(void)state;
	qfx_db_open(&d);
	db_close(d.db);
	assert_int_equal(unlink(d.path), 0);
	/* The version-1 file, as the version-1 attestd left it. */
	assert_int_equal(sqlite3_open(d.path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, db_v1_sql, NULL, NULL, NULL), SQLITE_OK);
	before = query_text(raw, V1_ROWS);
	assert_true(strlen(before) > 1000);
	sqlite3_close(raw);

	assert_int_equal(db_open(d.path, 0, &d.db, &err), 0);
	after = query_text(d.db, V1_ROWS);
	assert_string_equal(after, before);
	free(after);
	after = query_text(d.db, "SELECT CAST(user_version AS TEXT) FROM pragma_user_version");
	assert_string_equal(after, "2");
	free(after);
	status = printed(d.db, NULL);
	assert_string_equal(status,
			    DB_V1_PENDING " pending created=2026-12-03T09:30:11Z activated=- ak=000b2281fc39... wrong=0"
					  " attested=- path=- quote=- result=- reason=-\n" DB_V1_ACTIVE
					  " active created=2026-12-03T09:30:11Z activated=2026-12-03T09:30:11Z"
					  " ak=000b78526cba... wrong=0 attested=- path=- quote=- result=- reason=-\n");
	free(status);
	/* Its active node (a swtpm's AK) gets a nonce; the pending one not. */
	pull_nonce(d.db, DB_V1_ACTIVE, 1800000000, &r);
	assert_int_equal(r.status, 200);
	pull_nonce(d.db, DB_V1_PENDING, 1800000000, &r);
	assert_int_equal(r.status, 403);
	/* Opened again: nothing to migrate, nothing changed. */
	db_close(d.db);
	assert_int_equal(db_open(d.path, 0, &d.db, &err), 0);
	after = query_text(d.db, V1_ROWS);
	assert_string_equal(after, before);
	free(after);
	/* A newer file is refused. */
	assert_int_equal(sqlite3_exec(d.db, "PRAGMA user_version = 3", NULL, NULL, NULL), SQLITE_OK);
	db_close(d.db);
	d.db = NULL;
	assert_int_equal(db_open(d.path, 0, &raw, &err), -1);
	assert_string_equal(err.msg, "db: schema version 3 is newer than this attestd's 2");
	free(before);
	qfx_db_close(&d);
}

static void record(sqlite3 *db, const char *node, time_t at, int pass, const char *reason)
{
	uint8_t sha[32] = {1};
	struct db_quote q = {.at = at, .pass = pass, .reason = pass ? NULL : reason,
			     .version = pass ? "v1" : NULL, .path = pass ? "qemu" : NULL,
			     .token_sha256 = pass ? sha : NULL, .token_expires = at + 300};

	assert_int_equal(srv_db_begin(db), 0);
	assert_int_equal(db_quote_record(db, node, &q), 0);
	assert_int_equal(srv_db_commit(db), 0);
}

static void test_history(void **state)
{
	struct qfx_db d;
	struct fx f;
	char *text, *line, *save = NULL, want[128];
	int i, lines = 0;

	(void)state;
	fx_init(&f);
	qfx_db_open(&d);
	qfx_enroll(d.db, NODE_A, f.ak_key, 1);
	qfx_enroll(d.db, NODE_B, f.other_key, 1);
	qfx_enroll(d.db, "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", f.ak_key, 0);
	record(d.db, NODE_B, 1800000000, 0, "b's only");
	for (i = 0; i < DB_HISTORY_MAX + 8; i++)
		record(d.db, NODE_A, 1800000000 + i, i % 2, "bad \"x\" \\ y");
	/* A pending node has no pull to record. */
	{
		struct db_quote q = {.at = 1, .pass = 0, .reason = "x"};

		assert_int_equal(db_quote_record(d.db, "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", &q),
				 -1);
	}
	text = printed(d.db, NODE_A);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int at = 1800000000 + DB_HISTORY_MAX + 8 - 1 - lines;
		time_t t = at;
		struct tm tm;
		char iso[32];

		gmtime_r(&t, &tm);
		strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (at % 2)
			snprintf(want, sizeof want, "%s pass v1 qemu -", iso);
		else
			snprintf(want, sizeof want, "%s fail - - \"bad \\\"x\\\" \\\\ y\"", iso);
		assert_string_equal(line, want);
		lines++;
	}
	assert_int_equal(lines, DB_HISTORY_MAX);
	free(text);
	/* B's one result outlived A's trimming. */
	text = printed(d.db, NODE_B);
	assert_string_equal(text, "2027-01-15T08:00:00Z fail - - \"b's only\"\n");
	free(text);
	/* Status: the last result of each, counts in the database. */
	text = printed(d.db, NULL);
	assert_non_null(strstr(text, NODE_A " active created=1970-01-01T00:16:40Z activated=1970-01-01T00:16:40Z"
				     " ak=000b00000000... wrong=0 attested=v1 path=qemu quote=2027-01-15T08:00:39Z"
				     " result=pass reason=-\n"));
	assert_non_null(strstr(text, NODE_B " active created=1970-01-01T00:16:40Z activated=1970-01-01T00:16:40Z"
				     " ak=000b00000000... wrong=0 attested=- path=- quote=2027-01-15T08:00:00Z"
				     " result=fail reason=\"b's only\"\n"));
	free(text);
	text = query_text(d.db, "SELECT passes || '/' || fails FROM node WHERE id = '" NODE_A "'");
	assert_string_equal(text, "20/20");
	free(text);
	qfx_db_close(&d);
	fx_free(&f);
}

int test_db_group(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrate_v1),
		cmocka_unit_test(test_history),
	};

	return cmocka_run_group_tests_name("db", tests, NULL, NULL);
}
