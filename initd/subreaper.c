#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"
#include "console.h"
#include "lethe_exit.h"
#include "log.h"
#include "loop.h"
#include "sig.h"
#include "status.h"
#include "subreaper.h"
#include "pipeline.h"

#define SUBREAPER_INSTANCES_MAX LETHE_INSTANCES_MAX

static long subreaper_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	long n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}

/* Decimal 0..max; -1 if not. */
static long subreaper_number(char const *s, long max)
{
	char *end;
	long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	return v;
}

/* Children left once the services are gone (grandchildren that escaped
 * their session, then were reparented to us): SIGKILL, then reap.  PID 1
 * does the same with kill(-1, ...); a subreaper has to find its own. */
static void subreaper_kill_rest(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t self = getpid();
	int st, i;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[64], buf[512], *rp;
		long pid = subreaper_number(de->d_name, 1L << 22), ppid;
		FILE *f;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof path, "/proc/%ld/stat", pid);
		f = fopen(path, "re");
		if (!f)
			continue;
		rp = fgets(buf, sizeof buf, f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		/* "pid (comm) S ppid ...": comm may hold anything, so from the last ')' */
		ppid = -1;
		if (rp && rp[1] == ' ' && rp[2] && rp[3] == ' ') {
			char *sp = strchr(rp + 4, ' ');

			if (sp)
				*sp = '\0';
			ppid = subreaper_number(rp + 4, 1L << 22);
		}
		if (ppid == self) {
			log_info("killing leftover pid %ld", pid);
			kill((pid_t)pid, SIGKILL);
		}
	}
	closedir(d);
	/* Bounded: an unkillable process (D state) must not hang the test. */
	for (i = 0; i < 500; i++) {
		pid_t r = waitpid(-1, &st, WNOHANG);

		if (r < 0)
			break;
		if (r == 0)
			poll(NULL, 0, 10);
	}
}

/* What both test modes need before their loop runs, as PID 1 has it: every
 * signal blocked and read from a signalfd, orphans reparented to us, the
 * loop initialised, and the sd_notify socket bound when NOTIFY is given.
 * Returns the signalfd, or -1 after logging why (nothing left open). */
static int subreaper_setup(struct loop *l, int debug, const char *notify)
{
	int r, sfd;

	r = sig_block();
	if (r < 0) {
		log_fatal("unable to block signals: %s", strerror(-r));
		return -1;
	}
	sfd = sig_open();
	if (sfd < 0) {
		log_fatal("unable to open signalfd: %s", strerror(-sfd));
		return -1;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		log_fatal("unable to become a subreaper: %s", strerror(errno));
		goto fail;
	}
	loop_init(l, sfd);
	l->debug = debug;
	if (notify && (r = loop_notify_open(l, notify)) < 0) {
		log_fatal("unable to bind %s: %s", notify, strerror(-r));
		goto fail;
	}
	/* the services' lines to stdout as PID 1's go to the console: a
	 * reader that falls behind delays them, never the loop */
	console_open(console_reopen(1));
	return sfd;
fail:
	close(sfd);
	return -1;
}

int subreaper_main(int argc, char **argv)
{
	static struct loop l;
	struct super_params p = {
		.min_ms = 1000, .max_ms = 60000, .stable_ms = 60000, .stop_ms = 30000,
		.kill_ms = 5000, .crash_n = 5, .crash_window_ms = 60000,
	};
	long n = 1, spawns_max = 0, watchdog = 0, v;
	char const *notify = NULL;
	int c, debug = 0, sfd, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt(argc, argv, "+dn:m:M:S:s:k:c:R:N:W:")) != -1) {
		v = 0;
		if (c == 'N') {
			notify = optarg;
			continue;
		}
		if (c != 'd' && c != '?') {
			v = subreaper_number(optarg, 100000000);
			if (v < 0)
				goto usage;
		}
		switch (c) {
		case 'd': debug = 1; break;
		case 'n': n = v; break;
		case 'm': p.min_ms = (uint32_t)v; break;
		case 'M': p.max_ms = (uint32_t)v; break;
		case 'S': p.stable_ms = (uint32_t)v; break;
		case 's': p.stop_ms = (uint32_t)v; break;
		case 'k': p.kill_ms = (uint32_t)v; break;
		case 'c': p.crash_n = (uint32_t)v; break;
		case 'R': spawns_max = v; break;
		case 'W': watchdog = v; break;
		default: goto usage;
		}
	}
	if (optind >= argc || n < 1 || n > SUBREAPER_INSTANCES_MAX ||
	    argc - optind > LOOP_ARGV_MAX)
		goto usage;

	sfd = subreaper_setup(&l, debug, notify);
	if (sfd < 0)
		return LETHE_EXIT_TEMP;
	l.spawns_max = (uint64_t)spawns_max;
	for (v = 0; v < n; v++) {
		char name[16];

		snprintf(name, sizeof name, "tor%ld", v);
		if (loop_add(&l, name, argv + optind, &p) < 0 ||
		    (watchdog && loop_watchdog(&l, l.n - 1, (uint32_t)watchdog) < 0)) {
			close(sfd);
			goto usage;
		}
	}
	log_info("open fds: %ld", subreaper_count_fds());
	r = loop_run(&l);
	subreaper_kill_rest();
	log_info("open fds: %ld", subreaper_count_fds());
	log_info("spawned %llu processes; %llu notify messages dropped; stopped",
		(unsigned long long)l.spawns, (unsigned long long)l.notify_dropped);
	if (l.notify_fd >= 0) {
		close(l.notify_fd);
		unlink(notify);
	}
	close(sfd);
	console_drain(CONSOLE_DRAIN_MS);
	return r < 0 ? LETHE_EXIT_TEMP : LETHE_EXIT_OK;
