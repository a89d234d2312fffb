#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "file.h"

/* whole: one more byte must read as the end, or the file is too long */
static long file_read_any(char const *path, char *buf, size_t max, int whole)
{
	size_t n = 0;
	ssize_t r;
	char c;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	long ret;

	if (fd < 0)
		return -errno;
	for (;;) {
		r = n < max ? read(fd, buf + n, max - n) : whole ? read(fd, &c, 1) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			goto out;
		}
		if (r == 0)
			break;
		if (n == max) {
			ret = -EFBIG;
			goto out;
		}
		n += (size_t)r;
	}
	ret = (long)n;
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
