#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mount.h"
#include "pid1.h"
#include "power.h"
#include "release.h"
#include "sig.h"

#define PID1_CONSOLE "/dev/console"
#define PID1_TPM "/sys/class/tpm/tpm0"
/* Boot tests hold the placeholder up to send it signals; an hour at most. */
#define PID1_HOLD_MAX_S 3600

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

/* INITD_HOLD=<seconds> on the kernel command line reaches us as an
 * environment variable (a word with '=' and no '.'): how long to wait for a
 * shutdown signal before powering off.  A test hook of the placeholder;
 * bad values mean 0. */
static int pid1_hold_ms(void)
{
	char const *s = getenv("INITD_HOLD");
	unsigned long v = 0;
	size_t i;

	if (!s || !*s || strlen(s) > 4)
		return 0;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v > PID1_HOLD_MAX_S ? 0 : (int)v * 1000;
}

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
	log_info("lethe %s (epoch %" PRIu64 ")", rel.version, rel.epoch);
	log_info("tpm: %s", access(PID1_TPM, F_OK) == 0 ? "present" : "absent");
	/* For boot tests: console only, no prefix, one write. */
	dprintf(1, "LETHE-BOOT version=%s\n", rel.version);
}

_Noreturn void pid1_run(void)
{
	int r, sfd, hold_ms;

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
	if (r < 0)
		log_warn("unable to block signals: %s", strerror(-r));
	r = log_open_kmsg();
	if (r < 0)
		log_warn("unable to open /dev/kmsg: %s", strerror(-r));

	pid1_report();

	/* From here on: wait for a shutdown signal, or the end of the hold. */
	hold_ms = pid1_hold_ms();
	sfd = sig_open();
	if (sfd < 0) {
		log_warn("unable to open signalfd: %s", strerror(-sfd));
	} else {
		r = sig_wait_shutdown(sfd, hold_ms);
		if (r > 0)
			log_info("received %s", sig_name(r));
		else if (r < 0)
			log_warn("unable to read signals: %s", strerror(-r));
	}
	log_info("powering off");
	power_off();
}
