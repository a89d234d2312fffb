/* The activation: body parsing, and activate_run against a real SQLite
 * file and real pending/certs directories in a temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "activate.h"
#include "db.h"
#include "tests.h"

#define NODE_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define NODE_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

struct env {
	char dir[256], pending[320], certs[320], db_path[320];
	sqlite3 *db;
};

static void touch(const char *dir, const char *node)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s.pem", dir, node);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("cert\n", f);
	fclose(f);
}

static int exists(const char *dir, const char *node)
{
	char p[512];

	snprintf(p, sizeof p, "%s/%s.pem", dir, node);
	return access(p, F_OK) == 0;
}

static void add(struct env *e, const char *node, uint8_t fill, int replace, int want)
{
	uint8_t secret[32], sha[32], ak[4] = {1, 2, 3, 4};
	unsigned int n = 0;
	struct attest_err err;

	memset(secret, fill, sizeof secret);
	assert_true(EVP_Digest(secret, 32, sha, &n, EVP_sha256(), NULL));
	assert_int_equal(db_enroll_add(e->db, node, ak, sizeof ak,
				       "000b0000000000000000000000000000000000000000000000000000000000000000", ak,
				       sizeof ak, sha, replace, 1000, &err),
			 want);
	if (!want)
		touch(e->pending, node);
}

static struct activate_reply act(struct env *e, const char *node, uint8_t fill)
{
	struct activate_req req;
	struct activate_reply r;

	memcpy(req.node, node, 65);
	memset(req.secret, fill, sizeof req.secret);
	activate_run(e->db, e->pending, e->certs, &req, 2000, &r);
	return r;
}

static int env_setup(void **state)
{
	struct env *e = calloc(1, sizeof *e);
	struct attest_err err;
	struct stat st;

	assert_non_null(e);
	assert_true((size_t)snprintf(e->dir, sizeof e->dir, "%s/test_attestd.XXXXXX",
				    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp") < sizeof e->dir);
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->pending, sizeof e->pending, "%s/pending", e->dir);
	snprintf(e->certs, sizeof e->certs, "%s/certs", e->dir);
	snprintf(e->db_path, sizeof e->db_path, "%s/db", e->dir);
	assert_int_equal(mkdir(e->pending, 0700), 0);
	assert_int_equal(mkdir(e->certs, 0755), 0);
	assert_int_equal(db_open(e->db_path, 1, &e->db, &err), 0);
	assert_int_equal(stat(e->db_path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	*state = e;
	return 0;
}

static int env_teardown(void **state)
{
	struct env *e = *state;
	char cmd[512];

	db_close(e->db);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->dir);
	if (system(cmd))
		return -1;
	free(e);
	return 0;
}

static void test_parse(void **state)
{
	struct activate_req req;
	char body[256];
	uint8_t want[32];

	(void)state;
	memset(want, 0xff, sizeof want);
	snprintf(body, sizeof body, "node %s\nsecret %s\n", NODE_A, "//////////////////////////////////////////8=");
	assert_int_equal(activate_parse(body, strlen(body), &req), 0);
	assert_string_equal(req.node, NODE_A);
	assert_memory_equal(req.secret, want, 32);
	/* Without the last newline, with one more byte, uppercase hex,
	 * a 31-byte secret. */
	assert_int_equal(activate_parse(body, strlen(body) - 1, &req), -1);
	strcat(body, "\n");
	assert_int_equal(activate_parse(body, strlen(body), &req), -1);
	snprintf(body, sizeof body, "node %s\nsecret %s\n", NODE_A, "//////////////////////////////////////////8=");
	body[5] = 'A';
	assert_int_equal(activate_parse(body, strlen(body), &req), -1);
	snprintf(body, sizeof body, "node %s\nsecret %s\n", NODE_A, "/////////////////////////////////////////w==");
	assert_int_equal(activate_parse(body, strlen(body), &req), -1);
	assert_int_equal(activate_parse("", 0, &req), -1);
}

static void test_activate(void **state)
{
	struct env *e = *state;
	struct activate_reply r;

	r = act(e, NODE_A, 1);
	assert_int_equal(r.status, 403);
	assert_string_equal(r.reason, "unknown node");
	add(e, NODE_A, 1, 0, 0);
	add(e, NODE_B, 2, 0, 0);
	/* B's secret does not activate A, and changes neither. */
	r = act(e, NODE_A, 2);
	assert_int_equal(r.status, 403);
	assert_string_equal(r.reason, "wrong secret");
	assert_false(exists(e->certs, NODE_A));
	r = act(e, NODE_A, 1);
	assert_int_equal(r.status, 200);
	assert_true(exists(e->certs, NODE_A));
	assert_false(exists(e->pending, NODE_A));
	r = act(e, NODE_A, 1);
	assert_int_equal(r.status, 403);
	assert_string_equal(r.reason, "no pending enrollment");
	/* An active node re-enrolls only with replace. */
	add(e, NODE_A, 3, 0, 1);
	add(e, NODE_A, 3, 1, 0);
	r = act(e, NODE_B, 2);
	assert_int_equal(r.status, 200);
}

/* Wrong secrets are counted and refused, and never end the enrollment:
 * after many (anyone may send them: node ids are public), the node's own
 * secret still activates it. */
static void test_wrong_counted(void **state)
{
	struct env *e = *state;
	struct activate_reply r;
	struct db_node row;
	int i;

	add(e, NODE_A, 1, 0, 0);
	for (i = 0; i < 20; i++) {
		r = act(e, NODE_A, 9);
		assert_int_equal(r.status, 403);
		assert_string_equal(r.reason, "wrong secret");
	}
	assert_int_equal(db_node_get(e->db, NODE_A, &row), 1);
	assert_int_equal(row.wrong, 20);
	assert_int_equal(row.state, DB_PENDING);
	assert_false(exists(e->certs, NODE_A));
	r = act(e, NODE_A, 1);
	assert_int_equal(r.status, 200);
}

/* The rename fails (no pending certificate): nothing changes. */
static void test_rename_fails(void **state)
{
	struct env *e = *state;
	struct activate_reply r;
	struct db_node row;
	char p[512];

	add(e, NODE_A, 1, 0, 0);
	snprintf(p, sizeof p, "%s/%s.pem", e->pending, NODE_A);
	assert_int_equal(unlink(p), 0);
	r = act(e, NODE_A, 1);
	assert_int_equal(r.status, 500);
	assert_int_equal(db_node_get(e->db, NODE_A, &row), 1);
	assert_int_equal(row.state, DB_PENDING);
	touch(e->pending, NODE_A);
	r = act(e, NODE_A, 1);
	assert_int_equal(r.status, 200);
}

int test_activate_group(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test_setup_teardown(test_activate, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_wrong_counted, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_rename_fails, env_setup, env_teardown),
	};

	return cmocka_run_group_tests_name("activate", tests, NULL, NULL);
}
