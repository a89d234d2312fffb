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

int approvals_url(const char *doc_url, char *out, size_t outlen, struct cp_err *err)
{
	return fetch_origin_url(doc_url, "/v1/approvals", out, outlen, err);
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
	char *buf;
	size_t len;
	CURLcode cc;
	long status;
	int too_big, ok = 0;

	if (!approvals_url(o->url, url, sizeof url, err))
		return 0;
	if (!(buf = malloc(APPROVALS_SIZE_MAX)))
		return err_set(err, "unable to allocate %zu bytes", APPROVALS_SIZE_MAX);
	cc = fetch_small(o, url, buf, APPROVALS_SIZE_MAX, &len, &too_big, &status, errbuf);
	if (too_big || cc == CURLE_FILESIZE_EXCEEDED)
		err_set(err, "approvals refused: larger than %zu bytes", APPROVALS_SIZE_MAX);
	else if (cc != CURLE_OK)
		err_set(err, "unable to fetch %s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
	else if (status == 404)
		ok = approvals_remove(o->outdir, err);
	else if (status != 200)
		err_set(err, "unable to fetch %s: HTTP %ld", url, status);
	else if (out_same(o->outdir, APPROVALS_FILE, o->gid, buf, len))
		ok = 1;
	else
		ok = out_write(o->outdir, APPROVALS_FILE, o->gid, buf, len, err);
	free(buf);
	return ok;
}
