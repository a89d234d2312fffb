/* What initd does as PID 1: mount the early filesystems, report who we
 * are, parse lethe.* from /proc/cmdline, set limits, apply the sysctl
 * baseline, load modules (coldplug), bring up lo and the host name, then
 * run the boot pipeline (network, configpull, tpmseal) in the event loop
 * until a shutdown signal; then stop everything and power off. */
#ifndef INITD_PID1_H
#define INITD_PID1_H

/* Runs the boot sequence; never returns.  argv and envp from the kernel are
 * not looked at (the kernel passes unknown command-line words there);
 * settings come from /proc/cmdline only. */
_Noreturn void pid1_run(void);

#endif
