#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lethe_exit.h"
#include "lethe_telemetry.h"
#include "loop.h"
#include "pipeline.h"
#include "psi.h"
#include "status.h"

/* room for "version=1\nseq=N\n" before the body */
#define STATUS_HEAD 48

/* The LETHE-MARKs the status table lists (mark.NAME). */
static char const *const status_marks[] = {
	"network", "clock", "config", "keys", "state", "tor-exec", "tor-ready", "ready",
};
#define STATUS_MARKS (sizeof status_marks / sizeof status_marks[0])

static char const *const status_unseal_names[] = { "pending", "ok", "refused", "failed" };

static struct {
	char const *path;
	struct loop const *l;
	struct pipeline const *p;
	int attached, authorized, failing;
	int unseal;                        /* index into status_unseal_names */
	int pull_exit;
	uint64_t pull_ms, unseal_ms, error_ms, seq, hash;
	unsigned marked;
	uint64_t mark_ms[STATUS_MARKS];
	char stage_error[LETHE_STATUS_VALUE_MAX + 1];
	char error[LETHE_STATUS_VALUE_MAX + 1];
	char torstate[16];
	char torstate_reason[LETHE_STATUS_VALUE_MAX + 1];
	uint64_t torstate_saved, torstate_counter;
	uint32_t rollout_wanted;
	int64_t rollout_done;
	char rollout_state[16];
	char rollout_reason[LETHE_STATUS_VALUE_MAX + 1];
} st = { .pull_exit = -1, .torstate = "pending", .rollout_done = -1, .rollout_state = "none" };

static char status_buf[LETHE_STATUS_MAX];
static size_t status_n;                /* the body's end in status_buf */

void status_open(char const *path)
{
	st.path = path;
}

void status_attach(struct loop const *l, struct pipeline const *p, int authorized)
{
	st.l = l;
	st.p = p;
	st.authorized = authorized;
	st.attached = 1;
}

/* At most LETHE_STATUS_VALUE_MAX bytes of text into dst, printable ASCII. */
static void status_copy(char *dst, char const *text, size_t len)
{
	size_t i;

	if (len > LETHE_STATUS_VALUE_MAX)
		len = LETHE_STATUS_VALUE_MAX;
	for (i = 0; i < len; i++)
		dst[i] = text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '?';
	dst[len] = '\0';
}

