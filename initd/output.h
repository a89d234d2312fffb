/* A service's output through initd: its stdout and stderr are one pipe
 * that the loop reads (loop.c), cut into lines here.  Each line goes to
 * the console as the service wrote it (console.h: boot tests and
 * operators read tor, configpull's CSR and the steps' errors there) and
 * to the log pipe as a record "MS NAME: TEXT" (logpipe.h), NAME the
 * service's name and TEXT the line as written, made printable (a line of
 * an `/init --seal` child that starts with "initd: " keeps it: SOURCE
 * "initd" is PID 1's own lines only).  A line longer than
 * LETHE_LOGLINE_MAX bytes with its newline is cut there in its record;
 * the console still gets all of it, in pieces. */
#ifndef INITD_OUTPUT_H
#define INITD_OUTPUT_H

#include <stddef.h>

#include "lethe_telemetry.h"

struct output {
	size_t len;                    /* bytes of the current line in buf */
	int cut;                       /* the line's record is sent: the rest is the console's */
	char buf[LETHE_LOGLINE_MAX];
};

/* n bytes the service named name wrote: every complete line is passed on
 * at once; the rest waits for more. */
void output_feed(struct output *o, char const *name, char const *buf, size_t n);

/* The service's output ended: a last line without newline is passed on. */
void output_flush(struct output *o, char const *name);

#endif
