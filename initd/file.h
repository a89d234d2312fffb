/* Reading the small files initd acts on (node.conf, torrc copies, the
 * sysctl baseline, modules.alias, /proc): bounded, never through a
 * symlink, EINTR retried.  One reader for all of them. */
#ifndef INITD_FILE_H
#define INITD_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* All of path into buf (at most max bytes): the length, -EFBIG when the
 * file is longer, or a negative errno. */
long file_read(char const *path, char *buf, size_t max);

/* The first max bytes of path at most (a /proc file whose head is all we
 * need): the length or a negative errno. */
long file_read_head(char const *path, char *buf, size_t max);

/* The longest path file_write takes. */
#define FILE_PATH_MAX 255

/* Writes buf to path through path.tmp in the same directory (created
 * O_EXCL|O_NOFOLLOW after removing a stale one, mode, then renamed): a
 * reader sees the old file or the new one, never a part.  Returns 0 or a
 * negative errno (the temporary is gone then). */
int file_write(char const *path, char const *buf, size_t len, mode_t mode);

#endif
