/* Atomic replacement of output files: write a temporary in the same
 * directory, fsync, rename.  A reader sees the old file or the new one. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "out.h"

#define OUT_READ_MAX ((size_t)512 << 10)

int out_dir_prepare(const char *dir, gid_t gid, struct cp_err *err)
{
	struct stat st;
	int fd, ok = 0;

	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return err_set(err, "unable to create %s: %s", dir, strerror(errno));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, "unable to open directory %s: %s", dir, strerror(errno));
	if (fstat(fd, &st) < 0) {
		err_set(err, "unable to stat %s: %s", dir, strerror(errno));
		goto out;
	}
	/* Someone else's directory could be swapped under us between writes. */
	if (st.st_uid != geteuid()) {
		err_set(err, "unable to use %s: not owned by uid %ld", dir, (long)geteuid());
		goto out;
	}
	if (gid != OUT_GID_NONE) {
		/* setgid: a file created here by anyone lands in GID too. */
		if ((st.st_gid != gid && fchown(fd, (uid_t)-1, gid) < 0) ||
		    ((st.st_mode & 07777) != 02750 && fchmod(fd, 02750) < 0)) {
			err_set(err, "unable to give %s to group %ld: %s", dir, (long)gid, strerror(errno));
			goto out;
		}
	}
	ok = 1;
out:
	close(fd);
	return ok;
}

int out_same(const char *dir, const char *name, gid_t gid, const char *data, size_t len)
{
	char path[PATH_MAX], *buf = NULL;
	struct stat st;
	int fd, same = 0;
	size_t got = 0;

	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size != len ||
	    len > OUT_READ_MAX || (gid != OUT_GID_NONE && st.st_gid != gid) ||
	    (st.st_mode & 07777) != 0640)
		goto out;
	buf = malloc(len ? len : 1);
	if (!buf)
		goto out;
	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto out;
		got += (size_t)r;
	}
	same = memcmp(buf, data, len) == 0;
out:
	free(buf);
	close(fd);
	return same;
}

int out_tmp_write(const char *dir, const char *name, gid_t gid, const char *data, size_t len,
		  char tmp[OUT_PATH_MAX], struct cp_err *err)
{
	size_t done = 0;
	int fd, ok = 0;

	if (snprintf(tmp, OUT_PATH_MAX, "%s/.%s.tmp-%ld", dir, name, (long)getpid()) >= OUT_PATH_MAX)
		return err_set(err, "unable to write %s/%s: path too long", dir, name);
	/* O_EXCL|O_NOFOLLOW: a file or symlink planted at this name is never
	 * followed nor reused; it is not ours, so it is not removed either. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0) {
		err_set(err, "unable to create %s: %s", tmp, strerror(errno));
		tmp[0] = 0;
		return 0;
	}
	/* The instance user reads its torrc through the group: 0640 whatever
	 * the umask, group set before any byte is written. */
	if ((gid != OUT_GID_NONE && fchown(fd, (uid_t)-1, gid) < 0) || fchmod(fd, 0640) < 0)
		goto out;
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto out;
		done += (size_t)w;
	}
	if (fsync(fd) < 0)
		goto out;
	ok = 1;
out:
	if (close(fd) < 0)
		ok = 0;
	if (!ok) {
		err_set(err, "unable to write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		tmp[0] = 0;
	}
	return ok;
}

int out_tmp_commit(const char *dir, const char *name, char tmp[OUT_PATH_MAX], struct cp_err *err)
{
	char path[OUT_PATH_MAX];

	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path || rename(tmp, path) < 0) {
		err_set(err, "unable to replace %s/%s: %s", dir, name, strerror(errno));
		return 0;
	}
	tmp[0] = 0;
	return 1;
}

void out_tmp_discard(char tmp[OUT_PATH_MAX])
{
	if (tmp[0])
		unlink(tmp);
	tmp[0] = 0;
}

int out_replaceable(const char *dir, const char *name, struct cp_err *err)
{
	char path[OUT_PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return err_set(err, "unable to write %s/%s: path too long", dir, name);
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 1 : err_set(err, "unable to stat %s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return err_set(err, "unable to replace %s: a directory is in the way", path);
	return 1;
}

int out_write(const char *dir, const char *name, gid_t gid, const char *data, size_t len,
	      struct cp_err *err)
{
	char tmp[OUT_PATH_MAX];

	if (!out_tmp_write(dir, name, gid, data, len, tmp, err))
		return 0;
	if (!out_tmp_commit(dir, name, tmp, err)) {
		out_tmp_discard(tmp);
		return 0;
	}
	return 1;
}

int out_prune(const char *dir, const char *prefix, const char *const *keep, size_t n, int unlink_them,
	      struct cp_err *err)
{
	size_t plen = strlen(prefix), i;
	const struct dirent *de;
	int found = 0;
	DIR *d = opendir(dir);

	if (!d) {
		if (errno == ENOENT)
			return 0;
		err_set(err, "unable to open directory %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((errno = 0, de = readdir(d))) {
		if (strncmp(de->d_name, prefix, plen) != 0)
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(de->d_name, keep[i]) == 0)
				break;
		if (i < n)
			continue;
		found++;
		if (unlink_them && unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
			err_set(err, "unable to remove %s/%s: %s", dir, de->d_name, strerror(errno));
			found = -1;
			break;
		}
	}
	if (found >= 0 && errno) {
		err_set(err, "unable to read directory %s: %s", dir, strerror(errno));
		found = -1;
	}
	closedir(d);
	return found;
}
