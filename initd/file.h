/* Reading the small files initd acts on (node.conf, torrc copies, the
 * sysctl baseline, modules.alias, /proc): bounded, never through a
 * symlink, EINTR retried.  One reader for all of them. */
#ifndef INITD_FILE_H
#define INITD_FILE_H

#include <stddef.h>

/* All of path into buf (at most max bytes): the length, -EFBIG when the
 * file is longer, or a negative errno. */
long file_read(char const *path, char *buf, size_t max);

/* The first max bytes of path at most (a /proc file whose head is all we
 * need): the length or a negative errno. */
long file_read_head(char const *path, char *buf, size_t max);

#endif
