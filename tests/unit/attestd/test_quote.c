/* The quote (quote.c), without the database: a body made in software
 * (quotefx.h) parses and passes as v1 on path qemu; each malformation is a
 * "malformed quote", and each check refuses with the reason that names it,
 * in the contract's order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "quote.h"
#include "quotefx.h"
#include "tests.h"

struct env {
	struct qfx q;
	struct releases rel;
	struct quote_body b;
	char body[QFX_BODY_MAX];
	struct attest_err err;
	struct releases_match m;
};

static int env_setup(void **state)
{
	struct env *e = calloc(1, sizeof *e);

	assert_non_null(e);
	qfx_init(&e->q);
	qfx_releases(&e->rel);
	*state = e;
	return 0;
}

static int env_teardown(void **state)
{
	struct env *e = *state;

	qfx_free(&e->q);
	free(e);
	return 0;
}

/* Parses TEXT[0..n) and verifies it: NULL on a pass, else the reason. */
static const char *run_text(struct env *e, const char *text, size_t n)
{
	memset(&e->err, 0, sizeof e->err);
	if (quote_parse(text, n, &e->b, &e->err))
		return e->err.msg;
	if (quote_verify(&e->b, &e->q.f.ak, &e->rel, &e->m, &e->err))
		return e->err.msg;
	return NULL;
}

/* The body of e's current quote, parsed and verified. */
static const char *run(struct env *e)
{
	size_t n = qfx_body(&e->q, e->body, sizeof e->body);

	return run_text(e, e->body, n);
}

/* Asserts reason starts with want and fits one line of the contract. */
static void refused(const char *reason, const char *want)
{
	assert_non_null(reason);
	if (strncmp(reason, want, strlen(want)))
		fail_msg("reason '%s', want '%s...'", reason, want);
	assert_true(strlen(reason) <= ATTESTD_REASON_MAX);
	assert_null(strchr(reason, '\n'));
}

static void test_pass(void **state)
{
	struct env *e = *state;

	assert_null(run(e));
	assert_string_equal(e->m.version, "v1");
	assert_string_equal(e->m.path, "qemu");
	/* The parse: every field where the contract puts it. */
	assert_memory_equal(e->b.nonce, e->q.nonce, sizeof e->q.nonce);
	assert_memory_equal(e->b.pcr[9], e->q.pcr[9], 32);
	assert_int_equal(e->b.eventlog_len, e->q.elog_len);
}

/* The good body with the first FROM replaced by TO, parsed: the reason. */
static const char *edited(struct env *e, const char *from, const char *to)
{
	static char text[QFX_BODY_MAX * 2];
	size_t n = qfx_body(&e->q, e->body, sizeof e->body);
	const char *at = strstr(e->body, from);
	size_t head, flen = strlen(from), tlen = strlen(to);

	assert_non_null(at);
	head = (size_t)(at - e->body);
	assert_true(n - flen + tlen < sizeof text);
	memcpy(text, e->body, head);
	memcpy(text + head, to, tlen);
	memcpy(text + head + tlen, at + flen, n - head - flen);
	return run_text(e, text, n - flen + tlen);
}

static void test_malformed(void **state)
{
	struct env *e = *state;
	char line[128], hex[65], *big;
	size_t n;

	refused(run_text(e, "", 0), "malformed quote: expected the 'nonce' line");
	refused(edited(e, "nonce ", "nonce  "), "malformed quote: nonce is not base64 of 32 bytes");
	refused(edited(e, "nonce ", "Nonce "), "malformed quote: expected the 'nonce' line");
	refused(edited(e, "\nquote ", "\nsignature "), "malformed quote: expected the 'quote' line");
	/* base64 of 29 bytes, and a CR before the newline */
	refused(edited(e, "nonce ", "nonce AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nnonce "),
		"malformed quote: nonce is not base64 of 32 bytes");
	refused(edited(e, "\nquote", "\r\nquote"), "malformed quote: nonce is not base64 of 32 bytes");
	refused(edited(e, "signature ", "signature ====\nx"), "malformed quote: signature is not base64 of 1 to");
	/* PCR lines: each in place, ascending, lowercase */
	attest_hex(e->q.pcr[4], 32, hex);
	snprintf(line, sizeof line, "pcr 4 %s\n", hex);
	refused(edited(e, line, ""), "malformed quote: expected 'pcr 4'");
	refused(edited(e, "pcr 4 ", "pcr 04 "), "malformed quote: expected 'pcr 4'");
	refused(edited(e, "pcr 4 ", "pcr 0 "), "malformed quote: expected 'pcr 4'");
	refused(edited(e, "pcr 4 c", "pcr 4 C"), "malformed quote: pcr 4 is not 64 lowercase hex digits");
	refused(edited(e, "eventlog ", "eventlog2 "), "malformed quote: expected the 'eventlog' line");
	/* the end: a newline, then nothing */
	n = qfx_body(&e->q, e->body, sizeof e->body);
	refused(run_text(e, e->body, n - 1), "malformed quote: the 'eventlog' line has no newline");
	e->body[n] = 'x';
	refused(run_text(e, e->body, n + 1), "malformed quote: more after the eventlog line");
	big = calloc(1, LETHE_ATTEST_QUOTE_BODY_MAX + 1);
	assert_non_null(big);
	memcpy(big, e->body, n);
	refused(run_text(e, big, LETHE_ATTEST_QUOTE_BODY_MAX + 1), "malformed quote: larger than");
	free(big);
}

static void test_bad_signature(void **state)
{
	struct env *e = *state;

	e->q.signer = e->q.f.other_key;
	refused(run(e), "bad signature: AK signature does not verify");
	e->q.signer = e->q.f.ak_key;
	assert_null(run(e));
}

