/* tor's state file across reboots, sealed (docs/torstate.md; the contract
 * is lethe_state.h): initd runs `lethe-state restore` as the boot step
 * after tpmseal and before tor, `lethe-state save` every
 * LETHE_STATE_SAVE_INTERVAL_S while tor runs, and once more at shutdown
 * after every tor instance has ended (tor writes its state when it exits).
 * Nothing here ever stops tor from starting: a state that is missing,
 * refused or unreachable is reported, and tor starts without it. */
#ifndef INITD_TORSTATE_H
#define INITD_TORSTATE_H

#include <stdint.h>

#include "lethe_state.h"
#include "loop.h"

/* The restore step: exits that mean done besides 0 (the verdicts), and
 * how many failed runs (server, TPM) before tor starts without it. */
#define TORSTATE_OK_EXITS ((1u << STATE_EXIT_REFUSED) | (1u << STATE_EXIT_NONE))
#define TORSTATE_RESTORE_TRIES 3
/* A save at shutdown: what it may take before initd reboots without it. */
#define TORSTATE_SHUTDOWN_SAVE_MS 60000

/* The restore step is done (or given up): its result file to the status
 * file and the console.  st: its last wait status. */
void torstate_restored(int st);

/* The periodic save, argv static ("lethe-state save URL"): every
 * interval_s seconds from now (LETHE_STATE_SAVE_INTERVAL_S on a relay:
 * one NV write an hour; TORSTATE_TESTNET_INTERVAL_S under lethe.testnet,
 * whose private networks run fast, as their authorities vote every few
 * seconds).  Returns its loop index or SIZE_MAX. */
#define TORSTATE_TESTNET_INTERVAL_S 60
size_t torstate_saver_add(struct loop *l, char *const argv[], uint32_t interval_s);

/* A save ended with wait status st: the newest save to the status file. */
void torstate_saved(int st);

/* At shutdown, outside the loop: runs argv with the console as its output
 * and waits for it at most TORSTATE_SHUTDOWN_SAVE_MS (a pidfd in poll: the
 * signals stay queued for PID 1's own shutdown); kills it then. */
void torstate_save_now(char *const argv[]);

/* The highest rollout this node rebooted for (LETHE_STATE_ROLLOUT): 0 or
 * more, or -1 when unknown (the file is absent or malformed). */
int64_t torstate_rollout_read(void);

/* Records rollout r there (0600, temp and rename).  0 or a negative errno. */
int torstate_rollout_write(uint32_t r);

#endif
