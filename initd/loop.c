#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "console.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "sig.h"

uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Jitter only needs to differ between machines and restarts; if the
 * kernel has no entropy to give yet, the clock will do. */
static uint32_t loop_rnd(void)
{
	uint32_t r;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) == (ssize_t)sizeof r)
		return r;
	return (uint32_t)(loop_now_ms() * 2654435761u);
}

void loop_init(struct loop *l, int sfd)
{
	/* not the services: loop_add clears each one it adds, and a slot
	 * never used (each holds a line buffer) stays untouched bss */
	memset(l, 0, offsetof(struct loop, svc));
	l->sfd = sfd;
	l->notify_fd = -1;
}

int loop_notify_open(struct loop *l, char const *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	mode_t old;
	int fd, one = 1, r;

	if (path[0] != '/' || len > 100)
		return -EINVAL;
	memcpy(sa.sun_path, path, len + 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0)
		goto fail;
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (r < 0)
		goto fail;
	l->notify_fd = fd;
	snprintf(l->notify_env, sizeof l->notify_env, "NOTIFY_SOCKET=%s", path);
	return 0;
fail:
	r = -errno;
	close(fd);
	return r;
}

int loop_add_fd(struct loop *l, int fd, short events,
	void (*cb)(struct loop *l, int fd, short revents, void *ctx), void *ctx)
{
	if (fd < 0 || !cb)
		return -EINVAL;
	if (l->nfds == LOOP_FDS_MAX)
		return -ENOSPC;
	l->fds[l->nfds].fd = fd;
	l->fds[l->nfds].events = events;
	l->fds[l->nfds].cb = cb;
	l->fds[l->nfds].ctx = ctx;
	l->nfds++;
	return 0;
}

/* In the child, before exec: PID 1's -1000 must not be inherited (the
 * kernel would then have nothing it may kill), and a tor instance gets its
 * own cores.  Failures only cost the tuning, never the start. */
static void loop_child_tune(struct loop const *l, struct loop_svc const *s)
{
	if (l->pid1) {
		char v[16];
		int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
		int n = snprintf(v, sizeof v, "%d\n", s->oom_adj);

		if (fd >= 0) {
			if (write(fd, v, (size_t)n) < 0) {
				/* keeps the inherited value */
			}
			close(fd);
		}
	}
	if (s->cpus) {
		cpu_set_t set;
		unsigned c;

		CPU_ZERO(&set);
		for (c = 0; c < 64; c++)
			if (s->cpus & ((uint64_t)1 << c))
				CPU_SET(c, &set);
		sched_setaffinity(0, sizeof set, &set);
	}
}

int loop_add(struct loop *l, char const *name, char *const argv[],
	struct super_params const *p)
{
	struct loop_svc *s;
	size_t i;

	if (l->n == LOOP_SVC_MAX)
		return -ENOSPC;
	if (!name || !*name || strlen(name) > LOOP_NAME_MAX || !argv || !argv[0])
		return -EINVAL;
	s = &l->svc[l->n];
	memset(s, 0, sizeof *s);
	for (i = 0; argv[i]; i++) {
		if (i == LOOP_ARGV_MAX)
			return -EINVAL;
		s->argv[i] = argv[i];
	}
	memcpy(s->name, name, strlen(name) + 1);
	snprintf(s->env_buf, sizeof s->env_buf, "INITD_INSTANCE=%zu", l->n);
	s->env[0] = s->env_buf;
	if (l->notify_fd >= 0)
		s->env[1] = l->notify_env;
	super_init(&s->sv, p);
	s->timer_ms = SUPER_NO_DEADLINE;
	s->last_st = s->in_fd = s->out_fd = -1;
	l->n++;
	return 0;
}

int loop_console(struct loop *l, size_t i)
{
	if (i >= l->n)
		return -EINVAL;
	l->svc[i].console = 1;
	return 0;
}

