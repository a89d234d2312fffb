/* Node identity.
 *
 * The node id is a hash of the public key alone, so it is the same whether
 * the key lives in a file or in the TPM, and the fleet can check a CSR
 * against it without trusting anything else in the request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "identity.h"
#include "tpmsign.h"

static const char *ossl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;
	return r ? r : "unknown OpenSSL error";
}

static EVP_PKEY *identity_load_file(const char *path, struct cp_err *err)
{
	EVP_PKEY *key = NULL;
	FILE *f = fopen(path, "re");

	if (!f) {
		err_set(err, "unable to open %s", path);
		return NULL;
	}
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!key)
		err_set(err, "unable to read a private key from %s: %s", path, ossl_reason());
	return key;
}

/* The TPM key signs through ESYS itself, not the tpm2 provider (tpmsign.c
 * says why). */
static EVP_PKEY *identity_load_tpm(unsigned handle, const char *tcti, struct cp_err *err)
{
	return tpmsign_load(handle, tcti, err);
}

EVP_PKEY *identity_load(const char *keyfile, unsigned handle, const char *tcti, struct cp_err *err)
{
	return keyfile ? identity_load_file(keyfile, err) : identity_load_tpm(handle, tcti, err);
}

int identity_node_id(EVP_PKEY *key, char out[IDENTITY_ID_LEN + 1], struct cp_err *err)
{
	unsigned char *der = NULL, md[32];
	unsigned int mdlen = 0;
	int n = i2d_PUBKEY(key, &der), ok = 0, i;

	if (n <= 0)
		return err_set(err, "unable to encode the public key: %s", ossl_reason());
	if (EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
		err_set(err, "unable to hash the public key: %s", ossl_reason());
		goto out;
	}
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	ok = 1;
out:
	OPENSSL_free(der);
	return ok;
}

int identity_csr(EVP_PKEY *key, const char *node_id, struct cp_err *err)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = NULL;
	int ok = 0;

	if (!req || !(name = X509_NAME_new()) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)node_id, -1, -1, 0) ||
	    !X509_REQ_set_version(req, 0) || !X509_REQ_set_subject_name(req, name) ||
	    !X509_REQ_set_pubkey(req, key)) {
		err_set(err, "unable to build the CSR: %s", ossl_reason());
		goto out;
	}
	if (X509_REQ_sign(req, key, EVP_sha256()) <= 0) {
		err_set(err, "unable to sign the CSR with the node key: %s", ossl_reason());
		goto out;
	}
	if (!PEM_write_X509_REQ(stdout, req) || fflush(stdout) != 0) {
		err_set(err, "unable to write the CSR to stdout");
		goto out;
	}
	ok = 1;
out:
	X509_NAME_free(name);
	X509_REQ_free(req);
	return ok;
}
