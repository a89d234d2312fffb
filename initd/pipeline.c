#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "agent.h"
#include "file.h"
#include "lethe_exit.h"
#include "log.h"
#include "mem.h"
#include "pipeline.h"
#include "status.h"
#include "torstate.h"
#include "zram.h"

/* The boot timeline's marker per step (LETHE-MARK, docs/performance.md). */
static char const *const pipeline_marks[PIPELINE_N] = {
	"network", "clock", "config", "keys", "state",
};

int pipeline_init(struct pipeline *p, struct tor_paths const *tp)
{
	size_t k;

	memset(p, 0, sizeof *p);
	for (k = 0; k < PIPELINE_N; k++)
		p->step[k] = SIZE_MAX;
	p->last = p->repull = p->saver = SIZE_MAX;
	p->rollout.svc = SIZE_MAX;
	resolver_init(&p->dns);
	return tor_setup(&p->tor, tp);
}

int pipeline_add(struct pipeline *p, struct loop *l, enum pipeline_step s, char const *name,
	char *const argv[], struct super_params const *sp)
{
	int r = loop_add(l, name, argv, sp);

	if (r < 0)
		return r;
	if (p->last != SIZE_MAX)
		loop_after(l, l->n - 1, p->last);
	p->step[s] = p->last = l->n - 1;
	if (s == PIPELINE_PULL)
		p->pull_argv = argv;
	return 0;
}

char const *pipeline_stage(struct pipeline const *p)
{
	size_t s;

	for (s = 0; s < PIPELINE_N; s++)
		if (p->step[s] != SIZE_MAX && !(p->done & (1u << s)))
			return pipeline_marks[s];
	return "tor";
}

void pipeline_skip(struct pipeline *p, enum pipeline_step s)
{
	p->done |= 1u << s;
	log_mark(pipeline_marks[s]);
}

/* After the first successful configpull: zram as node.conf says (never
 * fatal: a relay without swap still runs). */
static void pipeline_zram(struct nodeconf const *nc)
{
	char moddir[128], buf[MEM_MEMINFO_BYTES];
	struct zram_paths zp = {
		.block = "/sys/block/zram0", .dev = "/dev/zram0", .moddir = moddir,
		.proc_sys = "/proc/sys", .swapon = 1,
	};
	struct utsname u;
	uint64_t kib;
	long n = file_read_head("/proc/meminfo", buf, sizeof buf);

	if (!nc->zram)
		return;
	if (n < 0 || mem_parse_kb(buf, (size_t)n, "MemTotal:", &kib) < 0) {
		log_warn("zram: unable to read MemTotal; no zram");
		return;
	}
	if (uname(&u) < 0 || (size_t)snprintf(moddir, sizeof moddir, "/usr/lib/modules/%s",
	    u.release) >= sizeof moddir)
		zp.moddir = NULL;
	zram_setup(&zp, nc->zram_algorithm, mem_zram_mib(kib, nc->zram_size_mib));
}

/* node.conf's settings for this machine, after every configpull that
 * changed it (the first one included): sysctls, addresses and the
 * resolver before tor starts or reloads, so that it binds, tunes and
 * resolves with them. */
static void pipeline_node(struct pipeline *p, struct loop *l, int first)
{
	static struct nodeconf nc;
	size_t k;

	if (!p->host || tor_conf_load(&p->tor, &nc) < 0)
		return;
	if (first)
		pipeline_zram(&nc);
	sysctl_apply_node("/proc/sys", nc.sys, nc.nsys, &p->sys);
	if (p->ifname[0])
		addr_apply(p->ifname, &nc, &p->addrs);
	else
		for (k = 0; k < nc.n; k++)
			if (nc.naddr[k]) {
				log_warn("network: no interface (lethe.net=none): the node "
					"document's addresses are not configured");
				break;
			}
	/* tor rereads its resolv.conf on SIGHUP (dns_reset) */
	if (resolver_apply(&p->dns, l, &nc, first) && p->tor.started)
		tor_hup(&p->tor, l, "its resolvers changed");
}

/* The re-pull: the backoff with min = max is the interval, with jitter in
 * [interval/2, interval]; no crash verdict. */
static void pipeline_repull_add(struct pipeline *p, struct loop *l)
{
	struct super_params pp = { .stop_ms = 5000, .kill_ms = 2000, .run_ms = 120000 };
	uint32_t refresh = p->refresh_ms ? p->refresh_ms : p->tor.nc.refresh_s * 1000u;

	if (!p->pull_argv)
		return;
	pp.min_ms = pp.max_ms = refresh;
	if (loop_add(l, "repull", p->pull_argv, &pp) < 0) {
		log_warn("repull: unable to add it; the configuration stays as it is");
		return;
	}
	p->repull = l->n - 1;
	l->svc[p->repull].periodic = 1;
	l->svc[p->repull].not_before_ms = loop_now_ms() + refresh;
}

/* The rollout's verdict over the node.conf in place now (tor's own copy
 * is the one its instances started with). */
