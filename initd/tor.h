/* The tor instances: started once the boot pipeline's last step (tpmseal)
 * is done, one supervised service per instance of node.conf, each from a
 * private copy of its rendered torrc; and the periodic re-pull, which
 * SIGHUPs or restarts only the instances whose torrc changed.  Runs as the
 * hook of the event loop (struct loop.hook). */
#ifndef INITD_TOR_H
#define INITD_TOR_H

#include <stddef.h>
#include <stdint.h>

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
};

struct tor_inst {
	size_t svc;                       /* loop index */
	char torrc[TOR_PATH_MAX];         /* run_dir/torrc.NAME */
	char *argv[4];
};

struct tor {
	struct tor_paths p;
	size_t gate;                      /* the step after which tor may start */
	size_t pull;                      /* the re-pull service, SIZE_MAX: none yet */
	int started;
	struct nodeconf nc;
	struct tor_inst inst[NODECONF_INSTANCES_MAX];
	char env_preload[TOR_PATH_MAX + 16];
	char env_conf[96];
};

/* Becomes l's hook: tor starts after step gate is done.  Returns 0 or
 * -EINVAL (paths too long). */
int tor_setup(struct tor *t, struct loop *l, struct tor_paths const *p, size_t gate);

#endif
