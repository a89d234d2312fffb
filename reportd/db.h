/* db.h: what reportd keeps (SQLite), per node id, and nothing else:
 *
 * - report: the node's newest report and the LETHE_REPORT_HISTORY before
 *   it, each as report_check's compact JSON with the time reportd
 *   received it, its boot_id and seq;
 * - logline: the newest LETHE_LOG_LINES_KEPT log lines, in the order the
 *   node sent them (the oldest go first);
 * - state: the node's newest sealed tor state blob (torstate.h), as bytes,
 *   with the counter and rollout of its plaintext header and the time
 *   reportd received it; a PUT replaces it.
 *
 * "Newest" is the order of receipt.  A report of the newest one's boot
 * whose seq is not greater than its seq (a retry of one reportd has, or
 * one overtaken by a newer) is acknowledged and not kept: the agent stops
 * sending it, and the newest stays the newest.  A report of another boot
 * is kept and becomes the newest (the agent's queue does not survive a
 * reboot, so an older boot's report cannot follow a newer one's).
 *
 * Every statement is keyed by the node id nginx verified (LETHE_NODE):
 * one node's request never reads or changes another node's rows. */
#ifndef REPORTD_DB_H
#define REPORTD_DB_H

#include <stddef.h>
#include <time.h>

#include <sqlite3.h>

#include "report.h"
#include "torstate.h"

#define DB_SCHEMA_VERSION 1

/* Opens (creating if create: the file 0600, never through a symlink) and
 * brings the schema to DB_SCHEMA_VERSION (a newer one is refused); WAL
 * mode and a busy timeout, so that serve and the operator's commands can
 * share the file (fleetsrv's srv_db_open). */
int db_open(const char *path, int create, sqlite3 **out, struct reportd_err *err);
void db_close(sqlite3 *db);

/* Keeps the checked report (meta, compact JSON) received at now as the
 * node's newest and drops all but the LETHE_REPORT_HISTORY older ones.
 * 0 with *kept 1, or with *kept 0 and *newest_seq the seq it did not
 * overtake (see above); -1 with the reason.  One transaction. */
int db_report_add(sqlite3 *db, const struct report_meta *meta, const char *json, time_t now, int *kept,
		  long long *newest_seq, struct reportd_err *err);

/* Appends the lines of a batch logs_check accepted (body, len: lines
 * ending in '\n') and drops all but the node's newest
 * LETHE_LOG_LINES_KEPT.  One transaction: all or nothing. */
int db_logs_add(sqlite3 *db, const char *node, const char *body, size_t len, time_t now,
		struct reportd_err *err);

/* Deletes everything kept of node (a retired node); *reports and *lines
 * say how much, and *states (db_forget_all) whether a state blob went.
 * One transaction. */
int db_forget(sqlite3 *db, const char *node, long long *reports, long long *lines, struct reportd_err *err);
int db_forget_all(sqlite3 *db, const char *node, long long *reports, long long *lines, long long *states,
		  struct reportd_err *err);

/* Keeps the LEN bytes at BLOB (tortorstate_check accepted them, META) as
 * node's state, replacing the one before.  0 or -1 with the reason. */
int db_state_put(sqlite3 *db, const char *node, const void *blob, size_t len, const struct state_meta *meta,
		 time_t now, struct reportd_err *err);

/* node's state blob into BUF (CAP bytes): 1 and *LEN, 0 when none is
 * kept, -1 with the reason (a database error, a row larger than CAP). */
int db_state_get(sqlite3 *db, const char *node, void *buf, size_t cap, size_t *len, struct reportd_err *err);

/* The readers call fn for each row until it returns non-zero (that value
 * is returned, with the reason fn wrote to err); 0 after the last row, -1
 * with the reason on a database error or a corrupt row. */

/* Each node's newest report, by node id: node, received (Unix seconds),
 * the JSON. */
typedef int (*db_report_fn)(void *ctx, const char *node, long long received, const char *json,
			    struct reportd_err *err);
int db_each_newest(sqlite3 *db, db_report_fn fn, void *ctx, struct reportd_err *err);
/* node's newest report (history 0), or all it keeps, newest first. */
int db_each_report(sqlite3 *db, const char *node, int history, db_report_fn fn, void *ctx,
		   struct reportd_err *err);

/* Each node's state (node NULL) or node's, by node id: its size, its
 * header as the blob kept says it (what GET serves, whatever the row's
 * columns say; NULL if the bytes kept are no blob), when it was received;
 * never the blob. */
typedef int (*db_state_fn)(void *ctx, const char *node, long long bytes, const struct state_meta *meta,
			   long long received, struct reportd_err *err);
int db_each_state(sqlite3 *db, const char *node, db_state_fn fn, void *ctx, struct reportd_err *err);

/* node's log lines (without their newline), oldest first: all, or the
 * newest tail if tail > 0. */
typedef int (*db_line_fn)(void *ctx, const char *line, struct reportd_err *err);
int db_each_line(sqlite3 *db, const char *node, long tail, db_line_fn fn, void *ctx, struct reportd_err *err);

#endif
