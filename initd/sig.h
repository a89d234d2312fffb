/* PID 1's signals: blocked from the first instruction and read as events
 * from a signalfd, never through handlers. */
#ifndef INITD_SIG_H
#define INITD_SIG_H

/* Blocks every signal except the faults the kernel raises on our own bugs
 * (SIGSEGV, SIGBUS, ...): those must keep killing us loudly rather than be
 * queued forever.  Blocked signals are queued even for PID 1, whose
 * default-action signals the kernel otherwise drops.  Returns 0 or a
 * negative errno. */
int sig_block(void);

/* A close-on-exec, non-blocking signalfd for the set sig_block() blocked.
 * Returns the fd or a negative errno. */
int sig_open(void);

/* Nonzero for the signals that ask PID 1 to power off: SIGINT (the kernel's
 * ctrl-alt-del after RB_DISABLE_CAD), SIGTERM, SIGUSR1, SIGUSR2, SIGPWR. */
int sig_is_shutdown(int signo);

/* What a shutdown signal asks of PID 1, as s6-linux-init defines it on a
 * machine: SIGINT (ctrl-alt-del) reboot, SIGUSR1 and SIGPWR power off,
 * SIGUSR2 halt; SIGTERM nothing (its .s6-svscan/SIGTERM is empty outside
 * containers), nor does any other signal. */
enum sig_action { SIG_ACTION_NONE, SIG_ACTION_REBOOT, SIG_ACTION_POWEROFF, SIG_ACTION_HALT };
enum sig_action sig_pid1_action(int signo);

/* "SIGINT" and so on, or "signal" for one we have no name for. */
char const *sig_name(int signo);


#endif