static void test_bad_signature_structure(void **state)
{
	struct env *e = *state;
	static char text[QFX_BODY_MAX];
	const char *sig;
	char *nl;

	(void)qfx_body(&e->q, e->body, sizeof e->body);
	/* The signature line replaced by base64 of 3 zero bytes. */
	sig = strstr(e->body, "signature ");
	nl = strchr(sig, '\n');
	snprintf(text, sizeof text, "%.*ssignature AAAA%s", (int)(sig - e->body), e->body, nl);
	refused(run_text(e, text, strlen(text)), "bad signature: not a TPMT_SIGNATURE");
}

/* The quote as given, re-signed: extraData and the digest as the test set
 * them (keep_attest). */
static const char *run_kept(struct env *e)
{
	const char *why;

	e->q.keep_attest = 1;
	why = run(e);
	e->q.keep_attest = 0;
	return why;
}

static void test_bad_quote(void **state)
{
	struct env *e = *state;
	TPMS_PCR_SELECTION *sel = &e->q.attest.attested.quote.pcrSelect.pcrSelections[0];

	e->q.attest.magic = 0x12345678;
	refused(run(e), "bad quote: magic is not TPM_GENERATED_VALUE");
	e->q.attest.magic = TPM2_GENERATED_VALUE;

	assert_null(run(e));
	e->q.attest.extraData.buffer[0] ^= 1;
	refused(run_kept(e), "bad quote: qualifying data is not the nonce");
	e->q.attest.extraData.size = 16;
	refused(run_kept(e), "bad quote: qualifying data is not the nonce");

	sel->hash = TPM2_ALG_SHA1;
	refused(run(e), "bad quote: PCR bank 0x0004 is not SHA-256");
	sel->hash = TPM2_ALG_SHA256;
	sel->pcrSelect[0] |= 1;
	refused(run(e), "bad quote: PCR selection 0x00007a91 is not 0x00007a90");
	sel->pcrSelect[0] &= (uint8_t)~1u;
	sel->pcrSelect[1] &= (uint8_t)~0x40u;
	refused(run(e), "bad quote: PCR selection 0x00003a90 is not 0x00007a90");
	sel->pcrSelect[1] |= 0x40;
	e->q.attest.attested.quote.pcrSelect.count = 2;
	e->q.attest.attested.quote.pcrSelect.pcrSelections[1] = *sel;
	refused(run(e), "bad quote: 2 PCR selections (want 1)");
	e->q.attest.attested.quote.pcrSelect.count = 1;

	/* A pcr line other than the values the TPM hashed. */
	assert_null(run(e));
	e->q.pcr[7][0] ^= 1;
	refused(run_kept(e), "bad quote: PCR digest is not that of the pcr lines");
	e->q.pcr[7][0] ^= 1;

	e->q.attest.type = TPM2_ST_ATTEST_CERTIFY;
	refused(run(e), "bad quote: type 0x8017 is not TPM_ST_ATTEST_QUOTE");
	e->q.attest.type = TPM2_ST_ATTEST_QUOTE;
	assert_null(run(e));
}

static void test_bad_event_log(void **state)
{
	struct env *e = *state;
	size_t len = e->q.elog_len;

	/* A digest changed after extending: the log replays to another value. */
	e->q.elog[QFX_EV1_DIGEST] ^= 0x80;
	refused(run(e), "bad event log: PCR 4 replays to ");
	assert_non_null(strstr(e->err.msg, ", quoted c4a1734aab6ffea15707e799640d66fb891475a86531681dc8c7e729f494363a"));
	e->q.elog[QFX_EV1_DIGEST] ^= 0x80;
	/* Cut inside the last event, and before it. */
	e->q.elog_len = QFX_EV_PCR11 + 5;
	refused(run(e), "bad event log: truncated event 7");
	/* Without its event PCR 11 replays to zero (the value of a PCR
	 * nothing extended), which is not the quoted value. */
	e->q.elog_len = QFX_EV_PCR11;
	refused(run(e), "bad event log: PCR 11 replays to 0000000000000000000000000000000000000000000000000000000000000000, quoted ");
	e->q.elog_len = 0;
	refused(run(e), "malformed quote: eventlog is not base64 of 1 to");
	e->q.elog_len = len;
	/* Unlogged PCRs (stboot's 12, 13, 14) may hold anything without an
	 * event: the releases decide. */
	memset(e->q.pcr[13], 0x5a, 32);
	assert_null(run(e));
	memset(e->q.pcr[13], 0, 32);
}

static void test_no_matching_release(void **state)
{
	struct env *e = *state;

	qfx_unlogged_image(&e->q);
	refused(run(e), "no matching release: closest is v1 (qemu): PCR 9 differs");
	assert_string_equal(e->err.msg, "no matching release: closest is v1 (qemu): PCR 9 differs");
	assert_string_equal(e->m.version, "");
	/* Fail closed: no verified set. */
	qfx_free(&e->q);
	qfx_init(&e->q);
	snprintf(e->rel.why, sizeof e->rel.why, "log proofs: proof 1: bad signature");
	assert_string_equal(run(e), "no matching release: log proofs: proof 1: bad signature");
	qfx_releases(&e->rel);
	assert_null(run(e));
}

int test_quote_group(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pass, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_malformed, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_bad_signature, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_bad_signature_structure, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_bad_quote, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_bad_event_log, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_no_matching_release, env_setup, env_teardown),
	};

	return cmocka_run_group_tests_name("quote", tests, NULL, NULL);
}