/* Service s's output: one read per round while it runs (a flood cannot
 * starve the loop); at the end of the run (end), what is left in the
 * pipe (bounded: a leftover grandchild may keep writing), then the last
 * partial line.  EOF (every writer gone) ends it early. */
static void loop_output_read(struct loop_svc *s, int end)
{
	char buf[4096];
	ssize_t n;
	int k = 0;

	do {
		n = read(s->out_fd, buf, sizeof buf);
		if (n > 0)
			output_feed(&s->out, s->name, buf, (size_t)n);
	} while (n > 0 && end && ++k < 64);
	if (end || n == 0 || (n < 0 && errno != EAGAIN)) {
		output_flush(&s->out, s->name);
		close(s->out_fd);
		s->out_fd = -1;
	}
}

int loop_setenv(struct loop *l, size_t i, char *kv)
{
	size_t k;

	if (i >= l->n || !kv || !strchr(kv, '='))
		return -EINVAL;
	for (k = 0; k < LOOP_ENV_MAX && l->svc[i].env[k]; k++)
		;
	if (k == LOOP_ENV_MAX)
		return -ENOSPC;
	l->svc[i].env[k] = kv;
	return 0;
}

void loop_step_skip(struct loop *l, size_t i, int st)
{
	struct loop_svc *s;

	if (i >= l->n)
		return;
	s = &l->svc[i];
	if (s->sv.state != SUPER_DOWN && s->sv.state != SUPER_BACKOFF)
		return;
	s->sv.state = SUPER_DONE;
	log_info("%s: given up; going on without it", s->name);
	if (l->hook)
		l->hook(l, i, LOOP_HOOK_DONE, st);
}

static void loop_act(struct loop *l, struct loop_svc *s, enum super_action a, uint64_t now);

void loop_stop(struct loop *l, size_t i)
{
	if (i < l->n)
		loop_act(l, &l->svc[i], super_event(&l->svc[i].sv, SUPER_EV_STOP, 0, loop_now_ms(), 0),
			loop_now_ms());
}

void loop_resume(struct loop *l, size_t i)
{
	struct super_svc *s;

	if (i >= l->n)
		return;
	s = &l->svc[i].sv;
	if (s->state == SUPER_STOPPED && s->pid == 0) {
		s->state = SUPER_DOWN;
		s->attempt = 0;
		s->deadline_ms = SUPER_NO_DEADLINE;
	}
}

void loop_kick(struct loop *l, size_t i)
{
	if (i < l->n && l->svc[i].sv.state == SUPER_BACKOFF)
		l->svc[i].sv.deadline_ms = loop_now_ms();
}

void loop_timer(struct loop *l, size_t i, uint64_t at_ms)
{
	if (i < l->n)
		l->svc[i].timer_ms = at_ms;
}

int loop_watchdog(struct loop *l, size_t i, uint32_t ms)
{
	struct loop_svc *s;

	if (i >= l->n || l->notify_fd < 0 || ms == 0)
		return -EINVAL;
	s = &l->svc[i];
	s->watchdog_ms = ms;
	snprintf(s->env_wd, sizeof s->env_wd, "WATCHDOG_USEC=%llu", (unsigned long long)ms * 1000u);
	return loop_setenv(l, i, s->env_wd);
}

int loop_after(struct loop *l, size_t i, size_t dep)
{
	if (i >= l->n || dep >= l->n || dep == i)
		return -EINVAL;
	l->svc[i].after = dep + 1;
	return 0;
}

