/* db.h: the enrollment database (SQLite).  One row per node id; a row is
 * pending (enrolled, credential not yet answered) or active (the AK is
 * trusted for the node).  Wrong secrets are counted, for the operator, and
 * never end an enrollment: a 256-bit secret is not guessed, and a limit
 * would let anyone who knows a node id (it is public) spoil that node's
 * enrollment, one request changing another node's record. */
#ifndef ATTESTD_DB_H
#define ATTESTD_DB_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <sqlite3.h>

#include "attestd.h"

#define DB_SCHEMA_VERSION 1
enum db_state { DB_PENDING, DB_ACTIVE };

struct db_node {
	enum db_state state;
	uint8_t secret_sha256[32];
	int wrong;
};

/* Opens (creating if create: the file 0600, never through a symlink) and
 * brings the schema to DB_SCHEMA_VERSION; WAL mode and a busy timeout, so
 * enroll-add and serve can share it. */
int db_open(const char *path, int create, sqlite3 **out, struct attest_err *err);
void db_close(sqlite3 *db);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int db_begin(sqlite3 *db);
int db_commit(sqlite3 *db);
void db_rollback(sqlite3 *db);

/* 1 and the row in *n if node exists, 0 if not, -1 on error. */
int db_node_get(sqlite3 *db, const char *node, struct db_node *n);
/* Records the count of wrong secrets of a pending enrollment (status
 * shows it); the enrollment stays pending. */
int db_node_wrong(sqlite3 *db, const char *node, int wrong);
/* pending -> active at now; the secret's hash is forgotten. */
int db_node_activate(sqlite3 *db, const char *node, time_t now);

/* Records a pending enrollment (within its own transaction).  Returns 0,
 * -1 on error, or 1 if the node is active and replace is 0. */
int db_enroll_add(sqlite3 *db, const char *node, const uint8_t *ak_pub, size_t ak_len, const char *ak_name,
		  const uint8_t *ek_cert, size_t ek_len, const uint8_t secret_sha256[32], int replace, time_t now,
		  struct attest_err *err);

/* One line per node: ID STATE created=... activated=... ak=... */
int db_status(sqlite3 *db, FILE *out, struct attest_err *err);

#endif
