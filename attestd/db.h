/* db.h: the enrollment database (SQLite).  One row per node id; a row is
 * pending (enrolled, credential not yet answered) or active (the AK is
 * trusted for the node).  Wrong secrets are counted, for the operator, and
 * never end an enrollment: a 256-bit secret is not guessed, and a limit
 * would let anyone who knows a node id (it is public) spoil that node's
 * enrollment, one request changing another node's record.
 *
 * Version 2 adds the attestation on every pull to the node's row (its
 * outstanding nonce, the SHA-256 of its token, both with their expiry, its
 * last quote's time, result, reason and release, its pass and fail counts)
 * and a history of its last DB_HISTORY_MAX results.  Every statement of a
 * pull is keyed by the node id nginx verified (LETHE_NODE), so one node's
 * request never reads or changes another node's row. */
#ifndef ATTESTD_DB_H
#define ATTESTD_DB_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <sqlite3.h>
#include <tss2/tss2_tpm2_types.h>

#include "attestd.h"

#define DB_SCHEMA_VERSION 2
#define DB_HISTORY_MAX 32 /* results kept per node */
enum db_state { DB_PENDING, DB_ACTIVE };

struct db_node {
	enum db_state state;
	uint8_t secret_sha256[32];
	int wrong;
};

/* Opens (creating if create: the file 0600, never through a symlink) and
 * brings the schema to DB_SCHEMA_VERSION; WAL mode and a busy timeout, so
 * enroll-add and serve can share it (fleetsrv's srv_db_open).  Callers'
 * transactions are srv_db_begin/commit/rollback (srv_db.h). */
int db_open(const char *path, int create, sqlite3 **out, struct attest_err *err);
void db_close(sqlite3 *db);

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

/* A node's attestation state, read at the start of a pull request. */
struct db_attest {
	int active;                                /* 0: pending (no activated AK) */
	uint8_t ak_public[sizeof(TPM2B_PUBLIC)];   /* TPM2B_PUBLIC, as enroll-add checked it */
	size_t ak_len;
	int has_nonce;
	uint8_t nonce[LETHE_ATTEST_NONCE_BYTES];
	time_t nonce_expires;
	int has_token;
	uint8_t token_sha256[32];
	time_t token_expires;
};

/* 1 and node's state in *a if it is enrolled (a->active says whether its
 * AK is activated), 0 if not, -1 on error. */
int db_attest_get(sqlite3 *db, const char *node, struct db_attest *a);
/* The active node's outstanding nonce, replacing any other; nonce NULL
 * takes it away (a quote consumes it, whatever the verdict). */
int db_nonce_set(sqlite3 *db, const char *node, const uint8_t *nonce, time_t expires);

/* A quote's verdict. */
struct db_quote {
	time_t at;
	int pass;
	const char *reason;          /* refusal (NULL on a pass) */
	const char *version, *path;  /* matched release (NULL on a refusal) */
	const uint8_t *token_sha256; /* NULL: the node's token is deleted */
	time_t token_expires;
};
/* Records q on the active node's row (its token replaced or deleted, a
 * pass or fail counted) and in its history, dropping all but the newest
 * DB_HISTORY_MAX entries; one transaction is the caller's. */
int db_quote_record(sqlite3 *db, const char *node, const struct db_quote *q);

/* One line per node: ID STATE created=... activated=... ak=... wrong=N
 * attested=VERSION|- path=PATH|- quote=TIME|- result=pass|fail|-
 * reason="..."|- */
int db_status(sqlite3 *db, FILE *out, struct attest_err *err);
/* Node's history, newest first: TIME pass|fail VERSION|- PATH|- "reason"|- */
int db_history(sqlite3 *db, const char *node, FILE *out, struct attest_err *err);

#endif
