/* quote.c: one attestation, apart from the database.  The body is the
 * node's word over the network: it is parsed with one accepted spelling
 * (fixed line order, strict base64 and hex), and nothing in it is believed
 * before the AK's signature over the quote, whose digest then vouches for
 * the pcr lines, which the event log must replay and a logged release must
 * list. */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

#include "certify.h"
#include "eventlog.h"
#include "quote.h"
#include "tlog.h"

/* A body being read, line by line. */
struct quote_reader {
	const char *p;
	size_t n, off;
};

/* The next line must be "NAME VALUE\n": *value and *vlen are VALUE's. */
static int quote_line(struct quote_reader *r, const char *name, const char **value, size_t *vlen,
		      struct attest_err *err)
{
	const char *line = r->p + r->off, *nl;
	size_t left = r->n - r->off, nlen = strlen(name);

	if (left <= nlen || memcmp(line, name, nlen) || line[nlen] != ' ')
		return attest_fail(err, "malformed quote: expected the '%s' line", name);
	nl = memchr(line, '\n', left);
	if (!nl)
		return attest_fail(err, "malformed quote: the '%s' line has no newline", name);
	*value = line + nlen + 1;
	*vlen = (size_t)(nl - *value);
	r->off += (size_t)(nl - line) + 1;
	return 0;
}

/* A base64 line of min..cap bytes. */
static int quote_b64(struct quote_reader *r, const char *name, uint8_t *out, size_t min, size_t cap, size_t *len,
		     struct attest_err *err)
{
	const char *v;
	size_t vlen, n = 0;

	if (quote_line(r, name, &v, &vlen, err))
		return -1;
	if (tlog_b64_decode(v, vlen, out, cap, &n) || n < min) {
		if (min == cap)
			return attest_fail(err, "malformed quote: %s is not base64 of %zu bytes", name, cap);
		return attest_fail(err, "malformed quote: %s is not base64 of %zu to %zu bytes", name, min, cap);
	}
	*len = n;
	return 0;
}

/* "pcr N HEX" for PCR index. */
static int quote_pcr(struct quote_reader *r, unsigned index, uint8_t out[32], struct attest_err *err)
{
	char want[8], hex[65];
	const char *v;
	size_t vlen, wlen;

	if (quote_line(r, "pcr", &v, &vlen, err))
		return -1;
	wlen = (size_t)snprintf(want, sizeof want, "%u ", index);
	if (vlen != wlen + 64 || memcmp(v, want, wlen))
		return attest_fail(err, "malformed quote: expected 'pcr %u' and 64 hex digits", index);
	memcpy(hex, v + wlen, 64);
	hex[64] = '\0';
	if (attest_unhex(hex, out, 32))
		return attest_fail(err, "malformed quote: pcr %u is not 64 lowercase hex digits", index);
	return 0;
}

int quote_parse(const char *body, size_t len, struct quote_body *q, struct attest_err *err)
{
	struct quote_reader r = {body, len, 0};
	size_t n = 0;
	unsigned i;

	memset(q->pcr, 0, sizeof q->pcr);
	q->quote_len = q->sig_len = q->eventlog_len = 0;
	if (len > LETHE_ATTEST_QUOTE_BODY_MAX)
		return attest_fail(err, "malformed quote: larger than %d bytes", LETHE_ATTEST_QUOTE_BODY_MAX);
	if (quote_b64(&r, "nonce", q->nonce, sizeof q->nonce, sizeof q->nonce, &n, err) ||
	    quote_b64(&r, "quote", q->quote, 1, sizeof q->quote, &q->quote_len, err) ||
	    quote_b64(&r, "signature", q->sig, 1, sizeof q->sig, &q->sig_len, err))
		return -1;
	for (i = 0; i < ATTESTD_PCRS; i++)
		if (((LETHE_ATTEST_QUOTE_PCRS >> i) & 1u) && quote_pcr(&r, i, q->pcr[i], err))
			return -1;
	if (quote_b64(&r, "eventlog", q->eventlog, 1, sizeof q->eventlog, &q->eventlog_len, err))
		return -1;
	if (r.off != len)
		return attest_fail(err, "malformed quote: more after the eventlog line");
	return 0;
}

/* The PCR selection of a quote as a bitmap, PCR n at bit n. */
static uint32_t quote_bitmap(const TPMS_PCR_SELECTION *s)
{
	uint32_t map = 0;
	unsigned i;

	for (i = 0; i < s->sizeofSelect && i < sizeof map; i++)
		map |= (uint32_t)s->pcrSelect[i] << (8 * i);
	/* A selection wider than 32 PCRs cannot be ours. */
	return s->sizeofSelect > sizeof map ? ~0u : map;
}

