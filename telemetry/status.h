/* initd's status file (include/lethe_telemetry.h, docs/observability.md):
 * "KEY=VALUE\n" lines, read whole and checked strictly.  initd writes it
 * whole and renames it into place, so a malformed file is a bug on one
 * side: it is refused whole (the agent keeps the previous one) rather than
 * read in part.  Unknown keys are ignored; a missing key reads as its
 * default. */
#ifndef TELEMETRY_STATUS_H
#define TELEMETRY_STATUS_H

#include <stddef.h>

#include "lethe_paths.h"
#include "lethe_telemetry.h"

#define STATUS_WORD_MAX 16 /* stage, states, allocator, last_exit */

/* The LETHE-MARK names, in pipeline order (mark.NAME). */
enum status_mark {
	STATUS_MARK_NETWORK, STATUS_MARK_CLOCK, STATUS_MARK_CONFIG, STATUS_MARK_KEYS,
	STATUS_MARK_TOR_EXEC, STATUS_MARK_TOR_READY, STATUS_MARK_READY, STATUS_MARKS
};
extern const char *const status_mark_names[STATUS_MARKS];

/* The pipeline steps before tor (stage), in order. */
#define STATUS_STEPS 4
extern const char *const status_step_names[STATUS_STEPS];

struct status_inst {
	char name[LETHE_INSTANCE_NAME_MAX + 1];     /* [a-z0-9], 1-16 */
	char state[STATUS_WORD_MAX + 1];            /* up backoff stopping stopped down */
	long long pid;                              /* 0: not up */
	long long restarts;
	char last_exit[STATUS_WORD_MAX + 1];        /* "-", "exit N", "signal N" */
	int crashloop;
	char allocator[STATUS_WORD_MAX + 1];        /* glibc mimalloc jemalloc */
	char allocator_mapped[STATUS_WORD_MAX + 1]; /* yes no unknown */
};

struct status {
	long long seq;
	char stage[STATUS_WORD_MAX + 1];
	char stage_error[LETHE_STATUS_VALUE_MAX + 1];
	char last_error[LETHE_STATUS_VALUE_MAX + 1];
	long long last_error_ms;
	char unseal[STATUS_WORD_MAX + 1];
	char unseal_mode[STATUS_WORD_MAX + 1];
	long long pull_exit, pull_ms, unseal_ms;
	long long marks[STATUS_MARKS];              /* ms since boot, -1: not reached */
	long long pressure_events;
	size_t instances;
	struct status_inst inst[LETHE_INSTANCES_MAX];
};

/* Parses BUF (LEN bytes, not NUL-terminated) into ST.  0, or -1 with ST
 * holding the defaults and WHY (WHYLEN bytes) saying which line and why:
 * more than LETHE_STATUS_MAX bytes, a byte outside printable ASCII, a line
 * without '=' or newline, a value over LETHE_STATUS_VALUE_MAX, a known key
 * twice or with a value outside its domain, an instance key past
 * `instances`, an instance without a name, two instances of one name. */
int status_parse(const char *buf, size_t len, struct status *st, char *why, size_t whylen);

/* ST := every key's default (no status file read yet). */
void status_defaults(struct status *st);

/* The index of stage S in status_step_names (STATUS_STEPS for "tor"), -1
 * for "rescue" (no order). */
int status_stage_index(const char *s);

#endif
