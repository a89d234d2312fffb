/* The report queue: a list of slot numbers in order, so that dropping the
 * second-oldest report moves eight integers, not 16 KiB bodies. */
#include <string.h>

#include "queue.h"

void queue_init(struct queue *q)
{
	memset(q, 0, sizeof *q);
}

static void queue_remove(struct queue *q, size_t at)
{
	memmove(q->order + at, q->order + at + 1, (q->count - at - 1) * sizeof q->order[0]);
	q->count--;
}

void queue_push(struct queue *q, const char *report, size_t len)
{
	unsigned s;
	size_t i;

	if (len > LETHE_REPORT_MAX) {
		q->dropped++;
		return;
	}
	if (q->count == TELEMETRY_QUEUE_REPORTS) {
		/* the oldest that is not in flight (TELEMETRY_QUEUE_REPORTS > 1) */
		size_t victim = q->in_flight ? 1 : 0;

		s = q->order[victim];
		queue_remove(q, victim);
		q->dropped++;
	} else {
		/* a free slot: one no queued report uses */
		for (s = 0; s < TELEMETRY_QUEUE_REPORTS; s++) {
			for (i = 0; i < q->count && q->order[i] != s; i++)
				;
			if (i == q->count)
				break;
		}
	}
	memcpy(q->slot[s], report, len);
	q->len[s] = len;
	q->order[q->count++] = s;
}

const char *queue_peek(struct queue *q, size_t *len)
{
	if (!q->count)
		return NULL;
	q->in_flight = 1;
	*len = q->len[q->order[0]];
	return q->slot[q->order[0]];
}

void queue_done(struct queue *q, int done, int refused)
{
	if (!q->in_flight)
		return;
	q->in_flight = 0;
	if (!done || !q->count)
		return;
	queue_remove(q, 0);
	if (refused)
		q->dropped++;
}
