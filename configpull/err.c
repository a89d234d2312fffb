/* Error messages: bounded, printable. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int err_set(struct cp_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return 0;
}

const char *err_name(const char *name, char *out, size_t outlen)
{
	size_t i, n = strlen(name);

	if (n == 0 || n >= outlen || n > 64)
		goto bad;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || c == '%'))
			goto bad;
	}
	memcpy(out, name, n + 1);
	return out;
bad:
	snprintf(out, outlen, "(unprintable name)");
	return out;
}
