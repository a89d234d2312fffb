#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "file.h"
#include "log.h"
#include "mem.h"
#include "tor.h"

/* /proc/PID/maps of tor is some 30 KB; the allocator is mapped with the
 * other libraries, well inside this. */
#define TOR_MAPS_MAX 131072
/* After a spawn: when tor has long exec'd and mapped its libraries. */
#define TOR_MAPS_DELAY_MS 1000

/* room for the lines lethe appends (tor_effective) */
#define TOR_APPEND_MAX 128
static char tor_buf_a[TORRC_BYTES_MAX + TOR_APPEND_MAX], tor_buf_b[TORRC_BYTES_MAX + TOR_APPEND_MAX];

int tor_conf_load(struct tor const *t, struct nodeconf *nc)
{
	char path[TOR_PATH_MAX + 16];
	struct nodeconf_error err;
	long n;

	snprintf(path, sizeof path, "%s/node.conf", t->p.conf_dir);
	n = file_read(path, tor_buf_a, NODECONF_BYTES_MAX);
	if (n < 0) {
		log_fatal("unable to read %s: %s", path, strerror((int)-n));
		return -1;
	}
	if (nodeconf_parse(tor_buf_a, (size_t)n, nc, &err) < 0) {
		if (err.line)
			log_fatal("unable to parse %s: line %zu: %s", path, err.line, err.what);
		else
			log_fatal("unable to parse %s: %s", path, err.what);
		return -1;
	}
	return 0;
}

/* The rendered torrc of instance k into tor_buf_a; its length or -1. */
static long tor_read_rendered(struct tor const *t, size_t k)
{
	char path[TOR_PATH_MAX + 32];
	long n;

	snprintf(path, sizeof path, "%s/torrc.%s", t->p.conf_dir, t->nc.name[k]);
	n = file_read(path, tor_buf_a, TORRC_BYTES_MAX);
	if (n < 0) {
		log_warn("unable to read %s: %s", path, strerror((int)-n));
		return n;
	}
	/* what lethe adds unless the operator set it (docs/performance.md);
	 * the running copy holds it too, so it never reads as a change */
	if (t->queues_mib && !mem_torrc_sets(tor_buf_a, (size_t)n, "MaxMemInQueues")) {
		if (n > 0 && tor_buf_a[n - 1] != '\n')
			tor_buf_a[n++] = '\n';
		n += snprintf(tor_buf_a + n, TOR_APPEND_MAX - 1,
			"# lethe: (MemTotal - 1 GiB) / instances / 2\nMaxMemInQueues %u MB\n",
			(unsigned)t->queues_mib);
	}
	return n;
}

