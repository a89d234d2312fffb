/* db.c: every SQL statement attestd runs, each prepared with bound
 * parameters; callers never see SQL.  Times are Unix seconds (UTC). */
#include <string.h>

#include "db.h"
#include "srv_db.h"

static const char schema_v1[] =
	"CREATE TABLE node ("
	" id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 64),"
	" state TEXT NOT NULL CHECK (state IN ('pending', 'active', 'refused')),"
	" ak_public BLOB NOT NULL,"
	" ak_name TEXT NOT NULL,"
	" ek_cert BLOB NOT NULL,"
	" secret_sha256 BLOB,"
	" wrong INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL,"
	" activated INTEGER"
	");";

/* Version 2: the attestation on every pull (db.h).  ALTER TABLE keeps
 * every row of version 1; a node starts with no nonce, no token and no
 * quote.  The history has no foreign key: enroll-add --replace rewrites
 * the node's row, and its history outlives that. */
static const char schema_v2[] =
	"ALTER TABLE node ADD COLUMN nonce BLOB;"
	"ALTER TABLE node ADD COLUMN nonce_expires INTEGER;"
	"ALTER TABLE node ADD COLUMN token_sha256 BLOB;"
	"ALTER TABLE node ADD COLUMN token_expires INTEGER;"
	"ALTER TABLE node ADD COLUMN quoted INTEGER;"
	"ALTER TABLE node ADD COLUMN result TEXT CHECK (result IN ('pass', 'fail'));"
	"ALTER TABLE node ADD COLUMN reason TEXT;"
	"ALTER TABLE node ADD COLUMN version TEXT;"
	"ALTER TABLE node ADD COLUMN path TEXT;"
	"ALTER TABLE node ADD COLUMN passes INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE node ADD COLUMN fails INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE history ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" node TEXT NOT NULL CHECK (length(node) = 64),"
	" at INTEGER NOT NULL,"
	" result TEXT NOT NULL CHECK (result IN ('pass', 'fail')),"
	" reason TEXT,"
	" version TEXT,"
	" path TEXT"
	");"
	"CREATE INDEX history_node ON history (node, seq);";

/* The steps from a new file (version 0) to DB_SCHEMA_VERSION. */
static const char *const db_schema_steps[] = {schema_v1, schema_v2};

static const struct srv_db_schema db_schema = {
	"attestd",
	"PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL",
	db_schema_steps,
	DB_SCHEMA_VERSION,
};

_Static_assert(sizeof db_schema_steps / sizeof db_schema_steps[0] == DB_SCHEMA_VERSION,
	       "one schema step per version");

int db_open(const char *path, int create, sqlite3 **out, struct attest_err *err)
{
	return srv_db_open(path, create, &db_schema, out, err ? err->msg : NULL, err ? sizeof err->msg : 0);
}

void db_close(sqlite3 *db)
{
	sqlite3_close(db);
}

static const char *db_state_name(enum db_state s)
{
	return s == DB_ACTIVE ? "active" : "pending";
}

static int db_state_parse(const unsigned char *s, enum db_state *out)
{
	if (!s)
		return -1;
	if (!strcmp((const char *)s, "pending"))
		*out = DB_PENDING;
	else if (!strcmp((const char *)s, "active"))
		*out = DB_ACTIVE;
	else
		return -1;
	return 0;
}

int db_node_get(sqlite3 *db, const char *node, struct db_node *n)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	memset(n, 0, sizeof *n);
	if (sqlite3_prepare_v2(db, "SELECT state, secret_sha256, wrong FROM node WHERE id = ?1", -1, &st, NULL) !=
		    SQLITE_OK ||
	    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		rc = 0;
		goto out;
	}
	if (step != SQLITE_ROW || db_state_parse(sqlite3_column_text(st, 0), &n->state))
		goto out;
	/* A pending row without a 32-byte hash is corrupt: no secret matches. */
	if (sqlite3_column_type(st, 1) == SQLITE_BLOB && sqlite3_column_bytes(st, 1) == 32)
		memcpy(n->secret_sha256, sqlite3_column_blob(st, 1), 32);
	else if (n->state == DB_PENDING)
		goto out;
	n->wrong = sqlite3_column_int(st, 2);
	rc = 1;
out:
	sqlite3_finalize(st);
	return rc;
}

/* Runs st (parameters bound) expecting exactly one changed row. */
static int db_step_one(sqlite3 *db, sqlite3_stmt *st)
{
	return sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db) == 1 ? 0 : -1;
}

int db_node_wrong(sqlite3 *db, const char *node, int wrong)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "UPDATE node SET wrong = ?2 WHERE id = ?1 AND state = 'pending'", -1, &st,
			       NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int(st, 2, wrong) == SQLITE_OK)
		rc = db_step_one(db, st);
	sqlite3_finalize(st);
	return rc;
}

int db_node_activate(sqlite3 *db, const char *node, time_t now)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db,
			       "UPDATE node SET state = 'active', activated = ?2, secret_sha256 = NULL, wrong = 0"
			       " WHERE id = ?1 AND state = 'pending'",
			       -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 2, (sqlite3_int64)now) == SQLITE_OK)
		rc = db_step_one(db, st);
	sqlite3_finalize(st);
	return rc;
}

