/* eventlog.c: the TCG2 crypto-agile event log, parsed strictly and replayed
 * into the SHA-256 bank (TCG PC Client Platform Firmware Profile, section
 * 10).  The log is the node's word, sent over the network: every length is
 * checked against what is left before it is used, a partial event is an
 * error, and every event must carry exactly the banks the Spec ID event
 * announced, so no digest can be hidden from or smuggled past the replay. */
#include <string.h>

#include "eventlog.h"
#include "pcr.h"

#define EV_NO_ACTION 0x00000003u
#define ALG_SHA256 0x000bu
#define SIG_BYTES 16 /* both signatures include their NUL */
#define SPECID_SIG "Spec ID Event03"
#define LOCALITY_SIG "StartupLocality"
#define ALGS_MAX 8
#define DIGEST_MAX 64
/* TCG_PCR_EVENT: pcrIndex, eventType, SHA-1 digest, eventSize. */
#define EVENT1_HDR (4 + 4 + 20 + 4)

_Static_assert(PCR_BYTES == 32, "the SHA-256 bank is 32 bytes a PCR");

/* A bounded reader: take() never moves past n, and len > n - off cannot
 * wrap because off <= n always. */
struct cursor {
	const uint8_t *p;
	size_t n, off;
};

static const uint8_t *take(struct cursor *c, size_t len)
{
	const uint8_t *q;

	if (len > c->n - c->off)
		return NULL;
	q = c->p + c->off;
	c->off += len;
	return q;
}

