/* mkcpio's one job, from spec to archive, for main and for the tests. */
#ifndef MKCPIO_MKCPIO_H
#define MKCPIO_MKCPIO_H

#include <stdint.h>

#define MKCPIO_PROG "mkcpio"

/* mkcpio_run reads the spec at spec_path ("-" for stdin) and writes the
 * archive to out_path with every mtime set to epoch.  On failure it prints
 * one "mkcpio: fatal: ..." line and leaves out_path as it was.
 * Returns a lethe_exit code. */
int mkcpio_run(char const *spec_path, char const *out_path, uint32_t epoch);

#endif
