/* Archive paths: validation and the component-wise order of the archive. */
#ifndef MKCPIO_PATH_H
#define MKCPIO_PATH_H

#include <stddef.h>

#define PATH_BYTES_MAX 255 /* including the leading '/' */

/* path_check returns NULL if p[0..len) is an absolute, canonical archive
 * path (rules in spec.h), else a short reason for the message. */
char const *path_check(char const *p, size_t len);

/* path_cmp orders NUL-terminated valid paths one '/'-separated component at
 * a time, bytewise, so that every directory sorts before its contents. */
int path_cmp(char const *a, char const *b);

/* path_parent_len is the length of p's parent directory path ("/a" for
 * "/a/b"), or 0 if p is at the top level. */
size_t path_parent_len(char const *p, size_t len);

#endif
