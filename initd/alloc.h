/* Which allocator a process really runs: a failed LD_PRELOAD is silent,
 * so initd reads /proc/PID/maps after starting tor and logs the answer. */
#ifndef INITD_ALLOC_H
#define INITD_ALLOC_H

#include <stddef.h>

enum alloc_kind {
	ALLOC_GLIBC,     /* neither of the others is mapped */
	ALLOC_JEMALLOC,
	ALLOC_MIMALLOC,
};

/* From the text of a maps file: the first preloaded allocator library
 * mapped (path basename "libjemalloc.so*" or "libmimalloc.so*"). */
enum alloc_kind alloc_from_maps(char const *text, size_t len);

char const *alloc_name(enum alloc_kind k);

#endif
