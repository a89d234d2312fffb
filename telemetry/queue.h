/* Reports waiting for the server: the newest TELEMETRY_QUEUE_REPORTS, in
 * fixed slots, sent oldest first.  The report in flight is never
 * overwritten (libcurl sends from its slot): a push into a full queue
 * drops the oldest report not in flight. */
#ifndef TELEMETRY_QUEUE_H
#define TELEMETRY_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "telemetry.h"

struct queue {
	char slot[TELEMETRY_QUEUE_REPORTS][LETHE_REPORT_MAX];
	size_t len[TELEMETRY_QUEUE_REPORTS];
	unsigned order[TELEMETRY_QUEUE_REPORTS]; /* slots, oldest first */
	size_t count;
	int in_flight;                           /* order[0] is being sent */
	uint64_t dropped;                        /* reports dropped since start */
};

void queue_init(struct queue *q);
/* Queues REPORT (LEN bytes, at most LETHE_REPORT_MAX; longer: dropped). */
void queue_push(struct queue *q, const char *report, size_t len);
/* The oldest report, now in flight (NULL: none); its length in *LEN. */
const char *queue_peek(struct queue *q, size_t *len);
/* Its answer: DONE 1 removes it (delivered, or refused and counted in
 * DROPPED when REFUSED), 0 keeps it for the next try. */
void queue_done(struct queue *q, int done, int refused);

#endif
