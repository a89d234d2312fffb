/* Bounded file reads and atomic file replacement, for the image host
 * tools (ospkg, pcrpredict). */
#ifndef LETHE_TOOL_FILEIO_H
#define LETHE_TOOL_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"

/* Reads the regular file at path into out (replacing its contents),
 * refusing files larger than max bytes, with a NUL after the data (not
 * counted in out->len) for text parsers.  what names the file's role in
 * messages ("descriptor", "signing root").  Returns 0 or an exit code. */
int file_read(const char *path, const char *what, size_t max, struct buf *out,
	struct tool_err *e);

/* Same for secrets: reads into the caller's fixed buffer, never
 * reallocating, so no copy of the bytes is left behind in freed memory.
 * The caller wipes dst. */
int file_read_fixed(const char *path, const char *what, uint8_t *dst, size_t cap,
	size_t *len, struct tool_err *e);

/* Opens path for reading and checks that it is a regular file; returns the
 * descriptor (>= 0) and its size, or -1 with e set. */
int file_open_regular(const char *path, const char *what, uint64_t *size,
	struct tool_err *e);

/* An output written under a temporary name in the same directory and
 * renamed over path only by afile_commit(), so readers never see a
 * partial file and a failure leaves the old file untouched. */
struct afile {
	int fd;
	char *tmp;
	const char *path;
};

/* mode is applied exactly (not filtered by the umask). */
int afile_create(struct afile *af, const char *path, mode_t mode, struct tool_err *e);
int afile_write(struct afile *af, const void *p, size_t n, struct tool_err *e);
/* fsync, close, rename; on failure the temporary is removed. */
int afile_commit(struct afile *af, struct tool_err *e);
/* Closes and removes the temporary; safe to call after commit or twice. */
void afile_abort(struct afile *af);

/* The whole of p[0..n) as path, through afile_*: mode exactly. */
int file_write_atomic(const char *path, const void *p, size_t n, mode_t mode,
	struct tool_err *e);

/* 0666 filtered by the process umask: the mode open(2) would give. */
mode_t file_default_mode(void);

#endif
