/* tlog internals shared by the library's files (not part of the API). */
#ifndef TLOG_TLOG_INT_H
#define TLOG_TLOG_INT_H

#include <stddef.h>
#include <stdint.h>

/* Writes one line into err (truncated to errlen - 1) and returns -1, so a
 * failure is one statement: return tlog_fail(err, errlen, "...", ...). */
int tlog_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));


/* Canonical unsigned decimal: 1..20 digits, no sign, no leading zero
 * ("0" alone allowed), at most 2^64-1. */
int tlog_u64_parse(const char *s, size_t n, uint64_t *v);

#endif
