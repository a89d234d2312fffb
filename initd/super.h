/* The supervision state machine of one service (a boot step or a tor
 * instance), as an explicit state x event table in the manner of
 * s6-supervise.  It knows no clock, pid or signal of its own: the event
 * loop feeds it events with the current monotonic time and a random word,
 * and carries out the action it returns.  Every wait is a deadline in
 * s->deadline_ms, never a sleep.
 *
 *   DOWN     --start-->    UP (spawn)
 *   UP       --deadline--> UP (SIGKILL: a step past its run_ms)
 *   UP       --exit-->     BACKOFF (deadline = now + backoff), or DONE
 *                          for a one-shot step that exited 0
 *   BACKOFF  --deadline--> UP (spawn)
 *   UP       --stop-->     STOPPING (SIGINT, deadline = now + stop_ms)
 *   STOPPING --deadline--> KILLED (SIGKILL, deadline = now + kill_ms)
 *   STOPPING/KILLED --exit--> STOPPED
 *   KILLED   --deadline--> STOPPED (unkillable: given up, logged)
 *   DOWN/BACKOFF/DONE --stop--> STOPPED
 *
 * A run that lasted stable_ms or more resets the backoff.  crash_n deaths
 * within crash_window_ms set the crash-loop verdict (s->crashloop), which
 * the loop logs loudly; restarts go on at the capped delay, since a relay
 * that gives up on tor serves nobody. */
#ifndef INITD_SUPER_H
#define INITD_SUPER_H

#include <stdint.h>
#include <sys/types.h>

#define SUPER_NO_DEADLINE UINT64_MAX

enum super_state {
	SUPER_DOWN,
	SUPER_UP,
	SUPER_BACKOFF,
	SUPER_STOPPING,
	SUPER_KILLED,
	SUPER_STOPPED,
	SUPER_DONE,
	SUPER_STATE_N,
};

enum super_event {
	SUPER_EV_START,
	SUPER_EV_EXIT,     /* the process ended, or could not be spawned */
	SUPER_EV_DEADLINE, /* now >= deadline_ms */
	SUPER_EV_STOP,
	SUPER_EVENT_N,
};

enum super_action {
	SUPER_ACT_NONE,
	SUPER_ACT_SPAWN,   /* start the process; then super_spawned() */
	SUPER_ACT_SIGINT,
	SUPER_ACT_SIGKILL,
	SUPER_ACT_GIVEUP,  /* a SIGKILLed process did not end: log it */
	SUPER_ACT_OVERRUN, /* ran past run_ms: SIGKILL, then it counts as a failure */
};

struct super_params {
	uint32_t min_ms;          /* first restart delay, before jitter */
	uint32_t max_ms;          /* restart delay cap */
	uint32_t stable_ms;       /* a run this long resets the backoff */
	uint32_t stop_ms;         /* SIGINT to SIGKILL */
	uint32_t kill_ms;         /* SIGKILL to giving up */
	uint32_t crash_n;         /* crash-loop verdict: this many deaths ... */
	uint32_t crash_window_ms; /* ... within this window (0: no verdict) */
	uint32_t run_ms;          /* a run's deadline (0: none), for boot steps */
	int oneshot;              /* a boot step: exit 0 means done */
	uint32_t ok_exits;        /* a step: bit N set = exit N (< 32) means done too
	                             (lethe-state restore's "refused" and "none") */
};

struct super_svc {
	struct super_params p;
	enum super_state state;
	pid_t pid;                /* > 0 while UP, STOPPING or KILLED */
	uint64_t started_ms;
	uint64_t deadline_ms;     /* SUPER_NO_DEADLINE: none */
	unsigned attempt;         /* restarts since the last stable run */
	uint32_t last_delay_ms;   /* the backoff chosen at the last exit */
	uint64_t window_start_ms;
	uint32_t window_deaths;
	int crashloop;            /* set when the verdict is reached */
	uint64_t spawns;
};

void super_init(struct super_svc *s, struct super_params const *p);

/* Feeds one event.  exit_ok (for SUPER_EV_EXIT) is nonzero when the
 * process exited with status 0.  Events that mean nothing in the current
 * state are ignored (SUPER_ACT_NONE). */
enum super_action super_event(struct super_svc *s, enum super_event ev,
	int exit_ok, uint64_t now_ms, uint32_t rnd);

/* Records the pid of a process spawned for SUPER_ACT_SPAWN. */
void super_spawned(struct super_svc *s, pid_t pid, uint64_t now_ms);

char const *super_state_name(enum super_state st);

#endif
