/* SHA-256, the hash stboot signs: the 32 raw bytes over the zip file. */
#ifndef OSPKG_DIGEST_H
#define OSPKG_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define DIGEST_BYTES 32u
#define DIGEST_HEX_BYTES 65u

int digest_sha256(const uint8_t *p, size_t n, uint8_t out[DIGEST_BYTES]);

/* Streams the file at path through SHA-256 (no size limit). */
int digest_sha256_file(const char *path, uint8_t out[DIGEST_BYTES], struct tool_err *e);

/* Lower-case hex, NUL-terminated. */
void digest_hex(const uint8_t d[DIGEST_BYTES], char out[DIGEST_HEX_BYTES]);

#endif
