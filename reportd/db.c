/* db.c: every SQL statement reportd runs, each prepared with bound
 * parameters; callers never see SQL.  Times are Unix seconds (UTC). */
#include <string.h>

#include "db.h"
#include "srv_db.h"

static const char db_schema_v1[] =
	"CREATE TABLE report ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" node TEXT NOT NULL CHECK (length(node) = 64),"
	" received INTEGER NOT NULL,"
	" boot_id TEXT NOT NULL,"
	" seq INTEGER NOT NULL,"
	" time INTEGER NOT NULL,"
	" body TEXT NOT NULL"
	");"
	"CREATE INDEX report_node ON report (node, id);"
	"CREATE TABLE logline ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" node TEXT NOT NULL CHECK (length(node) = 64),"
	" received INTEGER NOT NULL,"
	" line TEXT NOT NULL"
	");"
	"CREATE INDEX logline_node ON logline (node, id);";

/* The state blobs (torstate.h): created by db_open when missing rather
 * than by a schema step, so that a reports.db of this schema version,
 * with or without the table, opens in every reportd of this version.
 * Folded into the next schema step when there is one. */
static const char db_state_table[] =
	"CREATE TABLE IF NOT EXISTS state ("
	" node TEXT PRIMARY KEY CHECK (length(node) = 64),"
	" received INTEGER NOT NULL,"
	" counter INTEGER NOT NULL,"
	" rollout INTEGER NOT NULL,"
	" blob BLOB NOT NULL"
	")";

/* The steps from a new file (version 0) to DB_SCHEMA_VERSION. */
static const char *const db_schema_steps[] = {db_schema_v1};

/* synchronous NORMAL: in WAL mode a power cut may lose the last
 * transactions, never the file; a lost report is sent again within the
 * agent's interval. */
static const struct srv_db_schema db_schema = {
	"reportd",
	"PRAGMA synchronous = NORMAL",
	db_schema_steps,
	DB_SCHEMA_VERSION,
};

_Static_assert(sizeof db_schema_steps / sizeof db_schema_steps[0] == DB_SCHEMA_VERSION,
	       "one schema step per version");

int db_open(const char *path, int create, sqlite3 **out, struct reportd_err *err)
{
	if (srv_db_open(path, create, &db_schema, out, err ? err->msg : NULL, err ? sizeof err->msg : 0))
		return -1;
	if (srv_db_exec(*out, db_state_table)) {
		reportd_fail(err, "db: unable to create the state table: %s", sqlite3_errmsg(*out));
		sqlite3_close(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

void db_close(sqlite3 *db)
{
	sqlite3_close(db);
}

/* The newest report's boot and seq: 1 and both, 0 if node has none, -1. */
static int db_newest(sqlite3 *db, const char *node, char boot_id[37], long long *seq)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *b;
	int rc = -1, step;

	if (sqlite3_prepare_v2(db, "SELECT boot_id, seq FROM report WHERE node = ?1 ORDER BY id DESC LIMIT 1", -1,
			       &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		rc = 0;
		goto out;
	}
	b = sqlite3_column_text(st, 0);
	if (step != SQLITE_ROW || !b || strlen((const char *)b) != 36)
		goto out;
	memcpy(boot_id, b, 37);
	*seq = sqlite3_column_int64(st, 1);
	rc = 1;
out:
	sqlite3_finalize(st);
	return rc;
}

/* Runs sql with node as ?1 and n as ?2 if it has a ?2 (no rows). */
static int db_node_step(sqlite3 *db, const char *sql, const char *node, long long n)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC) == SQLITE_OK &&
	    (sqlite3_bind_parameter_count(st) < 2 || sqlite3_bind_int64(st, 2, n) == SQLITE_OK) &&
	    sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

int db_report_add(sqlite3 *db, const struct report_meta *meta, const char *json, time_t now, int *kept,
		  long long *newest_seq, struct reportd_err *err)
{
	sqlite3_stmt *st = NULL;
	char boot_id[37];
	long long seq = 0;
	int rc = -1, found;

	*kept = 0;
	*newest_seq = 0;
	if (srv_db_begin(db))
		return reportd_fail(err, "db: unable to begin: %s", sqlite3_errmsg(db));
	found = db_newest(db, meta->node, boot_id, &seq);
	if (found < 0) {
		reportd_fail(err, "db: unable to read the newest report: %s", sqlite3_errmsg(db));
		goto out;
	}
	if (found && !strcmp(boot_id, meta->boot_id) && meta->seq <= seq) {
		*newest_seq = seq;
		rc = 0;
		goto out;
	}
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO report (node, received, boot_id, seq, time, body)"
			       " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, meta->node, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, (sqlite3_int64)now) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, meta->boot_id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, meta->seq) != SQLITE_OK || sqlite3_bind_int64(st, 5, meta->time) != SQLITE_OK ||
	    sqlite3_bind_text(st, 6, json, -1, SQLITE_STATIC) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE ||
	    /* The row LETHE_REPORT_HISTORY after the newest is the oldest
	     * kept: everything before it goes. */
	    db_node_step(db,
			 "DELETE FROM report WHERE node = ?1 AND id <"
			 " (SELECT id FROM report WHERE node = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
			 meta->node, LETHE_REPORT_HISTORY)) {
		reportd_fail(err, "db: unable to keep the report: %s", sqlite3_errmsg(db));
		goto out;
	}
	if (srv_db_commit(db)) {
		reportd_fail(err, "db: unable to commit: %s", sqlite3_errmsg(db));
		goto out;
	}
	*kept = 1;
	rc = 0;
out:
	sqlite3_finalize(st);
	/* A report not kept changed nothing: its transaction ends here too. */
	if (rc || !*kept)
		srv_db_rollback(db);
	return rc;
}

int db_logs_add(sqlite3 *db, const char *node, const char *body, size_t len, time_t now,
		struct reportd_err *err)
{
	sqlite3_stmt *st = NULL;
	const char *p = body, *end = body + len, *nl;
	int rc = -1;

	if (srv_db_begin(db))
		return reportd_fail(err, "db: unable to begin: %s", sqlite3_errmsg(db));
	if (sqlite3_prepare_v2(db, "INSERT INTO logline (node, received, line) VALUES (?1, ?2, ?3)", -1, &st,
			       NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, (sqlite3_int64)now) != SQLITE_OK)
		goto out;
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) /* logs_check refuses such a batch */
			goto out;
		if (sqlite3_bind_text(st, 3, p, (int)(nl - p), SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_DONE || sqlite3_reset(st) != SQLITE_OK)
			goto out;
	}
	if (db_node_step(db,
			 "DELETE FROM logline WHERE node = ?1 AND id <="
			 " (SELECT id FROM logline WHERE node = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
			 node, LETHE_LOG_LINES_KEPT) ||
	    srv_db_commit(db))
		goto out;
	rc = 0;
out:
	if (rc) {
		reportd_fail(err, "db: unable to keep the log lines: %s", sqlite3_errmsg(db));
		srv_db_rollback(db);
	}
	sqlite3_finalize(st);
	return rc;
}

