/* lethe's exit-code vocabulary, shared by every program we ship or build with.
 *
 * The numbers follow skalibs: a caller (initd, make, CI) decides from the
 * code alone whether to retry.  These four mean the same everywhere.  A
 * program whose caller must tell more cases apart (tpmseal: not provisioned,
 * corrupt bundle, ...; configpull: unchanged, TLS failure) refines them with
 * codes 2..99, defined once below (initd reads them) and listed in the
 * program's doc; never reuse 1, 100 or 111 for anything else. */
#ifndef LETHE_EXIT_H
#define LETHE_EXIT_H

enum lethe_exit {
	LETHE_EXIT_OK = 0,        /* done, or the check passed */
	LETHE_EXIT_REFUSED = 1,   /* checked and refused: bad signature, wrong PCRs */
	LETHE_EXIT_USAGE = 100,   /* bad input or usage: retrying the same will not help */
	LETHE_EXIT_TEMP = 111,    /* system or transient error: a retry may succeed */
};

/* tpmseal (docs/tpmseal.md): initd fails closed on every code but 0, and
 * must tell "not provisioned" (it may provision) from the refusals. */
enum tpmseal_exit {
	TPMSEAL_EXIT_OK = LETHE_EXIT_OK,
	TPMSEAL_EXIT_STATE = LETHE_EXIT_REFUSED,  /* sealed to another state: PCR/approval mismatch */
	TPMSEAL_EXIT_NOBUNDLE = 2,                /* not provisioned: no index */
	TPMSEAL_EXIT_CORRUPT = 3,                 /* the index holds no valid bundle */
	TPMSEAL_EXIT_LOCKED = 4,                  /* read-locked until the next boot */
	TPMSEAL_EXIT_EXISTS = 5,                  /* provision/import refused: a bundle exists */
	TPMSEAL_EXIT_USAGE = LETHE_EXIT_USAGE,
	TPMSEAL_EXIT_TPM = LETHE_EXIT_TEMP,       /* TPM missing or failing, or a system error */
};

/* configpull (docs/config-schema.md): initd tells from the code alone
 * whether outputs changed, stayed, or why the pull failed. */
enum configpull_exit {
	CP_EXIT_CHANGED = LETHE_EXIT_OK,       /* new outputs are in place */
	CP_EXIT_REJECTED = LETHE_EXIT_REFUSED, /* document refused; outputs untouched */
	CP_EXIT_TLS = 2,                       /* TLS or identity failure; outputs untouched */
	CP_EXIT_UNCHANGED = 3,                 /* same document (304 or same bytes) */
	CP_EXIT_UNATTESTED = 4,                /* the verifier refused this node's quote; outputs untouched */
	CP_EXIT_USAGE = LETHE_EXIT_USAGE,
	CP_EXIT_UNREACHABLE = LETHE_EXIT_TEMP, /* server unreachable, timeout, local error */
};

#endif
