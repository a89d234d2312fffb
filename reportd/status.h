/* status.h: what reportd prints for the operator and scripts/fleet. */
#ifndef REPORTD_STATUS_H
#define REPORTD_STATUS_H

#include <stdio.h>

#include <sqlite3.h>

#include "reportd.h"

/* One line per node that reported, by node id, from its newest report:
 *
 *   NODE image=V up=U/T restarts=R report=UNIX_SECONDS stage=S unseal=R mismatch=0|1 error="..."
 *
 * V the running image, U of T tor instances up, R the sum of their
 * restarts, report= when reportd received the report (its clock, not the
 * node's), S the boot stage, unseal= the unseal result ("-": not
 * reported), mismatch=1 when the node runs another image than its
 * document's hint, error= the current step's failure, else initd's
 * newest warning or fatal line, else empty ('"' and '\' escaped with
 * '\').  Every word is one token without spaces; error= comes last. */
int status_print(sqlite3 *db, FILE *out, struct reportd_err *err);

/* node's newest report, or with history every one kept, newest first: one
 * compact JSON object per line.  *found says how many. */
int status_report(sqlite3 *db, const char *node, int history, FILE *out, long *found, struct reportd_err *err);

/* node's log lines as it sent them, oldest first: all, or the newest tail
 * if tail > 0. */
int status_logs(sqlite3 *db, const char *node, long tail, FILE *out, struct reportd_err *err);

#endif