int db_forget(sqlite3 *db, const char *node, long long *reports, long long *lines, struct reportd_err *err)
{
	long long states;

	return db_forget_all(db, node, reports, lines, &states, err);
}

int db_forget_all(sqlite3 *db, const char *node, long long *reports, long long *lines, long long *states,
		  struct reportd_err *err)
{
	int rc = -1;

	*reports = *lines = *states = 0;
	if (srv_db_begin(db))
		return reportd_fail(err, "db: unable to begin: %s", sqlite3_errmsg(db));
	if (db_node_step(db, "DELETE FROM report WHERE node = ?1", node, 0))
		goto out;
	*reports = sqlite3_changes(db);
	if (db_node_step(db, "DELETE FROM logline WHERE node = ?1", node, 0))
		goto out;
	*lines = sqlite3_changes(db);
	if (db_node_step(db, "DELETE FROM state WHERE node = ?1", node, 0))
		goto out;
	*states = sqlite3_changes(db);
	if (srv_db_commit(db))
		goto out;
	rc = 0;
out:
	if (rc) {
		reportd_fail(err, "db: unable to forget %s: %s", node, sqlite3_errmsg(db));
		srv_db_rollback(db);
	}
	return rc;
}

int db_state_put(sqlite3 *db, const char *node, const void *blob, size_t len, const struct state_meta *meta,
		 time_t now, struct reportd_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	/* the counters are u64 on the wire: kept as their int64 bit pattern,
	 * read back as unsigned */
	if (len > LETHE_STATE_BLOB_MAX ||
	    sqlite3_prepare_v2(db,
			       "INSERT INTO state (node, received, counter, rollout, blob) VALUES (?1, ?2, ?3, ?4, ?5)"
			       " ON CONFLICT (node) DO UPDATE SET received = ?2, counter = ?3, rollout = ?4, blob = ?5",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, (sqlite3_int64)now) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, (sqlite3_int64)meta->counter) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, (sqlite3_int64)meta->rollout) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 5, blob, (int)len, SQLITE_STATIC) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE)
		reportd_fail(err, "db: unable to keep the state: %s", sqlite3_errmsg(db));
	else
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

int db_state_get(sqlite3 *db, const char *node, void *buf, size_t cap, size_t *len, struct reportd_err *err)
{
	sqlite3_stmt *st = NULL;
	const void *b;
	int rc = -1, step, n;

	*len = 0;
	if (sqlite3_prepare_v2(db, "SELECT blob FROM state WHERE node = ?1", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC) != SQLITE_OK) {
		reportd_fail(err, "db: unable to read the state: %s", sqlite3_errmsg(db));
		goto out;
	}
	step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		rc = 0;
		goto out;
	}
	if (step != SQLITE_ROW) {
		reportd_fail(err, "db: unable to read the state: %s", sqlite3_errmsg(db));
		goto out;
	}
	b = sqlite3_column_blob(st, 0);
	n = sqlite3_column_bytes(st, 0);
	if (!b || n <= 0 || (size_t)n > cap) {
		reportd_fail(err, "db: corrupt state row (%d bytes)", n);
		goto out;
	}
	memcpy(buf, b, (size_t)n);
	*len = (size_t)n;
	rc = 1;
