#include <stddef.h>

#include "backoff.h"
#include "super.h"

typedef enum super_action super_fn(struct super_svc *, int, uint64_t, uint32_t);

static enum super_action super_nop(struct super_svc *s, int ok, uint64_t now, uint32_t rnd)
{
	(void)s, (void)ok, (void)now, (void)rnd;
	return SUPER_ACT_NONE;
}

static enum super_action super_spawn(struct super_svc *s, int ok, uint64_t now, uint32_t rnd)
{
	(void)ok, (void)rnd;
	s->state = SUPER_UP;
	s->started_ms = now;
	s->deadline_ms = s->p.run_ms ? now + s->p.run_ms : SUPER_NO_DEADLINE;
	return SUPER_ACT_SPAWN;
}

static enum super_action super_overrun(struct super_svc *s, int ok, uint64_t now, uint32_t rnd)
{
	(void)ok, (void)rnd;
	if (!s->p.run_ms || now < s->deadline_ms)
		return SUPER_ACT_NONE;
	s->deadline_ms = SUPER_NO_DEADLINE;
	return SUPER_ACT_OVERRUN;
}

static void super_tally(struct super_svc *s, uint64_t now)
{
	if (s->p.crash_window_ms == 0)
		return;
	if (s->window_deaths == 0 || now - s->window_start_ms > s->p.crash_window_ms) {
		s->window_start_ms = now;
		s->window_deaths = 0;
	}
	if (++s->window_deaths >= s->p.crash_n)
		s->crashloop = 1;
}

static enum super_action super_died(struct super_svc *s, int ok, uint64_t now, uint32_t rnd)
{
	s->pid = 0;
	if (s->p.oneshot && ok) {
		s->state = SUPER_DONE;
		s->deadline_ms = SUPER_NO_DEADLINE;
		s->attempt = 0;
		return SUPER_ACT_NONE;
	}
	if (now - s->started_ms >= s->p.stable_ms) {
		s->attempt = 0;
		s->crashloop = 0;
		s->window_deaths = 0;
	}
	super_tally(s, now);
	s->last_delay_ms = backoff_delay_ms(s->p.min_ms, s->p.max_ms, s->attempt, rnd);
	if (s->attempt < 64)
		s->attempt++;
	s->state = SUPER_BACKOFF;
	s->deadline_ms = now + s->last_delay_ms;
	return SUPER_ACT_NONE;
}

static enum super_action super_interrupt(struct super_svc *s, int ok, uint64_t now, uint32_t rnd)
{
	(void)ok, (void)rnd;
	s->state = SUPER_STOPPING;
	s->deadline_ms = now + s->p.stop_ms;
	return SUPER_ACT_SIGINT;
}

static enum super_action super_kill(struct super_svc *s, int ok, uint64_t now, uint32_t rnd)
{
	(void)ok, (void)rnd;
	s->state = SUPER_KILLED;
	s->deadline_ms = now + s->p.kill_ms;
	return SUPER_ACT_SIGKILL;
}

static enum super_action super_stopped(struct super_svc *s, int ok, uint64_t now, uint32_t rnd)
{
	(void)ok, (void)now, (void)rnd;
	s->pid = 0;
	s->state = SUPER_STOPPED;
	s->deadline_ms = SUPER_NO_DEADLINE;
	return SUPER_ACT_NONE;
}

static enum super_action super_giveup(struct super_svc *s, int ok, uint64_t now, uint32_t rnd)
{
	/* the pid is kept: if it ever ends, the reaper still knows it */
	(void)ok, (void)now, (void)rnd;
	s->state = SUPER_STOPPED;
	s->deadline_ms = SUPER_NO_DEADLINE;
	return SUPER_ACT_GIVEUP;
}

/* [state][event]; rows in enum super_state order. */
static super_fn *const super_table[SUPER_STATE_N][SUPER_EVENT_N] = {
	/*                START         EXIT           DEADLINE       STOP */
	[SUPER_DOWN] =     { super_spawn, super_nop,     super_nop,     super_stopped },
	[SUPER_UP] =       { super_nop,   super_died,    super_overrun, super_interrupt },
	[SUPER_BACKOFF] =  { super_nop,   super_nop,     super_spawn,   super_stopped },
	[SUPER_STOPPING] = { super_nop,   super_stopped, super_kill,    super_nop },
	[SUPER_KILLED] =   { super_nop,   super_stopped, super_giveup,  super_nop },
	[SUPER_STOPPED] =  { super_nop,   super_stopped, super_nop,     super_nop },
	[SUPER_DONE] =     { super_nop,   super_nop,     super_nop,     super_stopped },
};

void super_init(struct super_svc *s, struct super_params const *p)
{
	*s = (struct super_svc){ .p = *p, .state = SUPER_DOWN, .deadline_ms = SUPER_NO_DEADLINE };
	if (s->p.crash_n == 0)
		s->p.crash_n = 1;
}

enum super_action super_event(struct super_svc *s, enum super_event ev,
	int exit_ok, uint64_t now_ms, uint32_t rnd)
{
	if ((unsigned)s->state >= SUPER_STATE_N || (unsigned)ev >= SUPER_EVENT_N)
		return SUPER_ACT_NONE;
	return super_table[s->state][ev](s, exit_ok, now_ms, rnd);
}

void super_spawned(struct super_svc *s, pid_t pid, uint64_t now_ms)
{
	s->pid = pid;
	s->started_ms = now_ms;
	s->spawns++;
}

char const *super_state_name(enum super_state st)
{
	static char const *const names[SUPER_STATE_N] = {
		"down", "up", "backoff", "stopping", "killed", "stopped", "done",
	};

	return (unsigned)st < SUPER_STATE_N ? names[st] : "?";
}
