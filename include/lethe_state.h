/* The contract of sealed tor state and staggered rollouts (docs/torstate.md,
 * docs/rollouts.md), defined here once:
 *
 *   initd --runs--> lethe-state restore  (after tpmseal unseal, before tor)
 *   initd --runs--> lethe-state save     (every LETHE_STATE_SAVE_INTERVAL_S,
 *                                         and after tor exited at shutdown)
 *   lethe-state --mTLS GET/PUT LETHE_STATE_PATH--> nginx --> reportd (ciphertext only)
 *   lethe-state --writes--> LETHE_STATE_RUN/{result,saved,rollout} --> initd, lethe-telemetry
 *
 * initd, lethe-state, lethe-telemetry, reportd and render-nginx follow
 * these numbers; a test takes them from here or from the docs' tables. */
#ifndef LETHE_STATE_H
#define LETHE_STATE_H

#include "lethe_paths.h"

#define LETHE_STATE_BIN "/usr/bin/lethe-state"

/* ---- the wire (node <-> config server, mTLS) ---------------------------- */

/* PUT application/octet-stream: the node's blob (below) replaces the one
 * the server keeps for the certificate's node; GET: that blob (200) or 404.
 * The server stores bytes; it can withhold or replay a blob, never read or
 * forge one, and a replay is refused by the node (the counter). */
#define LETHE_STATE_PATH "/v1/state"

/* ---- the blob -------------------------------------------------------- */

/* Big-endian, exactly its length:
 *
 *   0   8  "LTSTATE1"
 *   8  32  node id (the 32 bytes of the hex id: sha256 of the node key's SPKI)
 *  40   8  counter: the value of the node's NV counter this save incremented to
 *  48   8  rollout: the highest document `image.rollout` the node rebooted for
 *  56   8  time: the node's realtime at the save, Unix seconds (informative)
 *  64   1  instance count, 0..LETHE_INSTANCES_MAX
 *  65   3  reserved, 0
 *  68      count x { u8 nlen (1..LETHE_INSTANCE_NAME_MAX), name[nlen],
 *                    u32 clen (16..LETHE_STATE_FILE_MAX+16), nonce[24], c[clen] }
 *
 * c = XChaCha20-Poly1305-IETF(key_I, nonce, tor's `state` file of instance
 * NAME, ad = bytes 0..67 || nlen || name), nonce random per save.  key_I =
 * BLAKE2b-256(key = the first 32 bytes of instance NAME's ed25519 expanded
 * identity secret, as tpmseal wrote it, message = LETHE_STATE_KDF_CONTEXT):
 * it exists only while the sealed bundle is unsealed.  Names are unique and
 * in the blob's order; nothing may follow the last instance. */
#define LETHE_STATE_MAGIC "LTSTATE1"
#define LETHE_STATE_HEADER 68
#define LETHE_STATE_KDF_CONTEXT "lethe/tor-state/v1"
#define LETHE_STATE_FILE_MAX 32768
#define LETHE_STATE_BLOB_MAX \
	(LETHE_STATE_HEADER + LETHE_INSTANCES_MAX * (1 + LETHE_INSTANCE_NAME_MAX + 4 + 24 + LETHE_STATE_FILE_MAX + 16))

/* ---- the node's monotonic counter (rollback) ---------------------------- */

/* A TPM_NT_COUNTER index (AUTHREAD|AUTHWRITE|NO_DA, empty auth, not
 * ORDERLY), defined by the first save.  Every save increments it once,
 * before it encrypts; a restore accepts only a blob whose counter equals
 * the index's value: older, newer or any blob without the index is refused.
 * The TPM never lets a counter go down, even across undefine/define. */
#define LETHE_STATE_COUNTER_NV 0x01851E80u

/* initd's save timer: at most one increment an hour, plus one per shutdown
 * (8,760 + reboots a year). */
#define LETHE_STATE_SAVE_INTERVAL_S 3600

/* ---- files for initd and lethe-telemetry --------------------------------- */

/* 0700 root, made by lethe-state. */
#define LETHE_STATE_RUN LETHE_RUN "/state"
/* restore's outcome: "WORD\nREASON\n", WORD one of the LETHE_STATE_R_*
 * below, REASON printable ASCII, at most 200 bytes (may be empty). */
#define LETHE_STATE_RESULT LETHE_STATE_RUN "/result"
#define LETHE_STATE_R_RESTORED "restored"  /* verified and written: tor starts with it */
#define LETHE_STATE_R_NONE "none"          /* nothing to restore (first save not made yet) */
#define LETHE_STATE_R_REFUSED "refused"    /* tampered, foreign, older, or no counter to check it */
#define LETHE_STATE_R_FAILED "failed"      /* server unreachable, TPM or local error */
/* the newest successful save: "UNIX_SECONDS COUNTER\n" */
#define LETHE_STATE_SAVED LETHE_STATE_RUN "/saved"
/* the highest rollout this node rebooted for, decimal; written by restore
 * (the blob's, or 0 when there is nothing to restore) and by initd before
 * a rollout's reboot; read by save.  Absent: unknown (the restore failed):
 * initd then reboots for no rollout this boot. */
#define LETHE_STATE_ROLLOUT LETHE_STATE_RUN "/rollout"

/* ---- rollouts (initd -> status file -> lethe-telemetry -> report) ------ */

/* initd's verdict on the document's image.rollout after each pull, the
 * status file's `rollout_state` (and the report's rollout.state); the
 * reason is `rollout_reason`:
 *   none      the document names no rollout
 *   current   this node runs that image (or a newer one), or already
 *             rebooted for that rollout: nothing to do
 *   waiting   wanted, approved, outside the document's window
 *   refused   not done, and not retried for this document: no approval or
 *             logged release for that version and epoch, a node sealed to
 *             literal PCRs, or its past rollouts unknown (state refused)
 *   draining  tor got SIGINT and has ShutdownWaitLength to close circuits
 *   rebooting the state is saved (or failed to), the node reboots */
#define LETHE_ROLLOUT_NONE "none"
#define LETHE_ROLLOUT_CURRENT "current"
#define LETHE_ROLLOUT_WAITING "waiting"
#define LETHE_ROLLOUT_REFUSED "refused"
#define LETHE_ROLLOUT_DRAINING "draining"
#define LETHE_ROLLOUT_REBOOTING "rebooting"

/* Exit codes of lethe-state (lethe_exit.h's vocabulary). */
enum {
	STATE_EXIT_OK = 0,        /* restored, or saved */
	STATE_EXIT_REFUSED = 1,   /* a blob was there and is refused */
	STATE_EXIT_NONE = 2,      /* nothing to restore */
	STATE_EXIT_USAGE = 100,
	STATE_EXIT_TEMP = 111,    /* server, TPM or local failure: a retry may succeed */
};

#endif
