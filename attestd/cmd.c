/* cmd.c: attestd's commands: file handling and exit codes around check.c,
 * db.c and serve.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "bundle.h"
#include "check.h"
#include "cmd.h"
#include "db.h"
#include "lethe_exit.h"
#include "releases.h"
#include "serve.h"
#include "tpmobj.h"

/* Reads path into buf, or says why not on stderr. */
static int cmd_load(const char *what, const char *path, void *buf, size_t max, size_t *len)
{
	int rc = attest_read_file(path, buf, max, len);

	if (rc == -2)
		fprintf(stderr, "attestd: fatal: %s %s is larger than %zu bytes\n", what, path, max);
	else if (rc)
		fprintf(stderr, "attestd: fatal: unable to read %s %s: %s\n", what, path, strerror(errno));
	return rc;
}

/* Writes n bytes to path (replacing it) through a temporary file. */
static int cmd_write_file(const char *path, const void *p, size_t n)
{
	char tmp[4096];
	FILE *f;
	int ok;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		return -1;
	f = fopen(tmp, "wbx");
	if (!f && errno == EEXIST && !unlink(tmp))
		f = fopen(tmp, "wbx");
	if (!f)
		return -1;
	ok = fwrite(p, 1, n, f) == n;
	ok = !fclose(f) && ok;
	if (!ok || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static EVP_PKEY *cmd_load_pubkey(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *key;

	if (!f)
		return NULL;
	key = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	return key;
}

int cmd_check_enroll(const struct cmd_check_args *a)
{
	static struct bundle b;
	static char text[ATTESTD_BUNDLE_MAX + 1];
	struct check_result res;
	struct attest_err err = {{0}};
	struct ekca ca = {0};
	EVP_PKEY *tls = NULL;
	char hex[2 * ATTESTD_NAME_BYTES + 1];
	size_t len = 0, i;
	int rc = LETHE_EXIT_TEMP, r;

	if (ekca_init(&ca))
		goto out;
	for (i = 0; i < a->nca; i++)
		if (ekca_add_file(&ca, a->ca[i], &err)) {
			fprintf(stderr, "attestd: fatal: %s\n", err.msg);
			rc = LETHE_EXIT_USAGE;
			goto out;
		}
	tls = cmd_load_pubkey(a->tls_pem);
	if (!tls) {
		fprintf(stderr, "attestd: fatal: unable to read a PEM public key from %s\n", a->tls_pem);
		rc = LETHE_EXIT_USAGE;
		goto out;
	}
	r = attest_read_file(a->bundle, text, ATTESTD_BUNDLE_MAX, &len);
	if (r == -2) {
		printf("refused: bundle: larger than %d bytes\n", ATTESTD_BUNDLE_MAX);
		rc = LETHE_EXIT_REFUSED;
		goto out;
	}
	if (r) {
		fprintf(stderr, "attestd: fatal: unable to read %s: %s\n", a->bundle, strerror(errno));
		goto out;
	}
	if (bundle_parse(text, len, &b, &err) || check_enroll(&b, &ca, tls, a->node, &res, &err)) {
		printf("refused: %s\n", err.msg);
		rc = LETHE_EXIT_REFUSED;
		goto out;
	}
	if ((a->ek_public_out && cmd_write_file(a->ek_public_out, b.ek_public, b.len[BUNDLE_EK_PUBLIC])) ||
	    (a->ak_public_out && cmd_write_file(a->ak_public_out, b.ak_public, b.len[BUNDLE_AK_PUBLIC])) ||
	    (a->ek_cert_out && cmd_write_file(a->ek_cert_out, b.ek_cert, b.len[BUNDLE_EK_CERT]))) {
		fprintf(stderr, "attestd: fatal: unable to write an output file: %s\n", strerror(errno));
		goto out;
	}
	attest_hex(res.ak_name, sizeof res.ak_name, hex);
	printf("node %s\nak-name %s\n", a->node, hex);
	rc = fflush(stdout) ? LETHE_EXIT_TEMP : LETHE_EXIT_OK;
out:
	EVP_PKEY_free(tls);
	ekca_free(&ca);
	ERR_clear_error();
	return rc;
}

int cmd_enroll_add(const struct cmd_enroll_args *a)
{
	static uint8_t ak[sizeof(TPM2B_PUBLIC) + 1], ek[ATTESTD_EKCERT_MAX + 1];
	TPM2B_PUBLIC pub;
	uint8_t name[ATTESTD_NAME_BYTES], sha[32];
	char hex[2 * ATTESTD_NAME_BYTES + 1];
	struct attest_err err = {{0}};
	sqlite3 *db = NULL;
	size_t ak_len = 0, ek_len = 0;
	int rc = LETHE_EXIT_USAGE, r;

	if (attest_node_valid(a->node) || attest_unhex(a->secret_sha256, sha, sizeof sha)) {
		fprintf(stderr, "attestd: fatal: --node and --secret-sha256 take 64 lowercase hex digits\n");
		goto out;
	}
	if (cmd_load("AK public", a->ak_public, ak, sizeof ak - 1, &ak_len) ||
	    cmd_load("EK certificate", a->ek_cert, ek, sizeof ek - 1, &ek_len))
		goto out;
	/* Only a checked AK is ever recorded: the same checks as check-enroll. */
	if (tpmobj_load(ak, ak_len, "ak-public", &pub, name, &err) || tpmobj_check_ak(&pub, &err)) {
		fprintf(stderr, "attestd: fatal: %s\n", err.msg);
		goto out;
	}
	attest_hex(name, sizeof name, hex);
	if (db_open(a->db, 1, &db, &err)) {
		fprintf(stderr, "attestd: fatal: %s\n", err.msg);
		rc = LETHE_EXIT_TEMP;
		goto out;
	}
	r = db_enroll_add(db, a->node, ak, ak_len, hex, ek, ek_len, sha, a->replace, time(NULL), &err);
	if (r) {
		fprintf(stderr, "attestd: %s: %s\n", r > 0 ? "refused" : "fatal", err.msg);
		rc = r > 0 ? LETHE_EXIT_REFUSED : LETHE_EXIT_TEMP;
		goto out;
	}
	printf("pending %s ak-name %s\n", a->node, hex);
	rc = LETHE_EXIT_OK;
out:
	db_close(db);
	return rc;
}

int cmd_status(const char *path, const char *history_node)
{
	struct attest_err err = {{0}};
	sqlite3 *db = NULL;
	int rc = LETHE_EXIT_TEMP;

	if (history_node && attest_node_valid(history_node)) {
		fprintf(stderr, "attestd: fatal: --history takes a node id, 64 lowercase hex digits\n");
		return LETHE_EXIT_USAGE;
	}
	if (db_open(path, 0, &db, &err) ||
	    (history_node ? db_history(db, history_node, stdout, &err) : db_status(db, stdout, &err))) {
		fprintf(stderr, "attestd: fatal: %s\n", err.msg);
		goto out;
	}
	rc = fflush(stdout) ? LETHE_EXIT_TEMP : LETHE_EXIT_OK;
out:
	db_close(db);
	return rc;
}

int cmd_serve(const struct cmd_serve_args *a)
{
	static struct releases rel;
	struct attest_err err = {{0}};
	struct serve_conf conf = {NULL, a->socket, a->pending, a->certs, &rel};
	int rc;

	if (db_open(a->db, 1, &conf.db, &err)) {
		fprintf(stderr, "attestd: fatal: %s\n", err.msg);
		return LETHE_EXIT_TEMP;
	}
	/* Loaded now, so the operator sees at once what quotes will match. */
	releases_init(&rel, a->log_key, a->log_proofs);
	releases_refresh(&rel);
	rc = serve_run(&conf);
	db_close(conf.db);
	return rc;
}
