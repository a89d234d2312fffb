/* Attestation on every pull (quote.h): nonce, TPM2_Quote, PCR values and
 * the firmware event log to the verifier, its token into the client.
 * Everything sent is public (the quote proves, it does not hide); the token
 * is the one secret, a bearer for this pull, and never leaves CL. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>

#include "attest.h"
#include "configpull.h"
#include "quote.h"
#include "tlog.h"

#define QUOTE_B64(n) (4 * (((size_t)(n) + 2) / 3))

/* What goes to the verifier, gathered before the body is written. */
struct quote_evidence {
	uint8_t attest[LETHE_ATTEST_QUOTE_MAX];
	size_t attest_len;
	uint8_t sig[LETHE_ATTEST_SIGNATURE_MAX];
	size_t sig_len;
	unsigned npcr;
	unsigned pcr_index[24];
	uint8_t pcr[24][32];
	uint8_t *log; /* LETHE_ATTEST_EVENTLOG_MAX bytes */
	size_t log_len;
};

/* The firmware's event log, whole, or a clear refusal: the verifier needs
 * it, and a node without one cannot be attested. */
static int quote_eventlog(const char *path, struct quote_evidence *ev, struct cp_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t r;

	ev->log_len = 0;
	if (fd < 0)
		return err_set(err, "no firmware event log at %s: %s (the verifier replays it)", path,
			       strerror(errno));
	/* securityfs files report size 0: read to the end, one byte past the
	 * bound to tell a full log from an oversized one */
	for (;;) {
		r = read(fd, ev->log + ev->log_len, LETHE_ATTEST_EVENTLOG_MAX + 1 - ev->log_len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		ev->log_len += (size_t)r;
		if (ev->log_len > LETHE_ATTEST_EVENTLOG_MAX)
			break;
	}
	close(fd);
	if (r < 0)
		return err_set(err, "unable to read %s: %s", path, strerror(errno));
	if (ev->log_len > LETHE_ATTEST_EVENTLOG_MAX)
		return err_set(err, "the event log %s is larger than %d bytes", path, LETHE_ATTEST_EVENTLOG_MAX);
	if (ev->log_len == 0)
		return err_set(err, "the event log %s is empty", path);
	return 1;
}

/* The quote over the nonce, then the values of the quoted PCRs.  A PCR
 * extended between the two makes the verifier refuse ("bad quote"): the
 * next pull quotes again. */
static int quote_tpm(const char *tcti, const uint8_t nonce[LETHE_ATTEST_NONCE_BYTES], struct quote_evidence *ev,
		     struct cp_err *err)
{
	TPML_PCR_SELECTION sel = { .count = 1 };
	TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_NULL };
	TPML_PCR_SELECTION *got = NULL;
	TPML_DIGEST *vals = NULL;
	TPM2B_ATTEST *attest = NULL;
	TPMT_SIGNATURE *sig = NULL;
	TPM2B_DATA q = { .size = LETHE_ATTEST_NONCE_BYTES };
	struct attest_tpm t;
	TSS2_RC rc;
	unsigned i;
	int ok = 0;

	sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
	sel.pcrSelections[0].sizeofSelect = 3;
	for (i = 0; i < 24; i++)
		if (LETHE_ATTEST_QUOTE_PCRS & (1u << i))
			sel.pcrSelections[0].pcrSelect[i / 8] |= (uint8_t)(1u << (i % 8));
	memcpy(q.buffer, nonce, LETHE_ATTEST_NONCE_BYTES);
	if (!attest_open(&t, tcti, 0, err))
		goto out;
	/* the AK's own scheme (ECDSA, SHA-256): a restricted key takes no other */
	rc = Esys_Quote(t.esys, t.ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &q, &scheme, &sel, &attest,
			&sig);
	if (rc != TSS2_RC_SUCCESS) {
		attest_tss(rc, "quote the PCRs with the attestation key", err);
		goto out;
	}
	if (attest->size > sizeof ev->attest) {
		err_set(err, "the TPM's quote is larger than %zu bytes", sizeof ev->attest);
		goto out;
	}
	memcpy(ev->attest, attest->attestationData, attest->size);
	ev->attest_len = attest->size;
	ev->sig_len = 0;
	if (Tss2_MU_TPMT_SIGNATURE_Marshal(sig, ev->sig, sizeof ev->sig, &ev->sig_len) != TSS2_RC_SUCCESS) {
		err_set(err, "unable to marshal the quote's signature");
		goto out;
	}
	/* seven PCRs: one PCR_Read returns at most eight digests */
	rc = Esys_PCR_Read(t.esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel, NULL, &got, &vals);
	if (rc != TSS2_RC_SUCCESS) {
		attest_tss(rc, "read the quoted PCRs", err);
		goto out;
	}
	if (got->count != 1 || memcmp(got->pcrSelections[0].pcrSelect, sel.pcrSelections[0].pcrSelect, 3)) {
		err_set(err, "the TPM did not return every quoted PCR (no SHA-256 bank?)");
		goto out;
	}
	ev->npcr = 0;
	for (i = 0; i < 24; i++) {
		if (!(LETHE_ATTEST_QUOTE_PCRS & (1u << i)))
			continue;
		if (ev->npcr >= vals->count || vals->digests[ev->npcr].size != 32) {
			err_set(err, "the TPM returned %u PCR values", (unsigned)vals->count);
			goto out;
		}
		ev->pcr_index[ev->npcr] = i;
		memcpy(ev->pcr[ev->npcr], vals->digests[ev->npcr].buffer, 32);
		ev->npcr++;
	}
	ok = 1;
out:
	Esys_Free(attest);
	Esys_Free(sig);
	Esys_Free(got);
	Esys_Free(vals);
	attest_close(&t);
	return ok;
}

