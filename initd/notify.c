#include <string.h>

#include "notify.h"

/* Decimal 1..max, no sign or leading zero; 0 if not. */
static uint64_t notify_number(char const *s, size_t len, uint64_t max)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 20 || s[0] == '0')
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		if (v > (max - (uint64_t)(s[i] - '0')) / 10)
			return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	return v;
}

static int notify_is(char const *k, size_t klen, char const *name)
{
	return strlen(name) == klen && memcmp(k, name, klen) == 0;
}

static int notify_line(char const *k, size_t klen, char const *v, size_t vlen,
	struct notify_msg *m)
{
	static struct { char const *name; unsigned flag; } const flags[] = {
		{ "READY", NOTIFY_READY }, { "STOPPING", NOTIFY_STOPPING },
		{ "RELOADING", NOTIFY_RELOADING },
	};
	size_t i;

	for (i = 0; i < sizeof flags / sizeof flags[0]; i++)
		if (notify_is(k, klen, flags[i].name)) {
			if (vlen != 1 || v[0] != '1')
				return -1;
			m->flags |= flags[i].flag;
			return 0;
		}
	if (notify_is(k, klen, "WATCHDOG")) {
		/* "trigger" asks for a watchdog action: not ours to take */
		if (vlen == 1 && v[0] == '1')
			m->flags |= NOTIFY_WATCHDOG;
		else if (!(vlen == 7 && memcmp(v, "trigger", 7) == 0))
			return -1;
		return 0;
	}
	if (notify_is(k, klen, "MAINPID")) {
		m->mainpid = (long)notify_number(v, vlen, 4194304);
		return m->mainpid ? 0 : -1;
	}
	if (notify_is(k, klen, "EXTEND_TIMEOUT_USEC")) {
		/* an hour at most: tor asks for ShutdownWaitLength + 30 s */
		m->extend_usec = notify_number(v, vlen, 3600000000u);
		return m->extend_usec ? 0 : -1;
	}
	if (notify_is(k, klen, "STATUS")) {
		size_t n = vlen < NOTIFY_STATUS_MAX ? vlen : NOTIFY_STATUS_MAX;

		for (i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)v[i];
			m->status[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
		}
		m->status[n] = '\0';
		return 0;
	}
	return 0;
}

int notify_parse(char const *buf, size_t len, struct notify_msg *m)
{
	size_t b = 0;

	memset(m, 0, sizeof *m);
	if (len == 0 || len > NOTIFY_MSG_MAX || memchr(buf, '\0', len))
		goto bad;
	while (b < len) {
		char const *nl = memchr(buf + b, '\n', len - b);
		size_t e = nl ? (size_t)(nl - buf) : len;
		char const *eq = memchr(buf + b, '=', e - b);

		if (e > b) {
			if (!eq || eq == buf + b)
				goto bad;
			if (notify_line(buf + b, (size_t)(eq - buf) - b, eq + 1,
			    e - (size_t)(eq + 1 - buf), m) < 0)
				goto bad;
		}
		b = e + 1;
	}
	return 0;
bad:
	memset(m, 0, sizeof *m);
	return -1;
}
