#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/swap.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"
#include "cmdline.h"
#include "console.h"
#include "rlimits.h"
#include "log.h"
#include "loop.h"
#include "mem.h"
#include "modules.h"
#include "mount.h"
#include "net.h"
#include "file.h"
#include "lethe_paths.h"
#include "lethe_state.h"
#include "lethe_telemetry.h"
#include "pid1.h"
#include "pipeline.h"
#include "power.h"
#include "powerkey.h"
#include "psi.h"
#include "release.h"
#include "seal.h"
#include "sig.h"
#include "sntp.h"
#include "status.h"
#include "sysctl.h"
#include "tor.h"
#include "torstate.h"

#define PID1_CONSOLE "/dev/console"
#define PID1_TPM "/sys/class/tpm/tpm0"
#define PID1_CMDLINE "/proc/cmdline"
#define PID1_HOSTNAME_DEFAULT "lethe"
#define PID1_PRESSURE "/proc/pressure"
#define PID1_INPUT "/dev/input"
/* After the services: TERM to everything else, then KILL. */
#define PID1_TERM_GRACE_MS 3000
#define PID1_KILL_GRACE_MS 1000

/* The kernel opened fds 0-2 on the initramfs's /dev/console, if it had one;
 * reopen the devtmpfs node so they are valid either way.  Without a
 * console there is nowhere to write, and nothing better to do. */
static void pid1_open_console(void)
{
	int fd = open(PID1_CONSOLE, O_RDWR | O_NOCTTY | O_CLOEXEC);
	int i;

	if (fd < 0)
		return;
	for (i = 0; i < 3; i++)
		if (fd != i)
			dup2(fd, i); /* dup2 clears close-on-exec on the copy */
	if (fd > 2)
		close(fd);
	else
		fcntl(fd, F_SETFD, 0);
}

/* The release's epoch: the SNTP step refuses a clock before it. */
static uint64_t pid1_epoch;

static void pid1_report(void)
{
	struct release rel;
	struct release_error err;
	int r = release_load(RELEASE_PATH, &rel, &err);

	if (r == -EINVAL) {
		if (err.line)
			log_warn("unable to parse %s: line %zu: %s", RELEASE_PATH, err.line, err.what);
		else
			log_warn("unable to parse %s: %s", RELEASE_PATH, err.what);
	} else if (r < 0) {
		log_warn("unable to read %s: %s", RELEASE_PATH, strerror(-r));
	}
	if (r < 0) {
		strcpy(rel.version, "unknown");
		rel.epoch = 0;
	}
	pid1_epoch = rel.epoch;
	log_info("lethe %s (epoch %" PRIu64 ")", rel.version, rel.epoch);
	log_info("tpm: %s", access(PID1_TPM, F_OK) == 0 ? "present" : "absent");
	/* For boot tests: console only, no prefix, one write. */
	dprintf(1, "LETHE-BOOT version=%s\n", rel.version);
}

/* Reads and parses the kernel command line; every problem is reported and
 * the setting stays at its default (parsing never guesses). */
static void pid1_cmdline(struct cmdline *c)
{
	static char buf[CMDLINE_BYTES + 1];
	struct cmdline_error errs[8];
	size_t i, nerr;
	/* one byte more than the parser takes: it reports a line too long */
	long n = file_read_head(PID1_CMDLINE, buf, sizeof buf);

	if (n < 0) {
		log_warn("unable to read %s: %s", PID1_CMDLINE, strerror((int)-n));
		n = 0;
	}
	nerr = cmdline_parse(buf, (size_t)n, c, errs, sizeof errs / sizeof errs[0]);
	for (i = 0; i < nerr && i < sizeof errs / sizeof errs[0]; i++)
		log_warn("kernel command line: %s: %s", errs[i].word, errs[i].what);
	if (nerr > i)
		log_warn("kernel command line: %zu more errors", nerr - i);
}

static void pid1_hostname(struct cmdline const *c)
{
	char const *name = c->hostname[0] ? c->hostname : PID1_HOSTNAME_DEFAULT;

	if (sethostname(name, strlen(name)) < 0)
		log_warn("unable to set hostname %s: %s", name, strerror(errno));
	else
		log_info("hostname: %s", name);
}

static void pid1_modules(int debug)
{
	char moddir[128];
	struct utsname u;
	int r;

	if (uname(&u) < 0 || (size_t)snprintf(moddir, sizeof moddir, "/usr/lib/modules/%s",
	    u.release) >= sizeof moddir) {
		log_warn("unable to find the module directory");
		return;
	}
	r = modules_coldplug("/sys", moddir, debug);
	if (r >= 0)
		log_info("modules: %d loaded", r);
}

