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
#include "lethe_state.h"
#include "lethe_telemetry.h"

#define STATUS_WORD_MAX 16 /* stage, states, allocator, last_exit */

/* image.rollout's bounds (docs/config-schema.md): 1 ... 2^31-1; the
 * status file's rollout_wanted 0 (none) and rollout_done -1 (unknown). */
#define STATUS_ROLLOUT_MAX 2147483647LL

/* The words of include/lethe_state.h, as the status file's sets. */
#define STATUS_ROLLOUT_STATES                                                                          \
	LETHE_ROLLOUT_NONE "|" LETHE_ROLLOUT_CURRENT "|" LETHE_ROLLOUT_WAITING "|" LETHE_ROLLOUT_REFUSED \
	"|" LETHE_ROLLOUT_DRAINING "|" LETHE_ROLLOUT_REBOOTING
#define STATUS_TORSTATE_RESULTS \
	"pending|" LETHE_STATE_R_RESTORED "|" LETHE_STATE_R_NONE "|" LETHE_STATE_R_REFUSED "|" LETHE_STATE_R_FAILED

/* The LETHE-MARK names, in pipeline order (mark.NAME). */
enum status_mark {
	STATUS_MARK_NETWORK, STATUS_MARK_CLOCK, STATUS_MARK_CONFIG, STATUS_MARK_KEYS, STATUS_MARK_STATE,
	STATUS_MARK_TOR_EXEC, STATUS_MARK_TOR_READY, STATUS_MARK_READY, STATUS_MARKS
};
extern const char *const status_mark_names[STATUS_MARKS];

/* The pipeline steps before tor (stage), in order. */
#define STATUS_STEPS 5
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
	/* initd's rollout verdict after the newest pull (lethe_state.h) */
	long long rollout_wanted;                   /* the document's image.rollout, 0 none */
	long long rollout_done;                     /* the highest rolled out for, -1 unknown */
	char rollout_state[STATUS_WORD_MAX + 1];    /* a LETHE_ROLLOUT_* word */
	char rollout_reason[LETHE_STATUS_VALUE_MAX + 1];
	/* the sealed tor state: restore's result, the newest save */
	char torstate[STATUS_WORD_MAX + 1];         /* pending, or a LETHE_STATE_R_* word */
	char torstate_reason[LETHE_STATUS_VALUE_MAX + 1];
	long long torstate_saved;                   /* Unix seconds, 0 none */
	long long torstate_counter;                 /* the NV counter of that save, 0 none */
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
