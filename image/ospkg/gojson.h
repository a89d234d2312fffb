/* JSON string output byte-identical to Go's encoding/json (Go >= 1.22, the
 * versions stmgr v0.6 needs), so our manifest and descriptor are what
 * json.MarshalIndent would write for the same values. */
#ifndef OSPKG_GOJSON_H
#define OSPKG_GOJSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* 1 if s[0..n) is valid UTF-8 as Go's utf8.DecodeRune defines it (no
 * overlong forms, no surrogates, nothing above U+10FFFF), else 0. */
int gojson_utf8_valid(const uint8_t *s, size_t n);

/* Appends s[0..n) as a quoted JSON string, escaped as Go does with HTML
 * escaping on (its default): \" \\ \b \f \n \r \t, other bytes below 0x20
 * and < > & as \u00xx (lower-case hex), U+2028 and U+2029 as \u2028 and
 * \u2029; everything else, DEL and non-ASCII included, verbatim.  Go
 * would silently replace invalid UTF-8 by \ufffd; we refuse it instead
 * (-1, errno EILSEQ) so a string never changes on its way into a
 * signed file.  -1 with errno ENOMEM if out cannot grow. */
int gojson_append_string(struct buf *out, const uint8_t *s, size_t n);

#endif