usage:
	log_fatal("usage: initd --supervise [-d] [-n N] [-m MIN_MS] [-M MAX_MS] [-S STABLE_MS] "
		"[-s STOP_MS] [-k KILL_MS] [-c CRASH_N] [-R MAX_SPAWNS] [-N NOTIFY_SOCKET [-W WATCHDOG_MS]] PROG [ARG...]");
	return LETHE_EXIT_USAGE;
}

/* The boot pipeline's tail as PID 1 runs it (configpull, tpmseal, then the
 * tor instances and the re-pull: pipeline.h, without host changes), over
 * programs and directories of the test's choosing. */
int subreaper_tor_main(int argc, char **argv)
{
	static struct loop l;
	static struct pipeline pl;
	static char *pull_argv[2], *unseal_argv[2], *agent_argv[2];
	struct super_params step = {
		.min_ms = 200, .max_ms = 1000, .stable_ms = 60000, .stop_ms = 5000,
		.kill_ms = 2000, .crash_n = 10, .crash_window_ms = 60000, .oneshot = 1,
		.run_ms = 10000,
	};
	struct tor_paths p = { 0 };
	char const *notify = NULL, *pdir = NULL, *status = NULL;
	long refresh = 0, wd, gid = LETHE_TOR_GID;
	int c, debug = 0, sfd, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt(argc, argv, "+doI:N:W:P:G:T:Y:Z:")) != -1) {
		switch (c) {
		case 'd': debug = 1; break;
		case 'Y': agent_argv[0] = optarg; break; /* lethe-telemetry's stand-in */
		case 'Z': status = optarg; break;       /* the status file */
		case 'T': p.testnet_dirauth = optarg; break; /* lethe.testnet's line */
		case 'P': pdir = optarg; break;
		case 'G':
			gid = subreaper_number(optarg, 65535);
			if (gid < 0)
				goto usage;
			break;
		case 'W':
			wd = subreaper_number(optarg, 86400000);
			if (wd < 1)
				goto usage;
			p.watchdog_ms = (uint32_t)wd;
			break;
		case 'o': p.chown = 1; break;
		case 'N': notify = optarg; break;
		case 'I':
			refresh = subreaper_number(optarg, 86400000);
			if (refresh < 1)
				goto usage;
			break;
		default: goto usage;
		}
	}
	if (argc - optind != 7 || (pdir && notify))
		goto usage;
	p.conf_dir = argv[optind];
	p.run_dir = argv[optind + 1];
	p.data_dir = argv[optind + 2];
	p.lib_dir = argv[optind + 3];
	pull_argv[0] = argv[optind + 4];
	unseal_argv[0] = argv[optind + 5];
	p.tor = argv[optind + 6];
	if (pipeline_init(&pl, &p) < 0)
		goto usage;
	pl.refresh_ms = (uint32_t)refresh;
	if (agent_argv[0])
		pl.agent_argv = agent_argv;

	/* as PID 1: the log pipe before any service (held to the end, so
	 * both "open fds" lines count it) */
	agent_setup(status);
	sfd = subreaper_setup(&l, debug, notify);
	if (sfd < 0)
		return LETHE_EXIT_TEMP;
	pipeline_add(&pl, &l, PIPELINE_PULL, "configpull", pull_argv, &step);
	pipeline_add(&pl, &l, PIPELINE_SEAL, "tpmseal", unseal_argv, &step);
	pipeline_attach(&pl, &l);
	status_attach(&l, &pl, 0);
	/* -P: PID 1's socket (tor_notify_open), after the steps as there */
	if (pdir && (r = tor_notify_open(&l, pdir, (gid_t)gid)) < 0) {
		log_fatal("unable to open the notify socket in %s: %s", pdir, strerror(-r));
		close(sfd);
		return LETHE_EXIT_TEMP;
	}
	log_info("open fds: %ld", subreaper_count_fds());
	r = loop_run(&l);
	subreaper_kill_rest();
	log_info("open fds: %ld", subreaper_count_fds());
	log_info("spawned %llu processes; stopped", (unsigned long long)l.spawns);
	if (l.notify_fd >= 0) {
		close(l.notify_fd);
		if (notify)
			unlink(notify);
	}
	close(sfd);
	console_drain(CONSOLE_DRAIN_MS);
	return r < 0 ? LETHE_EXIT_TEMP : LETHE_EXIT_OK;
usage:
	log_fatal("usage: initd --supervise-tor [-d] [-o] [-I REFRESH_MS] [-N NOTIFY_SOCKET | -P NOTIFY_DIR [-G GID]] [-W WATCHDOG_MS] [-T DIRAUTHORITY] "
		"[-Y AGENT] [-Z STATUS] CONFDIR RUNDIR DATADIR LIBDIR PULL UNSEAL TOR");
	return LETHE_EXIT_USAGE;
}
