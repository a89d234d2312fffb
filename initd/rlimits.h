/* Process limits PID 1 sets once, for itself and everything it starts. */
#ifndef INITD_RLIMITS_H
#define INITD_RLIMITS_H

/* Hard RLIMIT_NOFILE for tor (tor raises its soft limit to the hard one);
 * the kernel's fs.nr_open must allow it (the sysctl baseline does). */
#define RLIMITS_NOFILE_HARD 1048576
#define RLIMITS_NOFILE_SOFT 1024

/* No core dumps anywhere (RLIMIT_CORE 0, inherited by every child: a core
 * of tor holds its keys), PID 1 itself non-dumpable, and a high hard
 * RLIMIT_NOFILE (falling back to the current hard limit if the kernel
 * refuses).  Logs what fails; returns the number of failures. */
int rlimits_apply(void);

#endif
