/* lethe's exit-code vocabulary, shared by every program we ship or build with.
 *
 * The numbers follow skalibs: a caller (initd, make, CI) decides from the
 * code alone whether to retry.  These four mean the same everywhere.  A
 * program whose caller must tell more cases apart (tpmseal: not provisioned,
 * corrupt bundle, ...; configpull: unchanged, TLS failure) refines them with
 * codes 2..99, defined once in its own header and listed in its doc; never
 * reuse 1, 100 or 111 for anything else. */
#ifndef LETHE_EXIT_H
#define LETHE_EXIT_H

enum lethe_exit {
	LETHE_EXIT_OK = 0,        /* done, or the check passed */
	LETHE_EXIT_REFUSED = 1,   /* checked and refused: bad signature, wrong PCRs */
	LETHE_EXIT_USAGE = 100,   /* bad input or usage: retrying the same will not help */
	LETHE_EXIT_TEMP = 111,    /* system or transient error: a retry may succeed */
};

#endif
