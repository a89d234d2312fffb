/* The log ring: a circular byte buffer of newline-terminated lines, with a
 * sequence number per line so that a batch's answer removes exactly the
 * lines it carried, whatever was dropped meanwhile. */
#include <string.h>

#include "logline.h"
#include "ring.h"

void ring_init(struct ring *r)
{
	memset(r, 0, sizeof *r);
}

/* The oldest line's length with its newline. */
static size_t ring_head_len(const struct ring *r)
{
	size_t i, off = r->head;

	for (i = 0; i < r->used; i++) {
		if (r->buf[off] == '\n')
			return i + 1;
		if (++off == sizeof r->buf)
			off = 0;
	}
	return r->used; /* not reached: every line ends with a newline */
}

static void ring_pop(struct ring *r)
{
	size_t n = ring_head_len(r);

	r->head = (r->head + n) % sizeof r->buf;
	r->used -= n;
	r->first++;
}

void ring_push(struct ring *r, const char *line, size_t len, uint64_t now_ms)
{
	size_t tail, part;

	if (len == 0 || len > LETHE_LOGLINE_MAX)
		return;
	while (sizeof r->buf - r->used < len) {
		if (r->in_flight && r->first < r->sent_end) {
			r->lost_in_flight++;
		} else {
			r->dropped++;
			r->dropped_total++;
		}
		ring_pop(r);
	}
	if (r->used == 0)
		r->oldest_ms = now_ms;
	tail = (r->head + r->used) % sizeof r->buf;
	part = sizeof r->buf - tail < len ? sizeof r->buf - tail : len;
	memcpy(r->buf + tail, line, part);
	memcpy(r->buf, line + part, len - part);
	r->used += len;
	r->next++;
}

size_t ring_batch(struct ring *r, char *out, size_t cap, uint64_t real_ms, uint64_t now_ms)
{
	size_t n = 0, take, part, i, lines = 0, end = 0;

	if (cap > LETHE_LOGS_BATCH_MAX)
		cap = LETHE_LOGS_BATCH_MAX;
	r->marker = 0;
	if (r->dropped) {
		char m[LETHE_LOGLINE_MAX];
		size_t mlen = logline_make(m, real_ms, LETHE_LOG_DROPPED_FMT, (unsigned long long)r->dropped,
					   "ring full");

		if (mlen > cap)
			return 0;
		memcpy(out, m, mlen);
		n = mlen;
		r->marker = r->dropped;
	}
	take = r->used < cap - n ? r->used : cap - n;
	part = sizeof r->buf - r->head < take ? sizeof r->buf - r->head : take;
	memcpy(out + n, r->buf + r->head, part);
	memcpy(out + n + part, r->buf, take - part);
	/* whole lines only */
	for (i = 0; i < take; i++)
		if (out[n + i] == '\n') {
			lines++;
			end = i + 1;
		}
	n += end;
	if (n == 0)
		return 0;
	r->sent_end = r->first + lines;
	r->in_flight = 1;
	r->lost_in_flight = 0;
	r->cut_ms = now_ms;
	return n;
}

void ring_done(struct ring *r, enum ring_outcome o)
{
	uint64_t gone = 0;

	if (!r->in_flight)
		return;
	r->in_flight = 0;
	switch (o) {
	case RING_DELIVERED:
		r->dropped -= r->marker;
		break;
	case RING_FAILED:
		r->dropped += r->lost_in_flight;
		r->dropped_total += r->lost_in_flight;
		r->lost_in_flight = 0;
		return;
	case RING_REFUSED:
		gone = r->lost_in_flight + (r->sent_end > r->first ? r->sent_end - r->first : 0);
		r->dropped += gone;
		r->dropped_total += gone;
		break;
	}
	r->lost_in_flight = 0;
	while (r->used && r->first < r->sent_end)
		ring_pop(r);
	/* what is left came in after the cut, or did not fit in the batch */
	r->oldest_ms = r->used ? r->cut_ms : 0;
}