/* Static strings for the steps' argv; the loop keeps pointers to them. */
static struct {
	char tries[16];
	char shell[512];
	char config_url[CMDLINE_URL_MAX + 1];
	char epoch[24];
	char *sntp_argv[5 + CMDLINE_NTP_MAX + 1];
	char pcrs[CMDLINE_PCRS_MAX + 1];
	char dirauth[160];       /* lethe.testnet's DirAuthority line */
	char *agent_argv[4];     /* lethe-telemetry run URL */
	char *restore_argv[4];   /* lethe-state restore URL */
	char *save_argv[4];      /* lethe-state save URL */
} pid1_args;

/* The boot pipeline, for what follows the loop (the state's last save). */
static struct pipeline *pid1_pl;

/* The boot pipeline (pipeline.h): network, clock, configpull (enrolling
 * when it must), tpmseal (unseal, or provision when node.conf allows it),
 * each a step with a deadline, retried with capped backoff and jitter
 * until it succeeds.  tor starts only after the tpmseal step is done:
 * keys that were not unsealed and checked against node.conf never lead to
 * a tor start (seal.h). */
static void pid1_pipeline(struct loop *l, struct cmdline const *c)
{
	static struct pipeline pl;
	static char *dhcp_argv[] = {
		LETHE_UDHCPC_BIN, "-f", "-q", "-n", "-i", pl.ifname, "-t",
		pid1_args.tries, "-T", "2", "-s", LETHE_UDHCPC_SCRIPT, NULL,
	};
	static char *static_argv[] = { LETHE_SH_BIN, "-c", pid1_args.shell, NULL };
	/* -g: torrc files readable by the tor user's group (configpull --group);
	 * through initd's --pull, which enrolls when configpull exits 2;
	 * filled below: [--testnet] [URL] */
	static char *pull_argv[9] = { "/init", "--pull", "pull", "-g", LETHE_TOR_GROUP };
	size_t pa = 5;
	/* unseal, or provision when node.conf allows it; identities checked
	 * against node.conf (seal.h) */
	static char *unseal_argv[] = { "/init", "--seal", pid1_args.pcrs, NULL };
	struct super_params step = {
		.min_ms = 1000, .max_ms = 60000, .stable_ms = 600000, .stop_ms = 5000,
		.kill_ms = 2000, .crash_n = 10, .crash_window_ms = 600000, .oneshot = 1,
		.run_ms = 120000,
	};
	struct tor_paths tp = {
		.conf_dir = LETHE_CONFDIR, .run_dir = LETHE_TORRC_DIR, .data_dir = LETHE_TOR_DATA,
		.lib_dir = LETHE_LIBDIR, .tor = LETHE_TOR_BIN, .chown = 1, .offline = c->offline,
		.testnet_dirauth = c->testnet ? pid1_args.dirauth : NULL,
	};
	int r;

	if (c->testnet) {
		/* every field was validated by cmdline_parse: digits, dots, hex */
		snprintf(pid1_args.dirauth, sizeof pid1_args.dirauth,
			"lethetest orport=%u no-v2 v3ident=%s %u.%u.%u.%u:%u %s",
			c->tn_orport, c->tn_v3ident, c->tn_ip[0], c->tn_ip[1], c->tn_ip[2],
			c->tn_ip[3], c->tn_dirport, c->tn_fpr);
		log_warn("TEST NETWORK (lethe.testnet): tor runs with TestingTorNetwork 1 and "
			"the single DirAuthority %s; this relay is not on the public Tor network",
			pid1_args.dirauth);
	}
	if (pipeline_init(&pl, &tp) < 0)
		log_fatal("unable to set up tor: paths too long");
	pl.host = 1;
	if (c->net != CMDLINE_NET_NONE) {
		r = net_pick_interface("/sys", pl.ifname);
		if (r < 0) {
			/* the step itself fails and is retried: a NIC may show up */
			log_warn("network: no Ethernet interface found: %s", strerror(-r));
			snprintf(pl.ifname, sizeof pl.ifname, "eth0");
		}
		step.run_ms = c->netwait_s * 1000u;
		r = net_link_up(pl.ifname);
		if (r < 0)
			log_warn("unable to bring %s up: %s", pl.ifname, strerror(-r));
		if (c->net == CMDLINE_NET_DHCP) {
			r = net_install_script(LETHE_UDHCPC_SCRIPT_SRC, LETHE_UDHCPC_SCRIPT);
			if (r < 0)
				log_warn("unable to install %s: %s", LETHE_UDHCPC_SCRIPT, strerror(-r));
			/* udhcpc: a discover every 2 s until the deadline */
			snprintf(pid1_args.tries, sizeof pid1_args.tries, "%u", c->netwait_s / 2 + 1);
			log_info("network: dhcp on %s (deadline %u s)", pl.ifname, c->netwait_s);
			pl.dhcp_script = LETHE_UDHCPC_SCRIPT;
			pipeline_add(&pl, l, PIPELINE_NET, "network", dhcp_argv, &step);
		} else {
			/* every value was validated by cmdline_parse: digits and dots */
			snprintf(pid1_args.shell, sizeof pid1_args.shell,
				"ip link set dev %s up && ip -4 addr add %u.%u.%u.%u/%u dev %s",
				pl.ifname, c->ip[0], c->ip[1], c->ip[2], c->ip[3], c->prefix,
				pl.ifname);
			if (c->has_gw)
				snprintf(pid1_args.shell + strlen(pid1_args.shell),
					sizeof pid1_args.shell - strlen(pid1_args.shell),
					" && ip -4 route replace default via %u.%u.%u.%u",
					c->gw[0], c->gw[1], c->gw[2], c->gw[3]);
			if (c->has_dns)
				snprintf(pid1_args.shell + strlen(pid1_args.shell),
					sizeof pid1_args.shell - strlen(pid1_args.shell),
					" && echo nameserver %u.%u.%u.%u >/etc/resolv.conf",
					c->dns[0], c->dns[1], c->dns[2], c->dns[3]);
			log_info("network: static on %s", pl.ifname);
			pipeline_add(&pl, l, PIPELINE_NET, "network", static_argv, &step);
		}
	} else {
		pipeline_skip(&pl, PIPELINE_NET);
	}
	step.run_ms = 120000;
	if (c->ntp_n) {
		/* the clock, before TLS and tor: initd itself as an SNTP client */
		size_t k, a = 0;

		snprintf(pid1_args.epoch, sizeof pid1_args.epoch, "%" PRIu64, pid1_epoch);
		pid1_args.sntp_argv[a++] = "/init";
		pid1_args.sntp_argv[a++] = "--sntp";
		pid1_args.sntp_argv[a++] = "-e";
		pid1_args.sntp_argv[a++] = pid1_args.epoch;
		for (k = 0; k < c->ntp_n && k < CMDLINE_NTP_MAX && k < SNTP_SERVERS_MAX; k++)
			pid1_args.sntp_argv[a++] = (char *)c->ntp[k];
		pid1_args.sntp_argv[a] = NULL;
		step.run_ms = 60000;
		pipeline_add(&pl, l, PIPELINE_CLOCK, "clock", pid1_args.sntp_argv, &step);
		step.run_ms = 120000;
	}
	/* a private test network on loopback: its relays advertise a
	 * loopback Address and ORPort, which configpull refuses otherwise */
	if (c->testnet)
		pull_argv[pa++] = "--testnet";
	memcpy(pid1_args.config_url, c->config_url, sizeof pid1_args.config_url);
	if (c->config_url[0]) {
		pull_argv[pa++] = pid1_args.config_url;
		/* after the first pull: the agent reports to the same server */
		pid1_args.agent_argv[0] = LETHE_TELEMETRY_BIN;
		pid1_args.agent_argv[1] = "run";
		pid1_args.agent_argv[2] = pid1_args.config_url;
		pl.agent_argv = pid1_args.agent_argv;
	} else {
		log_warn("configpull: no lethe.config on the kernel command line; "
			"no lethe-telemetry either");
	}
	pull_argv[pa] = NULL;
	pipeline_add(&pl, l, PIPELINE_PULL, "configpull", pull_argv, &step);
	memcpy(pid1_args.pcrs, c->pcrs, sizeof pid1_args.pcrs);
	pipeline_add(&pl, l, PIPELINE_SEAL, "tpmseal", unseal_argv, &step);
	if (c->config_url[0] && access(LETHE_STATE_BIN, X_OK) == 0) {
		/* tor's state from the config server, sealed (torstate.h): its
		 * verdicts are done too, and it never keeps tor down */
		struct super_params rs = step;

		rs.ok_exits = TORSTATE_OK_EXITS;
		rs.run_ms = 60000;
		rs.max_ms = 10000;
		pid1_args.restore_argv[0] = pid1_args.save_argv[0] = LETHE_STATE_BIN;
		pid1_args.restore_argv[1] = "restore";
		pid1_args.save_argv[1] = "save";
		pid1_args.restore_argv[2] = pid1_args.save_argv[2] = pid1_args.config_url;
		pipeline_add(&pl, l, PIPELINE_STATE, "torstate", pid1_args.restore_argv, &rs);
		pl.save_argv = pid1_args.save_argv;
		pl.save_s = c->testnet ? TORSTATE_TESTNET_INTERVAL_S : LETHE_STATE_SAVE_INTERVAL_S;
	}
	{
		struct release rel;
		struct release_error re;

		rollout_init(&pl.rollout, access(LETHE_POLICY_PUB, F_OK) == 0,
			release_load(RELEASE_PATH, &rel, &re) == 0 ? rel.epoch : 0);
	}
	if (c->offline)
		log_info("offline: tor runs with DisableNetwork 1 (lethe.offline)");
	if (mkdir(LETHE_TORRC_DIR, 0755) < 0 && errno != EEXIST)
		log_warn("unable to create %s: %s", LETHE_TORRC_DIR, strerror(errno));
	if (mkdir(LETHE_TOR_DATA, 0755) < 0 && errno != EEXIST)
		log_warn("unable to create %s: %s", LETHE_TOR_DATA, strerror(errno));
	pipeline_attach(&pl, l);
	pid1_pl = &pl;
	/* as initd --seal decides (seal.c) */
	status_attach(l, &pl, access(LETHE_POLICY_PUB, F_OK) == 0);
}

