/* Bounded reads, streamed hashing and atomic writes. */
#ifndef PCRPREDICT_FILEIO_H
#define PCRPREDICT_FILEIO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "pcr.h"

/* A UKI or an OS package component: 1 GiB is far above any lethe image. */
#define FILE_MAX_BYTES (1u << 30)

/* Reads the regular file at path (at most max bytes) into a malloc'ed
 * buffer with a NUL after the data.  Errors say "unable to read <what> <path>". */
int file_read(const char *path, const char *what, size_t max, uint8_t **out, size_t *len,
	struct pp_err *e);

/* SHA-256 of the regular file at path, streamed (no size limit). */
int file_sha256(const char *path, const char *what, uint8_t out[PCR_BYTES], struct pp_err *e);

/* Writes n bytes to path through a temporary in the same directory and a
 * rename, mode 0644; on failure the temporary is removed and path untouched. */
int file_write_atomic(const char *path, const void *p, size_t n, struct pp_err *e);

#endif
