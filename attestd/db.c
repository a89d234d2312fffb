/* db.c: every SQL statement attestd runs, each prepared with bound
 * parameters; callers never see SQL.  Times are Unix seconds (UTC). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "db.h"

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

/* Runs one statement with no parameters and no rows (pragmas, BEGIN...). */
static int db_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int db_user_version(sqlite3 *db, int *v)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		*v = sqlite3_column_int(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Version 0 is a new file.  A newer version is refused: an older attestd
 * must not write rows whose meaning it does not know. */
static int db_migrate(sqlite3 *db, struct attest_err *err)
{
	int v = 0;

	if (db_begin(db) || db_user_version(db, &v)) {
		db_rollback(db);
		return attest_fail(err, "db: unable to read the schema version: %s", sqlite3_errmsg(db));
	}
	if (v > DB_SCHEMA_VERSION) {
		db_rollback(db);
		return attest_fail(err, "db: schema version %d is newer than this attestd's %d", v,
				   DB_SCHEMA_VERSION);
	}
	/* PRAGMA takes no bound parameters; the version is our constant. */
	if (v == 0 && (db_exec(db, schema_v1) || db_exec(db, "PRAGMA user_version = 1"))) {
		db_rollback(db);
		return attest_fail(err, "db: unable to create the schema: %s", sqlite3_errmsg(db));
	}
	if (db_commit(db))
		return attest_fail(err, "db: unable to commit the schema: %s", sqlite3_errmsg(db));
	return 0;
}

int db_open(const char *path, int create, sqlite3 **out, struct attest_err *err)
{
	sqlite3 *db = NULL;
	int fd, flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX;

	*out = NULL;
	if (create) {
		/* sqlite would create it with the umask's mode; the secrets'
		 * hashes and EK certificates are the operator's alone.  Its
		 * -wal and -shm files take this file's mode. */
		fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return attest_fail(err, "db: unable to open %s: %s", path, strerror(errno));
		close(fd);
	}
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		attest_fail(err, "db: unable to open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(db, 1);
	if (sqlite3_busy_timeout(db, 5000) != SQLITE_OK || db_exec(db, "PRAGMA journal_mode = WAL") ||
	    db_exec(db, "PRAGMA foreign_keys = ON") || db_exec(db, "PRAGMA synchronous = FULL")) {
		attest_fail(err, "db: unable to configure %s: %s", path, sqlite3_errmsg(db));
		goto fail;
	}
	if (db_migrate(db, err))
		goto fail;
	*out = db;
	return 0;
fail:
	sqlite3_close(db);
	return -1;
}

void db_close(sqlite3 *db)
{
	sqlite3_close(db);
}

int db_begin(sqlite3 *db)
{
	return db_exec(db, "BEGIN IMMEDIATE");
}

int db_commit(sqlite3 *db)
{
	return db_exec(db, "COMMIT");
}

void db_rollback(sqlite3 *db)
{
	(void)db_exec(db, "ROLLBACK");
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

	if (db_begin(db))
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
	if (db_commit(db)) {
		attest_fail(err, "db: unable to commit: %s", sqlite3_errmsg(db));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	if (rc)
		db_rollback(db);
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

int db_status(sqlite3 *db, FILE *out, struct attest_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	if (sqlite3_prepare_v2(db, "SELECT id, state, created, activated, ak_name, wrong FROM node ORDER BY id", -1,
			       &st, NULL) != SQLITE_OK) {
		attest_fail(err, "db: unable to list: %s", sqlite3_errmsg(db));
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *ak = (const char *)sqlite3_column_text(st, 4);
		enum db_state s;
		char created[32], activated[32];

		if (!id || !ak || strlen(ak) != 2 * ATTESTD_NAME_BYTES ||
		    db_state_parse(sqlite3_column_text(st, 1), &s)) {
			attest_fail(err, "db: corrupt row");
			goto out;
		}
		db_time(st, 2, created);
		db_time(st, 3, activated);
		/* The name's first digest bytes after the algorithm (000b). */
		fprintf(out, "%s %s created=%s activated=%s ak=%.12s... wrong=%d\n", id, db_state_name(s), created,
			activated, ak, sqlite3_column_int(st, 5));
	}
	if (step != SQLITE_DONE) {
		attest_fail(err, "db: unable to list: %s", sqlite3_errmsg(db));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}