void loop_child_reset(void)
{
	sigset_t none;
	int i;

	/* The child gets a clean signal state (ignored dispositions survive
	 * exec, and whoever started us may have ignored SIGINT) and its own
	 * session, so that the whole group can be killed at once. */
	for (i = 1; i < NSIG; i++)
		signal(i, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
}

static void loop_spawn(struct loop *l, struct loop_svc *s, uint64_t now)
{
	int out[2] = { -1, -1 };
	pid_t pid;

	if (l->hook && l->hook(l, (size_t)(s - l->svc), LOOP_HOOK_SPAWN, 0) != 0) {
		l->spawns++;
		super_event(&s->sv, SUPER_EV_EXIT, 0, now, loop_rnd());
		log_warn("%s: not started; retry in %u ms", s->name, s->sv.last_delay_ms);
		return;
	}
	/* a new pipe per run: whatever the last run left behind is gone */
	if (!s->console && pipe2(out, O_CLOEXEC) < 0) {
		log_warn("%s: unable to make its output pipe: %s; it writes to the console",
			s->name, strerror(errno));
		out[0] = out[1] = -1;
	}
	pid = fork();
	if (pid == 0) {
		loop_child_reset();
		loop_child_tune(l, s);
		/* dup2 clears close-on-exec on the copies only */
		if (s->in_fd >= 0)
			dup2(s->in_fd, 0);
		if (out[1] >= 0) {
			dup2(out[1], 1);
			dup2(out[1], 2);
		}
		execve(s->argv[0], s->argv, s->env);
		dprintf(2, "initd: warning: unable to exec %s: %s\n", s->argv[0], strerror(errno));
		_exit(127);
	}
	l->spawns++;
	if (out[1] >= 0)
		close(out[1]);
	if (pid < 0) {
		if (out[0] >= 0)
			close(out[0]);
		log_warn("unable to spawn %s: %s", s->name, strerror(errno));
		super_event(&s->sv, SUPER_EV_EXIT, 0, now, loop_rnd());
		return;
	}
	if (out[0] >= 0) {
		/* initd's end never blocks; the service's blocks when initd lags */
		fcntl(out[0], F_SETFL, O_NONBLOCK);
		s->out_fd = out[0];
	}
	super_spawned(&s->sv, pid, now);
	s->ready = 0;
	s->last_ping_ms = now;
	if (l->debug)
		log_info("%s: started, pid %ld", s->name, (long)pid);
}

static void loop_act(struct loop *l, struct loop_svc *s, enum super_action a, uint64_t now)
{
	switch (a) {
	case SUPER_ACT_NONE:
		break;
	case SUPER_ACT_SPAWN:
		loop_spawn(l, s, now);
		break;
	case SUPER_ACT_SIGINT:
		log_info("%s: stopping (SIGINT to pid %ld)", s->name, (long)s->sv.pid);
		kill(s->sv.pid, SIGINT);
		break;
	case SUPER_ACT_SIGKILL:
		log_warn("%s: still running %u ms after SIGINT; SIGKILL", s->name, s->sv.p.stop_ms);
		kill(-s->sv.pid, SIGKILL);
		kill(s->sv.pid, SIGKILL);
		break;
	case SUPER_ACT_OVERRUN:
		log_warn("%s: still running after its %u ms deadline; SIGKILL", s->name,
			s->sv.p.run_ms);
		kill(-s->sv.pid, SIGKILL);
		kill(s->sv.pid, SIGKILL);
		break;
	case SUPER_ACT_GIVEUP:
		log_fatal("%s: pid %ld survives SIGKILL; giving up on it", s->name, (long)s->sv.pid);
		break;
	}
}

static void loop_stop_all(struct loop *l, uint64_t now)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		loop_act(l, &l->svc[i], super_event(&l->svc[i].sv, SUPER_EV_STOP, 0, now, 0), now);
}

