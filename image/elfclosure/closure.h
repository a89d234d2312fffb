/* closure: the files a set of programs needs at run time, found the way
 * glibc's ld.so would find them, but inside a staging root.
 *
 * Each root is walked on its own, breadth first like ld.so, so the result
 * for a root never depends on the other roots or on their order; the
 * output is the sorted union.  Per root:
 *   - the root's PT_INTERP is loaded first, as the kernel does;
 *   - a DT_NEEDED that matches the DT_NEEDED name or DT_SONAME of an object
 *     already loaded for this root is that object (no search);
 *   - otherwise the search order is: the DT_RPATH of the requesting object
 *     and of the objects that loaded it, up to the root (only when the
 *     requesting object has no DT_RUNPATH; objects with a DT_RUNPATH
 *     contribute no DT_RPATH); the DT_RUNPATH of the requesting object;
 *     the default directories (unless DF_1_NODEFLIB is set);
 *   - a candidate of another class or machine is skipped;
 *   - $ORIGIN is the directory the object was found in (for a root: the
 *     directory of its resolved path).
 * Not modelled: ld.so.cache, LD_LIBRARY_PATH, glibc-hwcaps and legacy
 * hwcap subdirectories, $LIB and $PLATFORM (refused), dlopen(). */
#ifndef ELFCLOSURE_CLOSURE_H
#define ELFCLOSURE_CLOSURE_H

#include <stddef.h>
#include <stdio.h>

#include "rootfs.h"

#define CLOSURE_OBJECTS_MAX 10000
#define CLOSURE_ERR_BYTES 1024

struct closure;

/* libdirs: absolute in-root directories searched last, in order; NULL
 * means the Debian x86-64 defaults.  Returns NULL when out of memory. */
struct closure *closure_new(const struct rootfs *fs, const char *const *libdirs, size_t nlibdirs);
void closure_free(struct closure *c);

/* Adds the program or library at the absolute in-root path `path` and
 * everything it needs.  Returns LETHE_EXIT_OK, or LETHE_EXIT_USAGE (bad
 * input: missing file or library, malformed ELF) or LETHE_EXIT_TEMP (I/O,
 * memory) with a one-line reason in err, e.g.
 * "unable to find libz.so.1 needed by /usr/bin/tor". */
int closure_add_root(struct closure *c, const char *path, char err[CLOSURE_ERR_BYTES]);

/* Writes the result, sorted bytewise, one entry per line:
 *   file <path>                  every regular file loaded
 *   slink <path> <target>        every symlink followed to reach one
 * or, with why set,
 *   needs <object> <name> -> <path>
 *   interp <program> <interp> -> <path>
 * Returns 0, or -1 with errno set when writing fails. */
int closure_write(struct closure *c, FILE *out, int why);

/* Defaults of glibc's ld.so on Debian x86-64 with the stock ld.so.conf. */
extern const char *const closure_default_libdirs[];
extern const size_t closure_ndefault_libdirs;

#endif
