/* `tor --version` once: a child with an empty environment, stdin and
 * stderr on /dev/null, its output read through a pipe under a deadline. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "torver.h"

int torver_parse(const char *text, char out[TELEMETRY_TOR_VERSION_MAX + 1])
{
	static const char key[] = "Tor version ";
	const char *p = strstr(text, key);
	size_t n = 0;

	out[0] = 0;
	if (!p)
		return 0;
	for (p += sizeof key - 1; n < TELEMETRY_TOR_VERSION_MAX; n++) {
		char c = p[n];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-'))
			break;
	}
	/* "Tor version 0.4.9.11." : the sentence's full stop is not the version's */
	while (n && p[n - 1] == '.')
		n--;
	if (n == 0 || n == TELEMETRY_TOR_VERSION_MAX)
		return 0;
	memcpy(out, p, n);
	out[n] = 0;
	return 1;
}

static long torver_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void torver_read(const char *tor, char out[TELEMETRY_TOR_VERSION_MAX + 1])
{
	char *const argv[] = { (char *)tor, (char *)"--version", NULL };
	char *const envp[] = { NULL };
	char buf[1024];
	posix_spawn_file_actions_t fa;
	size_t n = 0;
	long end;
	pid_t pid = -1;
	int p[2] = { -1, -1 }, st;

	out[0] = 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	if (posix_spawn_file_actions_init(&fa) != 0)
		goto out;
	if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) == 0 &&
	    posix_spawn_file_actions_adddup2(&fa, p[1], 1) == 0 &&
	    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0) == 0 &&
	    posix_spawn(&pid, tor, &fa, NULL, argv, envp) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	p[1] = -1;
	if (pid < 0)
		goto out;
	end = torver_ms() + TELEMETRY_TOR_VERSION_MS;
	for (;;) {
		struct pollfd pf = { p[0], POLLIN, 0 };
		long left = end - torver_ms();
		ssize_t r;
		int k;

		if (left <= 0 || n == sizeof buf - 1)
			break;
		k = poll(&pf, 1, (int)left);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		r = read(p[0], buf + n, sizeof buf - 1 - n);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = 0;
	/* done or past its deadline: it has nothing more to say */
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	torver_parse(buf, out);
out:
	close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
}
