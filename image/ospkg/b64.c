/* Strict standard base64, see b64.h. */
#include <errno.h>
#include <stdlib.h>

#include "b64.h"

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_encode(const uint8_t *p, size_t n, struct buf *out)
{
	size_t groups = n / 3 + (n % 3 != 0), i;
	uint8_t *q;

	if (groups > (SIZE_MAX - 1) / 4 || buf_reserve(out, groups * 4) < 0) {
		errno = ENOMEM;
		return -1;
	}
	q = out->p + out->len;
	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		*q++ = (uint8_t)b64_alphabet[v >> 18];
		*q++ = (uint8_t)b64_alphabet[(v >> 12) & 63];
		*q++ = (uint8_t)b64_alphabet[(v >> 6) & 63];
		*q++ = (uint8_t)b64_alphabet[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;

		*q++ = (uint8_t)b64_alphabet[v >> 18];
		*q++ = (uint8_t)b64_alphabet[(v >> 12) & 63];
		*q++ = '=';
		*q++ = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;

		*q++ = (uint8_t)b64_alphabet[v >> 18];
		*q++ = (uint8_t)b64_alphabet[(v >> 12) & 63];
		*q++ = (uint8_t)b64_alphabet[(v >> 6) & 63];
		*q++ = '=';
	}
	out->len = (size_t)(q - out->p);
	return 0;
}

/* Value of one alphabet character, or -1. */
static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int b64_decode(const char *s, size_t n, uint8_t **out, size_t *outlen)
{
	size_t pad = 0, i, o = 0;
	uint8_t *q;

	*out = NULL;
	*outlen = 0;
	if (n % 4) {
		errno = EINVAL;
		return -1;
	}
	if (n && s[n - 1] == '=')
		pad = (n >= 2 && s[n - 2] == '=') ? 2 : 1;
	q = malloc(n / 4 * 3 + 1);
	if (!q) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < n; i += 4) {
		int v[4], k, last = (i + 4 == n);
		uint32_t w;

		for (k = 0; k < 4; k++) {
			if (last && k >= 4 - (int)pad) {
				v[k] = 0;
				continue;
			}
			v[k] = b64_value((unsigned char)s[i + (size_t)k]);
			if (v[k] < 0)
				goto bad;
		}
		w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
			(uint32_t)v[3];
		q[o++] = (uint8_t)(w >> 16);
		if (last && pad == 2) {
			if (w & 0xffff)
				goto bad;
			break;
		}
		q[o++] = (uint8_t)(w >> 8);
		if (last && pad == 1) {
			if (w & 0xff)
				goto bad;
			break;
		}
		q[o++] = (uint8_t)w;
	}
	*out = q;
	*outlen = o;
	return 0;
bad:
	free(q);
	errno = EINVAL;
	return -1;
}
