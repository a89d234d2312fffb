/* The status file (LETHE_STATUS, docs/observability.md "/run/lethe/status"):
 * initd's state for lethe-telemetry as "KEY=VALUE" lines, written whole to
 * PATH.tmp and renamed over PATH.  status_flush renders it from the loop,
 * the pipeline and what the setters below recorded, once per loop round
 * (LOOP_HOOK_IDLE), and writes it only when something changed since the
 * last write (every state change, coalesced over a round): a pipeline
 * step started, done or failed, the unseal result, an instance started,
 * exited or restarted, its allocator checked, a memory-pressure event, a
 * warning or fatal line. */
#ifndef INITD_STATUS_H
#define INITD_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"

struct loop;
struct pipeline;

/* Records from now on; path NULL: no file is ever written. */
void status_open(char const *path);

/* What status_flush renders: the loop and its pipeline (NULL: lethe.rescue,
 * no pipeline); authorized: tpmseal runs in authorized mode. */
void status_attach(struct loop const *l, struct pipeline const *p, int authorized);

/* The log listeners (log_set_hooks): a warning or fatal line is the
 * newest error; the LETHE-MARKs of the status table are kept. */
void status_line(enum log_level level, char const *text, size_t len);
void status_mark(char const *name, uint64_t ms);

/* What ended: a boot step (its failure is stage_error until it is done),
 * configpull's step and the re-pull (pull_exit, pull_ms), tpmseal's step
 * (unseal: 0 ok, 1 refused, else failed; unseal_ms). */
enum status_run { STATUS_RUN_STEP, STATUS_RUN_PULL, STATUS_RUN_UNSEAL, STATUS_RUN_REPULL };

/* A run of name ended with wait status st after ms milliseconds; for a
 * step, st 0 means done. */
void status_ran(enum status_run what, char const *name, int st, uint64_t ms);

/* The sealed tor state (torstate.h): restore's result word
 * (LETHE_STATE_R_*, "pending" before it), its reason, the newest save's
 * time and counter (0: none).  Strings are copied. */
void status_torstate(char const *result, char const *reason, uint64_t saved, uint64_t counter);

/* The rollout (rollout.h): the document's image.rollout (0 none), the
 * highest rollout rebooted for (-1 unknown), its LETHE_ROLLOUT_* word and
 * the reason.  Strings are copied. */
void status_rollout(uint32_t wanted, int64_t done, char const *state, char const *reason);

/* Writes the file if anything changed since the last write.  A failed
 * write is logged once until one succeeds. */
void status_flush(void);

#endif
