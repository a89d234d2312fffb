/* A growing text buffer with a hard cap: rendered files are small, and a
 * document that would render past the cap is refused, not truncated. */
#ifndef CONFIGPULL_SBUF_H
#define CONFIGPULL_SBUF_H

#include <stddef.h>

#define SBUF_CAP ((size_t)256 << 10)

struct sbuf {
	char *s;
	size_t len;
	size_t cap;
	int overflow;
};

#define SBUF_ZERO { 0, 0, 0, 0 }

/* Appends; on allocation failure or past SBUF_CAP sets overflow and returns 0. */
int sbuf_cat(struct sbuf *b, const char *s);
int sbuf_catn(struct sbuf *b, const char *s, size_t n);
int sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_free(struct sbuf *b);

#endif
