/* Bounded file reads and atomic file replacement, see fileio.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lethe_exit.h"
#include "fileio.h"

int file_open_regular(const char *path, const char *what, uint64_t *size,
	struct tool_err *e)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		err_sys(e, errno, "unable to open %s %s", what, path);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		err_sys(e, errno, "unable to stat %s %s", what, path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, LETHE_EXIT_USAGE, "unable to read %s %s: not a regular file",
			what, path);
		close(fd);
		return -1;
	}
	*size = (uint64_t)st.st_size;
	return fd;
}

/* Reads until EOF into dst[0..cap); one extra byte of room tells "exactly
 * cap" from "more than cap". */
static int read_bounded(int fd, const char *path, const char *what, uint8_t *dst,
	size_t cap, size_t max, size_t *len, struct tool_err *e)
{
	size_t got = 0;

	for (;;) {
		ssize_t r;

		if (got == cap)
			break;
		r = read(fd, dst + got, cap - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return err_sys(e, errno, "unable to read %s %s", what, path);
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got > max)
			return err_set(e, LETHE_EXIT_USAGE,
				"unable to read %s %s: larger than %zu bytes", what, path, max);
	}
	*len = got;
	return 0;
}

int file_read(const char *path, const char *what, size_t max, struct buf *out,
	struct tool_err *e)
{
	uint64_t size;
	int fd, rc;

	out->len = 0;
	fd = file_open_regular(path, what, &size, e);
	if (fd < 0)
		return e->code;
	if (size > max) {
		rc = err_set(e, LETHE_EXIT_USAGE, "unable to read %s %s: larger than %zu bytes",
			what, path, max);
		goto out;
	}
	/* The size is a hint: a file that grows while we read is still bounded
	 * by max, it just costs a reallocation. */
	if (buf_reserve(out, (size_t)size + 1) < 0) {
		rc = err_sys(e, errno, "unable to read %s %s", what, path);
		goto out;
	}
	for (;;) {
		size_t got;

		rc = read_bounded(fd, path, what, out->p + out->len, out->cap - out->len,
			max - out->len, &got, e);
		if (rc)
			goto out;
		out->len += got;
		if (out->len < out->cap)
			break;
		if (out->len > max) {
			rc = err_set(e, LETHE_EXIT_USAGE,
				"unable to read %s %s: larger than %zu bytes", what, path, max);
			goto out;
		}
		if (buf_reserve(out, 65536) < 0) {
			rc = err_sys(e, errno, "unable to read %s %s", what, path);
			goto out;
		}
	}
	out->p[out->len] = 0; /* the loop ends with len < cap */
	rc = 0;
out:
	close(fd);
	return rc;
}

int file_read_fixed(const char *path, const char *what, uint8_t *dst, size_t cap,
	size_t *len, struct tool_err *e)
{
	uint64_t size;
	int fd, rc;

	*len = 0;
	if (cap < 2)
		return err_set(e, LETHE_EXIT_USAGE, "unable to read %s %s: no room", what, path);
	fd = file_open_regular(path, what, &size, e);
	if (fd < 0)
		return e->code;
	if (size > cap - 1)
		rc = err_set(e, LETHE_EXIT_USAGE, "unable to read %s %s: larger than %zu bytes",
			what, path, cap - 1);
	else
		rc = read_bounded(fd, path, what, dst, cap, cap - 1, len, e);
	close(fd);
	return rc;
}

mode_t file_default_mode(void)
{
	mode_t mask = umask(0);

	umask(mask);
	return 0666 & ~mask;
}

int afile_create(struct afile *af, const char *path, mode_t mode, struct tool_err *e)
{
	static const char suffix[] = ".tmpXXXXXX";
	size_t n = strlen(path);

	af->fd = -1;
	af->path = path;
	af->tmp = malloc(n + sizeof suffix);
	if (!af->tmp)
		return err_sys(e, ENOMEM, "unable to create %s", path);
	memcpy(af->tmp, path, n);
	memcpy(af->tmp + n, suffix, sizeof suffix);
	af->fd = mkostemp(af->tmp, O_CLOEXEC);
	if (af->fd < 0) {
		int rc = err_sys(e, errno, "unable to create temporary file for %s", path);

		free(af->tmp);
		af->tmp = NULL;
		return rc;
	}
	if (fchmod(af->fd, mode) < 0) {
		int rc = err_sys(e, errno, "unable to set mode of %s", af->tmp);

		afile_abort(af);
		return rc;
	}
	return 0;
}

int afile_write(struct afile *af, const void *p, size_t n, struct tool_err *e)
{
	const uint8_t *q = p;

	while (n) {
		ssize_t w = write(af->fd, q, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return err_sys(e, errno, "unable to write %s", af->tmp);
		}
		q += w;
		n -= (size_t)w;
	}
	return 0;
}

int afile_commit(struct afile *af, struct tool_err *e)
{
	int rc = 0;

	if (fsync(af->fd) < 0) {
		rc = err_sys(e, errno, "unable to sync %s", af->tmp);
		goto fail;
	}
	if (close(af->fd) < 0) {
		af->fd = -1;
		rc = err_sys(e, errno, "unable to close %s", af->tmp);
		goto fail;
	}
	af->fd = -1;
	if (rename(af->tmp, af->path) < 0) {
		rc = err_sys(e, errno, "unable to rename %s to %s", af->tmp, af->path);
		goto fail;
	}
	free(af->tmp);
	af->tmp = NULL;
	return 0;
fail:
	afile_abort(af);
	return rc;
}

void afile_abort(struct afile *af)
{
	if (af->fd >= 0) {
		close(af->fd);
		af->fd = -1;
	}
	if (af->tmp) {
		unlink(af->tmp);
		free(af->tmp);
		af->tmp = NULL;
	}
}

int file_write_atomic(const char *path, const void *p, size_t n, mode_t mode,
	struct tool_err *e)
{
	struct afile af;
	int rc = afile_create(&af, path, mode, e);

	if (!rc)
		rc = afile_write(&af, p, n, e);
	if (!rc)
		rc = afile_commit(&af, e);
	afile_abort(&af);
	return rc;
}
