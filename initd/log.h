/* initd's log: one line per message, "initd: " prefix, to the console and,
 * once it is open, to the kernel log (/dev/kmsg) with a syslog level; and
 * to whoever listens (log_set_hooks: the log pipe and the status file). */
#ifndef INITD_LOG_H
#define INITD_LOG_H

#include <stddef.h>
#include <stdint.h>

/* syslog(3) numbers, which /dev/kmsg understands as "<N>" prefixes. */
enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARN = 4,
	LOG_LEVEL_INFO = 6,
};

/* Longest line we write, prefix and newline included; longer messages are
 * cut, never split, so a reader always sees whole lines. */
#define LOG_LINE_BYTES 512

/* Where lines go: console_fd always (-1: nowhere), kmsg_fd when >= 0.
 * Defaults: console 2, no kmsg. */
void log_set_fds(int console_fd, int kmsg_fd);

/* Opens /dev/kmsg for writing (close-on-exec) and starts copying every
 * line there.  Returns 0, or a negative errno; logging to the console goes
 * on either way. */
int log_open_kmsg(void);

/* Listeners, called after the console and kmsg: line with each line's
 * text after "initd: " (so "warning: ..." and "fatal: ..." keep their
 * tag; printable ASCII, no newline), mark with each log_mark and its
 * milliseconds.  NULL: none.  A listener must not log. */
void log_set_hooks(void (*line)(enum log_level level, char const *text, size_t len),
	void (*mark)(char const *name, uint64_t ms));

/* The console copy's other way (console.h): queue(line, len) is offered
 * each console line (with its newline) first; nonzero means it took the
 * line, queued behind service lines that the console has not taken yet,
 * and the blocking write (and the tcdrain that keeps kmsg's copy after
 * it) is skipped.  NULL: always the blocking write.  queue must not log. */
void log_set_queue(int (*queue)(char const *line, size_t len));

/* Writes "initd: <msg>" (info), "initd: warning: <msg>" (warn) or
 * "initd: fatal: <msg>" (err); control and non-ASCII bytes become '?', so
 * one call is one line.  Never fails and keeps errno: a line that cannot
 * be written is dropped, as PID 1 has nowhere else to report it. */
void log_msg(enum log_level level, char const *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Writes "LETHE-MARK <name> t=<ms>" to the console only (not kmsg, not
 * the log pipe; the mark listener gets it for the status file): a boot timeline
 * point for tests and `make bench-boot`, with CLOCK_BOOTTIME in
 * milliseconds (the kernel's printk clock starts at the same zero).  NAME
 * is a fixed word: init, modules, network, clock, config, keys, tor-exec,
 * tor-ready, ready, poweroff. */
void log_mark(char const *name);

#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_fatal(...) log_msg(LOG_LEVEL_ERR, __VA_ARGS__)

#endif
