/* Where a log is read from: a local directory (the operator's copy) or an
 * https:// prefix (a monitor's view).  Bounded sizes and times, TLS
 * verified, no redirects: a log that moves must be told to the monitor. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "lt.h"

struct lt_src {
	char base[LT_PATH_MAX];
	CURL *curl;   /* NULL: a directory */
};

int lt_src_open(struct lt_src **out, const char *where, const char *cacert)
{
	static struct lt_src s;  /* one source per run */
	size_t n = strlen(where);

	while (n > 1 && where[n - 1] == '/')
		n--;
	if (n >= sizeof s.base - 64)
		return lt_fail(LETHE_EXIT_USAGE, "source too long: %s", where);
	memcpy(s.base, where, n);
	s.base[n] = 0;
	s.curl = NULL;
	if (strncmp(where, "https://", 8) == 0) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(s.curl = curl_easy_init()))
			return lt_fail(LETHE_EXIT_TEMP, "unable to initialise libcurl");
		curl_easy_setopt(s.curl, CURLOPT_PROTOCOLS_STR, "https");
		curl_easy_setopt(s.curl, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(s.curl, CURLOPT_CONNECTTIMEOUT, 10L);
		curl_easy_setopt(s.curl, CURLOPT_TIMEOUT, 30L);
		curl_easy_setopt(s.curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(s.curl, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(s.curl, CURLOPT_SSL_VERIFYHOST, 2L);
		curl_easy_setopt(s.curl, CURLOPT_USERAGENT, "lethe-log");
		if (cacert)
			curl_easy_setopt(s.curl, CURLOPT_CAINFO, cacert);
	} else if (strstr(where, "://")) {
		return lt_fail(LETHE_EXIT_USAGE, "%s: only https:// URLs or directories", where);
	} else if (cacert) {
		return lt_fail(LETHE_EXIT_USAGE, "--cacert is for https:// sources");
	}
	*out = &s;
	return 0;
}

void lt_src_close(struct lt_src *s)
{
	if (s && s->curl) {
		curl_easy_cleanup(s->curl);
		s->curl = NULL;
		curl_global_cleanup();
	}
}

struct sink {
	uint8_t *buf;
	size_t cap, len;
	int over;
};

static size_t sink_write(char *p, size_t sz, size_t nm, void *arg)
{
	struct sink *k = arg;
	size_t n = sz * nm;

	if (n > k->cap - k->len) {
		k->over = 1;
		return 0;  /* aborts the transfer */
	}
	memcpy(k->buf + k->len, p, n);
	k->len += n;
	return n;
}

int lt_src_get(struct lt_src *s, const char *rel, uint8_t *buf, size_t cap, size_t *len)
{
	char url[LT_PATH_MAX + 128];
	struct sink k = { buf, cap, 0, 0 };
	long status = 0;
	CURLcode rc;
	int missing, r;

	snprintf(url, sizeof url, "%s/%s", s->base, rel);
	if (!s->curl) {
		if ((r = lt_read_file(url, buf, cap, len, &missing)))
			return r == LETHE_EXIT_USAGE ? LETHE_EXIT_REFUSED : r;  /* over size: the log's fault */
		if (missing)
			return lt_fail(LETHE_EXIT_REFUSED, "the log has no %s", rel);
		lt_files_read++;
		return 0;
	}
	curl_easy_setopt(s->curl, CURLOPT_URL, url);
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, &k);
	curl_easy_setopt(s->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cap);
	rc = curl_easy_perform(s->curl);
	if (k.over || rc == CURLE_FILESIZE_EXCEEDED)
		return lt_fail(LETHE_EXIT_REFUSED, "%s: over %zu bytes", url, cap);
	if (rc != CURLE_OK)
		return lt_fail(LETHE_EXIT_TEMP, "unable to fetch %s: %s", url, curl_easy_strerror(rc));
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status == 404)
		return lt_fail(LETHE_EXIT_REFUSED, "the log has no %s (HTTP 404)", rel);
	if (status != 200)
		return lt_fail(LETHE_EXIT_TEMP, "unable to fetch %s: HTTP %ld", url, status);
	lt_files_read++;
	*len = k.len;
	return 0;
}

int lt_checkpoint_fetch(struct lt_src *s, const struct tlog_vkey *k, uint8_t *note, size_t *len,
			struct tlog_checkpoint *cp)
{
	char err[256];
	int rc;

	if ((rc = lt_src_get(s, "checkpoint", note, TLOG_NOTE_MAX, len)))
		return rc;
	if (tlog_checkpoint_open(k, note, *len, cp, err, sizeof err))
		return lt_fail(LETHE_EXIT_REFUSED, "checkpoint: %s", err);
	return 0;
}
