#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int log_console_fd = 2;
static int log_kmsg_fd = -1;
static void (*log_line_hook)(enum log_level, char const *, size_t);
static void (*log_mark_hook)(char const *, uint64_t);
static int (*log_queue)(char const *, size_t);

void log_set_fds(int console_fd, int kmsg_fd)
{
	log_console_fd = console_fd;
	log_kmsg_fd = kmsg_fd;
}

void log_set_hooks(void (*line)(enum log_level level, char const *text, size_t len),
	void (*mark)(char const *name, uint64_t ms))
{
	log_line_hook = line;
	log_mark_hook = mark;
}

void log_set_queue(int (*queue)(char const *line, size_t len))
{
	log_queue = queue;
}

int log_open_kmsg(void)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	log_kmsg_fd = fd;
	return 0;
}

static void log_write_all(int fd, char const *s, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, s, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		s += w;
		len -= (size_t)w;
	}
}

static char const *log_tag(enum log_level level)
{
	switch (level) {
	case LOG_LEVEL_ERR:
		return "fatal: ";
	case LOG_LEVEL_WARN:
		return "warning: ";
	case LOG_LEVEL_INFO:
		break;
	}
	return "";
}

void log_msg(enum log_level level, char const *fmt, ...)
{
	/* One buffer serves both sinks: kmsg gets the "<N>" level prefix,
	 * the console the same bytes after it. */
	char line[LOG_LINE_BYTES];
	size_t skip, head, len, i;
	int n;
	va_list ap;
	int saved_errno = errno;

	n = snprintf(line, sizeof line, "<%d>", (int)level);
	if (n < 0 || (size_t)n >= sizeof line)
		return;
	skip = (size_t)n;
	n = snprintf(line + skip, sizeof line - skip, "initd: %s", log_tag(level));
	if (n < 0 || (size_t)n >= sizeof line - skip)
		return;
	head = skip + (size_t)n;
	va_start(ap, fmt);
	n = vsnprintf(line + head, sizeof line - head, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len = head + strlen(line + head);
	/* A message carrying a newline, an escape or a non-ASCII byte would
	 * split, forge or garble a line on the console and in kmsg: flatten it. */
	for (i = skip; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c >= 0x7f)
			line[i] = '?';
	}
	line[len++] = '\n';

	if (log_console_fd >= 0 && !(log_queue && log_queue(line + skip, len - skip))) {
		log_write_all(log_console_fd, line + skip, len - skip);
		/* The kernel prints kmsg lines on the console itself, straight to
		 * the UART, while our write may still sit in the tty buffer:
		 * without the drain the two copies interleave mid-line. */
		if (log_kmsg_fd >= 0)
			tcdrain(log_console_fd);
	}
	/* kmsg takes one record per write(2), so a short write cannot
	 * happen. */
	if (log_kmsg_fd >= 0 && write(log_kmsg_fd, line, len) < 0) {
		/* Rate limited or gone: only the kmsg copy is lost. */
	}
	/* "initd: " is 7 bytes; the newline stays out */
	if (log_line_hook)
		log_line_hook(level, line + skip + 7, len - skip - 8);
	errno = saved_errno;
}

void log_mark(char const *name)
{
	char line[96];
	struct timespec ts;
	long long ms;
	int n, saved_errno = errno;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
		goto out;
	ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	n = snprintf(line, sizeof line, "LETHE-MARK %s t=%lld\n", name, ms);
	if (log_console_fd >= 0 && n > 0 && (size_t)n < sizeof line &&
	    !(log_queue && log_queue(line, (size_t)n)))
		log_write_all(log_console_fd, line, (size_t)n);
	if (log_mark_hook)
		log_mark_hook(name, (uint64_t)ms);
out:
	errno = saved_errno;
}
