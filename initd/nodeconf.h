/* What initd reads from configpull's output: node.conf (key=value lines,
 * every key present, written last as the commit point) and the rendered
 * torrc files, compared to decide between SIGHUP and a restart.  Pure
 * functions over bounded buffers: fed files, so fuzzed
 * (tests/fuzz/initd_nodeconf). */
#ifndef INITD_NODECONF_H
#define INITD_NODECONF_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"

#define NODECONF_BYTES_MAX 65536
#define NODECONF_INSTANCES_MAX 8
#define NODECONF_NAME_MAX 16
#define TORRC_BYTES_MAX 65536
#define TORRC_LINES_MAX 512

enum nodeconf_alloc {
	NODECONF_ALLOC_GLIBC,
	NODECONF_ALLOC_JEMALLOC,
	NODECONF_ALLOC_MIMALLOC,
};

struct nodeconf {
	uint32_t refresh_s;          /* 60..86400 */
	enum nodeconf_alloc alloc;
	int zram;                    /* 0/1 */
	uint32_t zram_size_mib;      /* 16..65536, 0: auto (a quarter of RAM) */
	char zram_algorithm[8];      /* zstd, lz4, lzo-rle */
	size_t n;                    /* instances, 1..8 */
	char name[NODECONF_INSTANCES_MAX][NODECONF_NAME_MAX + 1];
};

struct nodeconf_error {
	size_t line;                 /* 1-based, 0: the file as a whole */
	char const *what;
};

/* Parses node.conf text.  Keys initd does not use are skipped; the ones it
 * uses must be present once and valid.  Returns 0, or -EINVAL with *err. */
int nodeconf_parse(char const *text, size_t len, struct nodeconf *nc,
	struct nodeconf_error *err);

/* The library LD_PRELOADs for an allocator (NULL for glibc), basename. */
char const *nodeconf_alloc_lib(enum nodeconf_alloc a);
char const *nodeconf_alloc_name(enum nodeconf_alloc a);
/* The allocator alloc_from_maps() should then report. */
enum alloc_kind nodeconf_alloc_kind(enum nodeconf_alloc a);

enum torrc_change {
	TORRC_SAME,     /* byte for byte */
	TORRC_RELOAD,   /* only options from the reload list changed: SIGHUP */
	TORRC_RESTART,  /* anything else, or too big to compare: restart */
};

/* Compares two torrc texts option by option (the lines of one option
 * name, in order).  Changes limited to options tor applies on SIGHUP even
 * under Sandbox 1 (nickname, contact, bandwidth, exit policy, family and
 * the like: torrc_reloadable()) mean RELOAD; anything else RESTART. */
enum torrc_change torrc_compare(char const *a, size_t alen, char const *b, size_t blen);

/* 1 if option name (len bytes, case-insensitive as in tor) is on the list. */
int torrc_reloadable(char const *name, size_t len);

#endif
