/* ospkg sign: add one certificate/signature pair to a descriptor.
 *
 * The signature is pure Ed25519 over the 32 raw bytes of SHA-256(zip), as
 * stboot verifies it.  The certificate goes into the descriptor as base64
 * of its PEM text, re-encoded from the DER in the canonical 64-column form
 * (stmgr copies the PEM block it read; for a plain certificate file the
 * bytes are the same).
 *
 * The private key is read into a stack buffer (never reallocated, so no
 * stray copies), parsed, used for one signature and freed; the buffer is
 * wiped on every path.  Neither it nor OpenSSL's error text (which could
 * quote it) ever reaches a message. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "lethe_exit.h"
#include "buf.h"
#include "certchk.h"
#include "descriptor.h"
#include "ed25519.h"
#include "fileio.h"
#include "ospkg.h"
#include "zip.h"

#define KEY_MAX_BYTES 16384u

/* Encrypted keys are refused rather than prompting: signing runs from make. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static int key_load(const char *path, EVP_PKEY **out, struct tool_err *e)
{
	uint8_t raw[KEY_MAX_BYTES];
	EVP_PKEY *k = NULL;
	BIO *bio = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = file_read_fixed(path, "signing key", raw, sizeof raw, &len, e);
	if (rc)
		goto out;
	bio = BIO_new_mem_buf(raw, (int)len);
	if (!bio) {
		rc = err_set(e, LETHE_EXIT_TEMP, "unable to load signing key %s: out of memory", path);
		goto out;
	}
	k = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	if (!k) {
		rc = err_set(e, LETHE_EXIT_USAGE,
			"unable to load signing key %s: not an unencrypted PKCS#8 PEM private key", path);
		goto out;
	}
	if (EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
		rc = err_set(e, LETHE_EXIT_USAGE, "unable to load signing key %s: not an Ed25519 key",
			path);
		goto out;
	}
	*out = k;
	k = NULL;
	rc = 0;
out:
	EVP_PKEY_free(k);
	BIO_free(bio);
	OPENSSL_cleanse(raw, sizeof raw);
	ERR_clear_error();
	return rc;
}

/* Refuses a certificate (by DER) that the descriptor already carries. */
static int check_not_present(const struct descriptor *d, const struct buf *der,
	const struct sign_args *a, struct tool_err *e)
{
	struct buf other = BUF_ZERO;
	X509 *x = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; i < d->count && !rc; i++) {
		rc = cert_decode(d->cert[i].p, d->cert[i].n, &x, e);
		if (rc) {
			err_prefix(e, "unable to parse descriptor %s: certificates[%zu]: ", a->descriptor, i);
			break;
		}
		if (cert_der(x, &other) < 0)
			rc = err_set(e, LETHE_EXIT_TEMP, "unable to encode certificates[%zu]", i);
		else if (other.len == der->len && !memcmp(other.p, der->p, der->len))
			rc = err_set(e, LETHE_EXIT_USAGE,
				"unable to sign %s: certificate %s is already in the descriptor (certificates[%zu])",
				a->zip, a->cert, i);
		X509_free(x);
		x = NULL;
	}
	buf_free(&other);
	return rc;
}

int sign_run(const struct sign_args *a, struct tool_err *e)
{
	struct buf desc = BUF_ZERO, zip = BUF_ZERO, certfile = BUF_ZERO, der = BUF_ZERO;
	struct buf pem = BUF_ZERO, out = BUF_ZERO;
	uint8_t hash[DIGEST_BYTES], sig[ED25519_SIG_BYTES];
	struct descriptor d;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	struct stat st;
	int rc;

	memset(&d, 0, sizeof d);
	rc = file_read(a->descriptor, "descriptor", DESC_MAX_BYTES, &desc, e);
	if (rc)
		goto out;
	rc = descriptor_parse(desc.p, desc.len, &d, e);
	if (rc) {
		err_prefix(e, "unable to parse descriptor %s: ", a->descriptor);
		goto out;
	}
	if (d.count >= DESC_MAX_SIGS) {
		rc = err_set(e, LETHE_EXIT_USAGE, "unable to sign %s: descriptor already has %u signatures",
			a->zip, DESC_MAX_SIGS);
		goto out;
	}
	rc = file_read(a->zip, "archive", ZIP_MAX_BYTES, &zip, e);
	if (rc)
		goto out;
	/* Never sign something stboot (or our verifier) would not accept. */
	rc = verify_archive(zip.p, zip.len, e);
	if (rc) {
		err_prefix(e, "unable to parse archive %s: ", a->zip);
		goto out;
	}
	if (digest_sha256(zip.p, zip.len, hash) < 0) {
		rc = err_set(e, LETHE_EXIT_TEMP, "unable to hash %s", a->zip);
		goto out;
	}
	rc = file_read(a->cert, "certificate", CERT_MAX_BYTES * 2, &certfile, e);
	if (rc)
		goto out;
	rc = cert_decode(certfile.p, certfile.len, &cert, e);
	if (rc) {
		err_prefix(e, "unable to load certificate %s: ", a->cert);
		goto out;
	}
	if (!cert_is_ed25519(cert)) {
		rc = err_set(e, LETHE_EXIT_USAGE, "unable to load certificate %s: key is not Ed25519",
			a->cert);
		goto out;
	}
	if (cert_der(cert, &der) < 0) {
		rc = err_set(e, LETHE_EXIT_TEMP, "unable to encode certificate %s", a->cert);
		goto out;
	}
	rc = check_not_present(&d, &der, a, e);
	if (rc)
		goto out;

	rc = key_load(a->key, &key, e);
	if (rc)
		goto out;
	if (EVP_PKEY_eq(key, X509_get0_pubkey(cert)) != 1) {
		rc = err_set(e, LETHE_EXIT_USAGE,
			"unable to sign %s: key %s does not match certificate %s", a->zip, a->key, a->cert);
		goto out;
	}
	if (ed25519_sign(key, hash, sizeof hash, sig) < 0) {
		rc = err_set(e, LETHE_EXIT_TEMP, "unable to sign %s: Ed25519 signing failed", a->zip);
		goto out;
	}
	EVP_PKEY_free(key);
	key = NULL;
	/* A fault in signing must not leave an unverifiable signature behind. */
	if (!ed25519_verify(X509_get0_pubkey(cert), hash, sizeof hash, sig, sizeof sig)) {
		rc = err_set(e, LETHE_EXIT_TEMP, "unable to sign %s: signature does not verify", a->zip);
		goto out;
	}

	if (cert_pem(cert, &pem) < 0) {
		rc = err_sys(e, ENOMEM, "unable to encode certificate %s", a->cert);
		goto out;
	}
	rc = descriptor_add(&d, pem.p, pem.len, sig, sizeof sig, e);
	if (!rc)
		rc = descriptor_render(&d, &out, e);
	if (rc)
		goto out;
	if (stat(a->descriptor, &st) < 0) {
		rc = err_sys(e, errno, "unable to stat descriptor %s", a->descriptor);
		goto out;
	}
	rc = file_write_atomic(a->descriptor, out.p, out.len, st.st_mode & 0777, e);
out:
	EVP_PKEY_free(key);
	X509_free(cert);
	descriptor_free(&d);
	buf_free(&desc);
	buf_free(&zip);
	buf_free(&certfile);
	buf_free(&der);
	buf_free(&pem);
	buf_free(&out);
	ERR_clear_error();
	return rc;
}
