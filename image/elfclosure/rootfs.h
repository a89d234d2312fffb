/* rootfs: path resolution and file reading confined to one directory.
 *
 * Paths are resolved component by component by us, never by realpath() or
 * by the kernel following links: an absolute link target starts again at
 * the root, ".." stops at the root, and at most ROOTFS_LINKS_MAX links are
 * followed per lookup (the kernel's limit).  Every link followed is reported
 * so that the image can carry it.  The tree is assumed not to be changed
 * while we read it (it is our own staging directory). */
#ifndef ELFCLOSURE_ROOTFS_H
#define ELFCLOSURE_ROOTFS_H

#include <stddef.h>
#include <sys/types.h>

#define ROOTFS_PATH_MAX 4096                 /* bytes, with the NUL */
#define ROOTFS_LINKS_MAX 40
#define ROOTFS_FILE_MAX ((size_t)512 << 20)  /* largest file we read */

struct rootfs {
	int dirfd;
};

/* One symlink followed: its path with every directory before the last
 * component resolved, and its target text as stored. */
struct rootfs_link {
	char *path;
	char *target;
};

struct rootfs_links {
	struct rootfs_link *v;
	size_t n;
	size_t cap;
};

/* Opens dir (a host path) as the root.  Returns 0 or -errno. */
int rootfs_open(struct rootfs *fs, const char *dir);
void rootfs_close(struct rootfs *fs);

/* Resolves the absolute in-root path `path`.  On success writes the
 * resolved path ("/" or "/a/b", no links, no "." or "..") to out, the mode
 * of what it names to *mode, and appends the links followed to links (when
 * not NULL).  Returns 0 or -errno (-ENOENT, -ENOTDIR, -ELOOP, -ENAMETOOLONG,
 * -EINVAL for a relative path, -ENOMEM, or what the system said); on
 * failure links is left as it was. */
int rootfs_resolve(const struct rootfs *fs, const char *path, char out[ROOTFS_PATH_MAX],
		   mode_t *mode, struct rootfs_links *links);

/* Reads the regular file at the resolved path `resolved` into a new buffer
 * (free it) without following a link.  Returns 0, -EFBIG above
 * ROOTFS_FILE_MAX, -EINVAL if it is not a regular file, or -errno. */
int rootfs_read(const struct rootfs *fs, const char *resolved, unsigned char **buf, size_t *len);

void rootfs_links_truncate(struct rootfs_links *links, size_t n);
void rootfs_links_free(struct rootfs_links *links);

#endif
