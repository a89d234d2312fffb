#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/signalfd.h>
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

