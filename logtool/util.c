/* Messages, bounded file reads and the two ways lethe-log writes files:
 * atomically replaced (the checkpoint, the monitor's state) and written
 * once (tiles and entry bundles, which never change). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lt.h"

unsigned long lt_files_read, lt_files_written;

int lt_fail(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s: ", PROG, code == LETHE_EXIT_REFUSED ? "refused" : "fatal");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

void lt_warn(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: warning: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int lt_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

int lt_read_file(const char *path, uint8_t *buf, size_t cap, size_t *len, int *missing)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t n = 0;
	ssize_t r;

	if (missing)
		*missing = 0;
	if (fd < 0) {
		if (errno == ENOENT && missing) {
			*missing = 1;
			return 0;
		}
		return lt_fail(errno == ENOENT ? LETHE_EXIT_USAGE : LETHE_EXIT_TEMP, "unable to open %s: %s",
			       path, strerror(errno));
	}
	/* One byte more than allowed tells "too large" from "exactly cap". */
	for (;;) {
		uint8_t extra;

		r = n < cap ? read(fd, buf + n, cap - n) : read(fd, &extra, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			return lt_fail(LETHE_EXIT_TEMP, "unable to read %s: %s", path, strerror(errno));
		}
		if (r == 0)
			break;
		if (n == cap) {
			close(fd);
			return lt_fail(LETHE_EXIT_USAGE, "%s: over %zu bytes", path, cap);
		}
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* A new file next to PATH holding BUF, synced; its name in tmp. */
static int write_tmp(const char *path, const void *buf, size_t len, int mode, char *tmp, size_t cap)
{
	int fd;

	if ((size_t)snprintf(tmp, cap, "%s.tmp.%ld", path, (long)getpid()) >= cap)
		return lt_fail(LETHE_EXIT_USAGE, "path too long: %s", path);
	unlink(tmp);  /* a leftover of a crashed run of ours */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return lt_fail(LETHE_EXIT_TEMP, "unable to create %s: %s", tmp, strerror(errno));
	if (write_all(fd, buf, len) || fsync(fd)) {
		int e = errno;

		close(fd);
		unlink(tmp);
		return lt_fail(LETHE_EXIT_TEMP, "unable to write %s: %s", tmp, strerror(e));
	}
	close(fd);
	return 0;
}

int lt_write_atomic(const char *path, const void *buf, size_t len, int mode)
{
	char tmp[LT_PATH_MAX + 32];
	int rc = write_tmp(path, buf, len, mode, tmp, sizeof tmp);

	if (rc)
		return rc;
	if (rename(tmp, path)) {
		int e = errno;

		unlink(tmp);
		return lt_fail(LETHE_EXIT_TEMP, "unable to rename %s to %s: %s", tmp, path, strerror(e));
	}
	lt_files_written++;
	return 0;
}

int lt_mkdirs(const char *dir)
{
	char p[LT_PATH_MAX];
	size_t i, n = strlen(dir);

	if (n >= sizeof p)
		return lt_fail(LETHE_EXIT_USAGE, "path too long: %s", dir);
	memcpy(p, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != 0)
			continue;
		p[i] = 0;
		if (mkdir(p, 0755) && errno != EEXIST)
			return lt_fail(LETHE_EXIT_TEMP, "unable to create %s: %s", p, strerror(errno));
		p[i] = i < n ? '/' : 0;
	}
	return 0;
}

int lt_write_once(const char *path, const void *buf, size_t len)
{
	static uint8_t old[BUNDLE_MAX + 1];
	char tmp[LT_PATH_MAX + 32], dir[LT_PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n;
	int rc, missing;

	if (slash) {
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
		if ((rc = lt_mkdirs(dir)))
			return rc;
	}
	if ((rc = write_tmp(path, buf, len, 0644, tmp, sizeof tmp)))
		return rc;
	/* link() never replaces: the one way to create a file that must not
	 * already exist without a window where it exists half-written. */
	if (link(tmp, path) == 0) {
		unlink(tmp);
		lt_files_written++;
		return 0;
	}
	rc = errno;
	unlink(tmp);
	if (rc != EEXIST)
		return lt_fail(LETHE_EXIT_TEMP, "unable to link %s: %s", path, strerror(rc));
	if ((rc = lt_read_file(path, old, sizeof old, &n, &missing)))
		return rc;
	if (missing || n != len || memcmp(old, buf, len) != 0)
		return lt_fail(LETHE_EXIT_REFUSED, "log directory inconsistent: %s exists with other content",
			       path);
	return 0;
}

int lt_load_vkey(const char *path, struct tlog_vkey *k)
{
	uint8_t buf[512];
	char err[256];
	size_t n;
	int rc;

	if (!path)
		return lt_fail(LETHE_EXIT_USAGE, "--pub PUBFILE is required");
	if ((rc = lt_read_file(path, buf, sizeof buf, &n, NULL)))
		return rc;
	if (tlog_vkey_parse((const char *)buf, n, k, err, sizeof err))
		return lt_fail(LETHE_EXIT_USAGE, "%s: %s", path, err);
	return 0;
}
