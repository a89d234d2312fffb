/* Go-compatible JSON string escaping, see gojson.h. */
#include <errno.h>
#include <string.h>

#include "gojson.h"

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid.  The
 * second-byte ranges are those of Go's unicode/utf8 acceptRanges. */
static size_t utf8_seq(const uint8_t *s, size_t n, uint32_t *rune)
{
	uint8_t c = s[0], lo = 0x80, hi = 0xbf;
	size_t len, i;
	uint32_t r;

	if (c < 0x80) {
		*rune = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		r = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		r = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		r = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	r = r << 6 | (s[1] & 0x3f);
	for (i = 2; i < len; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
		r = r << 6 | (s[i] & 0x3f);
	}
	*rune = r;
	return len;
}

int gojson_utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint32_t r;
		size_t k = utf8_seq(s + i, n - i, &r);

		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

/* Escape for one ASCII byte into esc, returning its length, or 0 if the
 * byte is written verbatim. */
static size_t ascii_escape(uint8_t c, char esc[6])
{
	static const char hex[] = "0123456789abcdef";
	char short_form = 0;

	switch (c) {
	case '"':
	case '\\':
		short_form = (char)c;
		break;
	case '\b':
		short_form = 'b';
		break;
	case '\f':
		short_form = 'f';
		break;
	case '\n':
		short_form = 'n';
		break;
	case '\r':
		short_form = 'r';
		break;
	case '\t':
		short_form = 't';
		break;
	case '<':
	case '>':
	case '&':
		break;
	default:
		if (c >= 0x20)
			return 0;
		break;
	}
	esc[0] = '\\';
	if (short_form) {
		esc[1] = short_form;
		return 2;
	}
	esc[1] = 'u';
	esc[2] = '0';
	esc[3] = '0';
	esc[4] = hex[c >> 4];
	esc[5] = hex[c & 15];
	return 6;
}

int gojson_append_string(struct buf *out, const uint8_t *s, size_t n)
{
	size_t i = 0, start = 0, mark = out->len;

	if (buf_putc(out, '"') < 0)
		return -1;
	while (i < n) {
		char esc[6];
		size_t elen = 0, k = 1;
		uint32_t r;

		if (s[i] < 0x80) {
			elen = ascii_escape(s[i], esc);
		} else {
			k = utf8_seq(s + i, n - i, &r);
			if (!k) {
				out->len = mark;
				errno = EILSEQ;
				return -1;
			}
			if (r == 0x2028 || r == 0x2029) {
				memcpy(esc, r == 0x2028 ? "\\u2028" : "\\u2029", 6);
				elen = 6;
			}
		}
		if (elen) {
			if (buf_append(out, s + start, i - start) < 0 ||
			    buf_append(out, esc, elen) < 0)
				goto nomem;
			start = i + k;
		}
		i += k;
	}
	if (buf_append(out, s + start, n - start) < 0 || buf_putc(out, '"') < 0)
		goto nomem;
	return 0;
nomem:
	out->len = mark;
	errno = ENOMEM;
	return -1;
}
