/* Standard base64 (RFC 4648 section 4, "+/" alphabet, "=" padding), the
 * encoding Go's encoding/json uses for []byte. */
#ifndef OSPKG_B64_H
#define OSPKG_B64_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Appends the encoding of p[0..n) to out; -1 with errno ENOMEM on failure. */
int b64_encode(const uint8_t *p, size_t n, struct buf *out);

/* Decodes s[0..n) strictly: length a multiple of 4, alphabet characters
 * only (no whitespace, no line breaks), at most two "=" and only at the
 * end, and unused bits of the last group zero, so every byte string has
 * exactly one accepted encoding.  Go's decoder is laxer (it skips \r and
 * \n and ignores the unused bits); stmgr never writes those forms.
 * On success *out is malloc'd (non-NULL even for empty input) and the
 * caller frees it.  Returns 0, or -1 with errno EINVAL or ENOMEM. */
int b64_decode(const char *s, size_t n, uint8_t **out, size_t *outlen);

#endif
