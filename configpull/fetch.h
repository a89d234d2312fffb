/* The node document over mutual TLS (libcurl, OpenSSL backend). */
#ifndef CONFIGPULL_FETCH_H
#define CONFIGPULL_FETCH_H

#include <sys/types.h>

#include "err.h"
#include "torrc.h"

struct fetch_opts {
	const char *url;        /* https only */
	const char *ca;         /* fleet CA bundle: the only trust anchors */
	const char *cert;       /* client certificate (PEM) */
	const char *key;        /* client key file (tests, development); NULL: the TPM key */
	unsigned handle;        /* the TPM key's persistent handle */
	const char *outdir;     /* outputs and the stored ETag */
	gid_t gid;              /* group of the outputs, OUT_GID_NONE: unchanged */
	long connect_timeout;   /* seconds */
	long timeout;           /* seconds, whole transfer */
	int attempts;           /* tries for transient failures */
	long backoff_max;       /* seconds, cap of one wait */
};

/* One pull: fetch (with retries for transient failures), validate, apply.
 * Returns a CP_EXIT_* code; ERR set unless changed or unchanged. */
int fetch_run(const struct fetch_opts *o, const struct torrc_paths *paths, struct cp_err *err);

#endif
