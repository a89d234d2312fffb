/* files.c: files.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "state.h"

#define FILES_TMP_MAX 96

int files_read(int dirfd, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
	struct stat st;
	uint8_t extra;
	size_t off = 0;
	ssize_t k;
	int fd, r = 0;

	*len = 0;
	/* O_NONBLOCK: a FIFO in place of the file must not hang the boot */
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? -EINVAL : -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > cap) {
		r = -EFBIG;
		goto out;
	}
	while (off < cap) {
		k = read(fd, buf + off, cap - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			goto out;
		}
		if (k == 0)
			break;
		off += (size_t)k;
	}
	/* it may have grown since fstat */
	if (off == cap) {
		do
			k = read(fd, &extra, 1);
		while (k < 0 && errno == EINTR);
		if (k != 0) {
			r = k < 0 ? -errno : -EFBIG;
			goto out;
		}
	}
	*len = off;
out:
	close(fd);
	return r;
}

int files_write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t off = 0;

	while (off < len) {
		ssize_t k = write(fd, p + off, len - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = EIO;
			return -1;
		}
		off += (size_t)k;
	}
	return 0;
}

void files_shred(int dirfd, const char *name)
{
	static const uint8_t zero[4096];
	struct stat st;
	off_t off = 0;
	int fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0) {
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			while (off < st.st_size) {
				size_t n = (size_t)(st.st_size - off) < sizeof zero ? (size_t)(st.st_size - off)
										     : sizeof zero;
				ssize_t k = pwrite(fd, zero, n, off);

				if (k < 0 && errno == EINTR)
					continue;
				if (k <= 0)
					break;
				off += k;
			}
		close(fd);
	}
	unlinkat(dirfd, name, 0);
}

int files_rundir(const char *dir, char *why, size_t whylen)
{
	int fd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		state_why(why, whylen, "unable to create %s: %s", dir, strerror(errno));
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		state_why(why, whylen, "unable to open %s: %s", dir, strerror(errno));
		return -1;
	}
	/* one made by someone else before (initd's rollout) is made private too */
	if (fchmod(fd, 0700) < 0) {
		state_why(why, whylen, "unable to make %s private: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int files_put(int dirfd, const char *dirpath, const char *name, const void *data, size_t len, char *why,
	      size_t whylen)
{
	char tmp[FILES_TMP_MAX];
	int fd;

	if (snprintf(tmp, sizeof tmp, ".%s.tmp", name) >= (int)sizeof tmp) {
		state_why(why, whylen, "unable to write %s/%s: name too long", dirpath, name);
		return -1;
	}
	/* a temporary left by a killed run is ours to replace */
	if (unlinkat(dirfd, tmp, 0) < 0 && errno != ENOENT) {
		state_why(why, whylen, "unable to remove %s/%s: %s", dirpath, tmp, strerror(errno));
		return -1;
	}
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		state_why(why, whylen, "unable to create %s/%s: %s", dirpath, tmp, strerror(errno));
		return -1;
	}
	if (files_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		state_why(why, whylen, "unable to write %s/%s: %s", dirpath, tmp, strerror(errno));
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	if (close(fd) < 0 || renameat(dirfd, tmp, dirfd, name) < 0) {
		state_why(why, whylen, "unable to put %s/%s in place: %s", dirpath, name, strerror(errno));
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	/* the rename itself, durable (a tmpfs on the relay: harmless) */
	fsync(dirfd);
	return 0;
}

int files_remove(int dirfd, const char *dirpath, const char *name, char *why, size_t whylen)
{
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT) {
		state_why(why, whylen, "unable to remove %s/%s: %s", dirpath, name, strerror(errno));
		return -1;
	}
	return 0;
}
