/* logs.c: a batch of log-pipe records checked line by line (logs.h). */
#include <string.h>

#include "logs.h"

#define LOGS_MS_MAX 9007199254740992ULL /* 2^53, as the report's integers */

/* UNIX_MS at s (n bytes before the space): 0 or -1. */
static int logs_ms(const char *s, size_t n)
{
	unsigned long long v = 0;
	size_t i;

	if (!n || n > 16 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v <= LOGS_MS_MAX ? 0 : -1;
}

/* SOURCE at s (n bytes before ": "), the contract's grammar rather than
 * a list of names, so that a service a newer image adds is not refused:
 * 0 or -1. */
static int logs_source(const char *s, size_t n)
{
	size_t i;

	if (!n || n > LETHE_LOG_SOURCE_MAX || s[0] < 'a' || s[0] > 'z')
		return -1;
	for (i = 1; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= '0' && s[i] <= '9') && s[i] != '.')
			return -1;
	return 0;
}

/* One line of n bytes, its newline not included: 0 or -1 with the reason. */
static int logs_line(const char *s, size_t n, size_t no, struct reportd_err *err)
{
	const char *sp, *colon;
	size_t i;

	if (n + 1 > LETHE_LOGLINE_MAX)
		return reportd_fail(err, "logs: line %zu: longer than %d bytes", no, LETHE_LOGLINE_MAX);
	for (i = 0; i < n; i++)
		if (!reportd_printable((unsigned char)s[i]))
			return reportd_fail(err, "logs: line %zu: byte %zu is not printable ASCII", no, i + 1);
	sp = memchr(s, ' ', n);
	if (!sp || logs_ms(s, (size_t)(sp - s)))
		return reportd_fail(err, "logs: line %zu: no UNIX_MS (decimal milliseconds) first", no);
	sp++;
	colon = memchr(sp, ':', n - (size_t)(sp - s));
	if (!colon || logs_source(sp, (size_t)(colon - sp)))
		return reportd_fail(err, "logs: line %zu: no SOURCE (1-%d of [a-z0-9.], a letter first) after UNIX_MS",
				    no, LETHE_LOG_SOURCE_MAX);
	if ((size_t)(colon - s) + 1 >= n || colon[1] != ' ')
		return reportd_fail(err, "logs: line %zu: no ': ' after SOURCE", no);
	return 0;
}

int logs_check(const char *body, size_t len, size_t *lines, struct reportd_err *err)
{
	const char *p = body, *end = body + len, *nl;
	size_t no = 0;

	*lines = 0;
	if (len > LETHE_LOGS_BATCH_MAX)
		return reportd_fail(err, "logs: larger than %d bytes", LETHE_LOGS_BATCH_MAX);
	if (!len)
		return reportd_fail(err, "logs: empty batch");
	while (p < end) {
		no++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return reportd_fail(err, "logs: line %zu: no newline at its end", no);
		if (logs_line(p, (size_t)(nl - p), no, err))
			return -1;
		p = nl + 1;
	}
	*lines = no;
	return 0;
}
