/* Output files for initd, each replaced atomically in one directory. */
#ifndef CONFIGPULL_OUT_H
#define CONFIGPULL_OUT_H

#include <stddef.h>

#include "err.h"

/* Whether DIR/NAME already holds exactly DATA.  1 same, 0 differs or absent. */
int out_same(const char *dir, const char *name, const char *data, size_t len);

/* Writes DATA to DIR/.NAME.tmp-PID (0640, O_EXCL|O_NOFOLLOW), fsyncs, and
 * renames it over DIR/NAME.  The temporary is removed on every error.
 * 1 ok, 0 with ERR set. */
int out_write(const char *dir, const char *name, const char *data, size_t len, struct cp_err *err);

#endif
