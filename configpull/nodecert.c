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

struct certbuf {
	char buf[NODECERT_SIZE_MAX];
	size_t len;
	int too_big;
};

static size_t nodecert_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct certbuf *b = arg;
	size_t n = size * nmemb;

	if (n > sizeof b->buf - b->len) {
		b->too_big = 1;
		return 0;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	return n;
}

int nodecert_url(const char *doc_url, const char *id, char *out, size_t outlen, struct cp_err *err)
{
	const char *host, *slash;
	size_t origin;

	if (strncmp(doc_url, "https://", 8) != 0)
		return err_set(err, "url must start with https://");
	host = doc_url + 8;
	slash = strchr(host, '/');
	origin = slash ? (size_t)(slash - doc_url) : strlen(doc_url);
	if (origin == 8 || origin > INT_MAX ||
	    snprintf(out, outlen, "%.*s/v1/certs/%s.pem", (int)origin, doc_url, id) >= (int)outlen)
		return err_set(err, "unable to derive the certificate URL from %s", doc_url);
	return 1;
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

int nodecert_get(const struct fetch_opts *o, EVP_PKEY *key, struct cp_err *err)
{
	char id[IDENTITY_ID_LEN + 1], url[2048], errbuf[CURL_ERROR_SIZE] = "", dir[PATH_MAX];
	const char *base;
	struct certbuf *b = NULL;
	char *clean = NULL;
	size_t cleanlen = 0;
	CURL *c = NULL;
	CURLcode cc;
	long status = 0;
	int rc = CP_EXIT_TLS;

	if (!(base = nodecert_split(o->cert, dir, sizeof dir))) {
		err_set(err, "unable to use %s as the node certificate path", o->cert);
		return CP_EXIT_USAGE;
	}
	if (!identity_node_id(key, id, err) || !nodecert_url(o->url, id, url, sizeof url, err))
		return CP_EXIT_TLS;
	rc = CP_EXIT_UNREACHABLE;
	b = calloc(1, sizeof *b);
	c = curl_easy_init();
	if (!b || !c) {
		err_set(err, "unable to initialise libcurl");
		goto out;
	}
	/* Server authentication only: the fleet CA, the host name, TLS 1.2+. */
	fetch_policy(c, o, url, (curl_off_t)NODECERT_SIZE_MAX, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, nodecert_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (b->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
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
		rc = CP_EXIT_TLS;
	} else if (status >= 500 || status == 0) {
		err_set(err, "unable to fetch %s: HTTP %ld", url, status);
	} else if (status != 200) {
		err_set(err, "unable to fetch %s: HTTP %ld", url, status);
		rc = CP_EXIT_TLS;
	} else if ((rc = nodecert_check(b->buf, b->len, key, o->ca, &clean, &cleanlen, err)) ==
		   CP_EXIT_CHANGED) {
		rc = out_write(dir, base, OUT_GID_NONE, clean, cleanlen, err) ? CP_EXIT_CHANGED
									    : CP_EXIT_UNREACHABLE;
	}
out:
	free(clean);
	free(b);
	curl_easy_cleanup(c);
	return rc;
}
