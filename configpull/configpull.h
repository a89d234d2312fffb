/* configpull's exit codes.  They extend include/lethe_exit.h (0, 1, 100 and
 * 111 keep their meaning there) because initd must tell from the code alone
 * whether outputs changed, stayed, or why the pull failed. */
#ifndef CONFIGPULL_H
#define CONFIGPULL_H

#include "lethe_exit.h"

enum configpull_exit {
	CP_EXIT_CHANGED = LETHE_EXIT_OK,       /* new outputs are in place */
	CP_EXIT_REJECTED = LETHE_EXIT_REFUSED, /* document refused; outputs untouched */
	CP_EXIT_TLS = 2,                       /* TLS or identity failure; outputs untouched */
	CP_EXIT_UNCHANGED = 3,                 /* same document (304 or same bytes) */
	CP_EXIT_USAGE = LETHE_EXIT_USAGE,
	CP_EXIT_UNREACHABLE = LETHE_EXIT_TEMP, /* server unreachable, timeout, local error */
};

#endif
