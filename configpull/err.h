/* One error slot per validation: the first problem found, as one line that
 * names where in the document it is (never echoing control characters). */
#ifndef CONFIGPULL_ERR_H
#define CONFIGPULL_ERR_H

#include <stddef.h>

#define ERR_MAX 256

struct cp_err {
	char msg[ERR_MAX];
};

/* Sets err->msg from a format; returns 0 so callers can `return err_set(...)`. */
int err_set(struct cp_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Copies NAME into OUT (size OUTLEN) if it is a plain identifier, else a
 * placeholder: error messages never carry bytes the server chose freely. */
const char *err_name(const char *name, char *out, size_t outlen);

#endif