static uint32_t le32(const uint8_t *q)
{
	return (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
}

static int take_u16(struct cursor *c, uint16_t *v)
{
	const uint8_t *q = take(c, 2);

	if (!q)
		return -1;
	*v = (uint16_t)(q[0] | q[1] << 8);
	return 0;
}

static int take_u32(struct cursor *c, uint32_t *v)
{
	const uint8_t *q = take(c, 4);

	if (!q)
		return -1;
	*v = le32(q);
	return 0;
}

/* The banks the Spec ID event announces: every later event carries each
 * of them once, with this size. */
struct banks {
	uint32_t count;
	uint16_t alg[ALGS_MAX];
	uint16_t size[ALGS_MAX];
};

static int bank_index(const struct banks *b, uint16_t alg)
{
	uint32_t i;

	for (i = 0; i < b->count; i++)
		if (b->alg[i] == alg)
			return (int)i;
	return -1;
}

/* The TCG_EfiSpecIDEvent's data (event 0's event bytes). */
static int specid_parse(struct cursor *c, struct banks *b, struct attest_err *err)
{
	const uint8_t *sig = take(c, SIG_BYTES), *vendor_size;
	uint32_t skip, i;
	int sha256 = 0;

	if (!sig || memcmp(sig, SPECID_SIG, SIG_BYTES))
		return attest_fail(err, "event 0: no '%s' signature", SPECID_SIG);
	/* platformClass and the version bytes: the signature already names
	 * the format, and nothing here depends on them. */
	if (take_u32(c, &skip) || take_u32(c, &skip) || take_u32(c, &b->count))
		return attest_fail(err, "event 0: Spec ID event too short");
	if (b->count < 1 || b->count > ALGS_MAX)
		return attest_fail(err, "event 0: %u algorithms (want 1 to %d)", b->count, ALGS_MAX);
	for (i = 0; i < b->count; i++) {
		if (take_u16(c, &b->alg[i]) || take_u16(c, &b->size[i]))
			return attest_fail(err, "event 0: Spec ID event too short for %u algorithms", b->count);
		if (b->size[i] < 1 || b->size[i] > DIGEST_MAX)
			return attest_fail(err, "event 0: algorithm 0x%04x digest size %u (want 1 to %d)",
					   b->alg[i], b->size[i], DIGEST_MAX);
		if (bank_index(b, b->alg[i]) != (int)i)
			return attest_fail(err, "event 0: algorithm 0x%04x listed twice", b->alg[i]);
		if (b->alg[i] == ALG_SHA256) {
			if (b->size[i] != PCR_BYTES)
				return attest_fail(err, "event 0: SHA-256 digest size %u (want 32)", b->size[i]);
			sha256 = 1;
		}
	}
	if (!sha256)
		return attest_fail(err, "event 0: no SHA-256 bank");
	vendor_size = take(c, 1);
	if (!vendor_size)
		return attest_fail(err, "event 0: Spec ID event has no vendorInfoSize");
	if (!take(c, vendor_size[0]))
		return attest_fail(err, "event 0: vendorInfo of %u bytes past the Spec ID event", vendor_size[0]);
	if (c->off != c->n)
		return attest_fail(err, "event 0: %zu bytes after the Spec ID event's vendorInfo", c->n - c->off);
	return 0;
}

/* Event 0: a TCG_PCR_EVENT (SHA-1 format) carrying the Spec ID event. */
static int specid_event(struct cursor *c, struct banks *b, struct attest_err *err)
{
	static const uint8_t zero[20];
	const uint8_t *hdr = take(c, EVENT1_HDR), *data;
	struct cursor body;
	uint32_t size;

	if (!hdr)
		return attest_fail(err, "truncated event 0");
	if (le32(hdr) != 0 || le32(hdr + 4) != EV_NO_ACTION || memcmp(hdr + 8, zero, sizeof zero))
		return attest_fail(err, "event 0: not a Spec ID event (PCR %u, type 0x%08x)", le32(hdr),
				   le32(hdr + 4));
	size = le32(hdr + 8 + sizeof zero);
	data = take(c, size);
	if (!data)
		return attest_fail(err, "truncated event 0");
	body = (struct cursor){data, size, 0};
	return specid_parse(&body, b, err);
}

/* One TCG_PCR_EVENT2 header and digests; *sha256 is its SHA-256 digest. */
static int event_digests(struct cursor *c, size_t num, const struct banks *b, uint32_t *pcr, uint32_t *type,
			 const uint8_t **sha256, struct attest_err *err)
{
	uint8_t seen[ALGS_MAX] = {0};
	uint32_t count, i;

	if (take_u32(c, pcr) || take_u32(c, type) || take_u32(c, &count))
		return attest_fail(err, "truncated event %zu", num);
	if (*pcr >= EVENTLOG_PCRS)
		return attest_fail(err, "event %zu: PCR index %u out of range", num, *pcr);
	if (count != b->count)
		return attest_fail(err, "event %zu: %u digests (the Spec ID event lists %u)", num, count, b->count);
	for (i = 0; i < count; i++) {
		const uint8_t *d;
		uint16_t alg;
		int k;

		if (take_u16(c, &alg))
			return attest_fail(err, "truncated event %zu", num);
		k = bank_index(b, alg);
		if (k < 0)
			return attest_fail(err, "event %zu: algorithm 0x%04x not in the Spec ID event", num, alg);
		if (seen[k])
			return attest_fail(err, "event %zu: algorithm 0x%04x twice", num, alg);
		seen[k] = 1;
		d = take(c, b->size[k]);
		if (!d)
			return attest_fail(err, "truncated event %zu", num);
		if (alg == ALG_SHA256)
			*sha256 = d;
	}
	return 0;
}

/* The StartupLocality event (EV_NO_ACTION on PCR 0): the locality TPM2_Startup
 * ran at, which is PCR 0's last byte before the first extend. */
static int startup_locality(const uint8_t *data, uint32_t size, size_t num, struct eventlog_replay *out,
			    int *locality_seen, struct attest_err *err)
{
	if (size < SIG_BYTES || memcmp(data, LOCALITY_SIG, SIG_BYTES))
		return 0;
	if (size != SIG_BYTES + 1)
		return attest_fail(err, "event %zu: StartupLocality event of %u bytes (want 17)", num, size);
	/* Once, and before PCR 0 moved: later, it would rewrite a measured
	 * value rather than describe the start. */
	if (*locality_seen || out->logged & 1u)
		return attest_fail(err, "event %zu: StartupLocality after PCR 0's first event", num);
	*locality_seen = 1;
	out->pcr[0][PCR_BYTES - 1] = data[SIG_BYTES];
	return 0;
}

static int replay(const uint8_t *p, size_t n, struct eventlog_replay *out, struct attest_err *err)
{
	struct cursor c = {p, n, 0};
	struct banks b;
	int locality_seen = 0;

	if (n == 0)
		return attest_fail(err, "empty event log");
	if (n > LETHE_ATTEST_EVENTLOG_MAX)
		return attest_fail(err, "event log of %zu bytes (at most %d)", n, LETHE_ATTEST_EVENTLOG_MAX);
	if (specid_event(&c, &b, err))
		return -1;
	out->events = 1;
	while (c.off < c.n) {
		size_t num = out->events;
		const uint8_t *sha256 = NULL, *data;
		uint32_t pcr, type, size;

		if (num == EVENTLOG_EVENTS_MAX)
			return attest_fail(err, "more than %d events", EVENTLOG_EVENTS_MAX);
		if (event_digests(&c, num, &b, &pcr, &type, &sha256, err))
			return -1;
		if (take_u32(&c, &size) || !(data = take(&c, size)))
			return attest_fail(err, "truncated event %zu", num);
		if (type == EV_NO_ACTION) {
			/* Informational: never extended into any PCR. */
			if (pcr == 0 && startup_locality(data, size, num, out, &locality_seen, err))
				return -1;
		} else {
			pcr_extend(out->pcr[pcr], sha256);
			out->logged |= 1u << pcr;
		}
		out->events++;
	}
	return 0;
}

int eventlog_replay(const uint8_t *p, size_t n, struct eventlog_replay *out, struct attest_err *err)
{
	memset(out, 0, sizeof *out);
	if (replay(p, n, out, err)) {
		memset(out, 0, sizeof *out);
		return -1;
	}
	return 0;
}
