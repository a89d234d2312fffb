/* Archive paths: what a spec may name, and the order entries are written in. */
#include <string.h>

#include "path.h"

char const *path_check(char const *p, size_t len)
{
	size_t i, start;

	if (len == 0 || p[0] != '/')
		return "path must be absolute";
	if (len == 1)
		return "path must not be /";
	if (len > PATH_BYTES_MAX)
		return "path longer than 255 bytes";
	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7e)
			return "path byte outside 0x21-0x7e";
	if (p[len - 1] == '/')
		return "path has a trailing /";
	/* every component starts after a '/' at index start - 1 */
	for (start = 1; start <= len; start = i + 1) {
		for (i = start; i < len && p[i] != '/'; i++)
			;
		if (i == start)
			return "path has an empty component (//)";
		if (i - start == 1 && p[start] == '.')
			return "path has a . component";
		if (i - start == 2 && p[start] == '.' && p[start + 1] == '.')
			return "path has a .. component";
	}
	return NULL;
}

/* Mapping '/' below every byte a path may hold turns component-wise order
 * into plain string order: where two paths first differ, a side that ends
 * its component there (NUL or '/') has the shorter component, a prefix of
 * the other side's, and so sorts first.  Plain strcmp would put "/a-b"
 * between "/a" and "/a/b", since '-' < '/'. */
static unsigned path_rank(unsigned char c)
{
	return c == '/' ? 1 : c;
}

int path_cmp(char const *a, char const *b)
{
	unsigned char const *x = (unsigned char const *)a;
	unsigned char const *y = (unsigned char const *)b;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	return (int)path_rank(*x) - (int)path_rank(*y);
}

size_t path_parent_len(char const *p, size_t len)
{
	while (len > 0 && p[len - 1] != '/')
		len--;
	/* len now counts the slash ending the parent; "/x" has no parent entry */
	return len > 1 ? len - 1 : 0;
}
