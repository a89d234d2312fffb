/* lethe_nocore: a process that holds key material (the log's private key,
 * the sealed identities, the activation secret, an attestation token)
 * leaves no core dump (RLIMIT_CORE 0, inherited by its children) and is
 * not dumpable (no core whatever the limit, no ptrace by its own uid).
 * Called first in main by tpmseal, lethe-log, configpull and attestd; initd
 * sets the same limit for everything it starts (initd/rlimits.c).
 * 0, or -1 with errno. */
#ifndef LETHE_NOCORE_H
#define LETHE_NOCORE_H

#include <sys/prctl.h>
#include <sys/resource.h>

static inline int lethe_nocore(void)
{
	static const struct rlimit zero = { 0, 0 };

	return setrlimit(RLIMIT_CORE, &zero) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ? -1 : 0;
}

#endif
