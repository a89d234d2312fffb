/* util.c: the refusal buffer and node ids, shared by every reportd module. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "reportd.h"

int reportd_fail(struct reportd_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int reportd_node_valid(const char *s)
{
	size_t i;

	for (i = 0; i < REPORTD_NODE_HEX; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return -1;
	return s[i] == '\0' ? 0 : -1;
}

void reportd_sanitize(const char *s, size_t max, char *out)
{
	size_t i;

	for (i = 0; i < max && s[i]; i++)
		out[i] = reportd_printable((unsigned char)s[i]) ? s[i] : '?';
	out[i] = '\0';
}