/* Appends "NAME BASE64\n" at *OFF of BODY (CAP bytes). */
static int quote_line(char *body, size_t cap, size_t *off, const char *name, const uint8_t *p, size_t n)
{
	size_t need = strlen(name) + 1 + QUOTE_B64(n) + 1;

	if (need > cap - *off)
		return 0;
	*off += (size_t)sprintf(body + *off, "%s ", name);
	*off += (size_t)EVP_EncodeBlock((unsigned char *)body + *off, p, (int)n);
	body[(*off)++] = '\n';
	return 1;
}

/* The body of include/lethe_attest.h, lines in its order. */
static int quote_body(const uint8_t nonce[LETHE_ATTEST_NONCE_BYTES], const struct quote_evidence *ev,
		      char *body, size_t cap, size_t *len)
{
	size_t off = 0;
	unsigned i, j;

	if (!quote_line(body, cap, &off, "nonce", nonce, LETHE_ATTEST_NONCE_BYTES) ||
	    !quote_line(body, cap, &off, "quote", ev->attest, ev->attest_len) ||
	    !quote_line(body, cap, &off, "signature", ev->sig, ev->sig_len))
		return 0;
	for (i = 0; i < ev->npcr; i++) {
		if (cap - off < 8 + 64 + 1)
			return 0;
		off += (size_t)sprintf(body + off, "pcr %u ", ev->pcr_index[i]);
		for (j = 0; j < 32; j++)
			off += (size_t)sprintf(body + off, "%02x", ev->pcr[i][j]);
		body[off++] = '\n';
	}
	if (!quote_line(body, cap, &off, "eventlog", ev->log, ev->log_len))
		return 0;
	*len = off;
	return 1;
}

/* POST PATH as CL; the status into *STATUS, the reply into REPLY. */
static int quote_post(const struct fetch_opts *o, const struct fetch_client *cl, const char *path,
		      const char *body, size_t bodylen, char *reply, size_t cap, size_t *len, long *status,
		      struct cp_err *err)
{
	char url[2048], errbuf[CURL_ERROR_SIZE] = "";
	int too_big = 0;
	CURLcode cc;

	if (!fetch_origin_url(o->url, path, url, sizeof url, err))
		return CP_EXIT_USAGE;
	cc = fetch_post(o, cl, url, body, bodylen, reply, cap - 1, len, &too_big, status, errbuf);
	reply[*len] = 0;
	if (too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		err_set(err, "the verifier's answer to %s is larger than %zu bytes", path, cap - 1);
		return CP_EXIT_UNREACHABLE;
	}
	if (cc != CURLE_OK) {
		err_set(err, "unable to post %s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
		return fetch_curl_is_tls(cc) ? CP_EXIT_TLS : CP_EXIT_UNREACHABLE;
	}
	return CP_EXIT_CHANGED;
}

/* A refusal of the verifier's (403: its reason) or of the server's.  The
 * reply is cut to its first printable line here. */
static int quote_refused(const char *what, long status, char *reply, size_t len, struct cp_err *err)
{
	const char *why = reply;

	fetch_reason(reply, len);
	if (!why[0])
		why = "no reason given";
	if (status == 403) {
		err_set(err, "attestation refused: %s", why);
		return CP_EXIT_UNATTESTED;
	}
	err_set(err, "the verifier answered HTTP %ld to the %s: %s", status, what, why);
	return status >= 500 ? CP_EXIT_UNREACHABLE : CP_EXIT_UNATTESTED;
}

/* Exactly "nonce BASE64\n" of LETHE_ATTEST_NONCE_BYTES. */
static int quote_nonce_parse(const char *reply, size_t n, uint8_t nonce[LETHE_ATTEST_NONCE_BYTES])
{
	size_t got = 0;

	if (n != 6 + QUOTE_B64(LETHE_ATTEST_NONCE_BYTES) + 1 || memcmp(reply, "nonce ", 6) || reply[n - 1] != '\n')
		return 0;
	return tlog_b64_decode(reply + 6, n - 7, nonce, LETHE_ATTEST_NONCE_BYTES, &got) == 0 &&
	       got == LETHE_ATTEST_NONCE_BYTES;
}

static int quote_word_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      strchr("._+~-", s[i])))
			return 0;
	return i > 0 && i <= 64;
}