/* Under lethe.rescue the loop has no pipeline; the status file still
 * says so. */
static int pid1_rescue_hook(struct loop *l, size_t i, enum loop_hook_event ev, int st)
{
	(void)l, (void)i, (void)st;
	if (ev == LOOP_HOOK_IDLE)
		status_flush();
	return 0;
}

/* Everything that is not a service: TERM and CONT, a grace period
 * (reaping as they go), then KILL.  Returns when no child is left or the
 * grace periods are over. */
static void pid1_kill_rest(int sfd)
{
	static int const sigs[] = { SIGTERM, SIGKILL };
	static int const grace[] = { PID1_TERM_GRACE_MS, PID1_KILL_GRACE_MS };
	size_t k;

	for (k = 0; k < 2; k++) {
		uint64_t end = loop_now_ms() + (uint64_t)grace[k];

		sync();
		kill(-1, sigs[k]);
		if (sigs[k] == SIGTERM)
			kill(-1, SIGCONT);
		for (;;) {
			struct signalfd_siginfo si;
			struct pollfd pfd = { .fd = sfd, .events = POLLIN };
			uint64_t now;
			pid_t p;
			int st;

			while ((p = waitpid(-1, &st, WNOHANG)) > 0)
				;
			if (p < 0 && errno == ECHILD)
				return;
			now = loop_now_ms();
			if (now >= end)
				break;
			if (poll(&pfd, 1, (int)(end - now)) > 0)
				while (read(sfd, &si, sizeof si) > 0)
					;
		}
	}
	log_warn("processes survive SIGKILL; powering off anyway");
}

