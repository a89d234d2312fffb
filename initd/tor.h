/* The tor instances: started once the boot pipeline's last step (tpmseal)
 * is done, one supervised service per instance of node.conf, each from a
 * private copy of its rendered torrc; and the periodic re-pull, which
 * SIGHUPs or restarts only the instances whose torrc changed.  Runs as the
 * hook of the event loop (struct loop.hook). */
#ifndef INITD_TOR_H
#define INITD_TOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "loop.h"
#include "nodeconf.h"

#define TOR_PATH_MAX 200
#define TOR_UID 100
#define TOR_GID 100

struct tor_paths {
	char const *conf_dir;   /* configpull's output: node.conf, torrc.NAME */
	char const *run_dir;    /* the copies tor runs from (tor rereads them on SIGHUP) */
	char const *data_dir;   /* DataDirectory base: DIR/NAME, 0700, tor's */
	char const *lib_dir;    /* where the allocators live */
	char const *tor;        /* the tor binary */
	char **pull_argv;       /* configpull pull ..., static */
	uint32_t refresh_ms;    /* 0: node.conf's refresh_interval; tests set it */
	int chown;              /* give DataDirectories to TOR_UID (as root) */
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
};

struct tor {
	struct tor_paths p;
	size_t gate;                      /* the step after which tor may start */
	size_t pull;                      /* the re-pull service, SIZE_MAX: none yet */
	int started;
	int marked_exec, marked_ready, marked_all;
	int zram_done;                    /* applied after the first configpull (PID 1) */
	uint32_t queues_mib;              /* MaxMemInQueues appended (0: none) */
	struct nodeconf nc;
	struct tor_inst inst[NODECONF_INSTANCES_MAX];
	char env_preload[TOR_PATH_MAX + 16];
	char env_conf[96];
	char *verify_env[3];
};

/* Becomes l's hook: tor starts after step gate is done.  Returns 0 or
 * -EINVAL (paths too long). */
int tor_setup(struct tor *t, struct loop *l, struct tor_paths const *p, size_t gate);

/* PID 1: the sd_notify socket tor reaches after dropping to its user:
 * dir (created 0750 root:gid) / "notify", 0660 root:gid (gid: TOR_GID;
 * tests pass the host's debian-tor group).  Only services added
 * afterwards (the tor instances) get NOTIFY_SOCKET.  Returns 0 or a
 * negative errno. */
int tor_notify_open(struct loop *l, char const *dir, gid_t gid);

#endif
