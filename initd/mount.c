#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "log.h"
#include "mount.h"

#define MS_SAFE (MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* Order matters: a target's parent filesystem comes first.  /run keeps exec
 * (the supervisor will run service scripts from there); /dev needs device
 * nodes, so it keeps nodev off.  tmpfs sizes are a share of RAM, which is
 * all the disk this system has. */
struct mount_entry const mount_table[] = {
	{ "proc", "/proc", "proc", MS_SAFE, NULL, 0555 },
	{ "sysfs", "/sys", "sysfs", MS_SAFE, NULL, 0555 },
	{ "securityfs", "/sys/kernel/security", "securityfs", MS_SAFE, NULL, 0755 },
	{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755", 0755 },
	/* ptys (the rescue shell's job control); no tty group in the image */
	{ "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "mode=0620,ptmxmode=0666", 0755 },
	/* nsdelegate: a delegated subtree cannot escape its namespace */
	{ "cgroup2", "/sys/fs/cgroup", "cgroup2", MS_SAFE, "nsdelegate", 0555 },
	{ "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=10%", 0755 },
	{ "tmpfs", "/tmp", "tmpfs", MS_SAFE, "mode=1777,size=20%", 01777 },
};
size_t const mount_table_len = sizeof mount_table / sizeof mount_table[0];

int mount_is_mountpoint(char const *path)
{
	char parent[PATH_MAX];
	struct stat st, pst;
	int n;

	n = snprintf(parent, sizeof parent, "%s/..", path);
	if (n < 0 || (size_t)n >= sizeof parent)
		return 0;
	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || stat(parent, &pst) < 0)
		return 0;
	return st.st_dev != pst.st_dev || st.st_ino == pst.st_ino;
}

/* Returns 0 when e is mounted (now or already), else an errno value. */
static int mount_one(char const *root, struct mount_entry const *e)
{
	char path[PATH_MAX];
	int n;

	n = snprintf(path, sizeof path, "%s%s", root, e->target);
	if (n < 0 || (size_t)n >= sizeof path)
		return ENAMETOOLONG;
	if (mkdir(path, e->dir_mode) < 0 && errno != EEXIST) {
		/* a missing parent (/sys/fs before sysfs shows it, or in a
		 * scratch root): make it once, then the target */
		char *slash = strrchr(path, '/');

		if (errno != ENOENT || !slash || slash == path)
			return errno;
		*slash = 0;
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return errno;
		*slash = '/';
		if (mkdir(path, e->dir_mode) < 0 && errno != EEXIST)
			return errno;
	}
	if (mount_is_mountpoint(path))
		return 0;
	if (mount(e->source, path, e->fstype, e->flags, e->data) < 0 && errno != EBUSY)
		return errno;
	return 0;
}

size_t mount_apply(char const *root, struct mount_entry const *entries, size_t n)
{
	size_t failed = 0, i;

	for (i = 0; i < n; i++) {
		int e = mount_one(root, &entries[i]);

		if (e) {
			log_warn("unable to mount %s on %s: %s", entries[i].fstype,
				entries[i].target, strerror(e));
			failed++;
		}
	}
	return failed;
}

size_t mount_release(char const *root, struct mount_entry const *entries, size_t n)
{
	size_t failed = 0, i;

	/* Reverse order: children before their parents.  A busy filesystem is
	 * detached rather than left mounted: power goes off right after. */
	for (i = n; i-- > 0;) {
		char path[PATH_MAX];
		int k = snprintf(path, sizeof path, "%s%s", root, entries[i].target);

		if (k < 0 || (size_t)k >= sizeof path)
			continue;
		if (umount2(path, 0) == 0 || errno == EINVAL || errno == ENOENT)
			continue;
		if (umount2(path, MNT_DETACH) == 0)
			continue;
		log_warn("unable to unmount %s: %s", entries[i].target, strerror(errno));
		failed++;
	}
	return failed;
}
