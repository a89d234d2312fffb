#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

/* Up to max bytes; with whole, one byte more must read as the end of the
 * file, or it is too long (-EFBIG). */
static long file_read_any(char const *path, char *buf, size_t max, int whole)
{
	size_t n = 0;
	ssize_t r = 1;
	char c;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	long ret;

	if (fd < 0)
		return -errno;
	while (n < max && (r = read(fd, buf + n, max - n)) != 0) {
		if (r < 0 && errno != EINTR) {
			ret = -errno;
			goto out;
		}
		if (r > 0)
			n += (size_t)r;
	}
	ret = (long)n;
	if (whole && r != 0) {
		/* the buffer is full: the file must end here */
		while ((r = read(fd, &c, 1)) < 0 && errno == EINTR)
			;
		ret = r < 0 ? -errno : r > 0 ? -EFBIG : (long)n;
	}
out:
	close(fd);
	return ret;
}

long file_read(char const *path, char *buf, size_t max)
{
	return file_read_any(path, buf, max, 1);
}

long file_read_head(char const *path, char *buf, size_t max)
{
	return file_read_any(path, buf, max, 0);
}

int file_write(char const *path, char const *buf, size_t len, mode_t mode)
{
	char tmp[FILE_PATH_MAX + 5];
	size_t n = 0;
	ssize_t w;
	int fd, r = 0;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		return -ENAMETOOLONG;
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	while (n < len) {
		w = write(fd, buf + n, len - n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			r = -errno;
			goto fail;
		}
		n += (size_t)w;
	}
	if (fchmod(fd, mode) < 0 || close(fd) < 0) {
		r = -errno;
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		r = -errno;
		goto fail;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r;
}
