/* pcrpredict error reporting, see err.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lethe_exit.h"
#include "err.h"

int err_set(struct pp_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	e->code = code;
	return code;
}

int err_sys(struct pp_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(errnum));
	switch (errnum) {
	case ENOMEM: case EIO: case EAGAIN: case EINTR: case EMFILE: case ENFILE:
	case ENOSPC: case EDQUOT:
		e->code = LETHE_EXIT_TEMP;
		break;
	default:
		e->code = LETHE_EXIT_USAGE;
	}
	return e->code;
}

void err_prefix(struct pp_err *e, const char *fmt, ...)
{
	char old[PP_ERR_BYTES];
	va_list ap;
	int n;

	memcpy(old, e->msg, sizeof old);
	va_start(ap, fmt);
	n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof e->msg)
		return;
	snprintf(e->msg + n, sizeof e->msg - (size_t)n, "%s", old);
}
