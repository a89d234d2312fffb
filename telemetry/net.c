/* Requests on a multi handle: the handle in flight is configpull's
 * (fetch_easy: https only, the fleet CA alone, host name, TLS >= 1.2,
 * timeouts, the node's key), plus a method, a body and a bounded reply. */
#include <stdio.h>
#include <string.h>

#include "net.h"

/* The server's answer: its first TELEMETRY_REPLY_MAX bytes, for a reason
 * line; the rest is read and dropped (fetch_policy bounds it). */
static size_t net_reply(char *p, size_t size, size_t nmemb, void *arg)
{
	struct net *n = arg;
	size_t k = size * nmemb, room = sizeof n->reply - 1 - n->reply_len;

	memcpy(n->reply + n->reply_len, p, k < room ? k : room);
	n->reply_len += k < room ? k : room;
	return k;
}

int net_init(struct net *n, const struct fetch_opts *fo, EVP_PKEY *key, const char *cert)
{
	memset(n, 0, sizeof *n);
	n->fo = *fo;
	n->cl.cert = cert;
	n->cl.key = key;
	n->multi = curl_multi_init();
	if (!n->multi)
		return -1;
	/* without a share, each request would make its own connection */
	n->cl.share = curl_share_init();
	if (!n->cl.share || curl_share_setopt(n->cl.share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK) {
		net_cleanup(n);
		return -1;
	}
	return 0;
}

void net_abort(struct net *n)
{
	if (!n->easy)
		return;
	curl_multi_remove_handle(n->multi, n->easy);
	curl_easy_cleanup(n->easy);
	curl_slist_free_all(n->hl);
	n->easy = NULL;
	n->hl = NULL;
}

void net_cleanup(struct net *n)
{
	net_abort(n);
	if (n->multi)
		curl_multi_cleanup(n->multi);
	/* the cached connection closes here, before the key it signed with goes */
	if (n->cl.share)
		curl_share_cleanup(n->cl.share);
	n->multi = NULL;
	n->cl.share = NULL;
}

/* Hands E (with headers HL) to the multi handle as the request in flight. */
static int net_go(struct net *n, CURL *e, struct curl_slist *hl)
{
	if (hl)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, hl);
	if (curl_multi_add_handle(n->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		curl_slist_free_all(hl);
		return -1;
	}
	n->easy = e;
	n->hl = hl;
	return 0;
}

int net_start(struct net *n, const char *method, const char *url, const char *ctype, const char *body, size_t len)
{
	char ct[96];
	struct curl_slist *hl = NULL, *h;
	CURL *e;

	if (n->easy)
		return -1;
	n->errbuf[0] = 0;
	n->reply_len = 0;
	n->scrape = 0;
	e = fetch_easy(&n->fo, &n->cl, url, (curl_off_t)64 << 10, n->errbuf, &hl);
	if (!e)
		return -1;
	snprintf(ct, sizeof ct, "Content-Type: %s", ctype);
	/* no "Expect: 100-continue" round trip before a body */
	h = curl_slist_append(hl, ct);
	if (h) {
		hl = h;
		h = curl_slist_append(hl, "Expect:");
	}
	if (!h) {
		curl_easy_cleanup(e);
		curl_slist_free_all(hl);
		return -1;
	}
	hl = h;
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, net_reply);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, n);
	return net_go(n, e, hl);
}

int net_start_scrape(struct net *n, const char *url, char *buf, size_t cap, long timeout_ms)
{
	CURL *e;

	if (n->easy)
		return -1;
	e = curl_easy_init();
	if (!e)
		return -1;
	n->errbuf[0] = 0;
	n->scrape = 1;
	n->scrape_body = (struct fetch_sink){ .buf = buf, .cap = cap };
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cap);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, n->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, fetch_sink_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &n->scrape_body);
	return net_go(n, e, NULL);
}

int net_poll(struct net *n, struct curl_waitfd *fds, unsigned nfds, int timeout_ms)
{
	int running;

	if (curl_multi_poll(n->multi, fds, nfds, timeout_ms, NULL) != CURLM_OK)
		return -1;
	return curl_multi_perform(n->multi, &running) == CURLM_OK ? 0 : -1;
}

enum net_class net_classify(CURLcode cc, long status)
{
	if (cc != CURLE_OK)
		return NET_FAILED;
	if (status >= 200 && status <= 299)
		return NET_OK;
	/* the body's fault: sending it again cannot help */
	if (status == 400 || status == 413 || status == 415 || status == 422)
		return NET_REFUSED;
	return NET_FAILED;
}

int net_done(struct net *n, struct net_result *r)
{
	curl_off_t conn = 0, app = 0;
	long connects = 0;
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(n->multi, &left)))
		if (m->msg == CURLMSG_DONE && m->easy_handle == n->easy)
			break;
	if (!m)
		return 0;
	memset(r, 0, sizeof *r);
	r->cc = m->data.result;
	curl_easy_getinfo(n->easy, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(n->easy, CURLINFO_NUM_CONNECTS, &connects);
	r->new_connection = connects > 0;
	if (r->new_connection && !n->scrape && r->cc == CURLE_OK &&
	    curl_easy_getinfo(n->easy, CURLINFO_CONNECT_TIME_T, &conn) == CURLE_OK &&
	    curl_easy_getinfo(n->easy, CURLINFO_APPCONNECT_TIME_T, &app) == CURLE_OK && app >= conn)
		r->handshake_s = (double)(app - conn) / 1e6;
	r->cls = net_classify(r->cc, r->status);
	r->len = n->scrape_body.len;
	r->too_big = n->scrape_body.too_big;
	if (r->cc != CURLE_OK) {
		snprintf(r->reason, sizeof r->reason, "%s", n->errbuf[0] ? n->errbuf : curl_easy_strerror(r->cc));
	} else if (r->cls != NET_OK) {
		n->reply[n->reply_len] = 0;
		fetch_reason(n->reply, n->reply_len);
		snprintf(r->reason, sizeof r->reason, "HTTP %ld%s%s", r->status, n->reply[0] ? ": " : "", n->reply);
	}
	fetch_reason(r->reason, strlen(r->reason));
	net_abort(n);
	return 1;
}