static void loop_exited(struct loop *l, struct loop_svc *s, int st, uint64_t now)
{
	size_t i = (size_t)(s - l->svc);

	int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	int ok = code == 0 || (code > 0 && code < 32 && (s->sv.p.ok_exits >> code) & 1u);
	pid_t pid = s->sv.pid;
	enum super_state before = s->sv.state;

	/* its last lines before initd's line about its end */
	if (s->out_fd >= 0)
		loop_output_read(s, 1);
	s->last_st = st;
	/* Whatever the service left in its session goes with it. */
	kill(-pid, SIGKILL);
	super_event(&s->sv, SUPER_EV_EXIT, ok, now, loop_rnd());
	if (before != SUPER_UP) {
		log_info("%s: stopped", s->name);
		return;
	}
	if (s->sv.state == SUPER_DONE) {
		log_info("%s: done", s->name);
		if (l->hook)
			l->hook(l, i, LOOP_HOOK_DONE, st);
		return;
	}
	if (l->hook)
		l->hook(l, i, LOOP_HOOK_EXIT, st);
	/* the hook gave the step up (loop_step_skip): no retry to announce */
	if (s->sv.state == SUPER_DONE)
		return;
	if (s->periodic && !WIFSIGNALED(st))
		return;
	if (s->sv.p.oneshot && WIFSIGNALED(st))
		log_warn("waiting for %s: killed by signal %d; retry in %u ms", s->name,
			WTERMSIG(st), s->sv.last_delay_ms);
	else if (s->sv.p.oneshot)
		log_warn("waiting for %s: exited %d; retry in %u ms", s->name,
			WEXITSTATUS(st), s->sv.last_delay_ms);
	else if (WIFSIGNALED(st))
		log_warn("%s: killed by signal %d; restart in %u ms", s->name, WTERMSIG(st),
			s->sv.last_delay_ms);
	else
		log_warn("%s: exited %d; restart in %u ms", s->name, WEXITSTATUS(st),
			s->sv.last_delay_ms);
	if (s->sv.crashloop && !s->crash_logged) {
		log_fatal("%s: CRASH LOOP: %u deaths within %u ms; retrying every %u ms at most",
			s->name, s->sv.window_deaths, s->sv.p.crash_window_ms, s->sv.p.max_ms);
		s->crash_logged = 1;
	} else if (!s->sv.crashloop) {
		s->crash_logged = 0;
	}
}

static void loop_reap(struct loop *l)
{
	uint64_t now = loop_now_ms();
	pid_t pid;
	int st;
	size_t i;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < l->n; i++)
			if (l->svc[i].sv.pid == pid)
				break;
		if (i < l->n) {
			loop_exited(l, &l->svc[i], st, now);
			continue;
		}
		if (l->debug)
			log_info("reaped orphan pid %ld", (long)pid);
		if (l->hook) {
			l->reaped_pid = pid;
			l->hook(l, SIZE_MAX, LOOP_HOOK_ORPHAN, st);
		}
	}
}

void loop_shutdown(struct loop *l, int signo)
{
	if (l->stop_signal)
		return;
	log_mark("poweroff");
	l->stop_signal = signo;
	loop_stop_all(l, loop_now_ms());
}

/* Reads every queued signal; returns 0 or a negative errno. */
static int loop_signals(struct loop *l)
{
	struct signalfd_siginfo si[8];
	ssize_t r;
	size_t i;

	for (;;) {
		r = read(l->sfd, si, sizeof si);
		if (r < 0)
			return errno == EAGAIN ? 0 : (errno == EINTR ? 0 : -errno);
		if (r == 0 || (size_t)r % sizeof si[0] != 0)
			return -EIO;
		for (i = 0; i < (size_t)r / sizeof si[0]; i++) {
			int signo = (int)si[i].ssi_signo;

			if (signo == SIGCHLD)
				loop_reap(l);
			else if (l->pid1 && sig_pid1_action(signo) == SIG_ACTION_NONE &&
			    sig_is_shutdown(signo)) {
				log_info("ignored %s (SIGUSR1: power off, SIGINT: reboot, "
					"SIGUSR2: halt)", sig_name(signo));
			} else if (sig_is_shutdown(signo) && !l->stop_signal) {
				log_info("received %s", sig_name(signo));
				loop_shutdown(l, signo);
			} else if (l->debug) {
				log_info("ignored %s", sig_name(signo));
			}
		}
	}
}

