#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "log.h"
#include "tor.h"

/* /proc/PID/maps of tor is some 30 KB; the allocator is mapped with the
 * other libraries, well inside this. */
#define TOR_MAPS_MAX 131072
/* After a spawn: when tor has long exec'd and mapped its libraries. */
#define TOR_MAPS_DELAY_MS 1000

/* Reads at most max bytes of path (no symlink); returns the length or a
 * negative errno (-EFBIG if it is longer). */
static long tor_read(char const *path, char *buf, size_t max)
{
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), e;

	if (fd < 0)
		return -errno;
	while ((r = read(fd, buf + n, max - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = -errno;
			close(fd);
			return e;
		}
		n += (size_t)r;
		if (n == max) {
			char c;

			r = read(fd, &c, 1);
			close(fd);
			return r == 0 ? (long)n : -EFBIG;
		}
	}
	close(fd);
	return (long)n;
}

/* Writes buf to path through a temporary name in the same directory. */
static int tor_write(char const *path, char const *buf, size_t len, mode_t mode)
{
	char tmp[TOR_PATH_MAX + 8];
	size_t n = 0;
	ssize_t w;
	int fd, r = 0;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		return -ENAMETOOLONG;
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	while (n < len) {
		w = write(fd, buf + n, len - n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			r = -errno;
			goto fail;
		}
		n += (size_t)w;
	}
	if (fchmod(fd, mode) < 0 || close(fd) < 0) {
		r = -errno;
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		r = -errno;
		goto fail;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r;
}

static char tor_buf_a[TORRC_BYTES_MAX], tor_buf_b[TORRC_BYTES_MAX];

static int tor_nodeconf(struct tor const *t, struct nodeconf *nc)
{
	char path[TOR_PATH_MAX + 16];
	struct nodeconf_error err;
	long n;

	snprintf(path, sizeof path, "%s/node.conf", t->p.conf_dir);
	n = tor_read(path, tor_buf_a, NODECONF_BYTES_MAX);
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
	n = tor_read(path, tor_buf_a, sizeof tor_buf_a);
	if (n < 0)
		log_warn("unable to read %s: %s", path, strerror((int)-n));
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
	r = tor_write(t->inst[k].torrc, tor_buf_a, (size_t)n, 0644);
	if (r < 0) {
		log_warn("unable to write %s: %s", t->inst[k].torrc, strerror(-r));
		return -1;
	}
	snprintf(dir, sizeof dir, "%s/%s", t->p.data_dir, t->nc.name[k]);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		log_warn("unable to create %s: %s", dir, strerror(errno));
		return -1;
	}
	/* tor refuses a DataDirectory that is not its own user's, 0700 */
	if ((t->p.chown && chown(dir, TOR_UID, TOR_GID) < 0) || chmod(dir, 0700) < 0) {
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
	n = tor_read(path, maps, sizeof maps);
	if (n == -EFBIG)
		n = sizeof maps; /* the libraries are in the first part */
	if (n < 0) {
		log_warn("%s: unable to read %s: %s", s->name, path, strerror((int)-n));
		return;
	}
	got = alloc_from_maps(maps, (size_t)n);
	if (got == want)
		log_info("%s: allocator %s", s->name, alloc_name(got));
	else
		log_warn("%s: allocator %s, not %s: LD_PRELOAD failed", s->name,
			alloc_name(got), nodeconf_alloc_name(t->nc.alloc));
}

static void tor_start(struct tor *t, struct loop *l)
{
	struct super_params tp = {
		/* stop: tor's ShutdownWaitLength (30 s) plus a grace period */
		.min_ms = 1000, .max_ms = 60000, .stable_ms = 600000, .stop_ms = 40000,
		.kill_ms = 5000, .crash_n = 5, .crash_window_ms = 600000,
	};
	struct super_params pp = { .stop_ms = 5000, .kill_ms = 2000, .run_ms = 120000 };
	char const *lib;
	uint32_t refresh;
	size_t k;

	if (tor_nodeconf(t, &t->nc) < 0) {
		log_fatal("tor: not started (fail closed)");
		return;
	}
	lib = nodeconf_alloc_lib(t->nc.alloc);
	t->env_preload[0] = t->env_conf[0] = '\0';
	if (lib)
		snprintf(t->env_preload, sizeof t->env_preload, "LD_PRELOAD=%s/%s", t->p.lib_dir, lib);
	/* Defaults measured in docs/performance.md: jemalloc returns freed pages
	 * from a background thread, not tor's; bookworm's mimalloc 2.0.9 runs
	 * with its defaults (it silently ignores options it does not know). */
	if (t->nc.alloc == NODECONF_ALLOC_JEMALLOC)
		snprintf(t->env_conf, sizeof t->env_conf,
			"MALLOC_CONF=background_thread:true,dirty_decay_ms:5000,muzzy_decay_ms:5000");
	log_info("tor: %zu instance(s), allocator %s", t->nc.n, nodeconf_alloc_name(t->nc.alloc));
	for (k = 0; k < t->nc.n; k++) {
		struct tor_inst *in = &t->inst[k];
		char name[LOOP_NAME_MAX + 1];

		snprintf(name, sizeof name, "tor.%s", t->nc.name[k]);
		snprintf(in->torrc, sizeof in->torrc, "%s/torrc.%s", t->p.run_dir, t->nc.name[k]);
		in->argv[0] = (char *)t->p.tor;
		in->argv[1] = "-f";
		in->argv[2] = in->torrc;
		in->argv[3] = NULL;
		if (loop_add(l, name, in->argv, &tp) < 0) {
			log_fatal("unable to add %s", name);
			continue;
		}
		in->svc = l->n - 1;
		if (lib)
			loop_setenv(l, in->svc, t->env_preload);
		if (t->env_conf[0])
			loop_setenv(l, in->svc, t->env_conf);
	}
	t->started = 1;
	/* the re-pull: the backoff with min = max is the interval, with
	 * jitter in [interval/2, interval]; no crash verdict */
	refresh = t->p.refresh_ms ? t->p.refresh_ms : t->nc.refresh_s * 1000u;
	pp.min_ms = pp.max_ms = refresh;
	if (loop_add(l, "repull", t->p.pull_argv, &pp) == 0) {
		t->pull = l->n - 1;
		l->svc[t->pull].not_before_ms = loop_now_ms() + refresh;
	}
}

/* After a re-pull that changed something: only the instances whose torrc
 * changed are touched. */
static void tor_reconcile(struct tor *t, struct loop *l)
{
	struct nodeconf nc;
	size_t k;

	if (tor_nodeconf(t, &nc) < 0)
		return;
	if (nc.n != t->nc.n || memcmp(nc.name, t->nc.name, sizeof nc.name) != 0)
		/* new instances have no unsealed keys: never start them with
		 * keys tor would make up */
		log_warn("tor: the set of instances changed; it takes effect at the next boot");
	if (nc.alloc != t->nc.alloc)
		log_warn("tor: the allocator changed; it takes effect at the next boot");
	for (k = 0; k < t->nc.n; k++) {
		struct loop_svc *s = &l->svc[t->inst[k].svc];
		long a = tor_read_rendered(t, k), b;

		if (a < 0)
			continue;
		b = tor_read(t->inst[k].torrc, tor_buf_b, sizeof tor_buf_b);
		if (b < 0)
			b = 0; /* no copy: anything differs */
		switch (torrc_compare(tor_buf_b, (size_t)b, tor_buf_a, (size_t)a)) {
		case TORRC_SAME:
			break;
		case TORRC_RELOAD:
			if (s->sv.state != SUPER_UP)
				break; /* the next start copies it */
			if (tor_write(t->inst[k].torrc, tor_buf_a, (size_t)a, 0644) < 0) {
				log_warn("%s: unable to update %s", s->name, t->inst[k].torrc);
				break;
			}
			log_info("%s: torrc changed (reloadable options): SIGHUP", s->name);
			kill(s->sv.pid, SIGHUP);
			break;
		case TORRC_RESTART:
			if (s->sv.state != SUPER_UP)
				break;
			/* SIGINT: the supervisor restarts it from the new copy */
			log_info("%s: torrc changed: restart (SIGINT to pid %ld)", s->name,
				(long)s->sv.pid);
			kill(s->sv.pid, SIGINT);
			break;
		}
	}
}

static int tor_hook(struct loop *l, size_t i, enum loop_hook_event ev, int st)
{
	struct tor *t = l->ctx;
	size_t k;

	if (ev == LOOP_HOOK_DONE && i == t->gate && !t->started) {
		tor_start(t, l);
		return 0;
	}
	if (t->started && i == t->pull && ev == LOOP_HOOK_EXIT) {
		if (WIFEXITED(st) && WEXITSTATUS(st) == 3) {
			if (l->debug)
				log_info("repull: configuration unchanged");
		} else if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			log_info("repull: configuration changed");
			tor_reconcile(t, l);
		} else {
			log_warn("repull: failed; the running configuration stays");
		}
		return 0;
	}
	for (k = 0; t->started && k < t->nc.n; k++) {
		if (t->inst[k].svc != i)
			continue;
		if (ev == LOOP_HOOK_SPAWN) {
			if (tor_prepare(t, k) < 0)
				return -1;
			loop_timer(l, i, loop_now_ms() + TOR_MAPS_DELAY_MS);
		} else if (ev == LOOP_HOOK_TIMER) {
			tor_check_alloc(t, l, k);
		}
		return 0;
	}
	return 0;
}

int tor_setup(struct tor *t, struct loop *l, struct tor_paths const *p, size_t gate)
{
	memset(t, 0, sizeof *t);
	if (strlen(p->conf_dir) > 100 || strlen(p->run_dir) > 100 || strlen(p->data_dir) > 100 ||
	    strlen(p->lib_dir) > 100 || gate >= l->n)
		return -EINVAL;
	t->p = *p;
	t->gate = gate;
	t->pull = SIZE_MAX;
	l->hook = tor_hook;
	l->ctx = t;
	return 0;
}