static void pipeline_rollout(struct pipeline *p, struct loop *l)
{
	p->rollout.tor_ready = p->tor.marked_all;
	if (tor_conf_load(&p->tor, &p->now) == 0)
		rollout_consider(&p->rollout, l, &p->now);
}

static void pipeline_repulled(struct pipeline *p, struct loop *l, int st)
{
	if (WIFEXITED(st) && WEXITSTATUS(st) == CP_EXIT_UNCHANGED) {
		if (l->debug)
			log_info("repull: configuration unchanged");
		/* the same document, a later hour: the window may be open now */
		pipeline_rollout(p, l);
	} else if (WIFEXITED(st) && WEXITSTATUS(st) == CP_EXIT_CHANGED) {
		log_info("repull: configuration changed");
		pipeline_node(p, l, 0);
		tor_reconcile(&p->tor, l);
		pipeline_rollout(p, l);
	} else if (WIFEXITED(st)) {
		log_warn("repull: failed; the running configuration stays (exit %d)",
			WEXITSTATUS(st));
	} else {
		log_warn("repull: failed; the running configuration stays");
	}
}

/* The keys are unsealed and the state restored (or not): tor, the
 * re-pull, the periodic save, and the rollout's first verdict. */
static void pipeline_tor(struct pipeline *p, struct loop *l)
{
	if (tor_start(&p->tor, l) < 0)
		return;
	pipeline_repull_add(p, l);
	if (p->save_argv)
		p->saver = torstate_saver_add(l, p->save_argv, p->save_s);
	pipeline_rollout(p, l);
}

/* The first success of step s (st: its last wait status). */
static void pipeline_done(struct pipeline *p, struct loop *l, enum pipeline_step s, int st)
{
	if (p->done & (1u << s))
		return;
	p->done |= 1u << s;
	log_mark(pipeline_marks[s]);
	switch (s) {
	case PIPELINE_NET:
		if (p->host && p->dhcp_script && net_renew_add(l, p->ifname, p->dhcp_script) < 0)
			log_warn("network: unable to add the lease renewal");
		break;
	case PIPELINE_PULL:
		pipeline_node(p, l, 1);
		if (p->agent_argv && agent_add(l, p->agent_argv) < 0)
			log_warn("telemetry: unable to add it; no lethe-telemetry");
		break;
	case PIPELINE_SEAL:
		if (p->step[PIPELINE_STATE] == SIZE_MAX)
			pipeline_tor(p, l);
		break;
	case PIPELINE_STATE:
		torstate_restored(st);
		pipeline_tor(p, l);
		break;
	default:
		break;
	}
}

static int pipeline_hook(struct loop *l, size_t i, enum loop_hook_event ev, int st)
{
	static enum status_run const runs[PIPELINE_N] = {
		STATUS_RUN_STEP, STATUS_RUN_STEP, STATUS_RUN_PULL, STATUS_RUN_UNSEAL, STATUS_RUN_STEP,
	};
	struct pipeline *p = l->ctx;
	size_t s;

	if (ev == LOOP_HOOK_IDLE) {
		status_flush();
		return 0;
	}
	/* the run's length: started_ms stays until the next spawn */
	for (s = 0; s < PIPELINE_N && (ev == LOOP_HOOK_DONE || ev == LOOP_HOOK_EXIT); s++)
		if (p->step[s] == i)
			status_ran(runs[s], l->svc[i].name, ev == LOOP_HOOK_DONE ? 0 : st,
				loop_now_ms() - l->svc[i].sv.started_ms);
	if (ev == LOOP_HOOK_DONE)
		for (s = 0; s < PIPELINE_N; s++)
			if (p->step[s] == i)
				pipeline_done(p, l, (enum pipeline_step)s, st);
	if (ev == LOOP_HOOK_EXIT && i == p->step[PIPELINE_STATE] &&
	    ++p->state_fails >= TORSTATE_RESTORE_TRIES)
		loop_step_skip(l, i, st);
	if (i == p->rollout.svc && p->rollout.svc != SIZE_MAX) {
		p->rollout.tor_ready = p->tor.marked_all;
		rollout_event(&p->rollout, l, ev, st, &p->now);
		return 0;
	}
	if (i == p->dns.svc && p->dns.svc != SIZE_MAX) {
		resolver_event(&p->dns, l, ev, st);
		return 0;
	}
	if (ev == LOOP_HOOK_EXIT && i == p->saver && p->saver != SIZE_MAX) {
		torstate_saved(st);
		return 0;
	}
	if (ev == LOOP_HOOK_EXIT && i == p->repull && p->repull != SIZE_MAX) {
		status_ran(STATUS_RUN_REPULL, l->svc[i].name, st,
			loop_now_ms() - l->svc[i].sv.started_ms);
		pipeline_repulled(p, l, st);
		return 0;
	}
	return tor_event(&p->tor, l, i, ev, st);
}

void pipeline_attach(struct pipeline *p, struct loop *l)
{
	l->hook = pipeline_hook;
	l->ctx = p;
}