/* One datagram: find its service by the sender's session, apply it. */
static void loop_notify_one(struct loop *l, char const *buf, size_t len, pid_t sender)
{
	struct notify_msg m;
	pid_t sid = getsid(sender);
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->svc[i].sv.pid > 0 && l->svc[i].sv.pid == sid)
			break;
	if (sid <= 0 || i == l->n || notify_parse(buf, len, &m) < 0) {
		l->notify_dropped++;
		return;
	}
	if ((m.flags & NOTIFY_READY) && !l->svc[i].ready) {
		l->svc[i].ready = 1;
		log_info("%s: ready", l->svc[i].name);
		if (l->hook)
			l->hook(l, i, LOOP_HOOK_READY, 0);
	}
	if (m.flags & (NOTIFY_READY | NOTIFY_WATCHDOG))
		l->svc[i].last_ping_ms = loop_now_ms();
	if (m.flags & NOTIFY_STOPPING)
		log_info("%s: stopping by itself", l->svc[i].name);
}

static void loop_notify_read(struct loop *l)
{
	char buf[NOTIFY_MSG_MAX + 1];
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct ucred))];
	} ctl;
	int k;

	for (k = 0; k < LOOP_NOTIFY_BURST; k++) {
		struct iovec iov = { buf, sizeof buf };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl,
			.msg_controllen = sizeof ctl,
		};
		struct cmsghdr *c;
		struct ucred cred = { 0, 0, 0 };
		ssize_t n = recvmsg(l->notify_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);

		if (n < 0)
			return;
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
			    c->cmsg_len == CMSG_LEN(sizeof cred))
				memcpy(&cred, CMSG_DATA(c), sizeof cred);
			else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
				/* passed descriptors are never ours to keep */
				int *fds = (int *)(void *)CMSG_DATA(c);
				size_t j, nf = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

				for (j = 0; j < nf; j++)
					close(fds[j]);
			}
		}
		if ((size_t)n > NOTIFY_MSG_MAX || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
		    cred.pid <= 0) {
			l->notify_dropped++;
			continue;
		}
		loop_notify_one(l, buf, (size_t)n, cred.pid);
	}
}

static int loop_all_ended(struct loop const *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->svc[i].sv.state != SUPER_STOPPED)
			return 0;
	return 1;
}

