/* What initd does as PID 1.  Placeholder for the real stages: mount the
 * early filesystems, report who we are, power off. */
#ifndef INITD_PID1_H
#define INITD_PID1_H

/* Runs the boot sequence; never returns.  argv and envp from the kernel are
 * not looked at (the kernel passes unknown command-line words there), except
 * INITD_HOLD (see pid1.c). */
_Noreturn void pid1_run(void);

#endif
