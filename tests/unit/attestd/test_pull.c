/* The attested pull (pull.c) against a real SQLite file: nonces for active
 * nodes only, each good for one quote and NONCE_TTL seconds; a pass gives
 * a token the gate accepts for TOKEN_TTL seconds, for that node only; a
 * refusal takes the token away; one node's requests never touch another
 * node's row.  The clock is the test's. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "db.h"
#include "pull.h"
#include "quotefx.h"
#include "tests.h"
#include "tlog.h"

#define NODE_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define NODE_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define NODE_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define T0 1800000000

struct env {
	struct qfx_db d;
	struct qfx a, b; /* node A's AK is a.f.ak_key, node B's b.f.ak_key */
	struct releases rel;
	struct pull_reply r;
	char body[QFX_BODY_MAX];
	char token_a[64], token_b[64];
};

static int env_setup(void **state)
{
	struct env *e = calloc(1, sizeof *e);

	assert_non_null(e);
	qfx_db_open(&e->d);
	qfx_init(&e->a);
	qfx_init(&e->b);
	qfx_releases(&e->rel);
	qfx_enroll(e->d.db, NODE_A, e->a.f.ak_key, 1);
	qfx_enroll(e->d.db, NODE_B, e->b.f.ak_key, 1);
	qfx_enroll(e->d.db, NODE_C, e->a.f.other_key, 0);
	*state = e;
	return 0;
}

static int env_teardown(void **state)
{
	struct env *e = *state;

	qfx_free(&e->a);
	qfx_free(&e->b);
	qfx_db_close(&e->d);
	free(e);
	return 0;
}

/* A nonce for node into q->nonce: the reply's status. */
static int nonce(struct env *e, const char *node, struct qfx *q, time_t now)
{
	size_t n = 0;

	pull_nonce(e->d.db, node, now, &e->r);
	if (e->r.status == 200) {
		assert_true(!strncmp(e->r.body, "nonce ", 6));
		assert_int_equal(strlen(e->r.body), 6 + 44);
		assert_int_equal(tlog_b64_decode(e->r.body + 6, 44, q->nonce, sizeof q->nonce, &n), 0);
		assert_int_equal(n, sizeof q->nonce);
		assert_string_equal(e->r.log, e->r.body);
	}
	return e->r.status;
}

/* q's quote posted by node: the status; a pass's token into token. */
static int quote(struct env *e, const char *node, struct qfx *q, time_t now, char token[64])
{
	size_t n = qfx_body(q, e->body, sizeof e->body);
	const char *t;

	pull_quote(e->d.db, &e->rel, node, e->body, n, now, &e->r);
	if (e->r.status == 200) {
		assert_string_equal(e->r.log, "ok v1 qemu");
		t = strstr(e->r.body, "\ntoken ");
		assert_non_null(t);
		assert_true(!strncmp(e->r.body, "ok v1 qemu\ntoken ", 17));
		assert_int_equal(strlen(t + 7), 44);
		/* The log line never carries the token. */
		assert_null(strstr(e->r.log, t + 7));
		if (token)
			snprintf(token, 64, "%s", t + 7);
	} else {
		assert_null(strstr(e->r.body, "token"));
	}
	return e->r.status;
}

static int gate(struct env *e, const char *node, const char *token, time_t now)
{
	pull_gate(e->d.db, node, token, now, &e->r);
	return e->r.status;
}

static void test_nonce(void **state)
{
	struct env *e = *state;

	assert_int_equal(nonce(e, "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd", &e->a, T0), 403);
	assert_string_equal(e->r.body, "unknown AK: node is not enrolled");
	assert_int_equal(nonce(e, NODE_C, &e->a, T0), 403);
	assert_string_equal(e->r.body, "unknown AK: enrollment pending, no activated attestation key");
	assert_int_equal(nonce(e, NODE_A, &e->a, T0), 200);
	/* and the pending node cannot quote either */
	assert_int_equal(quote(e, NODE_C, &e->a, T0, NULL), 403);
	assert_string_equal(e->r.body, "unknown AK: enrollment pending, no activated attestation key");
}

