/* The agent's requests, one at a time, driven from its poll loop through a
 * libcurl multi handle: to the config server over mTLS as the node (one
 * fetch_client, configpull's, whose connection share lives as long as the
 * process: the connection is reused, so the TPM signs one handshake per
 * connection, not per request), and to tor's MetricsPort over plain HTTP
 * on loopback. */
#ifndef TELEMETRY_NET_H
#define TELEMETRY_NET_H

#include <stddef.h>

#include <curl/curl.h>

#include "fetch.h"
#include "telemetry.h"

/* How a request ended, for the caller's next step. */
enum net_class {
	NET_OK,      /* 2xx */
	NET_REFUSED, /* the server refused this body (400, 413, 415, 422): drop it, no backoff */
	NET_FAILED,  /* no answer, a server error or any other refusal: back off, keep it */
};

struct net_result {
	CURLcode cc;
	long status;
	enum net_class cls;
	int new_connection;   /* the request made a new connection */
	double handshake_s;   /* its TLS handshake (new_connection only) */
	size_t len;           /* a scrape's body */
	int too_big;          /* a scrape's body over its cap */
	char reason[TELEMETRY_REPLY_MAX + CURL_ERROR_SIZE + 32]; /* one printable line (not NET_OK) */
};

struct net {
	CURLM *multi;
	struct fetch_opts fo;
	struct fetch_client cl;
	CURL *easy;               /* the request in flight, NULL: none */
	struct curl_slist *hl;
	int scrape;               /* it is a scrape (no identity) */
	char errbuf[CURL_ERROR_SIZE];
	char reply[TELEMETRY_REPLY_MAX + 1];
	size_t reply_len;
	struct fetch_sink scrape_body; /* a scrape's body: CAP bytes */
};

/* N := the multi handle and the client: FO's CA and timeouts, KEY (owned
 * by the caller, outliving N) and CERT.  0, or -1 (libcurl cannot start). */
int net_init(struct net *n, const struct fetch_opts *fo, EVP_PKEY *key, const char *cert);
void net_cleanup(struct net *n);

/* Starts METHOD ("POST", "PUT") of BODY (LEN bytes, CTYPE, unchanged until
 * the request ends) to URL as the node.  0, or -1 (no request started). */
int net_start(struct net *n, const char *method, const char *url, const char *ctype, const char *body, size_t len);

/* Starts GET URL (http://127.0.0.1:PORT/metrics) into BUF (CAP bytes), with
 * no identity, TIMEOUT_MS for all of it.  0 or -1. */
int net_start_scrape(struct net *n, const char *url, char *buf, size_t cap, long timeout_ms);

static inline int net_busy(const struct net *n)
{
	return n->easy != NULL;
}

/* Waits at most TIMEOUT_MS for the request's sockets or one of the NFDS
 * descriptors of FDS (their revents set), then moves the request on.
 * 0, or -1 (libcurl failed). */
int net_poll(struct net *n, struct curl_waitfd *fds, unsigned nfds, int timeout_ms);

/* 1 and R filled once the request in flight has ended (it is then gone),
 * else 0. */
int net_done(struct net *n, struct net_result *r);

/* Ends the request in flight, if any, unanswered. */
void net_abort(struct net *n);

/* The class of an answer (a transport error is NET_FAILED). */
enum net_class net_classify(CURLcode cc, long status);

#endif
