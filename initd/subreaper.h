/* Hidden test mode: the supervisor core run as a child subreaper
 * (PR_SET_CHILD_SUBREAPER) instead of PID 1, so that supervision can be
 * tested without root or a VM:
 *
 *   initd --supervise [-d] [-n N] [-m MIN_MS] [-M MAX_MS] [-S STABLE_MS]
 *         [-s STOP_MS] [-k KILL_MS] [-c CRASH_N] [-R MAX_SPAWNS]
 *         [-N NOTIFY_SOCKET [-W WATCHDOG_MS]] PROG [ARG...]
 *
 * runs N instances (1..8) of PROG (environment: INITD_INSTANCE=i, and
 * NOTIFY_SOCKET with -N: an sd_notify socket created at that path;
 * WATCHDOG_USEC with -W, enforced after READY=1),
 * restarts them as PID 1 would, and on SIGTERM/SIGINT (or after
 * MAX_SPAWNS spawns) stops them (SIGINT, SIGKILL after STOP_MS), reaps
 * everything and exits 0.  It logs "initd: open fds: N" before and after,
 * so a test can see descriptor leaks.  Exit codes: 0, 100 usage, 111
 * system error.
 *
 *   initd --supervise-tor [-d] [-o] [-I REFRESH_MS] [-N NOTIFY_SOCKET]
 *         CONFDIR RUNDIR DATADIR LIBDIR PULL UNSEAL TOR
 *
 * runs the tail of PID 1's boot pipeline: PULL, then UNSEAL (one-shot
 * steps retried with backoff), then one TOR per instance of
 * CONFDIR/node.conf (argv: TOR -f RUNDIR/torrc.NAME, LD_PRELOAD from
 * LIBDIR), and PULL again every REFRESH_MS (default: node.conf's
 * refresh_interval); -o gives the DataDirectories to uid 100 (root
 * only); same exit codes and "open fds" lines. */
#ifndef INITD_SUBREAPER_H
#define INITD_SUBREAPER_H

int subreaper_main(int argc, char **argv);
int subreaper_tor_main(int argc, char **argv);

#endif