int loop_run(struct loop *l)
{
	uint64_t now = loop_now_ms();
	int stopping = 0, r;
	size_t i;

	for (;;) {
		uint64_t next = SUPER_NO_DEADLINE;
		struct pollfd pfd[2 + LOOP_FDS_MAX + LOOP_SVC_MAX + 1] = {
			{ .fd = l->sfd, .events = POLLIN },
			{ .fd = l->notify_fd, .events = POLLIN },
		};
		size_t nfds = l->nfds, nout = 0, osvc[LOOP_SVC_MAX];
		int timeout, cfd;

		/* SIGCHLD may have coalesced with a death before the signalfd
		 * existed; reaping is cheap, so do it every round.  Datagrams
		 * first: a sender is found by its session only until it is
		 * reaped (tor's STOPPING=1 comes just before its exit). */
		if (l->notify_fd >= 0)
			loop_notify_read(l);
		loop_reap(l);
		now = loop_now_ms();
		if (!stopping && (l->stop_signal ||
		    (l->spawns_max && l->spawns >= l->spawns_max))) {
			stopping = 1;
			if (!l->stop_signal)
				log_info("spawn limit %llu reached", (unsigned long long)l->spawns_max);
			loop_stop_all(l, now);
		}
		if (stopping && loop_all_ended(l))
			goto done;
		for (i = 0; i < l->n; i++) {
			struct loop_svc *s = &l->svc[i];

			if (!stopping && s->sv.state == SUPER_DOWN && s->not_before_ms > now) {
				if (s->not_before_ms < next)
					next = s->not_before_ms;
			} else if (!stopping && s->sv.state == SUPER_DOWN &&
			    (!s->after || l->svc[s->after - 1].sv.state == SUPER_DONE)) {
				if (s->after || s->sv.p.oneshot)
					log_info("starting %s", s->name);
				loop_act(l, s, super_event(&s->sv, SUPER_EV_START, 0, now, 0), now);
			}

			if (!stopping && s->timer_ms <= now) {
				s->timer_ms = SUPER_NO_DEADLINE;
				if (l->hook)
					l->hook(l, i, LOOP_HOOK_TIMER, 0);
			}
			if (!stopping && s->timer_ms < next)
				next = s->timer_ms;
			if (s->sv.deadline_ms <= now)
				loop_act(l, s, super_event(&s->sv, SUPER_EV_DEADLINE, 0, now, 0), now);
			if (s->sv.deadline_ms < next)
				next = s->sv.deadline_ms;
			if (s->watchdog_ms && s->ready && s->sv.state == SUPER_UP) {
				uint64_t due = s->last_ping_ms + s->watchdog_ms;

				if (due <= now) {
					log_warn("%s: no WATCHDOG=1 for %u ms; SIGKILL", s->name,
						s->watchdog_ms);
					kill(-s->sv.pid, SIGKILL);
					kill(s->sv.pid, SIGKILL);
					s->ready = 0; /* once: the exit comes through SIGCHLD */
				} else if (due < next) {
					next = due;
				}
			}
		}
		if (stopping && loop_all_ended(l))
			goto done;
		if (l->hook)
			l->hook(l, SIZE_MAX, LOOP_HOOK_IDLE, 0);
		timeout = next == SUPER_NO_DEADLINE ? -1
			: next <= now ? 0 : next - now > 60000 ? 60000 : (int)(next - now);
		/* a negative fd is ignored by poll: the notify slot stays */
		for (i = 0; i < nfds; i++) {
			pfd[2 + i].fd = stopping ? -1 : l->fds[i].fd;
			pfd[2 + i].events = l->fds[i].events;
			pfd[2 + i].revents = 0;
		}
		/* output is read while stopping too: tor says goodbye */
		for (i = 0; i < l->n; i++)
			if (l->svc[i].out_fd >= 0) {
				pfd[2 + nfds + nout].fd = l->svc[i].out_fd;
				pfd[2 + nfds + nout].events = POLLIN;
				pfd[2 + nfds + nout].revents = 0;
				osvc[nout++] = i;
			}
		/* last: what the console has not taken yet, while it waits */
		cfd = console_waiting();
		pfd[2 + nfds + nout].fd = cfd;
		pfd[2 + nfds + nout].events = POLLOUT;
		pfd[2 + nfds + nout].revents = 0;
		r = poll(pfd, 2 + nfds + nout + 1, timeout);
		if (r < 0 && errno != EINTR) {
			r = -errno;
			goto fail;
		}
		if (r > 0 && l->notify_fd >= 0 && pfd[1].revents)
			loop_notify_read(l);
		for (i = 0; r > 0 && i < nfds; i++)
			if (pfd[2 + i].revents) {
				l->fds[i].cb(l, l->fds[i].fd, pfd[2 + i].revents, l->fds[i].ctx);
				/* a gone device or trigger would wake every round */
				if (pfd[2 + i].revents & (POLLERR | POLLHUP | POLLNVAL))
					l->fds[i].fd = -1;
			}
		for (i = 0; r > 0 && i < nout; i++)
			if (pfd[2 + nfds + i].revents && l->svc[osvc[i]].out_fd == pfd[2 + nfds + i].fd)
				loop_output_read(&l->svc[osvc[i]], 0);
		if (r > 0 && cfd >= 0 && pfd[2 + nfds + nout].revents)
			console_flush();
		if (r > 0 && pfd[0].revents) {
			r = loop_signals(l);
			if (r < 0)
				goto fail;
		}
	}
done:
	if (l->hook)
		l->hook(l, SIZE_MAX, LOOP_HOOK_IDLE, 0);
	return 0;
fail:
	log_fatal("unable to wait for events: %s", strerror(-r));
	for (i = 0; i < l->n; i++)
		if (l->svc[i].sv.pid > 0) {
			kill(-l->svc[i].sv.pid, SIGKILL);
			kill(l->svc[i].sv.pid, SIGKILL);
		}
	return r;
}
