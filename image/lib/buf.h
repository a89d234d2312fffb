/* A growable byte buffer.  All appends check for size_t overflow; on any
 * failure the buffer is left as it was and errno is ENOMEM. */
#ifndef LETHE_TOOL_BUF_H
#define LETHE_TOOL_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *p;
	size_t len;
	size_t cap;
};

#define BUF_ZERO { NULL, 0, 0 }

int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
void buf_free(struct buf *b);

#endif
