/* Fetching over mTLS.
 *
 * Trust comes only from the fleet CA file (no system store, no CA path),
 * the host name in the URL is checked, TLS 1.2 is the floor.  Everything is
 * bounded: connect and total time, a low-speed floor so a server dripping
 * bytes is cut off, and the body (the write callback refuses past 1 MiB, so
 * a 10 MB answer costs no more memory than a 1 MiB one). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "apply.h"
#include "approvals.h"
#include "attest.h"
#include "configpull.h"
#include "doc.h"
#include "fetch.h"
#include "identity.h"
#include "nodecert.h"
#include "out.h"
#include "quote.h"

#define ETAG_MAX 128
#define ETAG_FILE LETHE_ETAG_NAME

struct body {
	char *buf;
	size_t len;
	int too_big;
};

struct hdrs {
	char etag[ETAG_MAX + 1];
};

static size_t fetch_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;
	char *nb;

	if (n > DOC_SIZE_MAX - b->len) {
		b->too_big = 1;
		return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
	}
	nb = realloc(b->buf, b->len + n + 1);
	if (!nb)
		return 0;
	b->buf = nb;
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	return n;
}

/* ETag: kept only if short and printable, else ignored (no 304 next time). */
void fetch_policy(CURL *c, const struct fetch_opts *o, const char *url, curl_off_t max_bytes,
		  char *errbuf)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_CAINFO, o->ca);
	curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	/* No TLS session resumption, across identities or not; a pull's
	 * requests as one client may share a connection (fetch_client). */
	curl_easy_setopt(c, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, o->timeout);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 64L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, o->connect_timeout);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, max_bytes);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
}

int fetch_origin_url(const char *doc_url, const char *path, char *out, size_t outlen,
		     struct cp_err *err)
{
	const char *host, *slash;
	size_t origin;

	if (strncmp(doc_url, "https://", 8) != 0)
		return err_set(err, "url must start with https://");
	host = doc_url + 8;
	slash = strchr(host, '/');
	origin = slash ? (size_t)(slash - doc_url) : strlen(doc_url);
	if (origin == 8 || origin > INT_MAX ||
	    snprintf(out, outlen, "%.*s%s", (int)origin, doc_url, path) >= (int)outlen)
		return err_set(err, "unable to derive the URL of %s from %s", path, doc_url);
	return 1;
}

/* libcurl's options name key files, not an EVP_PKEY, so the certificate
 * and key are installed on the SSL_CTX here, before the handshake: one
 * path for a key file and for the TPM key (an EVP_PKEY whose signing
 * tpmsign.c does through ESAPI: OpenSSL never sees its private half). */
static CURLcode fetch_sslctx(CURL *c, void *sslctx, void *arg)
{
	const struct fetch_client *id = arg;
	SSL_CTX *ctx = sslctx;

	(void)c;
	if (SSL_CTX_use_certificate_chain_file(ctx, id->cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, id->key) != 1 || SSL_CTX_check_private_key(ctx) != 1)
		return CURLE_SSL_CERTPROBLEM;
	/* TLS 1.2 is the floor (also set through libcurl); 1.3 is preferred. */
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
		return CURLE_SSL_CERTPROBLEM;
	/* an EC node key (the TPM's is ECDSA/SHA-256 only) signs with SHA-256 */
	if (EVP_PKEY_get_base_id(id->key) == EVP_PKEY_EC &&
	    SSL_CTX_set1_client_sigalgs_list(ctx, "ECDSA+SHA256") != 1)
		return CURLE_SSL_CERTPROBLEM;
	return CURLE_OK;
}

/* The client's identity and token on handle C (fetch.h); *HL takes the
 * header list, to free after the transfer. */
static void fetch_client_set(CURL *c, const struct fetch_client *cl, struct curl_slist **hl)
{
	if (!cl)
		return;
	curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, fetch_sslctx);
	curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, (void *)cl);
	/* Only this client's requests join its cache: a connection made
	 * with its certificate never carries a request made without. */
	if (cl->share)
		curl_easy_setopt(c, CURLOPT_SHARE, cl->share);
	if (cl->token_header[0])
		*hl = curl_slist_append(*hl, cl->token_header);
}

size_t fetch_sink_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct fetch_sink *b = arg;
	size_t n = size * nmemb;

	if (n > b->cap - b->len) {
		b->too_big = 1;
		return 0; /* stops the transfer */
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	return n;
}

