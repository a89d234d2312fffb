/* The early filesystems PID 1 mounts before anything else runs. */
#ifndef INITD_MOUNT_H
#define INITD_MOUNT_H

#include <stddef.h>
#include <sys/types.h>

struct mount_entry {
	char const *source;
	char const *target; /* absolute; the parent comes earlier in the table */
	char const *fstype;
	unsigned long flags;
	char const *data;   /* filesystem options, or NULL */
	mode_t dir_mode;    /* for creating target when it is missing */
};

extern struct mount_entry const mount_table[];
extern size_t const mount_table_len;

/* Nonzero when path is the root of a mount: its device differs from its
 * parent's, or it is its own parent ("/").  A bind mount of a directory of
 * the same filesystem is not seen; the early table has none. */
int mount_is_mountpoint(char const *path);

/* Mounts entries[0..n) under root ("" for the real root; a directory
 * prefix for tests), creating each target directory if it is missing.  A
 * target already mounted (or EBUSY) counts as done.  Logs one warning per
 * entry that fails and goes on with the next: PID 1 does not give up on
 * the rest of the table.  Returns the number of entries that failed. */
size_t mount_apply(char const *root, struct mount_entry const *entries, size_t n);

/* Unmounts entries[0..n) under root in reverse order, at shutdown; what is
 * busy is detached (MNT_DETACH).  Not mounted (EINVAL) counts as done.
 * Returns the number of entries that could not be unmounted. */
size_t mount_release(char const *root, struct mount_entry const *entries, size_t n);

#endif