static void test_pass_and_gate(void **state)
{
	struct env *e = *state;

	assert_int_equal(nonce(e, NODE_A, &e->a, T0), 200);
	assert_int_equal(quote(e, NODE_A, &e->a, T0 + 5, e->token_a), 200);
	assert_int_equal(gate(e, NODE_A, e->token_a, T0 + 5), 204);
	assert_int_equal(gate(e, NODE_A, e->token_a, T0 + 5 + LETHE_ATTEST_TOKEN_TTL - 1), 204);
	assert_int_equal(gate(e, NODE_A, e->token_a, T0 + 5 + LETHE_ATTEST_TOKEN_TTL), 403);
	assert_string_equal(e->r.body, "token expired");
	assert_int_equal(gate(e, NODE_A, NULL, T0 + 5), 403);
	assert_string_equal(e->r.body, "no token");
	assert_int_equal(gate(e, NODE_A, "", T0 + 5), 403);
	assert_int_equal(gate(e, NODE_A, "AAAA", T0 + 5), 403);
	assert_string_equal(e->r.body, "malformed token");
	assert_int_equal(gate(e, NODE_A, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", T0 + 5), 403);
	assert_string_equal(e->r.body, "wrong token");
	/* Node B has none yet; then its own, which is not A's. */
	assert_int_equal(gate(e, NODE_B, e->token_a, T0 + 5), 403);
	assert_string_equal(e->r.body, "no token issued (last quote refused, or none)");
	assert_int_equal(nonce(e, NODE_B, &e->b, T0), 200);
	assert_int_equal(quote(e, NODE_B, &e->b, T0, e->token_b), 200);
	assert_int_equal(gate(e, NODE_B, e->token_a, T0 + 5), 403);
	assert_string_equal(e->r.body, "wrong token");
	assert_int_equal(gate(e, NODE_A, e->token_b, T0 + 5), 403);
	assert_int_equal(gate(e, NODE_B, e->token_b, T0 + 5), 204);
	assert_int_equal(gate(e, NODE_A, e->token_a, T0 + 5), 204);
	/* A pending node's gate is shut. */
	assert_int_equal(gate(e, NODE_C, e->token_a, T0 + 5), 403);
}

static void test_nonce_single_use(void **state)
{
	struct env *e = *state;
	uint8_t old[LETHE_ATTEST_NONCE_BYTES];

	assert_int_equal(nonce(e, NODE_A, &e->a, T0), 200);
	assert_int_equal(quote(e, NODE_A, &e->a, T0, e->token_a), 200);
	/* The same body again: the nonce is spent, and the token goes. */
	assert_int_equal(quote(e, NODE_A, &e->a, T0, NULL), 403);
	assert_string_equal(e->r.body, "stale nonce: none outstanding (already used, or never asked for)");
	assert_int_equal(gate(e, NODE_A, e->token_a, T0), 403);
	assert_string_equal(e->r.body, "no token issued (last quote refused, or none)");
	/* A newer nonce replaces the older one; a quote over the older one
	 * is stale, and spends the newer one too. */
	assert_int_equal(nonce(e, NODE_A, &e->a, T0), 200);
	memcpy(old, e->a.nonce, sizeof old);
	assert_int_equal(nonce(e, NODE_A, &e->a, T0), 200);
	memcpy(e->b.nonce, e->a.nonce, sizeof e->a.nonce); /* the newer one */
	memcpy(e->a.nonce, old, sizeof old);
	assert_int_equal(quote(e, NODE_A, &e->a, T0, NULL), 403);
	assert_string_equal(e->r.body, "stale nonce: not the node's outstanding nonce");
	memcpy(e->a.nonce, e->b.nonce, sizeof e->a.nonce);
	assert_int_equal(quote(e, NODE_A, &e->a, T0, NULL), 403);
	assert_true(!strncmp(e->r.body, "stale nonce: ", 13));
	/* A malformed body consumes nothing: the nonce still serves. */
	assert_int_equal(nonce(e, NODE_A, &e->a, T0), 200);
	pull_quote(e->d.db, &e->rel, NODE_A, "nonce x\n", 8, T0, &e->r);
	assert_int_equal(e->r.status, 400);
	assert_true(!strncmp(e->r.body, "malformed quote: ", 17));
	assert_int_equal(quote(e, NODE_A, &e->a, T0, NULL), 200);
}

static void test_nonce_expiry(void **state)
{
	struct env *e = *state;

	assert_int_equal(nonce(e, NODE_A, &e->a, T0), 200);
	assert_int_equal(quote(e, NODE_A, &e->a, T0 + LETHE_ATTEST_NONCE_TTL - 1, NULL), 200);
	assert_int_equal(nonce(e, NODE_A, &e->a, T0), 200);
	assert_int_equal(quote(e, NODE_A, &e->a, T0 + LETHE_ATTEST_NONCE_TTL, NULL), 403);
	assert_string_equal(e->r.body, "stale nonce: expired 0 s ago");
	assert_int_equal(nonce(e, NODE_A, &e->a, T0), 200);
	assert_int_equal(quote(e, NODE_A, &e->a, T0 + 1000, NULL), 403);
	assert_string_equal(e->r.body, "stale nonce: expired 880 s ago");
}

/* Each refusal after the nonce: the reason, no token, the gate shut. */
static void test_refusals_close_the_gate(void **state)
{
	struct env *e = *state;

	assert_int_equal(nonce(e, NODE_A, &e->a, T0), 200);
	assert_int_equal(quote(e, NODE_A, &e->a, T0, e->token_a), 200);
	assert_int_equal(nonce(e, NODE_A, &e->a, T0), 200);
	e->a.signer = e->a.f.other_key;
	assert_int_equal(quote(e, NODE_A, &e->a, T0, NULL), 403);
	assert_string_equal(e->r.body, "bad signature: AK signature does not verify");
	assert_string_equal(e->r.log, e->r.body);
	assert_int_equal(gate(e, NODE_A, e->token_a, T0), 403);
	e->a.signer = e->a.f.ak_key;
	/* Node B's AK signed it: another TPM's quote. */
	assert_int_equal(nonce(e, NODE_A, &e->b, T0), 200);
	assert_int_equal(quote(e, NODE_A, &e->b, T0, NULL), 403);
	assert_string_equal(e->r.body, "bad signature: AK signature does not verify");
	assert_int_equal(nonce(e, NODE_A, &e->a, T0), 200);
	qfx_unlogged_image(&e->a);
	assert_int_equal(quote(e, NODE_A, &e->a, T0, NULL), 403);
	assert_string_equal(e->r.body, "no matching release: closest is v1 (qemu): PCR 9 differs");
	assert_int_equal(nonce(e, NODE_A, &e->a, T0), 200);
	e->a.elog_len = QFX_EV_PCR11;
	assert_int_equal(quote(e, NODE_A, &e->a, T0, NULL), 403);
	assert_true(!strncmp(e->r.body, "bad event log: ", 15));
}

/* Node B's requests with node A's nonce or token change nothing of A's. */
static void test_isolation(void **state)
{
	struct env *e = *state;
	struct db_attest before, after;

	assert_int_equal(nonce(e, NODE_A, &e->a, T0), 200);
	assert_int_equal(quote(e, NODE_A, &e->a, T0, e->token_a), 200);
	assert_int_equal(nonce(e, NODE_A, &e->a, T0), 200);
	assert_int_equal(db_attest_get(e->d.db, NODE_A, &before), 1);
	/* B quotes over A's outstanding nonce with its own AK. */
	memcpy(e->b.nonce, e->a.nonce, sizeof e->a.nonce);
	assert_int_equal(quote(e, NODE_B, &e->b, T0, NULL), 403);
	assert_string_equal(e->r.body, "stale nonce: none outstanding (already used, or never asked for)");
	assert_int_equal(nonce(e, NODE_B, &e->b, T0), 200);
	assert_int_equal(gate(e, NODE_B, e->token_a, T0), 403);
	assert_int_equal(db_attest_get(e->d.db, NODE_A, &after), 1);
	assert_memory_equal(&before, &after, sizeof before);
	/* A's nonce and token still serve A. */
	assert_int_equal(gate(e, NODE_A, e->token_a, T0), 204);
	assert_int_equal(quote(e, NODE_A, &e->a, T0, NULL), 200);
}

int test_pull_group(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nonce, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_pass_and_gate, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_nonce_single_use, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_nonce_expiry, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_refusals_close_the_gate, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_isolation, env_setup, env_teardown),
	};

	return cmocka_run_group_tests_name("pull", tests, NULL, NULL);
}
