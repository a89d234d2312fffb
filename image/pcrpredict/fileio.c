/* Files, see fileio.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "lethe_exit.h"
#include "fileio.h"

static int open_regular(const char *path, const char *what, struct stat *st, struct pp_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return err_sys(e, errno, "unable to open %s %s", what, path), -1;
	if (fstat(fd, st) < 0) {
		err_sys(e, errno, "unable to stat %s %s", what, path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		err_set(e, LETHE_EXIT_USAGE, "unable to read %s %s: not a regular file", what, path);
		close(fd);
		return -1;
	}
	return fd;
}

int file_read(const char *path, const char *what, size_t max, uint8_t **out, size_t *len,
	struct pp_err *e)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	int fd = open_regular(path, what, &st, e), rc = 0;

	*out = NULL;
	*len = 0;
	if (fd < 0)
		return e->code;
	if ((uint64_t)st.st_size > max) {
		rc = err_set(e, LETHE_EXIT_USAGE, "unable to read %s %s: over %zu bytes", what, path, max);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rc = err_sys(e, ENOMEM, "unable to read %s %s", what, path);
		goto out;
	}
	/* Read one byte past the size stat gave: a file that grows under
	 * us is refused rather than truncated. */
	while (got <= (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size + 1 - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = err_sys(e, errno, "unable to read %s %s", what, path);
			goto out;
		}
		if (!r)
			break;
		got += (size_t)r;
	}
	if (got != (size_t)st.st_size) {
		rc = err_set(e, LETHE_EXIT_TEMP, "unable to read %s %s: size changed", what, path);
		goto out;
	}
	buf[got] = 0;
	*out = buf;
	*len = got;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

int file_sha256(const char *path, const char *what, uint8_t out[PCR_BYTES], struct pp_err *e)
{
	static uint8_t chunk[1 << 16];
	struct stat st;
	EVP_MD_CTX *md = NULL;
	int fd = open_regular(path, what, &st, e), rc = 0;

	if (fd < 0)
		return e->code;
	md = EVP_MD_CTX_new();
	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		rc = err_set(e, LETHE_EXIT_TEMP, "unable to hash %s %s: OpenSSL failed", what, path);
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = err_sys(e, errno, "unable to read %s %s", what, path);
			goto out;
		}
		if (!r)
			break;
		if (!EVP_DigestUpdate(md, chunk, (size_t)r)) {
			rc = err_set(e, LETHE_EXIT_TEMP, "unable to hash %s %s: OpenSSL failed", what, path);
			goto out;
		}
	}
	if (!EVP_DigestFinal_ex(md, out, NULL))
		rc = err_set(e, LETHE_EXIT_TEMP, "unable to hash %s %s: OpenSSL failed", what, path);
out:
	EVP_MD_CTX_free(md);
	close(fd);
	return rc;
}

int file_write_atomic(const char *path, const void *p, size_t n, struct pp_err *e)
{
	char tmp[4096];
	const uint8_t *b = p;
	int fd, k, rc = 0;

	k = snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
	if (k < 0 || (size_t)k >= sizeof tmp)
		return err_set(e, LETHE_EXIT_USAGE, "unable to write %s: path too long", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return err_sys(e, errno, "unable to create a temporary for %s", path);
	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = err_sys(e, errno, "unable to write %s", tmp);
			goto fail;
		}
		b += w;
		n -= (size_t)w;
	}
	if (fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
		rc = err_sys(e, errno, "unable to write %s", tmp);
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		rc = err_sys(e, errno, "unable to write %s", tmp);
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		rc = err_sys(e, errno, "unable to rename %s to %s", tmp, path);
		goto fail;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}
