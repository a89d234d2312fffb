/* srv_db.h: the SQLite file of a config-server daemon (attestd, reportd):
 * how it is opened and configured, its transactions, and its schema's
 * migration by PRAGMA user_version.  The statements that read and write
 * rows stay in each program's db.c, next to its schema. */
#ifndef FLEETSRV_SRV_DB_H
#define FLEETSRV_SRV_DB_H

#include <stddef.h>

#include <sqlite3.h>

/* A program's schema: step[i] brings version i to version i + 1, so the
 * newest version is nsteps. */
struct srv_db_schema {
	const char *prog;          /* "attestd": "newer than this attestd's" */
	const char *pragmas;       /* the program's own, after WAL mode */
	const char *const *steps;
	int nsteps;
};

/* Opens path (creating it if create: the file 0600, never through a
 * symlink) with a busy timeout and in WAL mode, so that serve and the
 * operator's commands can share it, runs s->pragmas and brings the schema
 * to its newest version; a newer version is refused.  0 and *out, or -1
 * with the reason ("db: ...") in msg (size bytes; msg may be NULL). */
int srv_db_open(const char *path, int create, const struct srv_db_schema *s, sqlite3 **out, char *msg,
		size_t size);

/* Runs statements with no parameters and no rows (pragmas, BEGIN...):
 * 0 or -1. */
int srv_db_exec(sqlite3 *db, const char *sql);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int srv_db_begin(sqlite3 *db);
int srv_db_commit(sqlite3 *db);
void srv_db_rollback(sqlite3 *db);

#endif
