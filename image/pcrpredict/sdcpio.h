/* The initrd systemd-stub 257 hands the kernel (src/boot/stub.c): the UKI's
 * .initrd, then, since 257, the .osrel section wrapped in a cpio archive as
 * /.extra/os-release (pack_cpio_literal in src/boot/cpio.c), each padded
 * with NULs to a multiple of 4 bytes (combine_initrds).  The kernel's EFI
 * stub measures exactly these bytes into PCR 9. */
#ifndef PCRPREDICT_SDCPIO_H
#define PCRPREDICT_SDCPIO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* newc cpio of one file: the directory DIR (mode 0555), DIR/NAME (mode
 * 0444, DATA), the trailer; inodes from 1, owner 0, mtime 0.  *OUT is
 * malloc'ed.  0, or LETHE_EXIT_USAGE (over 1 MiB of DATA or a long name),
 * LETHE_EXIT_TEMP (out of memory). */
int sdcpio_literal(const char *dir, const char *name, const uint8_t *data, size_t n,
	uint8_t **out, size_t *outlen, struct tool_err *e);

/* SHA-256 of the concatenation of PARTS, each padded with NULs to a
 * multiple of 4 bytes.  0, or LETHE_EXIT_TEMP. */
int sdcpio_combined_sha256(const uint8_t *const parts[], const size_t lens[], size_t nparts,
	uint8_t digest[32], struct tool_err *e);

#endif
