/* The console's copy of the services' lines (output.c): a slow console
 * (a serial line at 115200 baud drains some 11 KB/s) must neither stall
 * PID 1 nor lose a line the moment its buffer is full.  Lines go out on
 * a non-blocking descriptor; what the console does not take waits in a
 * fixed backlog of CONSOLE_BACKLOG bytes, written when the descriptor is
 * writable again (POLLOUT in the loop's one poll: console_waiting,
 * console_flush).  Only a line that does not fit in the backlog is
 * dropped, whole, and counted; once there is room again, the line
 *
 *   initd: console: dropped N lines
 *
 * takes the place of the lines that are missing, and the count starts
 * again.  A line is never cut or interleaved here.
 *
 * initd's own lines (log.h) keep their blocking write, and their place:
 * when the console shares its file with initd's log (fd 2) and the backlog
 * is not empty, an own line queues behind it instead of overtaking it; it
 * is never dropped, and waits for room as a blocking write would.  The
 * log pipe (logpipe.h) is a sink of its own: nothing here touches it. */
#ifndef INITD_CONSOLE_H
#define INITD_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

/* 16 KiB: the enrollment CSR and a burst of tor's start-up lines several
 * times over, some 1.4 s of a 115200-baud line. */
#define CONSOLE_BACKLOG 16384

/* At shutdown, how long the backlog may take to reach the console
 * (a full backlog at 115200 baud with room to spare). */
#define CONSOLE_DRAIN_MS 2000

/* Service lines go to fd from now on, which the caller has made
 * non-blocking (a regular file never blocks; fd -1: no console).  When
 * fd is the same file as initd's log (fstat of fd 2), initd's own lines
 * queue behind the backlog (log_set_queue). */
void console_open(int fd);

/* A non-blocking descriptor of the file at fd (the test modes' stdout): a
 * FIFO or terminal is opened again through /proc/self/fd, a description
 * of our own whose O_NONBLOCK nobody else sees; anything else is fd
 * itself.  Returns the descriptor (close-on-exec when new), or fd. */
int console_reopen(int fd);

/* One line of a service, n bytes with its newline (n <= 1024). */
void console_line(char const *s, size_t n);

/* The descriptor to poll for POLLOUT, -1 while the backlog is empty. */
int console_waiting(void);

/* As much of the backlog as the console takes now. */
void console_flush(void);

/* At the end: the backlog to the console, at most ms milliseconds. */
void console_drain(uint32_t ms);

/* Lines dropped since the last marker was queued (tests). */
uint64_t console_dropped(void);

#endif