/* Before each start: the private torrc copy and the DataDirectory. */
static int tor_prepare(struct tor *t, size_t k)
{
	char dir[TOR_PATH_MAX + 32];
	long n = tor_read_rendered(t, k);
	int r;

	if (n < 0)
		return -1;
	r = file_write(t->inst[k].torrc, tor_buf_a, (size_t)n, 0644);
	if (r < 0) {
		log_warn("unable to write %s: %s", t->inst[k].torrc, strerror(-r));
		return -1;
	}
	snprintf(dir, sizeof dir, "%s/%s", t->p.data_dir, t->nc.name[k]);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		log_warn("unable to create %s: %s", dir, strerror(errno));
		return -1;
	}
	/* tor refuses a DataDirectory that is not its own user's, 0700;
	 * instance k runs as uid LETHE_TOR_UID + k (configpull renders its User) */
	if ((t->p.chown && chown(dir, LETHE_TOR_UID + (uid_t)k, LETHE_TOR_GID) < 0) ||
	    chmod(dir, 0700) < 0) {
		log_warn("unable to give %s to tor: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static void tor_check_alloc(struct tor *t, struct loop *l, size_t k)
{
	static char maps[TOR_MAPS_MAX];
	struct loop_svc *s = &l->svc[t->inst[k].svc];
	enum alloc_kind want = nodeconf_alloc_kind(t->nc.alloc), got;
	char path[64];
	long n;

	if (s->sv.state != SUPER_UP)
		return;
	snprintf(path, sizeof path, "/proc/%ld/maps", (long)s->sv.pid);
	/* the libraries are in the first part */
	n = file_read_head(path, maps, sizeof maps);
	if (n < 0) {
		log_warn("%s: unable to read %s: %s", s->name, path, strerror((int)-n));
		return;
	}
	got = alloc_from_maps(maps, (size_t)n);
	t->inst[k].mapped = got == want ? TOR_MAPPED_YES : TOR_MAPPED_NO;
	if (got == want)
		log_info("%s: allocator %s", s->name, alloc_name(got));
	else
		log_warn("%s: allocator %s, not %s: LD_PRELOAD failed", s->name,
			alloc_name(got), nodeconf_alloc_name(t->nc.alloc));
}

/* When every instance is ready: each one's identity (DataDirectory/
 * fingerprint, fingerprint-ed25519; root reads them) and initd's RSS. */
static void tor_all_ready(struct tor *t, struct loop *l)
{
	static char const *const files[] = { "fingerprint", "fingerprint-ed25519" };
	char path[TOR_PATH_MAX + 64], buf[MEM_MEMINFO_BYTES];
	uint64_t kib;
	size_t k, f;
	long n;

	for (k = 0; k < t->nc.n; k++)
		for (f = 0; f < 2; f++) {
			snprintf(path, sizeof path, "%s/%s/%s", t->p.data_dir, t->nc.name[k], files[f]);
			n = file_read_head(path, buf, 200);
			if (n <= 0)
				continue;
			while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
				n--;
			log_info("%s: identity %s%.*s", l->svc[t->inst[k].svc].name,
				f ? "ed25519 " : "", (int)n, buf);
		}
	n = file_read_head("/proc/self/status", buf, sizeof buf);
	if (n > 0 && mem_parse_kb(buf, (size_t)n, "VmRSS:", &kib) == 0)
		log_info("ready: initd rss %llu kB", (unsigned long long)kib);
	else
		log_info("ready");
}

static void tor_ready(struct tor *t, struct loop *l)
{
	size_t k;

	if (!t->marked_ready) {
		log_mark("tor-ready");
		t->marked_ready = 1;
	}
	if (t->marked_all)
		return;
	for (k = 0; k < t->nc.n; k++)
		if (!l->svc[t->inst[k].svc].ready)
			return;
	t->marked_all = 1;
	log_mark("ready");
	tor_all_ready(t, l);
}

/* The nearest of instance k's own deadlines as its loop timer. */
static void tor_arm(struct tor *t, struct loop *l, size_t k)
{
	struct tor_inst *in = &t->inst[k];
	uint64_t at = SUPER_NO_DEADLINE;

	if (in->maps_due)
		at = in->maps_due;
	if (in->verify_pid && in->verify_due < at)
		at = in->verify_due;
	loop_timer(l, in->svc, at);
}

/* The options lethe's command line gives every tor it runs, after "-f
 * torrc" (tor's command line beats its torrc: the operator's, not the
 * config server's), NULL-terminated at argv[0..4].  The same for the
 * instance and for --verify-config, so that what is verified is what runs
 * (TestingTorNetwork changes other options' defaults). */
static void tor_argv_tail(struct tor const *t, char **argv)
{
	size_t a = 0;

	if (t->p.offline) {
		argv[a++] = "--DisableNetwork";
		argv[a++] = "1";
	} else if (t->p.testnet_dirauth) {
		argv[a++] = "--TestingTorNetwork";
		argv[a++] = "1";
		argv[a++] = "--DirAuthority";
		argv[a++] = (char *)t->p.testnet_dirauth;
	}
	argv[a] = NULL;
}

/* tor --verify-config -f torrc.NAME.new as a child with a deadline, as
 * root like tor itself, with the allocator's environment and nothing
 * else; its own session, so that the deadline kills all of it.  Returns
 * the pid or -1. */
static pid_t tor_verify_spawn(struct tor *t, size_t k)
{
	struct tor_inst *in = &t->inst[k];
	pid_t pid;

	in->verify_argv[0] = (char *)t->p.tor;
	in->verify_argv[1] = "--verify-config";
	in->verify_argv[2] = "--hush";
	in->verify_argv[3] = "-f";
	in->verify_argv[4] = in->torrc_new;
	tor_argv_tail(t, &in->verify_argv[5]);
	pid = fork();
	if (pid == 0) {
		loop_child_reset();
		execve(in->verify_argv[0], in->verify_argv, t->verify_env);
		dprintf(2, "initd: warning: unable to exec %s: %s\n", in->verify_argv[0],
			strerror(errno));
		_exit(127);
	}
	return pid;
}

/* A changed torrc for instance k (in tor_buf_a, len bytes): staged as
 * torrc.NAME.new and verified by tor before the instance is touched. */
static void tor_verify_start(struct tor *t, struct loop *l, size_t k, size_t len, int restart)
{
	struct tor_inst *in = &t->inst[k];
	struct loop_svc *s = &l->svc[in->svc];
	int r;

	if (in->verify_pid) {
		/* a newer configuration replaces the one being verified */
		kill(-in->verify_pid, SIGKILL);
		kill(in->verify_pid, SIGKILL);
		in->verify_pid = 0;
	}
	r = file_write(in->torrc_new, tor_buf_a, len, 0644);
	if (r < 0) {
		log_warn("%s: unable to write %s: %s", s->name, in->torrc_new, strerror(-r));
		return;
	}
	in->verify_pid = tor_verify_spawn(t, k);
	if (in->verify_pid < 0) {
		log_warn("%s: unable to run tor --verify-config: %s", s->name, strerror(errno));
		in->verify_pid = 0;
		unlink(in->torrc_new);
		return;
	}
	in->verify_for = s->sv.pid;
	in->verify_restart = restart;
	in->verify_due = loop_now_ms() + TOR_VERIFY_MS;
	log_info("%s: torrc changed; tor --verify-config (pid %ld)", s->name, (long)in->verify_pid);
	tor_arm(t, l, k);
}

/* The verdict of tor --verify-config for instance k (wait status st). */
static void tor_verify_done(struct tor *t, struct loop *l, size_t k, int st)
{
	struct tor_inst *in = &t->inst[k];
	struct loop_svc *s = &l->svc[in->svc];

	in->verify_pid = 0;
	tor_arm(t, l, k);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		unlink(in->torrc_new);
		if (WIFSIGNALED(st))
			log_fatal("%s: NEW TORRC NOT APPLIED: tor --verify-config killed by signal %d; "
				"the running instance keeps its configuration", s->name, WTERMSIG(st));
		else
			log_fatal("%s: NEW TORRC REFUSED by tor --verify-config (exit %d); "
				"the running instance keeps its configuration", s->name, WEXITSTATUS(st));
		return;
	}
	if (s->sv.state != SUPER_UP || s->sv.pid != in->verify_for) {
		/* it restarted meanwhile, from a fresh copy */
		unlink(in->torrc_new);
		return;
	}
	if (rename(in->torrc_new, in->torrc) < 0) {
		log_warn("%s: unable to rename %s: %s", s->name, in->torrc_new, strerror(errno));
		unlink(in->torrc_new);
		return;
	}
	if (in->verify_restart) {
		/* SIGINT: the supervisor restarts it from the new copy */
		log_info("%s: torrc changed: restart (SIGINT to pid %ld)", s->name, (long)s->sv.pid);
		kill(s->sv.pid, SIGINT);
	} else {
		log_info("%s: torrc changed (reloadable options): SIGHUP", s->name);
		kill(s->sv.pid, SIGHUP);
	}
}

/* MaxMemInQueues per instance, from MemTotal and the instance count. */
static void tor_size(struct tor *t)
{
	char buf[MEM_MEMINFO_BYTES];
	uint64_t kib;
	long n = file_read_head("/proc/meminfo", buf, sizeof buf);

	if (n < 0 || mem_parse_kb(buf, (size_t)n, "MemTotal:", &kib) < 0) {
		log_warn("tor: unable to read MemTotal from /proc/meminfo; no MaxMemInQueues added");
		t->queues_mib = 0;
		return;
	}
	t->queues_mib = mem_queues_mib(kib, (unsigned)t->nc.n);
	log_info("tor: MaxMemInQueues %u MB per instance (MemTotal %llu MB, %zu instance(s)) "
		"unless its torrc sets it", (unsigned)t->queues_mib,
		(unsigned long long)(kib / 1024u), t->nc.n);
}

int tor_start(struct tor *t, struct loop *l)
{
	struct super_params tp = {
		/* stop: tor's ShutdownWaitLength (30 s) plus a grace period */
		.min_ms = 1000, .max_ms = 60000, .stable_ms = 600000, .stop_ms = 40000,
		.kill_ms = 5000, .crash_n = 5, .crash_window_ms = 600000,
	};
	char const *lib;
	unsigned cores;
	size_t k;

	if (tor_conf_load(t, &t->nc) < 0) {
		log_fatal("tor: not started (fail closed)");
		return -1;
	}
	lib = nodeconf_alloc_lib(t->nc.alloc);
	t->env_preload[0] = t->env_conf[0] = '\0';
	if (lib)
		snprintf(t->env_preload, sizeof t->env_preload, "LD_PRELOAD=%s/%s", t->p.lib_dir, lib);
	/* Defaults measured in docs/performance.md: jemalloc returns freed pages
	 * from a background thread, not tor's; mimalloc 2.0.9 (image/mimalloc,
	 * built from Debian's source) runs with its defaults (it silently
	 * ignores options it does not know). */
	if (t->nc.alloc == NODECONF_ALLOC_JEMALLOC)
		snprintf(t->env_conf, sizeof t->env_conf,
			"MALLOC_CONF=background_thread:true,dirty_decay_ms:5000,muzzy_decay_ms:5000");
	log_info("tor: %zu instance(s), allocator %s", t->nc.n, nodeconf_alloc_name(t->nc.alloc));
	tor_size(t);
	k = 0;
	if (lib)
		t->verify_env[k++] = t->env_preload;
	if (t->env_conf[0])
		t->verify_env[k++] = t->env_conf;
	t->verify_env[k] = NULL;
	{
		cpu_set_t set;

		cores = sched_getaffinity(0, sizeof set, &set) == 0 ? (unsigned)CPU_COUNT(&set) : 1;
	}
	if (mem_cpus(0, (unsigned)t->nc.n, cores))
		log_info("tor: %u cores: each instance pinned to its own round-robin set", cores);
	for (k = 0; k < t->nc.n; k++) {
		struct tor_inst *in = &t->inst[k];
		char name[LOOP_NAME_MAX + 1];

		snprintf(name, sizeof name, "tor.%s", t->nc.name[k]);
		snprintf(in->torrc, sizeof in->torrc, "%s/torrc.%s", t->p.run_dir, t->nc.name[k]);
		snprintf(in->torrc_new, sizeof in->torrc_new, "%s.new", in->torrc);
		in->argv[0] = (char *)t->p.tor;
		in->argv[1] = "-f";
		in->argv[2] = in->torrc;
		tor_argv_tail(t, &in->argv[3]);
		if (loop_add(l, name, in->argv, &tp) < 0) {
			log_fatal("unable to add %s", name);
			continue;
		}
		in->svc = l->n - 1;
		if (lib)
			loop_setenv(l, in->svc, t->env_preload);
		if (t->env_conf[0])
			loop_setenv(l, in->svc, t->env_conf);
		if (l->notify_fd >= 0)
			loop_watchdog(l, in->svc, t->p.watchdog_ms ? t->p.watchdog_ms : TOR_WATCHDOG_MS);
		l->svc[in->svc].oom_adj = TOR_OOM_ADJ;
		l->svc[in->svc].cpus = mem_cpus((unsigned)k, (unsigned)t->nc.n, cores);
	}
	t->started = 1;
	return 0;
}

/* The index of name in nc, or SIZE_MAX. */
static size_t tor_index(struct nodeconf const *nc, char const *name)
{
	size_t k;

	for (k = 0; k < nc->n; k++)
		if (strcmp(nc->name[k], name) == 0)
			return k;
	return SIZE_MAX;
}

void tor_reconcile(struct tor *t, struct loop *l)
{
	struct nodeconf nc;
	size_t k;

	if (tor_conf_load(t, &nc) < 0)
		return;
	/* new instances have no unsealed keys: never start them with keys
	 * tor would make up */
	for (k = 0; k < nc.n; k++)
		if (tor_index(&t->nc, nc.name[k]) == SIZE_MAX)
			log_warn("tor.%s: a new instance; it starts at the next boot, with sealed keys",
				nc.name[k]);
	if (nc.alloc != t->nc.alloc)
		log_warn("tor: the allocator changed; it takes effect at the next boot");
	for (k = 0; k < t->nc.n; k++) {
		struct loop_svc *s = &l->svc[t->inst[k].svc];
		size_t j = tor_index(&nc, t->nc.name[k]);
		long a, b;
		enum torrc_change ch;

		/* instance k's KeyDirectory and User follow its position
		 * (LETHE_KEYDIR/k, uid LETHE_TOR_UID + k): the torrc rendered for
		 * another position would give it another instance's keys */
		if (j != k) {
			log_warn("%s: %s in the node document: it keeps its running configuration "
				"until the next boot", s->name, j == SIZE_MAX ? "removed" : "moved");
			continue;
		}
		a = tor_read_rendered(t, k);
		if (a < 0)
			continue;
		b = file_read(t->inst[k].torrc, tor_buf_b, sizeof tor_buf_b);
		if (b < 0)
			b = 0; /* no copy: anything differs */
		ch = torrc_compare(tor_buf_b, (size_t)b, tor_buf_a, (size_t)a);
		/* the next start copies it anyway */
		if (ch != TORRC_SAME && s->sv.state == SUPER_UP)
			tor_verify_start(t, l, k, (size_t)a, ch == TORRC_RESTART);
	}
}

int tor_event(struct tor *t, struct loop *l, size_t i, enum loop_hook_event ev, int st)
{
	size_t k;

	if (t->started && ev == LOOP_HOOK_ORPHAN) {
		for (k = 0; k < t->nc.n; k++)
			if (t->inst[k].verify_pid && t->inst[k].verify_pid == l->reaped_pid)
				tor_verify_done(t, l, k, st);
		return 0;
	}
	for (k = 0; t->started && k < t->nc.n; k++) {
		struct tor_inst *in = &t->inst[k];

		if (in->svc != i)
			continue;
		if (ev == LOOP_HOOK_SPAWN) {
			if (tor_prepare(t, k) < 0)
				return -1;
			if (!t->marked_exec) {
				log_mark("tor-exec");
				t->marked_exec = 1;
			}
			in->maps_due = loop_now_ms() + TOR_MAPS_DELAY_MS;
			in->mapped = TOR_MAPPED_UNKNOWN;
			tor_arm(t, l, k);
		} else if (ev == LOOP_HOOK_TIMER) {
			uint64_t now = loop_now_ms();

			if (in->maps_due && in->maps_due <= now) {
				in->maps_due = 0;
				tor_check_alloc(t, l, k);
			}
			if (in->verify_pid && in->verify_due <= now) {
				log_warn("%s: tor --verify-config still running after %u ms; SIGKILL",
					l->svc[i].name, (unsigned)TOR_VERIFY_MS);
				kill(-in->verify_pid, SIGKILL);
				kill(in->verify_pid, SIGKILL);
				in->verify_due = SUPER_NO_DEADLINE - 1;
			}
			tor_arm(t, l, k);
		} else if (ev == LOOP_HOOK_READY) {
			tor_ready(t, l);
		}
		return 0;
	}
	return 0;
}

int tor_setup(struct tor *t, struct tor_paths const *p)
{
	memset(t, 0, sizeof *t);
	if (strlen(p->conf_dir) > 100 || strlen(p->run_dir) > 100 || strlen(p->data_dir) > 100 ||
	    strlen(p->lib_dir) > 100)
		return -EINVAL;
	t->p = *p;
	return 0;
}

int tor_notify_open(struct loop *l, char const *dir, gid_t gid)
{
	char path[TOR_PATH_MAX];
	int r;

	if ((size_t)snprintf(path, sizeof path, "%s/notify", dir) >= sizeof path)
		return -ENAMETOOLONG;
	/* 0750 root:debian-tor: tor reaches the socket after dropping root,
	 * nobody else does */
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return -errno;
	if (chown(dir, 0, gid) < 0 || chmod(dir, 0750) < 0)
		return -errno;
	unlink(path);
	r = loop_notify_open(l, path);
	if (r < 0)
		return r;
	/* connect(2) on a socket needs write permission on it */
	if (chown(path, 0, gid) < 0 || chmod(path, 0660) < 0)
		return -errno;
	return 0;
}

void tor_hup(struct tor *t, struct loop *l, char const *why)
{
	size_t k;

	for (k = 0; t->started && k < t->nc.n; k++) {
		struct loop_svc *s = &l->svc[t->inst[k].svc];

		if (s->sv.state == SUPER_UP) {
			log_info("%s: %s: SIGHUP", s->name, why);
			kill(s->sv.pid, SIGHUP);
		}
	}
}
