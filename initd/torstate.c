#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file.h"
#include "log.h"
#include "status.h"
#include "torstate.h"

/* RESULT is "WORD\nREASON\n" (lethe_state.h); a word we do not know is
 * reported as "failed", the reason as given (status.c makes it printable). */
void torstate_restored(int st)
{
	static char const *const words[] = {
		LETHE_STATE_R_RESTORED, LETHE_STATE_R_NONE, LETHE_STATE_R_REFUSED, LETHE_STATE_R_FAILED,
	};
	char buf[256], *nl, *reason = "";
	char const *word = LETHE_STATE_R_FAILED;
	long n = file_read(LETHE_STATE_RESULT, buf, sizeof buf - 1);
	size_t k;

	if (n > 0) {
		buf[n] = '\0';
		nl = strchr(buf, '\n');
		if (nl) {
			*nl = '\0';
			reason = nl + 1;
			nl = strchr(reason, '\n');
			if (nl)
				*nl = '\0';
		}
		for (k = 0; k < sizeof words / sizeof words[0]; k++)
			if (strcmp(buf, words[k]) == 0)
				word = words[k];
	} else {
		reason = "lethe-state wrote no result";
	}
	status_torstate(word, reason, 0, 0);
	if (word == words[0])
		log_info("torstate: restored; tor starts with its saved state");
	else if (word == words[1])
		log_info("torstate: nothing to restore; tor starts with a fresh state");
	else
		log_warn("torstate: %s (%s%s); tor starts with a fresh state", word, reason,
			st == 0 || WIFEXITED(st) ? "" : ", killed");
}

void torstate_saved(int st)
{
	char buf[64];
	unsigned long long t = 0, c = 0;
	long n;

	if (!(WIFEXITED(st) && WEXITSTATUS(st) == STATE_EXIT_OK)) {
		log_warn("torstate: save failed (%s %d); the server keeps the previous state",
			WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		return;
	}
	n = file_read(LETHE_STATE_SAVED, buf, sizeof buf - 1);
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* "UNIX_SECONDS COUNTER\n", by hand: scanf would double initd's size */
	{
		char *q = buf;

		while (*q >= '0' && *q <= '9')
			t = t * 10u + (unsigned long long)(*q++ - '0');
		if (*q++ != ' ')
			return;
		while (*q >= '0' && *q <= '9')
			c = c * 10u + (unsigned long long)(*q++ - '0');
		if (*q != '\n')
			return;
	}
	status_torstate(NULL, NULL, t, c);
}

size_t torstate_saver_add(struct loop *l, char *const argv[], uint32_t interval_s)
{
	/* periodic like the re-pull: min = max = the interval, no verdict */
	struct super_params sp = {
		.min_ms = interval_s * 1000u, .max_ms = interval_s * 1000u,
		.stop_ms = 5000, .kill_ms = 2000, .run_ms = 120000,
	};

	/* its name is its lines' SOURCE in the log pipe: [a-z0-9.] */
	if (loop_add(l, "torstate.save", argv, &sp) < 0) {
		log_warn("torstate: unable to add the periodic save; the state is saved at shutdown only");
		return SIZE_MAX;
	}
	l->svc[l->n - 1].periodic = 1;
	l->svc[l->n - 1].not_before_ms = loop_now_ms() + interval_s * 1000u;
	return l->n - 1;
}

void torstate_save_now(char *const argv[])
{
	uint64_t end = loop_now_ms() + TORSTATE_SHUTDOWN_SAVE_MS;
	pid_t pid = fork();
	int pfd, st = 0;

	if (pid < 0) {
		log_warn("torstate: unable to fork the save: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		loop_child_reset();
		execv(argv[0], argv);
		_exit(127);
	}
	log_info("torstate: saving tor's state before the %s", "reboot or power-off");
	pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		struct pollfd p = { .fd = pfd, .events = POLLIN };
		uint64_t now = loop_now_ms();
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			break;
		if (now >= end) {
			log_warn("torstate: the save still runs after %u ms; killed", TORSTATE_SHUTDOWN_SAVE_MS);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			break;
		}
		/* without a pidfd (old kernel) the deadline still holds: 100 ms steps */
		poll(pfd >= 0 ? &p : NULL, pfd >= 0 ? 1 : 0, pfd >= 0 ? (int)(end - now) : 100);
	}
	if (pfd >= 0)
		close(pfd);
	torstate_saved(st);
}

int64_t torstate_rollout_read(void)
{
	char buf[16];
	long n = file_read(LETHE_STATE_ROLLOUT, buf, sizeof buf - 1);
	int64_t v = 0;
	long i;

	if (n <= 0)
		return -1;
	if (buf[n - 1] == '\n')
		n--;
	if (n == 0 || n > 10 || (n > 1 && buf[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
		v = v * 10 + (buf[i] - '0');
	}
	return v > 2147483647 ? -1 : v;
}

int torstate_rollout_write(uint32_t r)
{
	char buf[16];
	int n = snprintf(buf, sizeof buf, "%lu\n", (unsigned long)r);

	if (mkdir(LETHE_STATE_RUN, 0700) < 0 && errno != EEXIST)
		return -errno;
	return file_write(LETHE_STATE_ROLLOUT, buf, (size_t)n, 0600);
}
