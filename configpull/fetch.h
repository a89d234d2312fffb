/* The node document over mutual TLS (libcurl, OpenSSL backend). */
#ifndef CONFIGPULL_FETCH_H
#define CONFIGPULL_FETCH_H

#include <sys/types.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "err.h"
#include "lethe_attest.h"
#include "torrc.h"

struct fetch_opts {
	const char *url;        /* https only */
	const char *ca;         /* fleet CA bundle: the only trust anchors */
	const char *cert;       /* client certificate (PEM) */
	const char *key;        /* client key file (tests, development); NULL: the TPM key */
	unsigned handle;        /* the TPM key's persistent handle */
	const char *tcti;       /* its TCTI (--tcti, else $LETHE_TCTI), NULL: the loader's default */
	const char *outdir;     /* outputs and the stored ETag */
	gid_t gid;              /* group of the outputs, OUT_GID_NONE: unchanged */
	long connect_timeout;   /* seconds */
	long timeout;           /* seconds, whole transfer */
	int attempts;           /* tries for transient failures */
	long backoff_max;       /* seconds, cap of one wait */
	const char *eventlog;   /* the firmware's event log, sent with each quote (quote.h) */
};

/* The node on the mTLS channel: its certificate and key, and once it has
 * attested (quote.h) the token header the server's gate asks for
 * ("X-Lethe-Attest: BASE64", include/lethe_attest.h; "" before).  The
 * token is a bearer secret for one pull: wiped by fetch_run.  SHARE (may
 * be NULL) is the pull's connection cache: the requests of one pull, all
 * as this client to one origin, reuse one connection, so the TPM signs
 * one handshake per pull instead of one per request. */
#define FETCH_TOKEN_HEADER_MAX (sizeof LETHE_ATTEST_TOKEN_HEADER + 2 + 4 * ((LETHE_ATTEST_TOKEN_BYTES + 2) / 3))
struct fetch_client {
	const char *cert;
	EVP_PKEY *key;
	CURLSH *share;
	char token_header[FETCH_TOKEN_HEADER_MAX + 1];
};

/* The transport policy of every request configpull makes, in one place so
 * the document fetch and the certificate fetch cannot drift apart: URL over
 * https only, no redirects, TLS >= 1.2 verified against O's fleet CA alone
 * (and the host name), no session reuse, no proxy, connect/total/low-speed
 * timeouts from O, at most MAX_BYTES of body, curl's messages into ERRBUF. */
void fetch_policy(CURL *c, const struct fetch_opts *o, const char *url, curl_off_t max_bytes,
		  char *errbuf);

/* OUT := the URL of PATH ("/v1/...") on DOC_URL's origin (https, host,
 * port): the certificate and the approvals live next to the document.
 * 1, or 0 with ERR (not https, no host, OUT too small). */
int fetch_origin_url(const char *doc_url, const char *path, char *out, size_t outlen,
		     struct cp_err *err);

/* A body into CAP bytes at BUF, as a libcurl write callback
 * (CURLOPT_WRITEDATA: the sink): more than CAP sets TOO_BIG and stops the
 * transfer.  configpull's small bodies and lethe-telemetry's MetricsPort
 * scrapes. */
struct fetch_sink {
	char *buf;
	size_t cap, len;
	int too_big;
};
size_t fetch_sink_write(char *p, size_t size, size_t nmemb, void *arg);

/* The start of every request as client CL (with its token header if it has
 * one; NULL: server-authenticated TLS alone): a new handle for URL under
 * fetch_policy (MAX_BYTES of body, curl's messages into ERRBUF), the
 * client's identity and connection share set.  Headers it adds go to *HL
 * (the caller adds its own, sets CURLOPT_HTTPHEADER and frees the list
 * after the transfer).  For a caller that sets its own method, body and
 * write function, or drives the transfer from a multi handle
 * (lethe-telemetry's poll loop).  NULL when libcurl cannot start. */
CURL *fetch_easy(const struct fetch_opts *o, const struct fetch_client *cl, const char *url, curl_off_t max_bytes,
		 char *errbuf, struct curl_slist **hl);

/* A small body fetched whole: GET URL under fetch_policy into BUF (CAP
 * bytes; more sets *TOO_BIG and stops the transfer), as client CL over
 * mTLS (with its token header if it has one), or with server-authenticated
 * TLS alone when CL is NULL (the certificate, the credential: public).
 * Returns curl's code (CURLE_FAILED_INIT when libcurl cannot start) with the
 * HTTP status in *STATUS and the length in *LEN; curl's message in ERRBUF. */
CURLcode fetch_small(const struct fetch_opts *o, const struct fetch_client *cl, const char *url, char *buf,
		     size_t cap, size_t *len, int *too_big, long *status, char *errbuf);
/* The same for a POST of BODYLEN bytes of BODY (the activation, the quote). */
CURLcode fetch_post(const struct fetch_opts *o, const struct fetch_client *cl, const char *url, const char *body,
		    size_t bodylen, char *buf, size_t cap, size_t *len, int *too_big, long *status,
		    char *errbuf);

/* A curl code that is a TLS or identity failure (CP_EXIT_TLS), not a
 * transient one. */
int fetch_curl_is_tls(CURLcode c);
/* Cuts REPLY (LEN bytes, room for a NUL after them) to its first line of
 * printable ASCII: what a server's answer may put on the console. */
void fetch_reason(char *reply, size_t len);

/* One pull: attest if the server asks for it (quote.h; TPM key only),
 * fetch (with retries for transient failures), validate, apply; then the
 * approvals and log proofs.  Returns a CP_EXIT_* code; ERR set unless
 * changed or unchanged. */
int fetch_run(const struct fetch_opts *o, const struct torrc_paths *paths, struct cp_err *err);

#endif
