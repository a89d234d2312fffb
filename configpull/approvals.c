/* Fetching the approvals and the log proofs next to the node document.
 * Bounded like every other fetch (fetch_policy: https only, fleet CA, host
 * name, TLS 1.2+, timeouts, no redirects) and by each file's maximum; the
 * bytes are not interpreted here: tpmseal parses them strictly, verifies
 * every proof against the log key and the TPM checks every signature. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "approvals.h"
#include "configpull.h"
#include "lethe_paths.h"
#include "out.h"
#include "tlog.h"

/* What the server serves where, and the most we take of each. */
static const struct approvals_file {
	const char *path, *name;
	size_t max;
} approvals_files[] = {
	{ "/v1/approvals", LETHE_APPROVALS_NAME, APPROVALS_SIZE_MAX },
	{ "/v1/logproofs", LETHE_LOGPROOFS_NAME, TLOG_PROOFS_FILE_MAX },
};

/* The server has none: neither do we. */
static int approvals_remove(const char *dir, const char *name, struct cp_err *err)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return err_set(err, "unable to remove %s/%s: path too long", dir, name);
	if (unlink(path) < 0 && errno != ENOENT)
		return err_set(err, "unable to remove %s: %s", path, strerror(errno));
	return 1;
}

static int approvals_fetch_one(const struct fetch_opts *o, const struct fetch_client *cl,
			       const struct approvals_file *f, struct cp_err *err)
{
	char url[2048], errbuf[CURL_ERROR_SIZE] = "";
	char *buf;
	size_t len;
	CURLcode cc;
	long status;
	int too_big, ok = 0;

	if (!fetch_origin_url(o->url, f->path, url, sizeof url, err))
		return 0;
	if (!(buf = malloc(f->max)))
		return err_set(err, "unable to allocate %zu bytes", f->max);
	cc = fetch_small(o, cl, url, buf, f->max, &len, &too_big, &status, errbuf);
	if (too_big || cc == CURLE_FILESIZE_EXCEEDED)
		err_set(err, "%s refused: larger than %zu bytes", f->name, f->max);
	else if (cc != CURLE_OK)
		err_set(err, "unable to fetch %s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
	else if (status == 404)
		ok = approvals_remove(o->outdir, f->name, err);
	else if (status != 200)
		err_set(err, "unable to fetch %s: HTTP %ld", url, status);
	else if (out_same(o->outdir, f->name, o->gid, buf, len))
		ok = 1;
	else
		ok = out_write(o->outdir, f->name, o->gid, buf, len, err);
	free(buf);
	return ok;
}

int approvals_fetch(const struct fetch_opts *o, const struct fetch_client *cl, struct cp_err *err)
{
	struct cp_err e;
	size_t i;
	int ok = 1;

	for (i = 0; i < sizeof approvals_files / sizeof approvals_files[0]; i++)
		if (!approvals_fetch_one(o, cl, &approvals_files[i], ok ? err : &e))
			ok = 0;
	return ok;
}
