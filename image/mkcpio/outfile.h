/* The output file: written under a temporary name in its directory and
 * renamed into place only when complete, so OUT is never half-written. */
#ifndef MKCPIO_OUTFILE_H
#define MKCPIO_OUTFILE_H

#include <signal.h>
#include <sys/types.h>

#include "diag.h"

#define OUTFILE_SIGNALS 3

struct outfile {
	int fd;              /* the temporary, -1 when closed */
	char *tmp;           /* its path, NULL once renamed or removed */
	char const *path;    /* the final name; not owned */
	mode_t mode;         /* 0666 under the caller's umask, like any new file */
	struct sigaction old[OUTFILE_SIGNALS];
};

/* outfile_open creates the temporary next to path.  Until commit or abort,
 * SIGHUP, SIGINT and SIGTERM remove it before the process dies.
 * Returns 0, or -1 with d set. */
int outfile_open(struct outfile *f, char const *path, struct diag *d);

/* outfile_commit fsyncs the temporary and renames it over path; on failure
 * it removes the temporary.  Returns 0, or -1 with d set. */
int outfile_commit(struct outfile *f, struct diag *d);

/* outfile_abort removes the temporary; safe to call after commit. */
void outfile_abort(struct outfile *f);

#endif
