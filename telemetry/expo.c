/* The exposition filter: a small recursive-descent check of one line at a
 * time, no allocation, the output written over the input. */
#include <string.h>

#include "expo.h"

static int expo_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int expo_digit(char c)
{
	return c >= '0' && c <= '9';
}

int expo_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !(expo_alpha(s[0]) || s[0] == ':'))
		return 0;
	for (i = 1; i < n; i++)
		if (!(expo_alpha(s[i]) || expo_digit(s[i]) || s[i] == ':'))
			return 0;
	return 1;
}

/* The end of the name starting at P (before END), P if none. */
static const char *expo_name_end(const char *p, const char *end, int colon)
{
	const char *q = p;

	if (q < end && (expo_alpha(*q) || (colon && *q == ':')))
		for (q++; q < end && (expo_alpha(*q) || expo_digit(*q) || (colon && *q == ':')); q++)
			;
	return q;
}

/* A float as Go's ParseFloat reads the format's values: [+-]digits[.digits]
 * [e[+-]digits], .digits..., [+-]Inf, NaN. */
static int expo_float(const char *s, size_t n)
{
	size_t i = 0, d = 0;

	if (n == 3 && memcmp(s, "NaN", 3) == 0)
		return 1;
	if (n && (s[0] == '+' || s[0] == '-'))
		i++;
	if (n - i == 3 && memcmp(s + i, "Inf", 3) == 0)
		return 1;
	for (; i < n && expo_digit(s[i]); i++)
		d++;
	if (i < n && s[i] == '.')
		for (i++; i < n && expo_digit(s[i]); i++)
			d++;
	if (d == 0)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i == n || !expo_digit(s[i]))
			return 0;
		while (i < n && expo_digit(s[i]))
			i++;
	}
	return i == n;
}

/* A timestamp: an integer of milliseconds, [-]digits. */
static int expo_int(const char *s, size_t n)
{
	size_t i = n && s[0] == '-' ? 1 : 0;

	if (i == n || n - i > 19)
		return 0;
	for (; i < n; i++)
		if (!expo_digit(s[i]))
			return 0;
	return 1;
}

/* "# HELP name text" (text: \\ and \n the only escapes) or "# TYPE name type". */
static size_t expo_comment(const char *s, size_t n)
{
	const char *p = s + 2, *end = s + n, *q;

	if (n < 7 || memcmp(s, "# ", 2) != 0)
		return 0;
	if (memcmp(p, "HELP ", 5) == 0) {
		p += 5;
		q = expo_name_end(p, end, 1);
		if (q == p || (q < end && *q != ' '))
			return 0;
		for (q = q < end ? q + 1 : q; q < end; q++)
			if (*q == '\\' && (++q == end || (*q != '\\' && *q != 'n')))
				return 0;
		return n;
	}
	if (memcmp(p, "TYPE ", 5) == 0) {
		static const char *const types[] = { "counter", "gauge", "histogram", "summary", "untyped" };
		size_t k;

		p += 5;
		q = expo_name_end(p, end, 1);
		if (q == p || q == end || *q != ' ')
			return 0;
		q++;
		for (k = 0; k < sizeof types / sizeof types[0]; k++)
			if ((size_t)(end - q) == strlen(types[k]) && memcmp(q, types[k], (size_t)(end - q)) == 0)
				return n;
	}
	return 0;
}

/* name{label="value",...} value [timestamp]: the length without the timestamp. */
static size_t expo_sample(const char *s, size_t n)
{
	const char *p = s, *end = s + n, *v, *q;

	p = expo_name_end(p, end, 1);
	if (p == s)
		return 0;
	if (p < end && *p == '{') {
		p++;
		while (p < end && *p != '}') {
			q = expo_name_end(p, end, 0);
			if (q == p || q + 1 >= end || q[0] != '=' || q[1] != '"')
				return 0;
			for (p = q + 2; p < end && *p != '"'; p++)
				if (*p == '\\' && (++p == end || (*p != '\\' && *p != '"' && *p != 'n')))
					return 0;
			if (p == end)
				return 0;
			p++; /* the closing quote */
			if (p < end && *p == ',')
				p++;
			else if (p < end && *p != '}')
				return 0;
		}
		if (p == end)
			return 0;
		p++;
	}
	if (p == end || *p != ' ')
		return 0;
	while (p < end && *p == ' ')
		p++;
	v = p;
	while (p < end && *p != ' ')
		p++;
	if (!expo_float(v, (size_t)(p - v)))
		return 0;
	q = p;
	while (q < end && *q == ' ')
		q++;
	if (q == end)
		return (size_t)(p - s);
	if (!expo_int(q, (size_t)(end - q)))
		return 0;
	return (size_t)(p - s);
}

size_t expo_line(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	if (n == 0)
		return 0;
	return s[0] == '#' ? expo_comment(s, n) : expo_sample(s, n);
}

size_t expo_filter(char *buf, size_t len, size_t *dropped)
{
	size_t in = 0, out = 0, keep;
	char *nl;

	*dropped = 0;
	while (in < len) {
		nl = memchr(buf + in, '\n', len - in);
		if (!nl) {
			(*dropped)++;
			break;
		}
		keep = expo_line(buf + in, (size_t)(nl - (buf + in)));
		if (keep) {
			memmove(buf + out, buf + in, keep);
			out += keep;
			buf[out++] = '\n';
		} else if (nl != buf + in) {
			(*dropped)++;
		}
		in = (size_t)(nl - buf) + 1;
	}
	return out;
}
