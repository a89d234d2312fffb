/* SHA-256 of a file, streamed: OS package archives and initrds are hashed
 * without being held in memory. */
#ifndef PCRPREDICT_FILEHASH_H
#define PCRPREDICT_FILEHASH_H

#include <stdint.h>

#include "err.h"
#include "pcr.h"

/* A UKI or an OS package component: 1 GiB is far above any lethe image. */
#define FILE_MAX_BYTES (1u << 30)

/* SHA-256 of the regular file at path (no size limit). */
int file_sha256(const char *path, const char *what, uint8_t out[PCR_BYTES], struct tool_err *e);

#endif
