#include <string.h>

#include "alloc.h"

static int alloc_lib(char const *base, size_t len, char const *stem)
{
	size_t n = strlen(stem);

	/* "libjemalloc.so" or "libjemalloc.so.2", not "libjemalloc_foo.so" */
	return len >= n + 3 && memcmp(base, stem, n) == 0 && memcmp(base + n, ".so", 3) == 0 &&
		(len == n + 3 || base[n + 3] == '.');
}

enum alloc_kind alloc_from_maps(char const *text, size_t len)
{
	size_t b = 0;

	while (b < len) {
		char const *nl = memchr(text + b, '\n', len - b);
		size_t e = nl ? (size_t)(nl - text) : len;
		char const *slash = NULL, *p;

		/* the pathname is the last field; its basename follows the last '/' */
		for (p = text + b; p < text + e; p++)
			if (*p == '/')
				slash = p;
		if (slash) {
			size_t blen = (size_t)(text + e - slash - 1);

			if (alloc_lib(slash + 1, blen, "libjemalloc"))
				return ALLOC_JEMALLOC;
			if (alloc_lib(slash + 1, blen, "libmimalloc"))
				return ALLOC_MIMALLOC;
		}
		b = e + 1;
	}
	return ALLOC_GLIBC;
}

char const *alloc_name(enum alloc_kind k)
{
	switch (k) {
	case ALLOC_GLIBC:
		return "glibc";
	case ALLOC_JEMALLOC:
		return "jemalloc";
	case ALLOC_MIMALLOC:
		return "mimalloc";
	}
	return "?";
}