CURL *fetch_easy(const struct fetch_opts *o, const struct fetch_client *cl, const char *url, curl_off_t max_bytes,
		 char *errbuf, struct curl_slist **hl)
{
	CURL *c = curl_easy_init();

	if (!c)
		return NULL;
	fetch_policy(c, o, url, max_bytes, errbuf);
	fetch_client_set(c, cl, hl);
	return c;
}

/* GET, or POST of BODY when it is not NULL, of a small body (fetch.h). */
static CURLcode fetch_request(const struct fetch_opts *o, const struct fetch_client *cl, const char *url,
			      const char *body, size_t bodylen, char *buf, size_t cap, size_t *len, int *too_big,
			      long *status, char *errbuf)
{
	struct fetch_sink b = { .buf = buf, .cap = cap };
	struct curl_slist *hl = NULL;
	CURL *c;
	CURLcode cc;

	*len = 0;
	*too_big = 0;
	*status = 0;
	c = fetch_easy(o, cl, url, (curl_off_t)cap, errbuf, &hl);
	if (!c)
		return CURLE_FAILED_INIT;
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fetch_sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)bodylen);
		/* no "Expect: 100-continue" round trip for the larger quote */
		hl = curl_slist_append(hl, "Expect:");
	}
	if (hl)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	*len = b.len;
	*too_big = b.too_big;
	return cc;
}

CURLcode fetch_small(const struct fetch_opts *o, const struct fetch_client *cl, const char *url, char *buf,
		     size_t cap, size_t *len, int *too_big, long *status, char *errbuf)
{
	return fetch_request(o, cl, url, NULL, 0, buf, cap, len, too_big, status, errbuf);
}

CURLcode fetch_post(const struct fetch_opts *o, const struct fetch_client *cl, const char *url, const char *body,
		    size_t bodylen, char *buf, size_t cap, size_t *len, int *too_big, long *status,
		    char *errbuf)
{
	return fetch_request(o, cl, url, body, bodylen, buf, cap, len, too_big, status, errbuf);
}

static size_t fetch_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct hdrs *h = arg;
	size_t n = size * nmemb, i;

	if (n > 5 && strncasecmp(p, "etag:", 5) == 0) {
		const char *v = p + 5;
		size_t m = n - 5;
		while (m && (*v == ' ' || *v == '\t'))
			v++, m--;
		while (m && (v[m - 1] == '\r' || v[m - 1] == '\n' || v[m - 1] == ' '))
			m--;
		h->etag[0] = 0;
		if (m == 0 || m > ETAG_MAX)
			return n;
		for (i = 0; i < m; i++)
			if ((unsigned char)v[i] < 0x21 || (unsigned char)v[i] > 0x7e)
				return n;
		memcpy(h->etag, v, m);
		h->etag[m] = 0;
	}
	return n;
}

static void etag_read(const char *dir, char *out)
{
	char path[4096];
	FILE *f;
	size_t n, i;

	out[0] = 0;
	snprintf(path, sizeof path, "%s/%s", dir, ETAG_FILE);
	f = fopen(path, "re");
	if (!f)
		return;
	n = fread(out, 1, ETAG_MAX, f);
	fclose(f);
	out[n] = 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x21 || (unsigned char)out[i] > 0x7e) {
			out[0] = 0;
			return;
		}
}

void fetch_reason(char *reply, size_t len)
{
	size_t i;

	for (i = 0; i < len && reply[i] >= ' ' && reply[i] <= '~'; i++)
		;
	reply[i] = 0;
}

int fetch_curl_is_tls(CURLcode c)
{
	return c == CURLE_PEER_FAILED_VERIFICATION || c == CURLE_SSL_CONNECT_ERROR ||
	       c == CURLE_SSL_CERTPROBLEM || c == CURLE_SSL_CIPHER || c == CURLE_SSL_CACERT_BADFILE ||
	       c == CURLE_SSL_ISSUER_ERROR || c == CURLE_SSL_ENGINE_NOTFOUND ||
	       c == CURLE_SSL_ENGINE_SETFAILED || c == CURLE_UNSUPPORTED_PROTOCOL ||
	       c == CURLE_URL_MALFORMAT;
}

