/* A document's bytes to output files: validate all, render all in memory,
 * then replace the files (node.conf last, as the commit point). */
#ifndef CONFIGPULL_APPLY_H
#define CONFIGPULL_APPLY_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "torrc.h"

/* NODE_ID (64 hex, or NULL: not checked): the document's `node` must be it.
 * OUTDIR is created if absent; with GID (not OUT_GID_NONE) it and every
 * file are group GID (02750, 0640).
 * Returns CP_EXIT_CHANGED, CP_EXIT_UNCHANGED, CP_EXIT_REJECTED (nothing
 * written) or CP_EXIT_UNREACHABLE (a local write failed), ERR set unless
 * changed or unchanged. */
int apply_document(const char *buf, size_t len, const char *node_id, const char *outdir, gid_t gid,
		   const struct torrc_paths *paths, struct cp_err *err);

#endif
