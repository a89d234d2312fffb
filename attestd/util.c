/* util.c: the refusal buffer, hex and bounded file reads, shared by every
 * attestd module. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "attestd.h"

int attest_fail(struct attest_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void attest_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int attest_node_valid(const char *s)
{
	size_t i;

	for (i = 0; i < ATTESTD_NODE_HEX; i++)
		if (hexval(s[i]) < 0)
			return -1;
	return s[i] == '\0' ? 0 : -1;
}

/* Lowercase only: the node id is a file name and a database key, so one
 * spelling each. */
int attest_unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;

	if (strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int attest_read_file(const char *path, void *buf, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	ssize_t r = 0;
	int rc = -1, e;

	if (fd < 0)
		return -1;
	/* One byte more than max tells "exactly max" from "larger". */
	while (n <= max && (r = read(fd, (char *)buf + n, max + 1 - n)) > 0)
		n += (size_t)r;
	if (r < 0)
		goto out;
	if (n > max) {
		rc = -2;
		goto out;
	}
	*len = n;
	rc = 0;
out:
	e = errno;
	close(fd);
	errno = e;
	return rc;
}
