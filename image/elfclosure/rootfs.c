/* rootfs: confined path resolution (see rootfs.h). */
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int rootfs_open(struct rootfs *fs, const char *dir)
{
	fs->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fs->dirfd < 0 ? -errno : 0;
}

void rootfs_close(struct rootfs *fs)
{
	if (fs->dirfd >= 0)
		close(fs->dirfd);
	fs->dirfd = -1;
}

/* The resolved path "/a/b" as a name relative to the root directory. */
static const char *rootfs_rel(const char *resolved)
{
	while (*resolved == '/')
		resolved++;
	return *resolved ? resolved : ".";
}

static int rootfs_links_add(struct rootfs_links *links, const char *path, const char *target)
{
	struct rootfs_link *v;
	size_t cap;

	if (!links)
		return 0;
	if (links->n == links->cap) {
		cap = links->cap ? links->cap * 2 : 16;
		v = realloc(links->v, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		links->v = v;
		links->cap = cap;
	}
	links->v[links->n].path = strdup(path);
	links->v[links->n].target = strdup(target);
	if (!links->v[links->n].path || !links->v[links->n].target) {
		free(links->v[links->n].path);
		free(links->v[links->n].target);
		return -ENOMEM;
	}
	links->n++;
	return 0;
}

void rootfs_links_truncate(struct rootfs_links *links, size_t n)
{
	if (!links)
		return;
	while (links->n > n) {
		links->n--;
		free(links->v[links->n].path);
		free(links->v[links->n].target);
	}
}

void rootfs_links_free(struct rootfs_links *links)
{
	rootfs_links_truncate(links, 0);
	free(links->v);
	links->v = NULL;
	links->cap = 0;
}

/* The state of one lookup: cur is the resolved prefix ("" for the root),
 * rest[pos..] the components still to walk. */
struct rootfs_walk {
	char cur[ROOTFS_PATH_MAX];
	size_t curlen;
	char rest[ROOTFS_PATH_MAX];
	size_t pos;
	int nlinks;
};

/* Replaces the walked part of rest by target: what is left of the path is
 * now walked from the link's target. */
static int rootfs_splice(struct rootfs_walk *w, const char *target, size_t tlen)
{
	char tmp[ROOTFS_PATH_MAX];
	size_t left = strlen(w->rest + w->pos);

	if (tlen + 1 + left >= sizeof tmp)
		return -ENAMETOOLONG;
	memcpy(tmp, target, tlen);
	tmp[tlen] = '/';
	memcpy(tmp + tlen + 1, w->rest + w->pos, left + 1);
	/* No slash after a final link: that would demand a directory. */
	if (!left)
		tmp[tlen] = '\0';
	memcpy(w->rest, tmp, tlen + 1 + left + 1);
	w->pos = 0;
	return 0;
}

static int rootfs_follow(const struct rootfs *fs, struct rootfs_walk *w, size_t parentlen,
			 struct rootfs_links *links)
{
	char target[ROOTFS_PATH_MAX];
	ssize_t n;
	int r;

	if (++w->nlinks > ROOTFS_LINKS_MAX)
		return -ELOOP;
	n = readlinkat(fs->dirfd, rootfs_rel(w->cur), target, sizeof target);
	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof target)
		return -ENAMETOOLONG;
	if (n == 0)
		return -ENOENT;     /* the kernel refuses empty targets too */
	target[n] = '\0';
	r = rootfs_links_add(links, w->cur, target);
	if (r < 0)
		return r;
	/* Absolute targets restart at our root, never at the host's. */
	w->curlen = target[0] == '/' ? 0 : parentlen;
	w->cur[w->curlen] = '\0';
	return rootfs_splice(w, target, (size_t)n);
}

int rootfs_resolve(const struct rootfs *fs, const char *path, char out[ROOTFS_PATH_MAX],
		   mode_t *mode, struct rootfs_links *links)
{
	struct rootfs_walk *w;
	size_t n0 = links ? links->n : 0, clen, parentlen;
	struct stat st;
	int r;

	if (path[0] != '/')
		return -EINVAL;
	if (strlen(path) >= sizeof w->rest)
		return -ENAMETOOLONG;
	w = calloc(1, sizeof *w);
	if (!w)
		return -ENOMEM;
	strcpy(w->rest, path);
	if (fstat(fs->dirfd, &st) < 0) {
		r = -errno;
		goto out;
	}

	for (;;) {
		const char *c;
		size_t slashes = w->pos;

		while (w->rest[w->pos] == '/')
			w->pos++;
		slashes = w->pos - slashes;
		if (!w->rest[w->pos]) {
			/* "file/" names a directory, as for the kernel */
			if (slashes && !S_ISDIR(st.st_mode)) {
				r = -ENOTDIR;
				goto out;
			}
			break;
		}
		c = w->rest + w->pos;
		clen = strcspn(c, "/");
		w->pos += clen;
		if (!S_ISDIR(st.st_mode)) {
			r = -ENOTDIR;
			goto out;
		}
		if (clen == 1 && c[0] == '.')
			continue;
		if (clen == 2 && c[0] == '.' && c[1] == '.') {
			while (w->curlen && w->cur[w->curlen - 1] != '/')
				w->curlen--;
			if (w->curlen)
				w->curlen--;
			w->cur[w->curlen] = '\0';
			/* st must describe cur again: ".." is a directory */
			if (fstatat(fs->dirfd, rootfs_rel(w->cur), &st, AT_SYMLINK_NOFOLLOW) < 0) {
				r = -errno;
				goto out;
			}
			continue;
		}
		if (clen > NAME_MAX) {
			r = -ENAMETOOLONG;
			goto out;
		}
		if (w->curlen + 1 + clen >= sizeof w->cur) {
			r = -ENAMETOOLONG;
			goto out;
		}
		parentlen = w->curlen;
		w->cur[w->curlen++] = '/';
		memcpy(w->cur + w->curlen, c, clen);
		w->curlen += clen;
		w->cur[w->curlen] = '\0';
		if (fstatat(fs->dirfd, rootfs_rel(w->cur), &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			r = rootfs_follow(fs, w, parentlen, links);
			if (r < 0)
				goto out;
			if (fstatat(fs->dirfd, rootfs_rel(w->cur), &st, AT_SYMLINK_NOFOLLOW) < 0) {
				r = -errno;
				goto out;
			}
		}
	}

	if (w->curlen == 0)
		strcpy(out, "/");
	else
		memcpy(out, w->cur, w->curlen + 1);
	*mode = st.st_mode;
	r = 0;
out:
	if (r < 0)
		rootfs_links_truncate(links, n0);
	free(w);
	return r;
}

int rootfs_read(const struct rootfs *fs, const char *resolved, unsigned char **buf, size_t *len)
{
	unsigned char *b = NULL;
	struct stat st;
	size_t size, got = 0;
	ssize_t n;
	int fd, r;

	fd = openat(fs->dirfd, rootfs_rel(resolved),
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	if (st.st_size < 0 || (unsigned long long)st.st_size > ROOTFS_FILE_MAX) {
		r = -EFBIG;
		goto out;
	}
	size = (size_t)st.st_size;
	b = malloc(size ? size : 1);
	if (!b) {
		r = -ENOMEM;
		goto out;
	}
	/* A file that shrinks under us reads short and fails to parse; one
	 * that grows is read only up to the size we checked. */
	while (got < size) {
		n = read(fd, b + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*buf = b;
	*len = got;
	b = NULL;
	r = 0;
out:
	free(b);
	close(fd);
	return r;
}
