/* The node certificate: fetched by node id, kept only if it is for our key
 * and from the fleet CA.  A wrong certificate is refused here rather than
 * at the mTLS handshake, so the console says what is wrong. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "configpull.h"
#include "identity.h"
#include "nodecert.h"
#include "out.h"

int nodecert_url(const char *doc_url, const char *id, char *out, size_t outlen, struct cp_err *err)
{
	char path[160];

	if ((size_t)snprintf(path, sizeof path, "/v1/certs/%s.pem", id) >= sizeof path)
		return err_set(err, "unable to use node id %s", id);
	return fetch_origin_url(doc_url, path, out, outlen, err);
}

int nodecert_check(const char *pem, size_t len, EVP_PKEY *key, const char *cafile, char **out,
		   size_t *outlen, struct cp_err *err)
{
	X509_STORE_CTX *vctx = NULL;
	X509_STORE *store = NULL;
	BIO *in = NULL, *mem = NULL;
	X509 *x = NULL;
	BUF_MEM *bm;
	int rc = CP_EXIT_TLS;

	*out = NULL;
	if (len > NODECERT_SIZE_MAX || len > INT_MAX) {
		err_set(err, "node certificate larger than %zu bytes", NODECERT_SIZE_MAX);
		goto out;
	}
	in = BIO_new_mem_buf(pem, (int)len);
	if (!in || !(x = PEM_read_bio_X509(in, NULL, NULL, NULL))) {
		err_set(err, "node certificate: not a PEM certificate");
		goto out;
	}
	if (EVP_PKEY_eq(X509_get0_pubkey(x), key) != 1) {
		err_set(err, "node certificate: its public key is not this node's key");
		goto out;
	}
	store = X509_STORE_new();
	vctx = X509_STORE_CTX_new();
	if (!store || !vctx || X509_STORE_load_file(store, cafile) != 1) {
		err_set(err, "unable to load the fleet CA %s", cafile);
		goto out;
	}
	if (X509_STORE_CTX_init(vctx, store, x, NULL) != 1 ||
	    X509_STORE_CTX_set_purpose(vctx, X509_PURPOSE_SSL_CLIENT) != 1 ||
	    X509_verify_cert(vctx) != 1) {
		err_set(err, "node certificate: not valid under the fleet CA: %s",
			X509_verify_cert_error_string(X509_STORE_CTX_get_error(vctx)));
		goto out;
	}
	rc = CP_EXIT_UNREACHABLE;
	mem = BIO_new(BIO_s_mem());
	if (!mem || PEM_write_bio_X509(mem, x) != 1 || BIO_get_mem_ptr(mem, &bm) != 1 ||
	    !(*out = malloc(bm->length))) {
		err_set(err, "unable to encode the node certificate");
		goto out;
	}
	memcpy(*out, bm->data, bm->length);
	*outlen = bm->length;
	rc = CP_EXIT_CHANGED;
out:
	BIO_free(mem);
	X509_STORE_CTX_free(vctx);
	X509_STORE_free(store);
	X509_free(x);
	BIO_free(in);
	/* A refused certificate leaves nothing for the next TLS call to misread. */
	if (rc != CP_EXIT_CHANGED)
		ERR_clear_error();
	return rc;
}

/* DIR and base name of PATH into DIR (size DIRLEN); NULL if unusable. */
static const char *nodecert_split(const char *path, char *dir, size_t dirlen)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		snprintf(dir, dirlen, ".");
		return path[0] ? path : NULL;
	}
	if ((size_t)(slash - path) + 1 > dirlen || slash[1] == 0)
		return NULL;
	if (slash == path) {
		snprintf(dir, dirlen, "/");
	} else {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = 0;
	}
	return slash + 1;
}

int nodecert_get(const struct fetch_opts *o, EVP_PKEY *key, int *missing, struct cp_err *err)
{
	char id[IDENTITY_ID_LEN + 1], url[2048], errbuf[CURL_ERROR_SIZE] = "", dir[PATH_MAX];
	const char *base;
	char *buf = NULL, *clean = NULL;
	size_t len, cleanlen = 0;
	CURLcode cc;
	long status;
	int too_big, rc = CP_EXIT_TLS;

	*missing = 0;
	if (!(base = nodecert_split(o->cert, dir, sizeof dir))) {
		err_set(err, "unable to use %s as the node certificate path", o->cert);
		return CP_EXIT_USAGE;
	}
	if (!identity_node_id(key, id, err) || !nodecert_url(o->url, id, url, sizeof url, err))
		return CP_EXIT_TLS;
	rc = CP_EXIT_UNREACHABLE;
	if (!(buf = malloc(NODECERT_SIZE_MAX))) {
		err_set(err, "unable to allocate %zu bytes", NODECERT_SIZE_MAX);
		goto out;
	}
	/* Server authentication only: the fleet CA, the host name, TLS 1.2+. */
	cc = fetch_small(o, NULL, url, buf, NODECERT_SIZE_MAX, &len, &too_big, &status, errbuf);
	if (too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		err_set(err, "node certificate larger than %zu bytes", NODECERT_SIZE_MAX);
		rc = CP_EXIT_TLS;
	} else if (cc != CURLE_OK) {
		err_set(err, "unable to fetch %s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
		rc = cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CONNECT_ERROR ||
				     cc == CURLE_SSL_CACERT_BADFILE
			     ? CP_EXIT_TLS
			     : CP_EXIT_UNREACHABLE;
	} else if (status == 404) {
		err_set(err, "no certificate for node %s on the server yet: enroll this node", id);
		*missing = 1;
		rc = CP_EXIT_TLS;
	} else if (status >= 500 || status == 0) {
		err_set(err, "unable to fetch %s: HTTP %ld", url, status);
	} else if (status != 200) {
		err_set(err, "unable to fetch %s: HTTP %ld", url, status);
		rc = CP_EXIT_TLS;
	} else if ((rc = nodecert_check(buf, len, key, o->ca, &clean, &cleanlen, err)) ==
		   CP_EXIT_CHANGED) {
		rc = out_write(dir, base, OUT_GID_NONE, clean, cleanlen, err) ? CP_EXIT_CHANGED
									    : CP_EXIT_UNREACHABLE;
	}
out:
	free(clean);
	free(buf);
	return rc;
}
