/* Node identity.
 *
 * The node id is a hash of the public key alone, so it is the same whether
 * the key lives in a file or in the TPM, and the fleet can check a CSR
 * against it without trusting anything else in the request. */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/store.h>
#include <openssl/x509.h>

#include "identity.h"

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

/* The tpm2 provider first, then default: in the other order OpenSSL fetches
 * signatures from the default provider, which cannot use a TPM key
 * (docs/operating.md, "missing private key"). */
static EVP_PKEY *identity_load_tpm(unsigned handle, struct cp_err *err)
{
	static OSSL_PROVIDER *tpm2, *dflt;
	OSSL_STORE_CTX *st = NULL;
	EVP_PKEY *key = NULL;
	char uri[32];

	/* Randomness stays with the default provider: loaded first, tpm2 would
	 * also serve RAND, and TLS asks for far more than a TPM should give
	 * (it failed as "Insufficient randomness" through tabrmd). */
	if (RAND_set_DRBG_type(NULL, "CTR-DRBG", "provider=default", NULL, NULL) != 1 ||
	    RAND_set_seed_source_type(NULL, "SEED-SRC", "provider=default") != 1) {
		err_set(err, "unable to keep RAND on the default provider: %s", ossl_reason());
		return NULL;
	}
	if (!tpm2 && !(tpm2 = OSSL_PROVIDER_load(NULL, "tpm2"))) {
		err_set(err, "unable to load the tpm2 OpenSSL provider: %s", ossl_reason());
		return NULL;
	}
	if (!dflt && !(dflt = OSSL_PROVIDER_load(NULL, "default"))) {
		err_set(err, "unable to load the default OpenSSL provider: %s", ossl_reason());
		return NULL;
	}
	snprintf(uri, sizeof uri, "handle:0x%08x", handle);
	st = OSSL_STORE_open(uri, NULL, NULL, NULL, NULL);
	if (!st) {
		err_set(err, "unable to open TPM key %s: %s", uri, ossl_reason());
		return NULL;
	}
	while (!key && !OSSL_STORE_eof(st)) {
		OSSL_STORE_INFO *info = OSSL_STORE_load(st);
		if (!info)
			break;
		if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
			key = OSSL_STORE_INFO_get1_PKEY(info);
		OSSL_STORE_INFO_free(info);
	}
	OSSL_STORE_close(st);
	if (!key)
		err_set(err, "unable to load TPM key %s: %s", uri, ossl_reason());
	return key;
}

EVP_PKEY *identity_load(const char *keyfile, unsigned handle, struct cp_err *err)
{
	return keyfile ? identity_load_file(keyfile, err) : identity_load_tpm(handle, err);
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
