/* The log ring: records from standard input, oldest first, in a fixed
 * buffer, waiting for the server.  A line leaves the ring when the batch
 * that carried it was answered 2xx (or refused: see ring_done); when a new
 * line does not fit, the oldest go and are counted, and the next batch
 * starts with a record saying how many ("N telemetry: log: dropped N lines
 * (ring full)").  The count is exact: a line dropped while the batch that
 * carries it is in flight is counted only if that batch fails. */
#ifndef TELEMETRY_RING_H
#define TELEMETRY_RING_H

#include <stddef.h>
#include <stdint.h>

#include "telemetry.h"

enum ring_outcome {
	RING_DELIVERED, /* 2xx: the batch's lines leave, its marker's count is said */
	RING_FAILED,    /* no answer, or a server error: everything stays */
	RING_REFUSED,   /* the server refused the batch itself (a 4xx for its body):
			 * its lines leave and are counted as dropped, so that one
			 * batch cannot wedge the ring */
};

struct ring {
	char buf[TELEMETRY_RING_BYTES];
	size_t head, used;       /* the oldest line's offset; bytes of lines */
	uint64_t first, next;    /* sequence numbers: the oldest line; the next pushed */
	uint64_t sent_end;       /* a batch in flight carries lines up to sent_end - 1 */
	int in_flight;
	uint64_t lost_in_flight; /* lines of that batch dropped from the ring meanwhile */
	uint64_t marker;         /* the count of that batch's marker (0: none) */
	uint64_t dropped;        /* lines dropped and not yet said by a delivered marker */
	uint64_t dropped_total;  /* lines lost since start */
	uint64_t oldest_ms;      /* monotonic ms: the oldest waiting line arrived (0: none) */
	uint64_t cut_ms;         /* monotonic ms: the batch in flight was cut */
};

void ring_init(struct ring *r);

/* Appends LINE (LEN bytes, its newline last, at most LETHE_LOGLINE_MAX),
 * dropping the oldest lines until it fits.  NOW_MS: monotonic. */
void ring_push(struct ring *r, const char *line, size_t len, uint64_t now_ms);

/* Cuts the next batch into OUT (CAP bytes, at most LETHE_LOGS_BATCH_MAX):
 * the dropped-lines record first if lines were dropped (REAL_MS its
 * time), then the oldest whole lines that fit.  Its length, 0 if nothing
 * waits.  The lines stay in the ring until ring_done. */
size_t ring_batch(struct ring *r, char *out, size_t cap, uint64_t real_ms, uint64_t now_ms);

/* The answer to the batch of ring_batch. */
void ring_done(struct ring *r, enum ring_outcome o);

/* Bytes of lines waiting (the batch in flight included). */
static inline size_t ring_waiting(const struct ring *r)
{
	return r->used;
}

/* 1 if a batch would carry something (lines or a dropped count). */
static inline int ring_pending(const struct ring *r)
{
	return r->used > 0 || r->dropped > 0;
}

#endif
