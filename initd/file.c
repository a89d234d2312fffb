#include <errno.h>
#include <fcntl.h>
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
