/* Error reporting of the image host tools, see err.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lethe_exit.h"
#include "err.h"

int err_set(struct tool_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	e->code = code;
	return code;
}

int err_exit_from_errno(int errnum)
{
	switch (errnum) {
	case ENOMEM:
	case EIO:
	case EAGAIN:
	case EINTR:
	case EMFILE:
	case ENFILE:
	case ENOSPC:
	case EDQUOT:
	case ETIMEDOUT:
		return LETHE_EXIT_TEMP;
	default:
		return LETHE_EXIT_USAGE;
	}
}

int err_sys(struct tool_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(errnum));
	e->code = err_exit_from_errno(errnum);
	return e->code;
}

void err_prefix(struct tool_err *e, const char *fmt, ...)
{
	char old[ERR_MSG_BYTES];
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

const char *err_quote(char *out, size_t cap, const char *s, size_t n)
{
	size_t i, m;

	if (cap < 72) {
		if (cap)
			out[0] = 0;
		return out;
	}
	m = n > 64 ? 64 : n;
	for (i = 0; i < m; i++) {
		unsigned char c = (unsigned char)s[i];
		out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (m < n) {
		memcpy(out + m, "...", 3);
		m += 3;
	}
	out[m] = 0;
	return out;
}