/* One attempt.  Returns a CP_EXIT_* code, *BODY filled on 200. */
static int fetch_once(const struct fetch_opts *o, const struct fetch_client *id, const char *etag,
		      struct body *body, struct hdrs *h, struct cp_err *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hl = NULL;
	char inm[ETAG_MAX + 32];
	CURL *c = curl_easy_init();
	CURLcode cc;
	long status = 0;
	int rc = CP_EXIT_UNREACHABLE;

	if (!c)
		return err_set(err, "unable to initialise libcurl"), CP_EXIT_UNREACHABLE;
	if (etag[0]) {
		snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
		hl = curl_slist_append(NULL, inm);
	}
	fetch_policy(c, o, o->url, (curl_off_t)DOC_SIZE_MAX, errbuf);
	/* the client identity (the TPM key or a key file) and its token */
	fetch_client_set(c, id, &hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fetch_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, fetch_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	if (hl)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (body->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		err_set(err, "document refused: body larger than %zu bytes", DOC_SIZE_MAX);
		rc = CP_EXIT_REJECTED;
	} else if (cc != CURLE_OK) {
		err_set(err, "unable to fetch %s: %s", o->url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
		rc = fetch_curl_is_tls(cc) ? CP_EXIT_TLS : CP_EXIT_UNREACHABLE;
	} else if (status == 304) {
		rc = CP_EXIT_UNCHANGED;
	} else if (status == 200) {
		rc = CP_EXIT_CHANGED;
	} else if (status == 400 || status == 401 || status == 403 || status == 495 || status == 496) {
		/* nginx answers 400 (or 495/496) after a handshake whose client
		 * certificate failed verification: an identity failure. */
		err_set(err, "server refused this node's identity: HTTP %ld", status);
		rc = CP_EXIT_TLS;
	} else if (status >= 500) {
		err_set(err, "server error: HTTP %ld", status);
		rc = CP_EXIT_UNREACHABLE;
	} else {
		err_set(err, "no document for this node: HTTP %ld", status);
		rc = CP_EXIT_REJECTED;
	}
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return rc;
}

/* Capped exponential backoff with jitter: uniform in [w/2, w], w = min(cap, 2^i). */
static void fetch_backoff(int attempt, long cap)
{
	unsigned int r = 0;
	long w = attempt < 20 ? 1L << attempt : cap;
	long ms;
	struct timespec ts;

	if (w > cap)
		w = cap;
	if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
		r = (unsigned)time(NULL);
	ms = w * 500 + (long)(r % (unsigned)(w * 500 + 1));
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* After a 404 for the node certificate: activates the credential the
 * operator left for this node, if any, then fetches the certificate the
 * verifier then published.  CP_EXIT_TLS (no credential yet: enroll, or wait
 * for the operator; or the activation failed: ERR says why), or
 * nodecert_get's code. */
static int fetch_activate(const struct fetch_opts *o, const char *node_id, EVP_PKEY *key, struct cp_err *err)
{
	struct cp_err e2 = { "" };
	int pending = 0, missing = 0;

	if (!attest_activate(o, node_id, &pending, &e2)) {
		/* refused because it is done already (our earlier activation's
		 * answer was lost): the certificate is there */
		if (pending && nodecert_get(o, key, &missing, err) == CP_EXIT_CHANGED)
			return CP_EXIT_CHANGED;
		if (pending || e2.msg[0])
			err_set(err, "%s", e2.msg);
		return CP_EXIT_TLS;
	}
	fprintf(stderr, "configpull: attestation: the verifier accepted this TPM's activation\n");
	return nodecert_get(o, key, &missing, err);
}

/* After attempt I failed with RC: 1 (said on stderr) if another attempt
 * may help, 0 if the pull ends with RC. */
static int fetch_retry(const struct fetch_opts *o, int i, int rc, const struct cp_err *err)
{
	if (rc != CP_EXIT_UNREACHABLE || i + 1 == o->attempts)
		return 0;
	fprintf(stderr, "configpull: warning: attempt %d of %d: %s\n", i + 1, o->attempts, err->msg);
	return 1;
}

/* The attestation's outcome for the node's report (LETHE_ATTESTATION_NAME):
 * informative, so a failure to write it is only a warning. */
static void fetch_attestation(const struct fetch_opts *o, const char *line)
{
	struct cp_err e;

	if (!out_write(o->outdir, LETHE_ATTESTATION_NAME, o->gid, line, strlen(line), &e))
		fprintf(stderr, "configpull: warning: %s\n", e.msg);
}

int fetch_run(const struct fetch_opts *o, const struct torrc_paths *paths, struct cp_err *err)
{
	char etag[ETAG_MAX + 1], node_id[IDENTITY_ID_LEN + 1];
	struct fetch_client id;
	const char *attestation = NULL;
	int i, have_cert, attested = 0, rc = CP_EXIT_UNREACHABLE;

	if (strncmp(o->url, "https://", 8) != 0)
		return err_set(err, "url must start with https://"), CP_EXIT_USAGE;
	/* Fail closed, and say why: without the fleet CA nothing is trusted. */
	if (access(o->ca, R_OK) != 0)
		return err_set(err, "unable to read the fleet CA %s: %s (an image built without "
			       "FLEET_CA has none, see docs/operating.md)", o->ca, strerror(errno)),
		       CP_EXIT_TLS;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return err_set(err, "unable to initialise libcurl"), CP_EXIT_UNREACHABLE;
	memset(&id, 0, sizeof id);
	id.cert = o->cert;
	/* no share (one handshake per request) if libcurl cannot make one */
	id.share = curl_share_init();
	if (id.share && curl_share_setopt(id.share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK) {
		curl_share_cleanup(id.share);
		id.share = NULL;
	}
	id.key = identity_load(o->key, o->handle, o->tcti, err);
	if (!id.key) {
		curl_share_cleanup(id.share);
		curl_global_cleanup();
		return CP_EXIT_TLS;
	}
	/* the document must name this node: a server that mixes up documents
	 * must not configure one node as another */
	if (!identity_node_id(id.key, node_id, err)) {
		EVP_PKEY_free(id.key);
		curl_share_cleanup(id.share);
		curl_global_cleanup();
		return CP_EXIT_TLS;
	}
	etag_read(o->outdir, etag);
	/* The node certificate is fetched once it is missing (first boot,
	 * after enrollment): public, so over server-authenticated TLS. */
	have_cert = access(o->cert, F_OK) == 0;
	for (i = 0; i < o->attempts; i++) {
		struct body body = { NULL, 0, 0 };
		struct hdrs h = { "" };

		if (i)
			fetch_backoff(i - 1, o->backoff_max);
		if (!have_cert) {
			int missing = 0;

			rc = nodecert_get(o, id.key, &missing, err);
			/* Signed but not yet published: the fleet waits for this
			 * TPM to activate its credential (attest.h). */
			if (rc == CP_EXIT_TLS && missing && !o->key)
				rc = fetch_activate(o, node_id, id.key, err);
			if (rc != CP_EXIT_CHANGED) {
				if (!fetch_retry(o, i, rc, err))
					break;
				continue;
			}
			fprintf(stderr, "configpull: installed the node certificate %s\n", o->cert);
			have_cert = 1;
		}
		/* A quote from the TPM before the document, when the server
		 * asks for one; a key file is in no TPM and quotes nothing (the
		 * server's gate then refuses it, if it attests). */
		if (!attested && !o->key) {
			rc = quote_attest(o, &id, err);
			if (rc == CP_EXIT_UNATTESTED)
				attestation = "refused\n";
			if (rc != CP_EXIT_CHANGED) {
				if (!fetch_retry(o, i, rc, err))
					break;
				continue;
			}
			attested = 1;
			attestation = id.token_header[0] ? "attested\n" : "off\n";
		}
		rc = fetch_once(o, &id, etag, &body, &h, err);
		if (rc == CP_EXIT_CHANGED) {
			rc = apply_document(body.buf ? body.buf : "", body.len, node_id, o->outdir, o->gid,
					    paths, err);
			/* The ETag is stored only once its document is in place. */
			if ((rc == CP_EXIT_CHANGED || rc == CP_EXIT_UNCHANGED) && h.etag[0] &&
			    strcmp(h.etag, etag) != 0) {
				struct cp_err e2;
				if (!out_write(o->outdir, ETAG_FILE, o->gid, h.etag, strlen(h.etag), &e2))
					fprintf(stderr, "configpull: warning: %s\n", e2.msg);
			}
			free(body.buf);
			break; /* a local write failure is not the server's: no retry */
		}
		free(body.buf);
		if (!fetch_retry(o, i, rc, err))
			break;
	}
	/* With the document in place, the approvals tpmseal needs: a failure
	 * here is reported but is not the document's (the old file stays). */
	if (rc == CP_EXIT_CHANGED || rc == CP_EXIT_UNCHANGED) {
		struct cp_err e3;
		if (!approvals_fetch(o, &id, &e3))
			fprintf(stderr, "configpull: warning: %s\n", e3.msg);
	}
	/* After the document: on a first pull its directory is made then.
	 * A refusal before any document has no directory: the status file's
	 * pull exit (CP_EXIT_UNATTESTED) still says so. */
	if (attestation && access(o->outdir, F_OK) == 0)
		fetch_attestation(o, attestation);
	OPENSSL_cleanse(id.token_header, sizeof id.token_header);
	/* closes the cached connection: before the key it signed with */
	curl_share_cleanup(id.share);
	EVP_PKEY_free(id.key);
	curl_global_cleanup();
	return rc;
}
