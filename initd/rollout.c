#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "lethe_exit.h"
#include "lethe_paths.h"
#include "lethe_state.h"
#include "lethe_telemetry.h"
#include "log.h"
#include "rollout.h"
#include "status.h"
#include "torstate.h"

void rollout_init(struct rollout *r, int authorized, uint64_t own_epoch)
{
	static char const *const fixed[] = {
		LETHE_TPMSEAL_BIN, "approved", "--authorize-key", LETHE_POLICY_PUB,
		"--approval", LETHE_APPROVALS, "--log-key", LETHE_LOG_PUB,
		"--log-proofs", LETHE_LOGPROOFS, "--version",
	};
	size_t k;

	memset(r, 0, sizeof *r);
	r->authorized = authorized;
	r->own_epoch = own_epoch;
	r->svc = SIZE_MAX;
	for (k = 0; k < sizeof fixed / sizeof fixed[0]; k++)
		r->argv[k] = (char *)fixed[k];
	r->argv[k++] = r->filled.version;
	r->argv[k++] = "--epoch";
	r->argv[k++] = r->epoch_arg;
	r->argv[k] = NULL;
}

static int rollout_same(struct rollout_rel const *a, struct rollout_rel const *b)
{
	return a->rollout == b->rollout && a->epoch == b->epoch && strcmp(a->version, b->version) == 0;
}

static void rollout_status(struct nodeconf const *nc, int64_t done, char const *state,
	char const *fmt, ...) __attribute__((format(printf, 4, 5)));

