/* eventlog.h: the firmware's TCG2 event log (TCG PC Client Platform
 * Firmware Profile, section 10: the "crypto agile" format Linux exposes in
 * /sys/kernel/security/tpm0/binary_bios_measurements), parsed and replayed
 * into the SHA-256 bank, so that a quote's PCR values can be matched
 * against what the firmware says it measured. */
#ifndef ATTESTD_EVENTLOG_H
#define ATTESTD_EVENTLOG_H

#include <stddef.h>
#include <stdint.h>

#include "attestd.h"

#define EVENTLOG_PCRS 24
/* A backstop: the smallest event (SHA-256 only, no data) is 50 bytes, so a
 * log of at most LETHE_ATTEST_EVENTLOG_MAX bytes holds fewer events. */
#define EVENTLOG_EVENTS_MAX 8192 /* events in one log */

struct eventlog_replay {
	uint8_t pcr[EVENTLOG_PCRS][32]; /* SHA-256 bank after replay */
	uint32_t logged;                /* bit n: PCR n had at least one extending event */
	size_t events;                  /* events parsed, the Spec ID event included */
};

/* Parses the TCG2 crypto-agile log P[0..N) and replays its SHA-256 bank.
 * 0, or -1 with a one-line reason in err (attest_fail, attestd.h); on -1,
 * out is zeroed.  Events are numbered from 0, the Spec ID event, as
 * tpm2_eventlog numbers them. */
int eventlog_replay(const uint8_t *p, size_t n, struct eventlog_replay *out, struct attest_err *err);

#endif