/* initd's own footprint, for the figures (docs/initd.md): the same line
 * tor.c prints when every instance is ready. */
static void pid1_rss(void)
{
	char buf[2048];
	uint64_t kib;
	long n = file_read_head("/proc/self/status", buf, sizeof buf);

	if (n > 0 && mem_parse_kb(buf, (size_t)n, "VmRSS:", &kib) == 0)
		log_info("initd rss %llu kB", (unsigned long long)kib);
}

/* PID 1's share of the machine, outside the boot pipeline: the OOM killer
 * never picks initd (children set their own score: loop.pid1), memory,
 * CPU and I/O pressure are logged, the power button powers off. */
static void pid1_host(struct loop *l)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

	l->pid1 = 1;
	if (fd < 0 || write(fd, "-1000\n", 6) != 6)
		log_warn("unable to set oom_score_adj -1000: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	psi_open(l, PID1_PRESSURE);
	if (powerkey_open(l, PID1_INPUT) == 0)
		log_warn("power button: no input device reports KEY_POWER");
}

_Noreturn void pid1_run(void)
{
	static struct loop l;
	struct cmdline c;
	enum sig_action act;
	int r, sfd;

	/* Signals first, before anything can queue one (catatonit's order). */
	r = sig_block();
	/* The kernel sends ctrl-alt-del to us as SIGINT instead of rebooting. */
	if (reboot(RB_DISABLE_CAD) < 0)
		log_warn("unable to disable ctrl-alt-del: %s", strerror(errno));
	if (chdir("/") < 0)
		log_warn("unable to chdir to /: %s", strerror(errno));
	umask(022);

	/* Mount before opening the console and kmsg: both live in /dev.
	 * Warnings until then reach the kernel's console fds, if any. */
	mount_apply("", mount_table, mount_table_len);
	pid1_open_console();
	/* the log pipe before any line worth keeping, and before any service */
	agent_setup(LETHE_STATUS);
	{
		/* the services' lines to the console through a backlog: a slow
		 * serial line delays them, never PID 1 (console.h) */
		int cfd = open(PID1_CONSOLE, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

		console_open(cfd >= 0 ? cfd : 1);
	}
	if (r < 0)
		log_warn("unable to block signals: %s", strerror(-r));
	r = log_open_kmsg();
	if (r < 0)
		log_warn("unable to open /dev/kmsg: %s", strerror(-r));

	log_mark("init");
	pid1_report();
	pid1_cmdline(&c);
	rlimits_apply();
	r = sysctl_apply_file("/proc/sys", SYSCTL_BASELINE);
	if (r >= 0)
		log_info("sysctl: baseline applied (%d failed)", r);
	pid1_modules(c.debug);
	log_mark("modules");
	r = net_link_up("lo");
	if (r < 0)
		log_warn("unable to bring lo up: %s", strerror(-r));
	pid1_hostname(&c);
	/* 0711: tor, once it is its own user, reaches its keys under it */
	if (mkdir(LETHE_RUN, 0711) < 0 && errno != EEXIST)
		log_warn("unable to create %s: %s", LETHE_RUN, strerror(errno));

	sfd = sig_open();
	if (sfd < 0) {
		/* without signals there is no reaping and no shutdown */
		log_fatal("unable to open signalfd: %s; rebooting in 10 s", strerror(-sfd));
		poll(NULL, 0, 10000);
		sync();
		reboot(RB_AUTOBOOT);
		power_off();
	}
	loop_init(&l, sfd);
	l.debug = c.debug;
	pid1_host(&l);
	if (c.rescue) {
		static char *sh_argv[] = { LETHE_SH_BIN, NULL };
		struct super_params p = {
			.min_ms = 1000, .max_ms = 5000, .stable_ms = 10000, .stop_ms = 1000,
			.kill_ms = 1000, .crash_n = 10, .crash_window_ms = 60000,
		};

		log_info("rescue: shell on the console; nothing is unsealed");
		/* interactive: the console itself, not a pipe through initd */
		if (loop_add(&l, "rescue", sh_argv, &p) == 0)
			loop_console(&l, l.n - 1);
		l.hook = pid1_rescue_hook;
		status_attach(&l, NULL, 0);
	} else {
		pid1_pipeline(&l, &c);
		/* after the steps, which get no NOTIFY_SOCKET; the services
		 * added later do (tor, the re-pull, dhcp, telemetry) */
		r = tor_notify_open(&l, LETHE_NOTIFY_DIR, LETHE_TOR_GID);
		if (r < 0)
			log_warn("unable to open the notify socket in %s: %s", LETHE_NOTIFY_DIR,
				strerror(-r));
	}
	r = loop_run(&l);
	pid1_rss();
	/* every tor instance has ended and written its state: seal and send it
	 * (torstate.h), only when this boot restored or tried to */
	if (pid1_pl && pid1_pl->save_argv && (pid1_pl->done & (1u << PIPELINE_STATE))) {
		if (pid1_pl->rollout.going) {
			/* for the status file's last reader; the agent stopped with tor */
			status_rollout(pid1_pl->now.image_rollout, pid1_pl->now.image_rollout,
				LETHE_ROLLOUT_REBOOTING, "tor ended; saving its state, then rebooting");
			status_flush();
		}
		torstate_save_now(pid1_pl->save_argv);
	}
	log_info("stopping everything else");
	pid1_kill_rest(sfd);
	/* swap first: zram pages may hold tor's heap */
	if (swapoff("/dev/zram0") < 0 && errno != ENOENT && errno != EINVAL)
		log_warn("unable to swapoff /dev/zram0: %s", strerror(errno));
	sync();
	act = sig_pid1_action(l.stop_signal);
	r = (int)mount_release("", mount_table, mount_table_len);
	log_info("unmounted (%d failed); %s", r,
		act == SIG_ACTION_REBOOT ? "rebooting" : act == SIG_ACTION_HALT ? "halting" : "powering off");
	/* the services' last lines that the console has not taken yet */
	console_drain(CONSOLE_DRAIN_MS);
	switch (act) {
	case SIG_ACTION_REBOOT:
		power_reboot();
	case SIG_ACTION_HALT:
		power_halt();
	default:
		power_off();
	}
}
