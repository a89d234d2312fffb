/* Log-pipe records: cut, cleaned and checked one line at a time, in a fixed
 * buffer of one line. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "logline.h"
#include "telemetry.h"

#define LOGLINE_MS_MAX 9007199254740992ULL

static int logline_ms(const char *s, size_t n)
{
	unsigned long long v = 0;
	size_t i;

	if (!n || n > 16 || (n > 1 && s[0] == '0'))
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v <= LOGLINE_MS_MAX;
}

/* The contract's grammar, not a list of names: 1 to LETHE_LOG_SOURCE_MAX
 * of [a-z0-9.], a letter first ("initd", "tor.NAME", "configpull", ...). */
static int logline_source(const char *s, size_t n)
{
	size_t i;

	if (!n || n > LETHE_LOG_SOURCE_MAX || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (i = 1; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= '0' && s[i] <= '9') && s[i] != '.')
			return 0;
	return 1;
}

int logline_valid(const char *s, size_t n)
{
	const char *sp, *colon;
	size_t i;

	if (n + 1 > LETHE_LOGLINE_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	sp = memchr(s, ' ', n);
	if (!sp || !logline_ms(s, (size_t)(sp - s)))
		return 0;
	sp++;
	colon = memchr(sp, ':', n - (size_t)(sp - s));
	if (!colon || !logline_source(sp, (size_t)(colon - sp)))
		return 0;
	return (size_t)(colon - s) + 1 < n && colon[1] == ' ';
}

size_t logline_make(char out[LETHE_LOGLINE_MAX], uint64_t now_ms, const char *fmt, ...)
{
	va_list ap;
	int k = snprintf(out, LETHE_LOGLINE_MAX, "%llu telemetry: ", (unsigned long long)now_ms);
	size_t n, i;

	va_start(ap, fmt);
	vsnprintf(out + k, LETHE_LOGLINE_MAX - 1 - (size_t)k, fmt, ap);
	va_end(ap);
	n = strlen(out);
	for (i = (size_t)k; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] > 0x7e)
			out[i] = '?';
	out[n++] = '\n';
	return n;
}

/* The assembled line (l->len bytes, cleaned) as a record to EMIT. */
static void logline_end(struct logline *l, uint64_t now_ms, logline_emit_fn *emit, void *arg)
{
	char out[LETHE_LOGLINE_MAX];
	size_t n = l->len;

	if (n == 0)
		goto out;
	if (logline_valid(l->buf, n)) {
		l->buf[n] = '\n'; /* room: len <= LETHE_LOGLINE_MAX - 1 */
		emit(arg, l->buf, n + 1);
		goto out;
	}
	n = logline_make(out, now_ms, "unframed: %.*s", (int)n, l->buf);
	emit(arg, out, n);
out:
	l->len = 0;
}

void logline_feed(struct logline *l, const char *p, size_t n, uint64_t now_ms, logline_emit_fn *emit, void *arg)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\n') {
			logline_end(l, now_ms, emit, arg);
			continue;
		}
		if (l->len == LETHE_LOGLINE_MAX - 1)
			continue; /* cut: the rest of this line is dropped */
		l->buf[l->len++] = c < 0x20 || c > 0x7e ? '?' : (char)c;
	}
}

void logline_flush(struct logline *l, uint64_t now_ms, logline_emit_fn *emit, void *arg)
{
	logline_end(l, now_ms, emit, arg);
}
