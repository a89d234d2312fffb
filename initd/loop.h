/* PID 1's one event loop: a signalfd in poll(), child reaping, the
 * deadlines of the supervised services, the pipes that carry every
 * service's output through initd (output.h) and the console's backlog
 * (console.h: POLLOUT while lines wait).  No sleeps: poll's timeout is
 * the nearest deadline.  Every child is reaped (waitpid(-1, WNOHANG)
 * until none is left), whoever its parent was. */
#ifndef INITD_LOOP_H
#define INITD_LOOP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "output.h"
#include "super.h"

/* PID 1's worst case is 19: network, clock, configpull, tpmseal, the tor
 * state's restore, dhcp, repull, 8 tor instances, telemetry, the state's
 * save, the rollout's approval check and unbound. */
#define LOOP_SVC_MAX 20
#define LOOP_NAME_MAX 31
#define LOOP_ARGV_MAX 16
#define LOOP_ENV_MAX 8

struct loop_svc {
	char name[LOOP_NAME_MAX + 1];
	char *argv[LOOP_ARGV_MAX + 1]; /* not owned; argv[0] is the path */
	char *env[LOOP_ENV_MAX + 1];   /* INITD_INSTANCE=<i>, NOTIFY_SOCKET=..., WATCHDOG_USEC=..., loop_setenv() */
	char env_buf[32];
	char env_wd[40];
	int ready;                     /* READY=1 seen since the last spawn */
	uint32_t watchdog_ms;          /* 0: none; see loop_watchdog() */
	uint64_t last_ping_ms;
	struct super_svc sv;
	size_t after;                  /* 1 + index of the step that must be done first; 0: none */
	int crash_logged;
	uint64_t not_before_ms;        /* first start not before this (0: at once) */
	uint64_t timer_ms;             /* LOOP_HOOK_TIMER due (SUPER_NO_DEADLINE: none) */
	uint64_t cpus;                 /* CPU affinity mask of the child (0: inherited) */
	int oom_adj;                   /* the child's oom_score_adj, with l->pid1 */
	int periodic;                  /* runs and exits by design (the re-pull): the hook reports */
	int last_st;                   /* wait status of its last run, -1: none ended yet */
	int in_fd;                     /* the child's stdin (lethe-telemetry: the log pipe), -1: initd's */
	int console;                   /* loop_console(): stdout and stderr are initd's own */
	int out_fd;                    /* the read end of this run's output pipe, -1: none */
	struct output out;             /* what came through it, cut into lines */
};

/* What the owner of a loop is told (l->hook), in the loop's own context. */
enum loop_hook_event {
	LOOP_HOOK_SPAWN, /* about to fork service i; nonzero return: counts as a failed start */
	LOOP_HOOK_EXIT,  /* service i ended with wait status st (not when stopping) */
	LOOP_HOOK_DONE,  /* one-shot step i is done */
	LOOP_HOOK_TIMER, /* loop_timer() of service i is due */
	LOOP_HOOK_READY, /* service i said READY=1 (once per run) */
	LOOP_HOOK_ORPHAN, /* a child that is no service ended (i: SIZE_MAX, pid: l->reaped_pid) */
	LOOP_HOOK_IDLE,   /* the loop is about to wait (i: SIZE_MAX): once per round, and once
	                     more when loop_run returns; work coalesced over a round (the
	                     status file) */
};

/* A descriptor of the owner's in the loop's poll (PSI triggers, input
 * devices): cb runs when poll reports any of events on it. */
#define LOOP_FDS_MAX 8
struct loop;
struct loop_fd {
	int fd;
	short events;
	void (*cb)(struct loop *l, int fd, short revents, void *ctx);
	void *ctx;
};

struct loop {
	int sfd;                 /* from sig_open() */
	int debug;
	uint64_t spawns_max;     /* stop everything after this many spawns (0: never); tests */
	uint64_t spawns;
	int stop_signal;         /* the signal that stopped the loop, 0 for spawns_max */
	int notify_fd;           /* sd_notify socket, -1: none (loop_notify_open) */
	char notify_env[128];    /* "NOTIFY_SOCKET=<path>" */
	uint64_t notify_dropped; /* datagrams refused: malformed or from strangers */
	int (*hook)(struct loop *l, size_t i, enum loop_hook_event ev, int st);
	void *ctx;               /* for the hook */
	pid_t reaped_pid;        /* for LOOP_HOOK_ORPHAN */
	int pid1;                /* PID 1: children set their svc.oom_adj (its own is -1000);
	                            shutdown signals as sig_pid1_action() maps them */
	size_t nfds;
	struct loop_fd fds[LOOP_FDS_MAX];
	size_t n;
	struct loop_svc svc[LOOP_SVC_MAX];
};

