#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "lethe_telemetry.h"
#include "logpipe.h"

_Static_assert(LETHE_LOGLINE_MAX + 128 <= PIPE_BUF, "a marker and a record in one atomic write");

static int logpipe_fd[2] = { -1, -1 };
static uint64_t logpipe_lost;

/* A descriptor at 0..2 would be taken for a child's stdin/stdout/stderr
 * (PID 1 without a console has them closed). */
static int logpipe_high(int fd)
{
	int h;

	if (fd > 2)
		return fd;
	h = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return h;
}

int logpipe_open(void)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	p[0] = logpipe_high(p[0]);
	p[1] = logpipe_high(p[1]);
	/* the write end only: the agent reads as it likes */
	if (p[0] < 0 || p[1] < 0 || fcntl(p[1], F_SETFL, O_NONBLOCK) < 0) {
		int r = -errno;

		if (p[0] >= 0)
			close(p[0]);
		if (p[1] >= 0)
			close(p[1]);
		return r;
	}
	/* 64 KiB is the default already; a lower pipe-max-size keeps that */
	fcntl(p[1], F_SETPIPE_SZ, LETHE_LOGPIPE_BYTES);
	logpipe_fd[0] = p[0];
	logpipe_fd[1] = p[1];
	return 0;
}

int logpipe_reader(void)
{
	return logpipe_fd[0];
}

uint64_t logpipe_dropped(void)
{
	return logpipe_lost;
}

void logpipe_record(char const *source, char const *text, size_t len)
{
	char rec[LETHE_LOGLINE_MAX + 128];
	struct timespec ts;
	unsigned long long ms;
	size_t n = 0, i, start;
	int k;

	if (logpipe_fd[1] < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (unsigned long long)ts.tv_sec * 1000u + (unsigned long long)ts.tv_nsec / 1000000u;
	if (logpipe_lost) {
		k = snprintf(rec, 128, "%llu initd: " LETHE_LOG_DROPPED_FMT "\n", ms,
			(unsigned long long)logpipe_lost, "pipe full");
		n = k > 0 && k < 128 ? (size_t)k : 0;
	}
	start = n;
	k = snprintf(rec + n, 64, "%llu %.*s: ", ms, LETHE_LOG_SOURCE_MAX, source);
	if (k <= 0 || k >= 64)
		return;
	n += (size_t)k;
	for (i = 0; i < len && n - start < LETHE_LOGLINE_MAX - 1; i++) {
		unsigned char c = (unsigned char)text[i];

		rec[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	rec[n++] = '\n';
	/* one write of at most PIPE_BUF bytes: all of it, or EAGAIN */
	if (write(logpipe_fd[1], rec, n) == (ssize_t)n)
		logpipe_lost = 0;
	else
		logpipe_lost++;
}
