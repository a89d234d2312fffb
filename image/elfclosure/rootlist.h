/* rootlist: the in-root paths of the programs to close over, from the
 * command line and from --roots files (one path per line; blank lines and
 * lines whose first non-blank character is '#' are ignored; leading and
 * trailing blanks are trimmed). */
#ifndef ELFCLOSURE_ROOTLIST_H
#define ELFCLOSURE_ROOTLIST_H

#include <stddef.h>

#define ROOTLIST_MAX 10000                /* paths in all */
#define ROOTLIST_FILE_MAX ((size_t)1 << 20) /* bytes in one --roots file */
#define ROOTLIST_ERR_BYTES 1024

struct rootlist {
	char **v;
	size_t n;
	size_t cap;
};

/* Each returns LETHE_EXIT_OK, or LETHE_EXIT_USAGE / LETHE_EXIT_TEMP with
 * a one-line reason in err. */
int rootlist_add(struct rootlist *rl, const char *path, char err[ROOTLIST_ERR_BYTES]);
/* name is what error messages call the text ("FILE line N: ..."). */
int rootlist_parse(struct rootlist *rl, const char *name, const char *text, size_t len,
		   char err[ROOTLIST_ERR_BYTES]);
int rootlist_read_file(struct rootlist *rl, const char *file, char err[ROOTLIST_ERR_BYTES]);
void rootlist_free(struct rootlist *rl);

#endif
