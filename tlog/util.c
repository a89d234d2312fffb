/* Small strict helpers every tlog parser shares. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "tlog.h"
#include "tlog_int.h"

int tlog_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int tlog_b64_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *len)
{
	const char *end = NULL;
	size_t i;

	/* libsodium stops at the first byte outside the alphabet and accepts
	 * the prefix: the whole input must be consumed, else "YQ==x" would
	 * pass.  It already refuses missing padding and non-zero pad bits, so
	 * every value has exactly one accepted encoding. */
	if (n == 0 || n % 4 || n / 4 * 3 > cap + 2)
		return -1;
	/* libsodium's decoder reads a byte with the high bit set as the
	 * ASCII character of its low seven bits (0xaf as '/'): a second
	 * spelling of the same bytes, so the alphabet is checked here. */
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
		      c == '/' || (c == '=' && i + 2 >= n)))
			return -1;
	}
	if (sodium_base642bin(out, cap, s, n, NULL, len, &end, sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	return end == s + n ? 0 : -1;
}

int tlog_u64_parse(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

int tlog_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > TLOG_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '+')
			return 0;
	return 1;
}
