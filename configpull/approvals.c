/* Fetching the approvals file next to the node document.  Bounded like
 * every other fetch (fetch_policy: https only, fleet CA, host name, TLS
 * 1.2+, timeouts, no redirects) and by APPROVALS_SIZE_MAX; the bytes are
 * not interpreted here: tpmseal parses them strictly and the TPM checks
 * every signature. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "approvals.h"
#include "configpull.h"
#include "out.h"

struct apbuf {
	char buf[APPROVALS_SIZE_MAX];
	size_t len;
	int too_big;
};

static size_t approvals_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct apbuf *b = arg;
	size_t n = size * nmemb;

	if (n > sizeof b->buf - b->len) {
		b->too_big = 1;
		return 0;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	return n;
}

int approvals_url(const char *doc_url, char *out, size_t outlen, struct cp_err *err)
{
	const char *host, *slash;
	size_t origin;

	if (strncmp(doc_url, "https://", 8) != 0)
		return err_set(err, "url must start with https://");
	host = doc_url + 8;
	slash = strchr(host, '/');
	origin = slash ? (size_t)(slash - doc_url) : strlen(doc_url);
	if (origin == 8 || origin > INT_MAX ||
	    snprintf(out, outlen, "%.*s/v1/approvals", (int)origin, doc_url) >= (int)outlen)
		return err_set(err, "unable to derive the approvals URL from %s", doc_url);
	return 1;
}

/* The server has no approvals: neither do we. */
static int approvals_remove(const char *dir, struct cp_err *err)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof path, "%s/%s", dir, APPROVALS_FILE) >= (int)sizeof path)
		return err_set(err, "unable to remove %s/%s: path too long", dir, APPROVALS_FILE);
	if (unlink(path) < 0 && errno != ENOENT)
		return err_set(err, "unable to remove %s: %s", path, strerror(errno));
	return 1;
}

int approvals_fetch(const struct fetch_opts *o, struct cp_err *err)
{
	char url[2048], errbuf[CURL_ERROR_SIZE] = "";
	struct apbuf *b = NULL;
	CURL *c = NULL;
	CURLcode cc;
	long status = 0;
	int ok = 0;

	if (!approvals_url(o->url, url, sizeof url, err))
		return 0;
	b = calloc(1, sizeof *b);
	c = curl_easy_init();
	if (!b || !c) {
		err_set(err, "unable to initialise libcurl");
		goto out;
	}
	fetch_policy(c, o, url, (curl_off_t)APPROVALS_SIZE_MAX, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, approvals_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (b->too_big || cc == CURLE_FILESIZE_EXCEEDED)
		err_set(err, "approvals refused: larger than %zu bytes", APPROVALS_SIZE_MAX);
	else if (cc != CURLE_OK)
		err_set(err, "unable to fetch %s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
	else if (status == 404)
		ok = approvals_remove(o->outdir, err);
	else if (status != 200)
		err_set(err, "unable to fetch %s: HTTP %ld", url, status);
	else if (out_same(o->outdir, APPROVALS_FILE, o->gid, b->buf, b->len))
		ok = 1;
	else
		ok = out_write(o->outdir, APPROVALS_FILE, o->gid, b->buf, b->len, err);
out:
	curl_easy_cleanup(c);
	free(b);
	return ok;
}
