/* Bounded text buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

int sbuf_catn(struct sbuf *b, const char *s, size_t n)
{
	if (b->overflow)
		return 0;
	if (n > SBUF_CAP - b->len - 1 || b->len >= SBUF_CAP)
		goto full;
	if (b->len + n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 1024;
		char *p;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		if (ncap > SBUF_CAP)
			ncap = SBUF_CAP;
		p = realloc(b->s, ncap);
		if (!p)
			goto full;
		b->s = p;
		b->cap = ncap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
	return 1;
full:
	b->overflow = 1;
	return 0;
}

int sbuf_cat(struct sbuf *b, const char *s)
{
	return sbuf_catn(b, s, strlen(s));
}

int sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp) {
		b->overflow = 1;
		return 0;
	}
	return sbuf_catn(b, tmp, (size_t)n);
}

void sbuf_free(struct sbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
	b->overflow = 0;
}
