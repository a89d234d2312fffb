/* initd's boot pipeline in one place: the step table
 *
 *   network -> clock -> configpull -> tpmseal -> torstate -> tor instances
 *
 * each step a one-shot service of the loop with a deadline, retried with
 * backoff until it succeeds, each started only when the one before it is
 * done; and what follows each step's first success:
 *
 *   network     the DHCP lease renewal (a supervised `udhcpc -f`)
 *   configpull  zram (once), the node's sysctls and addresses (sysctl.h,
 *               addr.h) and its resolver (resolver.h: unbound, before
 *               tor), then after every re-pull that changed something;
 *               lethe-telemetry (agent.h), once
 *   tpmseal     the tor state's restore (lethe-state: torstate.h), or
 *               without it what follows the restore
 *   torstate    the tor instances (tor.h), the periodic re-pull and the
 *               state's periodic save; then after every pull the
 *               rollout's verdict (rollout.h)
 *
 * The restore is a step that never keeps tor down: its verdicts (refused,
 * nothing to restore) count as done, and it is given up after
 * TORSTATE_RESTORE_TRIES failed runs.
 *
 * PID 1 (pid1.c) and the test entry point (initd --supervise-tor,
 * subreaper.c) both build their pipeline here; only PID 1 sets `host`,
 * which lets the pipeline change the machine (zram, /proc/sys, addresses,
 * the resolver, the lease).  The pipeline is the loop's hook (struct loop.hook), and
 * so it tells the status file (status.h) what ran and writes it once per
 * loop round. */
#ifndef INITD_PIPELINE_H
#define INITD_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "loop.h"
#include "net.h"
#include "resolver.h"
#include "rollout.h"
#include "sysctl.h"
#include "tor.h"

enum pipeline_step {
	PIPELINE_NET, PIPELINE_CLOCK, PIPELINE_PULL, PIPELINE_SEAL, PIPELINE_STATE, PIPELINE_N
};

struct pipeline {
	size_t step[PIPELINE_N];     /* loop index, SIZE_MAX: not in this pipeline */
	size_t last;                 /* the step added last, SIZE_MAX: none */
	size_t repull;               /* the re-pull service, SIZE_MAX: not yet */
	unsigned done;               /* bit per step: its first success is behind us */
	int host;                    /* PID 1: zram, sysctls, addresses, the resolver, the lease */
	char ifname[NET_IFNAME_MAX + 1]; /* the network step's interface ("" none) */
	char const *dhcp_script;     /* DHCP: the renewal's script (NULL: static/none) */
	char *const *pull_argv;      /* the re-pull runs the configpull step's argv */
	char *const *agent_argv;     /* lethe-telemetry after the first pull (NULL: none) */
	char *const *save_argv;      /* lethe-state save (NULL: no restore step, no save) */
	uint32_t save_s;             /* the periodic save's interval (torstate.h) */
	size_t saver;                /* the periodic save, SIZE_MAX: not yet */
	unsigned state_fails;        /* failed runs of the restore step */
	struct rollout rollout;
	struct nodeconf now;         /* node.conf of the newest pull, for the rollout */
	uint32_t refresh_ms;         /* 0: node.conf's refresh_interval; tests set it */
	struct sysctl_node sys;
	struct addr_set addrs;
	struct resolver dns;         /* unbound and tor's resolv.conf (resolver.h) */
	struct tor tor;
};

/* An empty pipeline (every step absent) over tor paths tp.  Returns 0 or
 * -EINVAL (tor_setup). */
int pipeline_init(struct pipeline *p, struct tor_paths const *tp);

/* Adds step s as a one-shot service (argv static), after the step added
 * before it.  Returns 0 or a negative errno (loop_add). */
int pipeline_add(struct pipeline *p, struct loop *l, enum pipeline_step s, char const *name,
	char *const argv[], struct super_params const *sp);

/* A step that this boot has not (lethe.net=none): its marker now. */
void pipeline_skip(struct pipeline *p, enum pipeline_step s);

/* The status file's stage: the first step of this pipeline not done yet
 * ("network", "clock", "config", "keys", "state"), "tor" once all are. */
char const *pipeline_stage(struct pipeline const *p);

/* Makes p the loop's hook (l->hook, l->ctx). */
void pipeline_attach(struct pipeline *p, struct loop *l);

#endif
