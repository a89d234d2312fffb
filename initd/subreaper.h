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
 * system error.  In both modes every service's stdout and stderr pass
 * through initd, line by line, to initd's stdout as PID 1's go to the
 * console (console.h: a FIFO or terminal opened again non-blocking, the
 * backlog drained for at most CONSOLE_DRAIN_MS before exit) and to the
 * log pipe; initd's own lines go to stderr.
 *
 *   initd --supervise-tor [-d] [-o] [-I REFRESH_MS]
 *         [-N NOTIFY_SOCKET | -P NOTIFY_DIR [-G GID]] [-W WATCHDOG_MS]
 *         [-T DIRAUTHORITY] [-Y AGENT] [-Z STATUS]
 *         CONFDIR RUNDIR DATADIR LIBDIR PULL UNSEAL TOR
 *
 * runs the tail of PID 1's boot pipeline: PULL, then UNSEAL (one-shot
 * steps retried with backoff), then one TOR per instance of
 * CONFDIR/node.conf (argv: TOR -f RUNDIR/torrc.NAME, LD_PRELOAD from
 * LIBDIR), and PULL again every REFRESH_MS (default: node.conf's
 * refresh_interval); -o gives the DataDirectories to uid 100 (root
 * only); -Y runs AGENT (no arguments, stdin the log pipe) as the service
 * "telemetry" after PULL's first success, as PID 1 runs lethe-telemetry;
 * -Z writes the status file at STATUS (agent.h); same exit codes and
 * "open fds" lines. */
#ifndef INITD_SUBREAPER_H
#define INITD_SUBREAPER_H

int subreaper_main(int argc, char **argv);
int subreaper_tor_main(int argc, char **argv);

#endif
