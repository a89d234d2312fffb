#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "console.h"
#include "log.h"

/* console_own waits for room that an empty backlog always has */
_Static_assert(LOG_LINE_BYTES + 64 <= CONSOLE_BACKLOG, "an own line and a marker fit");

/* bss: the pages are touched only once the console falls behind */
static char console_buf[CONSOLE_BACKLOG];
static size_t console_head, console_len; /* the backlog: buf[head, head + len) */
static int console_fd = -1;
static uint64_t console_lost;

/* The console is gone (EIO after a hangup, EPIPE): nothing more goes to
 * it.  Waiting on it would only turn POLLERR into a busy loop. */
static void console_gone(void)
{
	console_fd = -1;
	console_head = console_len = 0;
	console_lost = 0;
}

/* s[0, n) at the backlog's end; the caller checked that it fits. */
static void console_put(char const *s, size_t n)
{
	if (console_head + console_len + n > sizeof console_buf) {
		memmove(console_buf, console_buf + console_head, console_len);
		console_head = 0;
	}
	memcpy(console_buf + console_head + console_len, s, n);
	console_len += n;
}

/* Room for n more bytes behind the marker of the lines dropped so far,
 * if any: the marker is queued (the count starts again) and 1 returned;
 * else 0. */
static int console_room(size_t n)
{
	char m[64];
	int k = console_lost ? snprintf(m, sizeof m, "initd: console: dropped %llu lines\n",
		(unsigned long long)console_lost) : 0;

	if (k < 0 || (size_t)k + n > sizeof console_buf - console_len)
		return 0;
	if (k > 0) {
		console_put(m, (size_t)k);
		console_lost = 0;
	}
	return 1;
}

void console_flush(void)
{
	while (console_fd >= 0 && console_len > 0) {
		ssize_t w = write(console_fd, console_buf + console_head, console_len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			break;
		if (w <= 0) {
			console_gone();
			return;
		}
		console_head += (size_t)w;
		console_len -= (size_t)w;
		/* the marker as soon as the console has taken enough for it */
		console_room(0);
	}
	if (console_len == 0)
		console_head = 0;
}

static uint64_t console_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* One wait until the console is writable, then what it takes.  Returns 0
 * when it is gone or end (monotonic ms; 0: no deadline) has passed. */
static int console_wait(uint64_t end)
{
	struct pollfd p = { .fd = console_fd, .events = POLLOUT };
	uint64_t now = end ? console_now() : 0;

	if (console_fd < 0 || (end && now >= end))
		return 0;
	if (poll(&p, 1, end ? (int)(end - now) : -1) < 0 && errno != EINTR) {
		console_gone();
		return 0;
	}
	console_flush();
	return console_fd >= 0;
}

/* log_set_queue: initd's own line goes behind a non-empty backlog (and
 * behind the marker of lines dropped before it), and waits for room as
 * its blocking write would have waited: it is never dropped. */
static int console_own(char const *s, size_t n)
{
	if (console_fd < 0 || console_len == 0)
		return 0;
	while (!console_room(n))
		if (!console_wait(0))
			return 0;
	console_put(s, n);
	return 1;
}

void console_open(int fd)
{
	struct stat a, b;

	console_gone();
	console_fd = fd;
	log_set_queue(fd >= 0 && fstat(fd, &a) == 0 && fstat(2, &b) == 0 &&
		a.st_dev == b.st_dev && a.st_ino == b.st_ino ? console_own : NULL);
}

int console_reopen(int fd)
{
	char path[32];
	struct stat st;
	int n;

	if (fstat(fd, &st) < 0 || !(S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)))
		return fd;
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	n = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	return n >= 0 ? n : fd;
}

void console_line(char const *s, size_t n)
{
	int was_empty = console_len == 0;

	if (console_fd < 0)
		return;
	/* the marker goes in with the next line that fits, not before lines
	 * that would only be dropped behind it */
	if (!console_room(n)) {
		console_lost++;
		return;
	}
	console_put(s, n);
	/* a backlog that was waiting already waits for POLLOUT */
	if (was_empty)
		console_flush();
}

int console_waiting(void)
{
	return console_len > 0 ? console_fd : -1;
}

void console_drain(uint32_t ms)
{
	uint64_t end = console_now() + ms;

	while (console_len > 0 && console_wait(end))
		;
}

uint64_t console_dropped(void)
{
	return console_lost;
}