int quote_reply_parse(char *reply, size_t n, const char **version, const char **path,
		      unsigned char token[LETHE_ATTEST_TOKEN_BYTES])
{
	char *nl, *sp, *tok;
	size_t got = 0, tlen;

	if (n == 0 || reply[n - 1] != '\n' || memchr(reply, 0, n) || strncmp(reply, "ok ", 3))
		return 0;
	nl = memchr(reply, '\n', n);
	*nl = 0;
	sp = strchr(reply + 3, ' ');
	if (!sp)
		return 0;
	*sp = 0;
	*version = reply + 3;
	*path = sp + 1;
	tok = nl + 1;
	tlen = (size_t)(reply + n - tok);
	if (!quote_word_ok(*version) || !quote_word_ok(*path) || tlen != 6 + QUOTE_B64(LETHE_ATTEST_TOKEN_BYTES) + 1 ||
	    memcmp(tok, "token ", 6))
		return 0;
	return tlog_b64_decode(tok + 6, tlen - 7, token, LETHE_ATTEST_TOKEN_BYTES, &got) == 0 &&
	       got == LETHE_ATTEST_TOKEN_BYTES;
}

int quote_attest(const struct fetch_opts *o, struct fetch_client *cl, struct cp_err *err)
{
	uint8_t nonce[LETHE_ATTEST_NONCE_BYTES];
	unsigned char token[LETHE_ATTEST_TOKEN_BYTES];
	char reply[QUOTE_REPLY_MAX];
	struct quote_evidence *ev = NULL;
	const char *version, *path;
	char *body = NULL;
	size_t len = 0, bodylen = 0;
	long status = 0;
	int rc;

	rc = quote_post(o, cl, LETHE_ATTEST_NONCE_PATH, "", 0, reply, sizeof reply, &len, &status, err);
	if (rc != CP_EXIT_CHANGED)
		goto out;
	if (status == 404) {
		/* the server does not attest pulls; it is the server that
		 * gates, so there is nothing to enforce here */
		rc = CP_EXIT_CHANGED;
		goto out;
	}
	if (status != 200) {
		rc = quote_refused("nonce request", status, reply, len, err);
		goto out;
	}
	if (!quote_nonce_parse(reply, len, nonce)) {
		err_set(err, "the verifier's nonce is malformed");
		rc = CP_EXIT_UNREACHABLE;
		goto out;
	}
	ev = calloc(1, sizeof *ev);
	body = malloc(LETHE_ATTEST_QUOTE_BODY_MAX);
	if (ev)
		ev->log = malloc(LETHE_ATTEST_EVENTLOG_MAX + 1);
	if (!ev || !ev->log || !body) {
		err_set(err, "unable to allocate the attestation's buffers");
		rc = CP_EXIT_UNREACHABLE;
		goto out;
	}
	if (!quote_eventlog(o->eventlog, ev, err)) {
		rc = CP_EXIT_UNATTESTED;
		goto out;
	}
	if (!quote_tpm(o->tcti, nonce, ev, err)) {
		rc = CP_EXIT_UNREACHABLE;
		goto out;
	}
	if (!quote_body(nonce, ev, body, LETHE_ATTEST_QUOTE_BODY_MAX, &bodylen)) {
		err_set(err, "the attestation is larger than %d bytes", LETHE_ATTEST_QUOTE_BODY_MAX);
		rc = CP_EXIT_UNATTESTED;
		goto out;
	}
	rc = quote_post(o, cl, LETHE_ATTEST_QUOTE_PATH, body, bodylen, reply, sizeof reply, &len, &status, err);
	if (rc != CP_EXIT_CHANGED)
		goto out;
	if (status != 200) {
		rc = quote_refused("quote", status, reply, len, err);
		goto out;
	}
	if (!quote_reply_parse(reply, len, &version, &path, token)) {
		err_set(err, "the verifier's answer to the quote is malformed");
		rc = CP_EXIT_UNREACHABLE;
		goto out;
	}
	memcpy(cl->token_header, LETHE_ATTEST_TOKEN_HEADER ": ", sizeof LETHE_ATTEST_TOKEN_HEADER + 1);
	EVP_EncodeBlock((unsigned char *)cl->token_header + sizeof LETHE_ATTEST_TOKEN_HEADER + 1, token,
			LETHE_ATTEST_TOKEN_BYTES);
	fprintf(stderr, "configpull: attestation: attested as %s (boot path %s)\n", version, path);
	rc = CP_EXIT_CHANGED;
out:
	OPENSSL_cleanse(token, sizeof token);
	OPENSSL_cleanse(reply, sizeof reply);
	if (ev)
		free(ev->log);
	free(ev);
	free(body);
	return rc;
}