/* SHA-256 of the quoted PCRs' values, ascending: what the TPM put in
 * pcrDigest (TPM 2.0 Part 3, TPM2_Quote). */
static int quote_pcr_digest(const uint8_t pcr[ATTESTD_PCRS][32], uint8_t out[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int n = 0, i;
	int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL);

	for (i = 0; ok && i < ATTESTD_PCRS; i++)
		if ((LETHE_ATTEST_QUOTE_PCRS >> i) & 1u)
			ok = EVP_DigestUpdate(md, pcr[i], 32);
	ok = ok && EVP_DigestFinal_ex(md, out, &n) && n == 32;
	EVP_MD_CTX_free(md);
	return ok ? 0 : -1;
}

static int quote_check_attest(const struct quote_body *q, struct attest_err *err)
{
	TPMS_ATTEST info;
	const TPMS_QUOTE_INFO *qi = &info.attested.quote;
	uint8_t digest[32];
	uint32_t map;
	size_t off = 0;

	memset(&info, 0, sizeof info);
	if (Tss2_MU_TPMS_ATTEST_Unmarshal(q->quote, q->quote_len, &off, &info) != TSS2_RC_SUCCESS ||
	    off != q->quote_len)
		return attest_fail(err, "bad quote: not a TPMS_ATTEST");
	if (info.magic != TPM2_GENERATED_VALUE)
		return attest_fail(err, "bad quote: magic is not TPM_GENERATED_VALUE");
	if (info.type != TPM2_ST_ATTEST_QUOTE)
		return attest_fail(err, "bad quote: type 0x%04x is not TPM_ST_ATTEST_QUOTE", (unsigned)info.type);
	if (info.extraData.size != sizeof q->nonce || memcmp(info.extraData.buffer, q->nonce, sizeof q->nonce))
		return attest_fail(err, "bad quote: qualifying data is not the nonce");
	if (qi->pcrSelect.count != 1)
		return attest_fail(err, "bad quote: %u PCR selections (want 1)", (unsigned)qi->pcrSelect.count);
	if (qi->pcrSelect.pcrSelections[0].hash != TPM2_ALG_SHA256)
		return attest_fail(err, "bad quote: PCR bank 0x%04x is not SHA-256",
				   (unsigned)qi->pcrSelect.pcrSelections[0].hash);
	map = quote_bitmap(&qi->pcrSelect.pcrSelections[0]);
	if (map != LETHE_ATTEST_QUOTE_PCRS)
		return attest_fail(err, "bad quote: PCR selection 0x%08x is not 0x%08x", map,
				   (unsigned)LETHE_ATTEST_QUOTE_PCRS);
	if (quote_pcr_digest(q->pcr, digest))
		return attest_fail(err, "bad quote: unable to hash the PCR values");
	if (qi->pcrDigest.size != sizeof digest || memcmp(qi->pcrDigest.buffer, digest, sizeof digest))
		return attest_fail(err, "bad quote: PCR digest is not that of the pcr lines");
	return 0;
}

static int quote_check_eventlog(const struct quote_body *q, struct attest_err *err)
{
	struct eventlog_replay rep;
	struct attest_err why;
	char have[65], want[65];
	unsigned i;

	if (eventlog_replay(q->eventlog, q->eventlog_len, &rep, &why))
		return attest_fail(err, "bad event log: %s", why.msg);
	for (i = 0; i < ATTESTD_PCRS; i++) {
		if (!((LETHE_ATTEST_QUOTE_PCRS >> i) & 1u))
			continue;
		/* A PCR no event extends replays to its reset value, zero: the
		 * -kernel path has no PCR 11, a UKI boot no 12-14.  Only the
		 * PCRs stboot extends from Linux may differ without events. */
		if (!((rep.logged >> i) & 1u) && ((LETHE_ATTEST_UNLOGGED_PCRS >> i) & 1u))
			continue;
		if (memcmp(rep.pcr[i], q->pcr[i], 32)) {
			attest_hex(rep.pcr[i], 32, have);
			attest_hex(q->pcr[i], 32, want);
			return attest_fail(err, "bad event log: PCR %u replays to %s, quoted %s", i, have, want);
		}
	}
	return 0;
}

int quote_verify(const struct quote_body *q, const TPM2B_PUBLIC *ak, const struct releases *rel,
		 struct releases_match *m, struct attest_err *err)
{
	memset(m, 0, sizeof *m);
	if (certify_signature_check(ak, q->quote, q->quote_len, q->sig, q->sig_len, "bad signature", err) ||
	    quote_check_attest(q, err) || quote_check_eventlog(q, err))
		return -1;
	return releases_match(rel, q->pcr, m, err);
}
