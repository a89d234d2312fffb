/* Staggered rollouts, the node's half (docs/rollouts.md): after every pull
 * initd compares the document's image.rollout/epoch/window (node.conf)
 * with the running image and the highest rollout this node rebooted for
 * (kept in the sealed tor state: torstate.h), and reboots, through the
 * ordinary shutdown (tor gets SIGINT and its ShutdownWaitLength, the state
 * is saved after tor ended), only when every one of these holds:
 *
 *   - the document names a rollout above the one last rebooted for, and
 *     that one is known (the state was restored, or never saved);
 *   - it wants a newer image: its epoch above this image's LETHE_EPOCH;
 *   - the node unseals in authorized mode (a node sealed to literal PCRs
 *     would lose its identities on any other image);
 *   - `tpmseal approved` finds an approval signed by the operator's key for
 *     that epoch and a logged release of that version with it (offline);
 *   - the clock is inside the document's window (UTC).
 *
 * The rollout's number is recorded before the shutdown, so the node never
 * reboots twice for one rollout, even when stboot hands it the old image
 * again.  Each verdict goes to the status file (rollout_state, _reason). */
#ifndef INITD_ROLLOUT_H
#define INITD_ROLLOUT_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "nodeconf.h"

/* The approval check runs again this often while a rollout waits for its
 * window (an approval the server took back stops it). */
#define ROLLOUT_RECHECK_MS 3600000u
/* Approved, in the window, tor not ready yet: look again this much later. */
#define ROLLOUT_READY_MS 10000u

enum rollout_verdict {
	ROLLOUT_NONE,      /* no rollout in the document */
	ROLLOUT_CURRENT,   /* done already, or this image is not older */
	ROLLOUT_UNKNOWN,   /* past rollouts unknown: adopt it as done, no reboot */
	ROLLOUT_LITERAL,   /* sealed to literal PCRs: refused */
	ROLLOUT_CHECK,     /* wanted: the approval check and the window decide */
};

/* What the verdict is made of (pure, unit-tested). */
struct rollout_in {
	uint32_t wanted;     /* the document's image.rollout, 0 none */
	uint64_t epoch;      /* its image.epoch */
	uint64_t own_epoch;  /* this image's LETHE_EPOCH */
	int64_t done;        /* the highest rollout rebooted for, -1 unknown */
	int authorized;      /* tpmseal runs in authorized mode */
};

enum rollout_verdict rollout_decide(struct rollout_in const *in);

/* The approval check's release: version and epoch it ran for. */
struct rollout_rel {
	uint32_t rollout;
	uint64_t epoch;
	char version[NODECONF_IMAGE_VERSION_MAX + 1];
};

struct rollout {
	int authorized;
	int tor_ready;               /* every tor instance said READY=1 (the pipeline sets it):
	                                a tor that has not set up its signals yet dies of
	                                SIGINT at once, without ShutdownWaitLength or its state */
	uint64_t own_epoch;          /* 0: /etc/lethe-release unreadable: never reboot */
	size_t svc;                  /* the approval check service, SIZE_MAX: not yet */
	int going;                   /* the rollout's shutdown has started */
	struct rollout_rel filled;   /* what its argv names now */
	struct rollout_rel spawned;  /* what its running (or last) run checks */
	struct rollout_rel approved; /* the newest release found approved (rollout 0: none) */
	struct rollout_rel refused;  /* the newest release found not approved */
	char epoch_arg[24];
	char *argv[16];
};

/* own_epoch from /etc/lethe-release (0: unknown). */
void rollout_init(struct rollout *r, int authorized, uint64_t own_epoch);

/* After a pull that left node.conf nc in place (and once tor started):
 * the verdict, the status, and the check or the reboot it leads to. */
void rollout_consider(struct rollout *r, struct loop *l, struct nodeconf const *nc);

/* An event of the approval check (service r->svc); nc: node.conf now. */
void rollout_event(struct rollout *r, struct loop *l, enum loop_hook_event ev, int st,
	struct nodeconf const *nc);

#endif
