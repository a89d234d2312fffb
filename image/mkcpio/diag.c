/* Fatal diagnostics: the message and the exit code travel together. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "lethe_exit.h"

#include "diag.h"

void diag_set(struct diag *d, int code, char const *fmt, ...)
{
	va_list ap;

	if (d->code != 0)
		return;
	d->code = code;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof d->msg, fmt, ap);
	va_end(ap);
}

int diag_errno_code(int e)
{
	switch (e) {
	case EINTR:
	case EAGAIN:
	case EIO:
	case ENOMEM:
	case ENOBUFS:
	case EMFILE:
	case ENFILE:
	case ENOSPC:
	case EDQUOT:
		return LETHE_EXIT_TEMP;
	default:
		return LETHE_EXIT_USAGE;
	}
}
