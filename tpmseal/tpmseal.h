/* tpmseal: shared limits and the exit codes initd relies on to fail closed. */
#ifndef TPMSEAL_H
#define TPMSEAL_H

#include "lethe_exit.h"

/* initd must tell these apart, so tpmseal refines lethe's vocabulary with
 * three codes of its own (documented in docs/tpmseal.md).  0, 1, 100 and
 * 111 keep their lethe meaning. */
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

#define TPMSEAL_MAX_INSTANCES 8

#endif