int db_enroll_add(sqlite3 *db, const char *node, const uint8_t *ak_pub, size_t ak_len, const char *ak_name,
		  const uint8_t *ek_cert, size_t ek_len, const uint8_t secret_sha256[32], int replace, time_t now,
		  struct attest_err *err)
{
	struct db_node old;
	sqlite3_stmt *st = NULL;
	int rc = -1, found;

	if (srv_db_begin(db))
		return attest_fail(err, "db: unable to begin: %s", sqlite3_errmsg(db));
	found = db_node_get(db, node, &old);
	if (found < 0) {
		attest_fail(err, "db: unable to read node %s", node);
		goto out;
	}
	if (found && old.state == DB_ACTIVE && !replace) {
		attest_fail(err, "node %s is active: re-enrolling it needs --replace (after a TPM change)", node);
		rc = 1;
		goto out;
	}
	if (sqlite3_prepare_v2(db,
			       "INSERT OR REPLACE INTO node (id, state, ak_public, ak_name, ek_cert, secret_sha256,"
			       " wrong, created, activated) VALUES (?1, 'pending', ?2, ?3, ?4, ?5, 0, ?6, NULL)",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 2, ak_pub, (int)ak_len, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, ak_name, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 4, ek_cert, (int)ek_len, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 5, secret_sha256, 32, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 6, (sqlite3_int64)now) != SQLITE_OK || db_step_one(db, st)) {
		attest_fail(err, "db: unable to record node %s: %s", node, sqlite3_errmsg(db));
		goto out;
	}
	if (srv_db_commit(db)) {
		attest_fail(err, "db: unable to commit: %s", sqlite3_errmsg(db));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	if (rc)
		srv_db_rollback(db);
	return rc;
}

static void db_time(sqlite3_stmt *st, int col, char out[32])
{
	time_t t;
	struct tm tm;

	if (sqlite3_column_type(st, col) == SQLITE_NULL) {
		strcpy(out, "-");
		return;
	}
	t = (time_t)sqlite3_column_int64(st, col);
	if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		strcpy(out, "?");
}

/* A text column as a double-quoted string ('"' and '\\' escaped), or "-"
 * if NULL: reasons are free text, and status lines stay one per node. */
static void db_print_quoted(FILE *out, const unsigned char *s)
{
	if (!s) {
		fputc('-', out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

/* A one-word text column (version, path, result), or "-" if NULL. */
static const char *db_word(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return s ? (const char *)s : "-";
}

/* Prints every row of st (prepared, parameters bound) with line, then
 * finalizes st.  0, or -1 with the reason in err (WHAT names the query). */
static int db_print_rows(sqlite3 *db, sqlite3_stmt *st, int (*line)(sqlite3_stmt *, FILE *), FILE *out,
			 const char *what, struct attest_err *err)
{
	int step, rc = 0;

	if (!st)
		return attest_fail(err, "db: unable to %s: %s", what, sqlite3_errmsg(db));
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		if (line(st, out)) {
			rc = attest_fail(err, "db: corrupt row");
			break;
		}
	if (!rc && step != SQLITE_DONE)
		rc = attest_fail(err, "db: unable to %s: %s", what, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

/* ID STATE created=... activated=... ak=... wrong=N attested=... path=...
 * quote=... result=... reason=... */
static int db_status_line(sqlite3_stmt *st, FILE *out)
{
	const char *id = (const char *)sqlite3_column_text(st, 0);
	const char *ak = (const char *)sqlite3_column_text(st, 4);
	enum db_state s;
	char created[32], activated[32], quoted[32];

	if (!id || !ak || strlen(ak) != 2 * ATTESTD_NAME_BYTES || db_state_parse(sqlite3_column_text(st, 1), &s))
		return -1;
	db_time(st, 2, created);
	db_time(st, 3, activated);
	db_time(st, 8, quoted);
	/* The name's first digest bytes after the algorithm (000b). */
	fprintf(out, "%s %s created=%s activated=%s ak=%.12s... wrong=%d attested=%s path=%s quote=%s result=%s reason=",
		id, db_state_name(s), created, activated, ak, sqlite3_column_int(st, 5), db_word(st, 6), db_word(st, 7),
		quoted, db_word(st, 9));
	db_print_quoted(out, sqlite3_column_text(st, 10));
	fputc('\n', out);
	return 0;
}

int db_status(sqlite3 *db, FILE *out, struct attest_err *err)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db,
			       "SELECT id, state, created, activated, ak_name, wrong, version, path, quoted, result,"
			       " reason FROM node ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		st = NULL;
	}
	return db_print_rows(db, st, db_status_line, out, "list", err);
}

/* TIME pass|fail VERSION PATH "REASON" */
static int db_history_line(sqlite3_stmt *st, FILE *out)
{
	char at[32];

	db_time(st, 0, at);
	fprintf(out, "%s %s %s %s ", at, db_word(st, 1), db_word(st, 2), db_word(st, 3));
	db_print_quoted(out, sqlite3_column_text(st, 4));
	fputc('\n', out);
	return 0;
}

int db_history(sqlite3 *db, const char *node, FILE *out, struct attest_err *err)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db,
			       "SELECT at, result, version, path, reason FROM history WHERE node = ?1"
			       " ORDER BY seq DESC",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC) != SQLITE_OK) {
		sqlite3_finalize(st);
		st = NULL;
	}
	return db_print_rows(db, st, db_history_line, out, "read the history", err);
}

int db_attest_get(sqlite3 *db, const char *node, struct db_attest *a)
{
	sqlite3_stmt *st = NULL;
	enum db_state state;
	int rc = -1, step, n;

	memset(a, 0, sizeof *a);
	if (sqlite3_prepare_v2(db,
			       "SELECT state, ak_public, nonce, nonce_expires, token_sha256, token_expires"
			       " FROM node WHERE id = ?1",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		rc = 0;
		goto out;
	}
	if (step != SQLITE_ROW || db_state_parse(sqlite3_column_text(st, 0), &state))
		goto out;
	a->active = state == DB_ACTIVE;
	n = sqlite3_column_bytes(st, 1);
	if (sqlite3_column_type(st, 1) != SQLITE_BLOB || n <= 0 || (size_t)n > sizeof a->ak_public)
		goto out;
	memcpy(a->ak_public, sqlite3_column_blob(st, 1), (size_t)n);
	a->ak_len = (size_t)n;
	/* A nonce or token of another size is no nonce or token: nothing
	 * the node sends can equal it. */
	if (sqlite3_column_type(st, 2) == SQLITE_BLOB && sqlite3_column_bytes(st, 2) == (int)sizeof a->nonce &&
	    sqlite3_column_type(st, 3) == SQLITE_INTEGER) {
		memcpy(a->nonce, sqlite3_column_blob(st, 2), sizeof a->nonce);
		a->nonce_expires = (time_t)sqlite3_column_int64(st, 3);
		a->has_nonce = 1;
	}
	if (sqlite3_column_type(st, 4) == SQLITE_BLOB && sqlite3_column_bytes(st, 4) == 32 &&
	    sqlite3_column_type(st, 5) == SQLITE_INTEGER) {
		memcpy(a->token_sha256, sqlite3_column_blob(st, 4), 32);
		a->token_expires = (time_t)sqlite3_column_int64(st, 5);
		a->has_token = 1;
	}
	rc = 1;
out:
	sqlite3_finalize(st);
	return rc;
}

int db_nonce_set(sqlite3 *db, const char *node, const uint8_t *nonce, time_t expires)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db,
			       "UPDATE node SET nonce = ?2, nonce_expires = ?3 WHERE id = ?1 AND state = 'active'", -1,
			       &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_blob(st, 2, nonce, nonce ? LETHE_ATTEST_NONCE_BYTES : 0, SQLITE_STATIC) == SQLITE_OK &&
	    (nonce ? sqlite3_bind_int64(st, 3, (sqlite3_int64)expires) : sqlite3_bind_null(st, 3)) == SQLITE_OK)
		rc = db_step_one(db, st);
	sqlite3_finalize(st);
	return rc;
}

