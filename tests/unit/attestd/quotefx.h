/* quotefx.h: a node's attestation made in software, for the quote, pull
 * and release tests: the fixture's AK (fixture.h) quoting, over a nonce,
 * the PCRs a fixed firmware event log replays to (4, 7, 9, 11; 12, 13 and
 * 14 zero, unlogged, as on a UEFI boot), the body POST /v1/attest takes,
 * and a release set in which those values are v1 on boot path qemu.  A
 * test changes one field and expects the check that names it to refuse. */
#ifndef ATTESTD_TEST_QUOTEFX_H
#define ATTESTD_TEST_QUOTEFX_H

#include <sqlite3.h>

#include "fixture.h"
#include "releases.h"

#define QFX_LOG_MAX 1024
#define QFX_BODY_MAX 4096
/* Offsets in the log: event 1's SHA-256 digest (PCR 4's first event), and
 * the last event (PCR 11's only one: the log cut there leaves PCR 11
 * without events). */
#define QFX_EV1_DIGEST 79
#define QFX_EV_PCR11 438

struct qfx {
	struct fx f;
	uint8_t nonce[LETHE_ATTEST_NONCE_BYTES];
	uint8_t pcr[ATTESTD_PCRS][32]; /* the body's pcr lines */
	TPMS_ATTEST attest;            /* extraData and pcrDigest set by qfx_body unless keep_attest */
	int keep_attest;
	EVP_PKEY *signer;              /* f.ak_key unless a test changes it */
	uint8_t elog[QFX_LOG_MAX];
	size_t elog_len;
};

/* The firmware log's replay, computed apart from eventlog.c: PCRs 4, 7,
 * 9 and 11, the others zero. */
void qfx_quoted(uint8_t pcr[ATTESTD_PCRS][32]);

/* Fresh keys (fx_init), a random nonce, the log and its PCR values. */
void qfx_init(struct qfx *q);
void qfx_free(struct qfx *q);
/* The log of an image the log does not hold: one more event on PCR 9,
 * logged and quoted (the log still replays). */
void qfx_unlogged_image(struct qfx *q);
/* The body for q's current fields, the quote signed by q->signer; out is
 * NUL-terminated, the length returned. */
size_t qfx_body(struct qfx *q, char *out, size_t cap);
/* One release: v1, path qemu = the log's PCRs 4, 7, 9, 11, path stboot =
 * PCRs 12, 13, 14 of another boot. */
void qfx_releases(struct releases *r);
/* A pcr line of rec. */
void qfx_record_pcr(struct tlog_record *rec, const char *path, unsigned index, const uint8_t value[32]);

/* A database (db_open) in a fresh temporary directory, removed by
 * qfx_db_close. */
struct qfx_db {
	char dir[256], path[320];
	sqlite3 *db;
};
void qfx_db_open(struct qfx_db *d);
void qfx_db_close(struct qfx_db *d);
/* Enrolls node with the AK template over key's point; activated if asked. */
void qfx_enroll(sqlite3 *db, const char *node, EVP_PKEY *key, int activate);

#endif
