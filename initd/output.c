#include <string.h>

#include "console.h"
#include "logpipe.h"
#include "output.h"

/* buf[0..len) and its newline (buf has room for it) to both sinks, or,
 * for the end of a line that was cut, to the console alone. */
static void output_line(struct output *o, char const *name)
{
	o->buf[o->len] = '\n';
	console_line(o->buf, o->len + 1);
	if (!o->cut)
		logpipe_record(name, o->buf, o->len);
	o->len = 0;
	o->cut = 0;
}

/* A full buffer without a newline: the record gets the line's first
 * LETHE_LOGLINE_MAX - 1 bytes (the bound of the wire); the console gets
 * every byte, in pieces, since an operator copies long lines from it (the
 * enrollment bundle's base64 lines are longer than a record). */
static void output_piece(struct output *o, char const *name)
{
	console_line(o->buf, o->len);
	if (!o->cut)
		logpipe_record(name, o->buf, o->len);
	o->len = 0;
	o->cut = 1;
}

void output_feed(struct output *o, char const *name, char const *buf, size_t n)
{
	while (n > 0) {
		char const *nl = memchr(buf, '\n', n);
		size_t take = nl ? (size_t)(nl - buf) : n;
		size_t room = LETHE_LOGLINE_MAX - 1 - o->len;

		if (take > room)
			take = room;
		memcpy(o->buf + o->len, buf, take);
		o->len += take;
		buf += take;
		n -= take;
		if (nl && buf == nl) {
			output_line(o, name);
			buf++;
			n--;
		} else if (o->len == LETHE_LOGLINE_MAX - 1) {
			output_piece(o, name);
		}
	}
}

void output_flush(struct output *o, char const *name)
{
	if (o->len > 0 || o->cut)
		output_line(o, name);
	o->cut = 0;
}
