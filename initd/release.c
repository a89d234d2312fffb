#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "release.h"

#define RELEASE_KEY_MAX 32
#define RELEASE_VALUE_MAX 255
/* 2^63-1 has 19 digits. */
#define RELEASE_EPOCH_DIGITS_MAX 19

static int release_fail(struct release_error *err, size_t line, char const *what)
{
	err->line = line;
	err->what = what;
	return -EINVAL;
}

static int release_is_key_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Printable, and nothing a shell or an os-release reader would treat
 * specially: the file is also sourced by scripts. */
static int release_is_value_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !strchr("\"'\\`$", c);
}

static int release_is_version_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9') || (c != 0 && strchr("._+~-", c));
}

static int release_parse_version(char const *v, size_t len, struct release *rel)
{
	size_t i;

	if (len == 0 || len > RELEASE_VERSION_MAX)
		return -1;
	for (i = 0; i < len; i++)
		if (!release_is_version_char((unsigned char)v[i]))
			return -1;
	memcpy(rel->version, v, len);
	rel->version[len] = 0;
	return 0;
}

static int release_parse_epoch(char const *v, size_t len, struct release *rel)
{
	uint64_t n = 0;
	size_t i;

	if (len == 0 || len > RELEASE_EPOCH_DIGITS_MAX)
		return -1;
	if (len > 1 && v[0] == '0')
		return -1;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (v[i] < '0' || v[i] > '9')
			return -1;
		d = (unsigned)(v[i] - '0');
		if (n > ((uint64_t)INT64_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	rel->epoch = n;
	return 0;
}

/* Comments may hold any printable text, tabs included. */
static int release_check_comment(char const *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c >= 0x7f)
			return -1;
	}
	return 0;
}

int release_parse(char const *buf, size_t len, struct release *rel,
	struct release_error *err)
{
	int have_version = 0, have_epoch = 0;
	size_t lineno = 0, pos = 0;

	err->line = 0;
	err->what = NULL;
	if (len > RELEASE_FILE_BYTES)
		return release_fail(err, 0, "file too large");

	while (pos < len) {
		char const *line = buf + pos;
		char const *nl = memchr(line, '\n', len - pos);
		size_t linelen = nl ? (size_t)(nl - line) : len - pos;
		size_t klen = 0, vlen;
		char const *value;

		pos += linelen + (nl ? 1 : 0);
		lineno++;
		if (linelen == 0)
			continue;
		if (line[0] == '#') {
			if (release_check_comment(line, linelen) < 0)
				return release_fail(err, lineno, "bad character in comment");
			continue;
		}
		while (klen < linelen && release_is_key_char((unsigned char)line[klen]))
			klen++;
		if (klen == 0 || klen == linelen || line[klen] != '=')
			return release_fail(err, lineno, "expected KEY=value");
		if (klen > RELEASE_KEY_MAX)
			return release_fail(err, lineno, "key too long");
		value = line + klen + 1;
		vlen = linelen - klen - 1;
		if (vlen > RELEASE_VALUE_MAX)
			return release_fail(err, lineno, "value too long");
		for (size_t i = 0; i < vlen; i++)
			if (!release_is_value_char((unsigned char)value[i]))
				return release_fail(err, lineno, "bad character in value");

		if (klen == sizeof "LETHE_VERSION" - 1 && !memcmp(line, "LETHE_VERSION", klen)) {
			if (have_version)
				return release_fail(err, lineno, "LETHE_VERSION given twice");
			if (release_parse_version(value, vlen, rel) < 0)
				return release_fail(err, lineno, "bad LETHE_VERSION");
			have_version = 1;
		} else if (klen == sizeof "LETHE_EPOCH" - 1 && !memcmp(line, "LETHE_EPOCH", klen)) {
			if (have_epoch)
				return release_fail(err, lineno, "LETHE_EPOCH given twice");
			if (release_parse_epoch(value, vlen, rel) < 0)
				return release_fail(err, lineno, "bad LETHE_EPOCH");
			have_epoch = 1;
		}
	}
	if (!have_version)
		return release_fail(err, 0, "no LETHE_VERSION");
	if (!have_epoch)
		return release_fail(err, 0, "no LETHE_EPOCH");
	return 0;
}

int release_load(char const *path, struct release *rel, struct release_error *err)
{
	/* One byte more than allowed, to tell "exactly full" from "too big". */
	char buf[RELEASE_FILE_BYTES + 1];
	size_t len = 0;
	struct stat st;
	int fd, r;

	err->line = 0;
	err->what = NULL;
	fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = release_fail(err, 0, "not a regular file");
		goto out;
	}
	while (len < sizeof buf) {
		ssize_t n = read(fd, buf + len, sizeof buf - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	r = release_parse(buf, len, rel, err);
out:
	close(fd);
	return r;
}
