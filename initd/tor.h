/* The tor instances and nothing else: started by the boot pipeline
 * (pipeline.h) once tpmseal is done, one supervised service per instance
 * of node.conf, each from a private copy of its rendered torrc; after a
 * re-pull that changed something, only the instances whose torrc changed
 * get a SIGHUP or a restart, each after tor --verify-config. */
#ifndef INITD_TOR_H
#define INITD_TOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "loop.h"
#include "lethe_paths.h"
#include "nodeconf.h"

#define TOR_PATH_MAX 200

struct tor_paths {
	char const *conf_dir;   /* configpull's output: node.conf, torrc.NAME */
	char const *run_dir;    /* the copies tor runs from (tor rereads them on SIGHUP) */
	char const *data_dir;   /* DataDirectory base: DIR/NAME, 0700, tor's */
	char const *lib_dir;    /* where the allocators live */
	char const *tor;        /* the tor binary */
	int chown;              /* give DataDirectories to LETHE_TOR_UID + k (as root) */
	int offline;            /* tor ... --DisableNetwork 1 (lethe.offline) */
	char const *testnet_dirauth; /* tor ... --TestingTorNetwork 1 --DirAuthority
	                         * THIS (lethe.testnet); NULL: the public network */
	uint32_t watchdog_ms;   /* 0: TOR_WATCHDOG_MS (with a notify socket) */
};

/* Liveness: tor sends WATCHDOG=1 every half of WATCHDOG_USEC from its main
 * loop; a main loop stuck this long is hung. */
#define TOR_WATCHDOG_MS 180000
/* tor --verify-config before a reload or restart: its deadline */
#define TOR_VERIFY_MS 30000
/* tor instances' oom_score_adj (initd is -1000): docs/initd.md */
#define TOR_OOM_ADJ 100

struct tor_inst {
	size_t svc;                       /* loop index */
	char torrc[TOR_PATH_MAX];         /* run_dir/torrc.NAME */
	char torrc_new[TOR_PATH_MAX + 8]; /* run_dir/torrc.NAME.new, being verified */
	char *argv[10];
	char *verify_argv[10];
	pid_t verify_pid;                 /* tor --verify-config running, 0: none */
	pid_t verify_for;                 /* the instance's pid it was started for */
	int verify_restart;               /* then: restart (1) or SIGHUP (0) */
	uint64_t verify_due;              /* its deadline */
	uint64_t maps_due;                /* the allocator check (0: done) */
	int mapped;                       /* its outcome for this run: TOR_MAPPED_* */
};

enum { TOR_MAPPED_UNKNOWN, TOR_MAPPED_YES, TOR_MAPPED_NO };

struct tor {
	struct tor_paths p;
	int started;
	int marked_exec, marked_ready, marked_all;
	uint32_t queues_mib;              /* MaxMemInQueues appended (0: none) */
	struct nodeconf nc;
	struct tor_inst inst[NODECONF_INSTANCES_MAX];
	char env_preload[TOR_PATH_MAX + 16];
	char env_conf[96];
	char *verify_env[3];
};

/* Copies the paths.  Returns 0 or -EINVAL (paths too long). */
int tor_setup(struct tor *t, struct tor_paths const *p);

/* Reads and parses conf_dir/node.conf into nc; 0, or -1 (logged). */
int tor_conf_load(struct tor const *t, struct nodeconf *nc);

/* Adds one service per instance of node.conf, its stdout and stderr
 * through initd as every service's (console and log pipe, output.h).  0, or -1 when
 * node.conf is unreadable or invalid: then nothing starts (fail closed). */
int tor_start(struct tor *t, struct loop *l);

/* After a re-pull that changed node.conf or a torrc: each running
 * instance whose rendered torrc changed is verified, then gets a SIGHUP
 * (reloadable options) or a restart.  An instance removed from the
 * document or moved to another position keeps running as it is (its keys
 * and user follow its position), and a new instance waits for the next
 * boot (its keys are not unsealed): both are logged. */
void tor_reconcile(struct tor *t, struct loop *l);

/* SIGHUP to every running instance (logged with why): tor reloads its
 * configuration and rereads its resolv.conf. */
void tor_hup(struct tor *t, struct loop *l, char const *why);

/* The loop's events for the instances and their --verify-config
 * children; the pipeline's hook passes every event on.  Returns the
 * hook's value (nonzero on a SPAWN: the start failed). */
int tor_event(struct tor *t, struct loop *l, size_t i, enum loop_hook_event ev, int st);

/* PID 1: the sd_notify socket tor reaches after dropping to its user:
 * dir (created 0750 root:gid) / "notify", 0660 root:gid (gid: LETHE_TOR_GID;
 * tests pass the host's debian-tor group).  Only services added
 * afterwards (the tor instances) get NOTIFY_SOCKET.  Returns 0 or a
 * negative errno. */
int tor_notify_open(struct loop *l, char const *dir, gid_t gid);

#endif
