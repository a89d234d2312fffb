/* net.c: net.h. */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "identity.h"
#include "net.h"
#include "state.h"

/* The largest answer to a PUT taken in (nginx's error pages included); its
 * first STATE_REPLY_MAX bytes are kept. */
#define NET_REPLY_BYTES 65536

int net_open(struct net *n, const struct state_opts *o, char *why, size_t whylen)
{
	struct cp_err err = { "" };

	memset(n, 0, sizeof *n);
	if (!fetch_origin_url(o->url, LETHE_STATE_PATH, n->url, sizeof n->url, &err)) {
		state_why(why, whylen, "%s", err.msg);
		return -1;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		state_why(why, whylen, "unable to initialise libcurl");
		return -1;
	}
	n->cl.cert = o->fo.cert;
	n->cl.key = identity_load(o->fo.key, o->fo.handle, o->fo.tcti, &err);
	if (!n->cl.key) {
		state_why(why, whylen, "unable to load the node key: %s", err.msg);
		curl_global_cleanup();
		return -1;
	}
	return 0;
}

void net_close(struct net *n)
{
	if (!n->cl.key)
		return;
	EVP_PKEY_free(n->cl.key);
	n->cl.key = NULL;
	curl_global_cleanup();
}

/* After a transfer: the reason for CC and the status, or 0 for 2xx. */
static int net_result(struct net *n, CURLcode cc, const char *errbuf, const char *what, char *why, size_t whylen)
{
	if (cc != CURLE_OK) {
		n->status = 0;
		state_why(why, whylen, "unable to %s %s: %s", what, n->url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
		return -1;
	}
	if (n->status >= 200 && n->status < 300)
		return 0;
	state_why(why, whylen, "%s %s: HTTP %ld%s%s", what, n->url, n->status, n->reply[0] ? ": " : "", n->reply);
	return -1;
}

int net_put(struct net *n, const struct state_opts *o, const uint8_t *blob, size_t len, char *why, size_t whylen)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct fetch_sink reply = { .buf = n->reply, .cap = STATE_REPLY_MAX };
	struct curl_slist *hl = NULL, *h;
	CURLcode cc;
	CURL *c;

	n->status = 0;
	n->reply[0] = 0;
	c = fetch_easy(&o->fo, &n->cl, n->url, (curl_off_t)NET_REPLY_BYTES, errbuf, &hl);
	if (!c) {
		state_why(why, whylen, "unable to initialise libcurl");
		return -1;
	}
	/* no "Expect: 100-continue" round trip before the body */
	h = curl_slist_append(hl, "Content-Type: application/octet-stream");
	if (h) {
		hl = h;
		h = curl_slist_append(hl, "Expect:");
	}
	if (!h) {
		curl_easy_cleanup(c);
		curl_slist_free_all(hl);
		state_why(why, whylen, "out of memory");
		return -1;
	}
	hl = h;
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)blob);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fetch_sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &n->status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	/* an answer longer than its first line is cut, not an error */
	if (cc == CURLE_WRITE_ERROR && reply.too_big)
		cc = CURLE_OK;
	fetch_reason(n->reply, reply.len);
	return net_result(n, cc, errbuf, "PUT", why, whylen);
}

int net_get(struct net *n, const struct state_opts *o, uint8_t *buf, size_t cap, size_t *len, int *too_big,
	    char *why, size_t whylen)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode cc;

	n->status = 0;
	n->reply[0] = 0;
	cc = fetch_small(&o->fo, &n->cl, n->url, (char *)buf, cap, len, too_big, &n->status, errbuf);
	if (cc == CURLE_FILESIZE_EXCEEDED || *too_big) {
		*too_big = 1;
		state_why(why, whylen, "GET %s: the body is larger than %zu bytes", n->url, cap);
		return -1;
	}
	if (cc != CURLE_OK)
		return net_result(n, cc, errbuf, "GET", why, whylen);
	if (n->status == 200 || n->status == 404)
		return 0;
	/* another answer: its first line, for the reason */
	if (*len) {
		size_t k = *len < STATE_REPLY_MAX ? *len : STATE_REPLY_MAX;

		memcpy(n->reply, buf, k);
		fetch_reason(n->reply, k);
	}
	if (net_result(n, cc, errbuf, "GET", why, whylen) == 0)
		state_why(why, whylen, "GET %s: HTTP %ld, not 200 or 404", n->url, n->status);
	return -1;
}
