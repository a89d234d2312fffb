/* srv_db.c: opening, configuring and migrating a daemon's SQLite file,
 * and its transactions (srv_db.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "srv_db.h"

/* Formats the reason into msg (if any) and returns -1. */
__attribute__((format(printf, 3, 4))) static int srv_db_fail(char *msg, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (msg && size) {
		va_start(ap, fmt);
		vsnprintf(msg, size, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int srv_db_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

int srv_db_begin(sqlite3 *db)
{
	return srv_db_exec(db, "BEGIN IMMEDIATE");
}

int srv_db_commit(sqlite3 *db)
{
	return srv_db_exec(db, "COMMIT");
}

void srv_db_rollback(sqlite3 *db)
{
	(void)srv_db_exec(db, "ROLLBACK");
}

static int srv_db_user_version(sqlite3 *db, int *v)
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

/* Version 0 is a new file.  A newer version is refused: an older program
 * must not write rows whose meaning it does not know. */
static int srv_db_migrate(sqlite3 *db, const struct srv_db_schema *s, char *msg, size_t size)
{
	char setv[48];
	int v = 0, i;

	if (srv_db_begin(db) || srv_db_user_version(db, &v)) {
		srv_db_rollback(db);
		return srv_db_fail(msg, size, "db: unable to read the schema version: %s", sqlite3_errmsg(db));
	}
	if (v > s->nsteps) {
		srv_db_rollback(db);
		return srv_db_fail(msg, size, "db: schema version %d is newer than this %s's %d", v, s->prog,
				   s->nsteps);
	}
	/* Each version's step in turn, all in this one transaction: a file is
	 * at one version or the next, never between.  PRAGMA takes no bound
	 * parameters; the version is the program's constant. */
	snprintf(setv, sizeof setv, "PRAGMA user_version = %d", s->nsteps);
	for (i = v; i < s->nsteps; i++)
		if (srv_db_exec(db, s->steps[i]))
			break;
	if (i < s->nsteps || (v < s->nsteps && srv_db_exec(db, setv))) {
		srv_db_rollback(db);
		return srv_db_fail(msg, size, "db: unable to bring the schema from version %d to %d: %s", v,
				   s->nsteps, sqlite3_errmsg(db));
	}
	if (srv_db_commit(db))
		return srv_db_fail(msg, size, "db: unable to commit the schema: %s", sqlite3_errmsg(db));
	return 0;
}

int srv_db_open(const char *path, int create, const struct srv_db_schema *s, sqlite3 **out, char *msg,
		size_t size)
{
	sqlite3 *db = NULL;
	int fd, flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX;

	*out = NULL;
	if (create) {
		/* sqlite would create it with the umask's mode; what the
		 * daemons keep (secrets' hashes, EK certificates, what nodes
		 * report) is the operator's alone.  Its -wal and -shm files
		 * take this file's mode. */
		fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return srv_db_fail(msg, size, "db: unable to open %s: %s", path, strerror(errno));
		close(fd);
	}
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		srv_db_fail(msg, size, "db: unable to open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(db, 1);
	if (sqlite3_busy_timeout(db, 5000) != SQLITE_OK || srv_db_exec(db, "PRAGMA journal_mode = WAL") ||
	    srv_db_exec(db, s->pragmas)) {
		srv_db_fail(msg, size, "db: unable to configure %s: %s", path, sqlite3_errmsg(db));
		goto fail;
	}
	if (srv_db_migrate(db, s, msg, size))
		goto fail;
	*out = db;
	return 0;
fail:
	sqlite3_close(db);
	return -1;
}