void status_line(enum log_level level, char const *text, size_t len)
{
	struct timespec ts;

	if (level > LOG_LEVEL_WARN)
		return;
	status_copy(st.error, text, len);
	clock_gettime(CLOCK_REALTIME, &ts);
	st.error_ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void status_mark(char const *name, uint64_t ms)
{
	size_t k;

	for (k = 0; k < STATUS_MARKS; k++)
		if (strcmp(name, status_marks[k]) == 0) {
			st.mark_ms[k] = ms;
			st.marked |= 1u << k;
		}
}

/* A wait status as the exit code a shell would show. */
static int status_code(int ws)
{
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

void status_ran(enum status_run what, char const *name, int ws, uint64_t ms)
{
	char e[LETHE_STATUS_VALUE_MAX + 1];
	int n;

	if (what == STATUS_RUN_PULL || what == STATUS_RUN_REPULL) {
		st.pull_exit = status_code(ws);
		st.pull_ms = ms;
	}
	if (what == STATUS_RUN_UNSEAL) {
		/* tpmseal's codes (lethe_exit.h), as initd --seal passes them on */
		st.unseal = ws == 0 ? 1 : WIFEXITED(ws) && WEXITSTATUS(ws) == TPMSEAL_EXIT_STATE ? 2 : 3;
		if (ws == 0)
			st.unseal_ms = ms;
	}
	if (what == STATUS_RUN_REPULL)
		return;
	if (ws == 0) {
		st.stage_error[0] = '\0';
		return;
	}
	n = WIFEXITED(ws) ? snprintf(e, sizeof e, "%s: exited %d", name, WEXITSTATUS(ws))
		: snprintf(e, sizeof e, "%s: killed by signal %d", name, WTERMSIG(ws));
	if (n > 0)
		status_copy(st.stage_error, e, strlen(e));
}

void status_torstate(char const *result, char const *reason, uint64_t saved, uint64_t counter)
{
	if (result)
		status_copy(st.torstate, result, strnlen(result, sizeof st.torstate - 1));
	if (reason)
		status_copy(st.torstate_reason, reason, strlen(reason));
	st.torstate_saved = saved;
	st.torstate_counter = counter;
}

void status_rollout(uint32_t wanted, int64_t done, char const *state, char const *reason)
{
	st.rollout_wanted = wanted;
	st.rollout_done = done;
	status_copy(st.rollout_state, state, strnlen(state, sizeof st.rollout_state - 1));
	status_copy(st.rollout_reason, reason, strlen(reason));
}

/* One "KEY=VALUE\n" line after the body so far; the value is cut to
 * LETHE_STATUS_VALUE_MAX and made printable ASCII.  A line that would
 * pass LETHE_STATUS_MAX is left out (the table's worst case is some
 * 3 KB). */
static void status_vput(char const *key, char const *fmt, va_list ap)
{
	char v[LETHE_STATUS_VALUE_MAX + 1];
	size_t room = sizeof status_buf - status_n;
	int n;

	vsnprintf(v, sizeof v, fmt, ap);
	status_copy(v, v, strlen(v));
	n = snprintf(status_buf + status_n, room, "%s=%s\n", key, v);
	if (n > 0 && (size_t)n < room)
		status_n += (size_t)n;
}

static void status_put(char const *key, char const *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	status_vput(key, fmt, ap);
	va_end(ap);
}

static void status_inst(size_t k, char const *field, char const *fmt, ...)
{
	char key[32];
	va_list ap;

	snprintf(key, sizeof key, "inst.%zu.%s", k, field);
	va_start(ap, fmt);
	status_vput(key, fmt, ap);
	va_end(ap);
}

/* The tor instances, from the loop's services and tor's checks. */
static void status_instances(struct tor const *t, struct loop const *l)
{
	static char const *const mapped[] = { "unknown", "yes", "no" };
	size_t k, n = t->started ? t->nc.n : 0;

	status_put("instances", "%zu", n);
	for (k = 0; k < n; k++) {
		struct super_svc const *sv = &l->svc[t->inst[k].svc].sv;
		int ls = l->svc[t->inst[k].svc].last_st;
		char const *state = super_state_name(sv->state);

		/* the table's words: killed is still stopping, done never happens */
		if (sv->state == SUPER_KILLED)
			state = "stopping";
		status_inst(k, "name", "%s", t->nc.name[k]);
		status_inst(k, "state", "%s", state);
		status_inst(k, "pid", "%ld", sv->state == SUPER_UP ? (long)sv->pid : 0L);
		status_inst(k, "restarts", "%llu",
			(unsigned long long)(sv->spawns ? sv->spawns - 1 : 0));
		if (ls < 0)
			status_inst(k, "last_exit", "-");
		else
			status_inst(k, "last_exit", "%s %d", WIFEXITED(ls) ? "exit" : "signal",
				WIFEXITED(ls) ? WEXITSTATUS(ls) : WTERMSIG(ls));
		status_inst(k, "crashloop", "%d", sv->crashloop ? 1 : 0);
		status_inst(k, "allocator", "%s", nodeconf_alloc_name(t->nc.alloc));
		status_inst(k, "allocator_mapped", "%s", mapped[t->inst[k].mapped]);
	}
}

static void status_body(void)
{
	size_t k;

	status_n = STATUS_HEAD;
	status_put("stage", "%s", st.p ? pipeline_stage(st.p) : "rescue");
	status_put("stage_error", "%s", st.stage_error);
	status_put("last_error", "%s", st.error);
	status_put("last_error_ms", "%llu", (unsigned long long)st.error_ms);
	status_put("unseal", "%s", status_unseal_names[st.unseal]);
	status_put("unseal_mode", "%s", st.authorized ? "authorized" : "literal");
	status_put("pull_exit", "%d", st.pull_exit);
	status_put("pull_ms", "%llu", (unsigned long long)st.pull_ms);
	status_put("unseal_ms", "%llu", (unsigned long long)st.unseal_ms);
	for (k = 0; k < STATUS_MARKS; k++)
		if (st.marked & (1u << k)) {
			char key[24];

			snprintf(key, sizeof key, "mark.%s", status_marks[k]);
			status_put(key, "%llu", (unsigned long long)st.mark_ms[k]);
		}
	status_put("pressure_events", "%llu", (unsigned long long)psi_memory_events());
	status_put("torstate", "%s", st.torstate);
	status_put("torstate_reason", "%s", st.torstate_reason);
	status_put("torstate_saved", "%llu", (unsigned long long)st.torstate_saved);
	status_put("torstate_counter", "%llu", (unsigned long long)st.torstate_counter);
	status_put("rollout_wanted", "%lu", (unsigned long)st.rollout_wanted);
	status_put("rollout_done", "%lld", (long long)st.rollout_done);
	status_put("rollout_state", "%s", st.rollout_state);
	status_put("rollout_reason", "%s", st.rollout_reason);
	if (st.p)
		status_instances(&st.p->tor, st.l);
	else
		status_put("instances", "0");
}

/* buf to PATH.tmp (0640), renamed over PATH: a reader sees the old file
 * or the new one, whole.  0 or a negative errno. */
static int status_write(char const *buf, size_t len)
{
	char tmp[256];
	int fd, r = 0;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", st.path) >= sizeof tmp)
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	/* a small write to tmpfs is whole or fails */
	if (write(fd, buf, len) != (ssize_t)len || fchmod(fd, 0640) < 0)
		r = errno ? -errno : -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, st.path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

void status_flush(void)
{
	uint64_t h = 14695981039346656037u;
	char head[STATUS_HEAD];
	size_t k;
	int n, r;

	if (!st.path || !st.attached)
		return;
	status_body();
	/* FNV-1a over the body: unchanged state, no write (seq aside) */
	for (k = STATUS_HEAD; k < status_n; k++)
		h = (h ^ (unsigned char)status_buf[k]) * 1099511628211u;
	if (st.seq && h == st.hash)
		return;
	st.hash = h;
	n = snprintf(head, sizeof head, "version=%d\nseq=%llu\n", LETHE_STATUS_VERSION,
		(unsigned long long)++st.seq);
	memcpy(status_buf + STATUS_HEAD - n, head, (size_t)n);
	errno = 0;
	r = status_write(status_buf + STATUS_HEAD - n, status_n - STATUS_HEAD + (size_t)n);
	if (r < 0 && !st.failing)
		log_warn("unable to write %s: %s", st.path, strerror(-r));
	st.failing = r < 0;
}