/* Runs sql with node as ?1 and q's fields as ?2..?6 (at, result, reason,
 * version, path).  row: sql is the UPDATE of the node's row, which also
 * takes the token as ?7 and ?8 and the pass as ?9, and must change exactly
 * that row. */
static int db_quote_step(sqlite3 *db, const char *sql, const char *node, const struct db_quote *q, int row)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, (sqlite3_int64)q->at) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, q->pass ? "pass" : "fail", -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 4, q->reason, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 5, q->version, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 6, q->path, -1, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	if (row && (sqlite3_bind_blob(st, 7, q->token_sha256, q->token_sha256 ? 32 : 0, SQLITE_STATIC) != SQLITE_OK ||
		    (q->token_sha256 ? sqlite3_bind_int64(st, 8, (sqlite3_int64)q->token_expires)
				     : sqlite3_bind_null(st, 8)) != SQLITE_OK ||
		    sqlite3_bind_int(st, 9, q->pass ? 1 : 0) != SQLITE_OK))
		goto out;
	if (row)
		rc = db_step_one(db, st);
	else
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
out:
	sqlite3_finalize(st);
	return rc;
}

int db_quote_record(sqlite3 *db, const char *node, const struct db_quote *q)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (db_quote_step(db,
			  "UPDATE node SET quoted = ?2, result = ?3, reason = ?4, version = ?5, path = ?6,"
			  " token_sha256 = ?7, token_expires = ?8, passes = passes + ?9, fails = fails + 1 - ?9"
			  " WHERE id = ?1 AND state = 'active'",
			  node, q, 1) ||
	    db_quote_step(db,
			  "INSERT INTO history (node, at, result, reason, version, path)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			  node, q, 0))
		return -1;
	if (sqlite3_prepare_v2(db,
			       "DELETE FROM history WHERE node = ?1 AND seq NOT IN"
			       " (SELECT seq FROM history WHERE node = ?1 ORDER BY seq DESC LIMIT ?2)",
			       -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int(st, 2, DB_HISTORY_MAX) == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}