/* Empties l and sets its signalfd. */
void loop_init(struct loop *l, int sfd);

/* Creates the sd_notify datagram socket at path (absolute, at most 100
 * bytes, must not exist; mode 0600 via umask) and hands NOTIFY_SOCKET to
 * every service added afterwards.  A message counts only when its sender
 * (SCM_CREDENTIALS) is in a service's session; at most LOOP_NOTIFY_BURST
 * are read per loop round, so a spamming child cannot starve the loop.
 * Returns 0 or a negative errno. */
int loop_notify_open(struct loop *l, char const *path);

#define LOOP_NOTIFY_BURST 64

/* Adds a service running argv (at most LOOP_ARGV_MAX words, argv[0] an
 * absolute or relative path, no PATH search) under params p.  Returns 0,
 * or -ENOSPC/-EINVAL. */
int loop_add(struct loop *l, char const *name, char *const argv[],
	struct super_params const *p);

/* Liveness for service i (with a notify socket): WATCHDOG_USEC in its
 * environment, and once it has said READY=1, a run without WATCHDOG=1 for
 * ms milliseconds is hung: SIGKILL to its session, then the usual restart.
 * Call after loop_add.  Returns 0 or -EINVAL. */
int loop_watchdog(struct loop *l, size_t i, uint32_t ms);

/* Adds "NAME=VALUE" (not copied: static storage) to the environment of
 * service i.  Returns 0 or -ENOSPC/-EINVAL. */
int loop_setenv(struct loop *l, size_t i, char *kv);

/* LOOP_HOOK_TIMER for service i at the monotonic time at_ms (one shot;
 * SUPER_NO_DEADLINE cancels). */
void loop_timer(struct loop *l, size_t i, uint64_t at_ms);

/* Every service's stdout and stderr are one pipe per run that the loop
 * reads, line by line, to the console and the log pipe (output.h); read
 * while it stops too, and drained when it has ended.  loop_console makes
 * service i the exception: its stdout and stderr are initd's own (the
 * rescue shell, which is interactive).  Returns 0 or -EINVAL. */
int loop_console(struct loop *l, size_t i);

/* Service i starts only once service dep (a oneshot step) is done: the
 * boot pipeline's order.  Returns 0 or -EINVAL. */
int loop_after(struct loop *l, size_t i, size_t dep);

/* Adds fd to the loop's poll: cb(l, fd, revents, ctx) when poll reports
 * one of events.  Returns 0 or -ENOSPC/-EINVAL. */
int loop_add_fd(struct loop *l, int fd, short events,
	void (*cb)(struct loop *l, int fd, short revents, void *ctx), void *ctx);

/* A boot step that is not worth waiting for any longer (service i, down
 * or backing off): done without a success, LOOP_HOOK_DONE with status
 * st.  Whatever waits for it starts. */
void loop_step_skip(struct loop *l, size_t i, int st);

/* Stops service i alone, as a shutdown would (SIGINT, SIGKILL after
 * stop_ms); it stays stopped until loop_resume.  The resolver turned off
 * by the node document. */
void loop_stop(struct loop *l, size_t i);

/* A service that loop_stop stopped, and that has ended, starts again in
 * the next round, its backoff reset. */
void loop_resume(struct loop *l, size_t i);

/* A service waiting out its backoff (a periodic one between runs) starts
 * in the next round instead. */
void loop_kick(struct loop *l, size_t i);

/* Starts the shutdown as the signal signo would (the power button, for
 * one): every service is stopped, loop_run returns when they have ended.
 * A second call does nothing. */
void loop_shutdown(struct loop *l, int signo);

/* Starts every service and supervises them until a shutdown signal (or
 * spawns_max) stops them all: SIGINT, SIGKILL after stop_ms, give up after
 * kill_ms.  Returns 0 when every service ended, or a negative errno when
 * the signalfd failed (the services are then killed first). */
int loop_run(struct loop *l);

/* In a freshly forked child: default signal dispositions, an empty mask,
 * its own session (what every service gets before exec). */
void loop_child_reset(void);

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t loop_now_ms(void);

#endif