out:
	sqlite3_finalize(st);
	return rc;
}

struct db_state_ctx {
	db_state_fn fn;
	void *ctx;
};

/* Columns node, bytes, the blob's header, received. */
static int db_state_row(sqlite3_stmt *st, void *ctx, struct reportd_err *err)
{
	const struct db_state_ctx *c = ctx;
	const unsigned char *node = sqlite3_column_text(st, 0);
	const unsigned char *head = sqlite3_column_blob(st, 2);
	struct state_meta meta;
	int ok;

	if (!node)
		return reportd_fail(err, "db: corrupt state row");
	ok = head && torstate_header(head, (size_t)sqlite3_column_bytes(st, 2), &meta) == 0;
	return c->fn(c->ctx, (const char *)node, sqlite3_column_int64(st, 1), ok ? &meta : NULL,
		     sqlite3_column_int64(st, 3), err);
}

/* Steps st (prepared, bound) through its rows, each handed to row (which
 * writes its reason to err when it returns non-zero); then finalizes st.
 * st NULL: its preparation failed. */
static int db_rows(sqlite3 *db, sqlite3_stmt *st, int (*row)(sqlite3_stmt *, void *, struct reportd_err *),
		   void *ctx, struct reportd_err *err)
{
	int step, rc = 0;

	if (!st)
		return reportd_fail(err, "db: unable to read: %s", sqlite3_errmsg(db));
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		rc = row(st, ctx, err);
		if (rc)
			break;
	}
	if (!rc && step != SQLITE_DONE)
		rc = reportd_fail(err, "db: unable to read: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

struct db_report_ctx {
	db_report_fn fn;
	void *ctx;
};

/* Columns node, received, body. */
static int db_report_row(sqlite3_stmt *st, void *ctx, struct reportd_err *err)
{
	const struct db_report_ctx *c = ctx;
	const unsigned char *node = sqlite3_column_text(st, 0), *json = sqlite3_column_text(st, 2);

	if (!node || !json)
		return reportd_fail(err, "db: corrupt report row");
	return c->fn(c->ctx, (const char *)node, sqlite3_column_int64(st, 1), (const char *)json, err);
}

int db_each_newest(sqlite3 *db, db_report_fn fn, void *ctx, struct reportd_err *err)
{
	struct db_report_ctx c = {fn, ctx};
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db,
			       "SELECT node, received, body FROM report WHERE id IN"
			       " (SELECT max(id) FROM report GROUP BY node) ORDER BY node",
			       -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		st = NULL;
	}
	return db_rows(db, st, db_report_row, &c, err);
}

int db_each_report(sqlite3 *db, const char *node, int history, db_report_fn fn, void *ctx,
		   struct reportd_err *err)
{
	struct db_report_ctx c = {fn, ctx};
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, "SELECT node, received, body FROM report WHERE node = ?1 ORDER BY id DESC LIMIT ?2",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(st, 2, history ? -1 : 1) != SQLITE_OK) {
		sqlite3_finalize(st);
		st = NULL;
	}
	return db_rows(db, st, db_report_row, &c, err);
}

int db_each_state(sqlite3 *db, const char *node, db_state_fn fn, void *ctx, struct reportd_err *err)
{
	struct db_state_ctx c = {fn, ctx};
	sqlite3_stmt *st = NULL;

	/* ?1 NULL: every node */
	if (sqlite3_prepare_v2(db,
			       "SELECT node, length(blob), substr(blob, 1, ?2), received FROM state"
			       " WHERE ?1 IS NULL OR node = ?1 ORDER BY node",
			       -1, &st, NULL) != SQLITE_OK ||
	    (node ? sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC) : sqlite3_bind_null(st, 1)) != SQLITE_OK ||
	    sqlite3_bind_int(st, 2, LETHE_STATE_HEADER) != SQLITE_OK) {
		sqlite3_finalize(st);
		st = NULL;
	}
	return db_rows(db, st, db_state_row, &c, err);
}

struct db_line_ctx {
	db_line_fn fn;
	void *ctx;
};

static int db_line_row(sqlite3_stmt *st, void *ctx, struct reportd_err *err)
{
	const struct db_line_ctx *c = ctx;
	const unsigned char *line = sqlite3_column_text(st, 0);

	return line ? c->fn(c->ctx, (const char *)line, err) : reportd_fail(err, "db: corrupt log row");
}

int db_each_line(sqlite3 *db, const char *node, long tail, db_line_fn fn, void *ctx, struct reportd_err *err)
{
	struct db_line_ctx c = {fn, ctx};
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db,
			       "SELECT line FROM (SELECT id, line FROM logline WHERE node = ?1"
			       " ORDER BY id DESC LIMIT ?2) ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, tail > 0 ? tail : -1) != SQLITE_OK) {
		sqlite3_finalize(st);
		st = NULL;
	}
	return db_rows(db, st, db_line_row, &c, err);
}
