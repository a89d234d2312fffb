/* Files lethe-state reads and writes outside the DataDirectories: bounded
 * reads that never follow a symlink or block on a FIFO, and whole-file
 * replacement (temporary, fsync, rename) in its run directory. */
#ifndef STATE_FILES_H
#define STATE_FILES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads NAME under DIRFD (AT_FDCWD: a path) whole into BUF (CAP bytes):
 * 0 and *LEN; -ENOENT absent; -EFBIG more than CAP bytes; -EINVAL not a
 * regular file; -errno otherwise. */
int files_read(int dirfd, const char *name, uint8_t *buf, size_t cap, size_t *len);

/* Overwrites NAME under DIRFD with zeros, then unlinks it (a temporary
 * that held plaintext state: tmpfs pages keep their bytes until reused). */
void files_shred(int dirfd, const char *name);

/* DIR (LETHE_STATE_RUN): made if missing, opened (never through a
 * symlink) and made 0700.  The descriptor, or -1 with a reason. */
int files_rundir(const char *dir, char *why, size_t whylen);

/* Replaces NAME under DIRFD (named DIRPATH in reasons) with the LEN
 * bytes at DATA, mode 0600: a temporary ".NAME.tmp" written, fsynced and
 * renamed over NAME.  0, or -1 with a reason. */
int files_put(int dirfd, const char *dirpath, const char *name, const void *data, size_t len, char *why,
	      size_t whylen);

/* Removes NAME under DIRFD; absent is fine.  0 or -1 with a reason. */
int files_remove(int dirfd, const char *dirpath, const char *name, char *why, size_t whylen);

/* Writes all LEN bytes to FD (retrying short writes and EINTR): 0 or -1. */
int files_write_all(int fd, const void *data, size_t len);

#endif
