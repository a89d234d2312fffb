#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sig.h"

/* What the kernel sends when our own code is broken. */
static int const sig_faults[] = {
	SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS,
};

static struct {
	int signo;
	char const *name;
} const sig_names[] = {
	{ SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" }, { SIGQUIT, "SIGQUIT" },
	{ SIGUSR1, "SIGUSR1" }, { SIGUSR2, "SIGUSR2" }, { SIGPIPE, "SIGPIPE" },
	{ SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" }, { SIGCHLD, "SIGCHLD" },
	{ SIGCONT, "SIGCONT" }, { SIGTSTP, "SIGTSTP" }, { SIGTTIN, "SIGTTIN" },
	{ SIGTTOU, "SIGTTOU" }, { SIGWINCH, "SIGWINCH" }, { SIGPWR, "SIGPWR" },
};

static void sig_fill(sigset_t *set)
{
	size_t i;

	sigfillset(set);
	for (i = 0; i < sizeof sig_faults / sizeof sig_faults[0]; i++)
		sigdelset(set, sig_faults[i]);
}

int sig_block(void)
{
	sigset_t set;

	sig_fill(&set);
	if (sigprocmask(SIG_SETMASK, &set, NULL) < 0)
		return -errno;
	return 0;
}

int sig_open(void)
{
	sigset_t set;
	int fd;

	sig_fill(&set);
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int sig_is_shutdown(int signo)
{
	return signo == SIGINT || signo == SIGTERM || signo == SIGUSR1 ||
		signo == SIGUSR2 || signo == SIGPWR;
}

enum sig_action sig_pid1_action(int signo)
{
	switch (signo) {
	case SIGINT:
		return SIG_ACTION_REBOOT;
	case SIGUSR1:
	case SIGPWR:
		return SIG_ACTION_POWEROFF;
	case SIGUSR2:
		return SIG_ACTION_HALT;
	default:
		return SIG_ACTION_NONE;
	}
}

char const *sig_name(int signo)
{
	size_t i;

	for (i = 0; i < sizeof sig_names / sizeof sig_names[0]; i++)
		if (sig_names[i].signo == signo)
			return sig_names[i].name;
	return "signal";
}

static int64_t sig_now_ms(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sig_wait_shutdown(int sfd, int timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? -1 : sig_now_ms() + timeout_ms;

	for (;;) {
		struct signalfd_siginfo si;
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };
		int wait_ms = -1;
		ssize_t n;

		if (deadline >= 0) {
			int64_t left = deadline - sig_now_ms();

			wait_ms = left > 0 ? (int)left : 0;
		}
		/* Read first: a signal already queued wins over a 0 deadline. */
		n = read(sfd, &si, sizeof si);
		if (n == (ssize_t)sizeof si) {
			int signo = (int)si.ssi_signo;

			if (sig_is_shutdown(signo))
				return signo;
			log_info("ignoring %s (%d) from pid %u", sig_name(signo), signo,
				(unsigned)si.ssi_pid);
			continue;
		}
		if (n >= 0)
			return -EIO;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		if (wait_ms == 0)
			return 0;
		if (poll(&pfd, 1, wait_ms) < 0 && errno != EINTR)
			return -errno;
	}
}