static void rollout_status(struct nodeconf const *nc, int64_t done, char const *state,
	char const *fmt, ...)
{
	char why[LETHE_STATUS_VALUE_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	status_rollout(nc->image_rollout, done, state, why);
}

/* Approved and in the window: record the rollout, then the ordinary
 * shutdown with a reboot (SIGINT's action: sig.h), whose tor instances
 * get ShutdownWaitLength and whose last step saves the state (pid1.c). */
static void rollout_go(struct rollout *r, struct loop *l, struct nodeconf const *nc, int64_t done)
{
	int e;

	if (!r->tor_ready) {
		rollout_status(nc, done, LETHE_ROLLOUT_WAITING,
			"approved, in the window; waiting for tor to be ready before draining it");
		loop_timer(l, r->svc, loop_now_ms() + ROLLOUT_READY_MS);
		return;
	}
	e = torstate_rollout_write(nc->image_rollout);
	if (e < 0) {
		log_warn("rollout %lu: unable to record it (%s); not rebooting",
			(unsigned long)nc->image_rollout, strerror(-e));
		rollout_status(nc, -1, LETHE_ROLLOUT_REFUSED, "unable to record the rollout: %s",
			strerror(-e));
		return;
	}
	log_info("rollout %lu: release %s (epoch %llu) is approved and the window is open: "
		"draining tor, saving its state, rebooting", (unsigned long)nc->image_rollout,
		nc->image_version, (unsigned long long)nc->image_epoch);
	rollout_status(nc, nc->image_rollout, LETHE_ROLLOUT_DRAINING,
		"rebooting into %s (epoch %llu)", nc->image_version, (unsigned long long)nc->image_epoch);
	r->going = 1;
	loop_shutdown(l, SIGINT);
}

/* The minutes from now (UTC) to the window's start, 0 inside it. */
static unsigned rollout_to_window(struct nodeconf const *nc)
{
	time_t t = time(NULL);
	struct tm tm;
	unsigned m;

	if (!gmtime_r(&t, &tm))
		return 1;
	m = (unsigned)tm.tm_hour * 60u + (unsigned)tm.tm_min;
	if (nodeconf_window_in(nc->window_start, nc->window_end, m))
		return 0;
	return (nc->window_start + 1440u - m) % 1440u;
}

static void rollout_window(struct rollout *r, struct loop *l, struct nodeconf const *nc, int64_t done)
{
	unsigned wait = nc->window ? rollout_to_window(nc) : 1;

	if (!nc->window) {
		/* configpull never writes a rollout without a window */
		rollout_status(nc, done, LETHE_ROLLOUT_REFUSED, "the document names no window");
		return;
	}
	if (wait == 0) {
		rollout_go(r, l, nc, done);
		return;
	}
	rollout_status(nc, done, LETHE_ROLLOUT_WAITING,
		"approved; outside the window %02u:%02u-%02u:%02u UTC (opens in %u min)",
		nc->window_start / 60u, nc->window_start % 60u, nc->window_end / 60u,
		nc->window_end % 60u, wait);
	/* the check's timer wakes us when the window opens (second 0 of that
	 * minute or a little later: the current second is not subtracted) */
	loop_timer(l, r->svc, loop_now_ms() + (uint64_t)wait * 60000u);
}

void rollout_consider(struct rollout *r, struct loop *l, struct nodeconf const *nc)
{
	int64_t done = torstate_rollout_read();
	struct rollout_in in = {
		.wanted = nc->image_rollout, .epoch = nc->image_epoch, .own_epoch = r->own_epoch,
		.done = done, .authorized = r->authorized,
	};
	struct rollout_rel want = { .rollout = nc->image_rollout, .epoch = nc->image_epoch };
	struct super_params sp = {
		.min_ms = ROLLOUT_RECHECK_MS, .max_ms = ROLLOUT_RECHECK_MS, .stop_ms = 2000,
		.kill_ms = 2000, .run_ms = 30000,
	};
	int e;

	if (l->stop_signal)
		return;
	snprintf(want.version, sizeof want.version, "%s", nc->image_version);
	switch (rollout_decide(&in)) {
	case ROLLOUT_NONE:
		rollout_status(nc, done, LETHE_ROLLOUT_NONE, "%s", "");
		return;
	case ROLLOUT_CURRENT:
		rollout_status(nc, done, LETHE_ROLLOUT_CURRENT, nc->image_epoch <= r->own_epoch
			? "this image is not older than the wanted one" : "rollout already done on this node");
		return;
	case ROLLOUT_UNKNOWN:
		/* never twice for one rollout: unable to tell, count it as done */
		e = torstate_rollout_write(nc->image_rollout);
		log_warn("rollout %lu: this node's past rollouts are unknown (its tor state was not "
			"restored); not rebooting for it%s", (unsigned long)nc->image_rollout,
			e < 0 ? "" : " (recorded as done)");
		rollout_status(nc, e < 0 ? -1 : (int64_t)nc->image_rollout, LETHE_ROLLOUT_REFUSED,
			"past rollouts unknown: the tor state was not restored");
		return;
	case ROLLOUT_LITERAL:
		rollout_status(nc, done, LETHE_ROLLOUT_REFUSED,
			"sealed to literal PCRs: another image could not unseal this node's identities");
		return;
	case ROLLOUT_CHECK:
		break;
	}
	if (rollout_same(&want, &r->refused)) {
		rollout_status(nc, done, LETHE_ROLLOUT_REFUSED,
			"no approval or logged release for %s epoch %llu (tpmseal approved)",
			want.version, (unsigned long long)want.epoch);
		return;
	}
	if (rollout_same(&want, &r->approved)) {
		rollout_window(r, l, nc, done);
		return;
	}
	r->filled = want;
	snprintf(r->epoch_arg, sizeof r->epoch_arg, "%llu", (unsigned long long)want.epoch);
	rollout_status(nc, done, LETHE_ROLLOUT_WAITING, "checking the approval of %s epoch %llu",
		want.version, (unsigned long long)want.epoch);
	if (r->svc != SIZE_MAX) {
		loop_kick(l, r->svc);
		return;
	}
	/* its name is its lines' SOURCE in the log pipe: [a-z0-9.] */
	if (loop_add(l, "rollout", r->argv, &sp) < 0) {
		log_warn("rollout: unable to add the approval check; not rebooting");
		return;
	}
	r->svc = l->n - 1;
	l->svc[r->svc].periodic = 1;
}

void rollout_event(struct rollout *r, struct loop *l, enum loop_hook_event ev, int st,
	struct nodeconf const *nc)
{
	switch (ev) {
	case LOOP_HOOK_SPAWN:
		r->spawned = r->filled;
		return;
	case LOOP_HOOK_EXIT:
		if (WIFEXITED(st) && WEXITSTATUS(st) == LETHE_EXIT_OK) {
			r->approved = r->spawned;
			memset(&r->refused, 0, sizeof r->refused);
		} else if (WIFEXITED(st) && WEXITSTATUS(st) == LETHE_EXIT_REFUSED) {
			log_warn("rollout %lu: release %s epoch %llu has no approval or logged release "
				"for this node's key and log; not rebooting", (unsigned long)r->spawned.rollout,
				r->spawned.version, (unsigned long long)r->spawned.epoch);
			r->refused = r->spawned;
			memset(&r->approved, 0, sizeof r->approved);
		} else {
			log_warn("rollout: the approval check failed (%s %d); again in %u s",
				WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
				ROLLOUT_RECHECK_MS / 1000u);
		}
		rollout_consider(r, l, nc);
		return;
	case LOOP_HOOK_TIMER:
		rollout_consider(r, l, nc);
		return;
	default:
		return;
	}
}
