/* manifest.json, the OS package's boot configuration inside the zip.
 *
 * Written exactly as stmgr's json.MarshalIndent(m, "", "  ") would: keys
 * version, label, kernel, initramfs, cmdline in that order, two-space
 * indent, Go string escaping, no final newline. */
#ifndef OSPKG_MANIFEST_H
#define OSPKG_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "zip.h"

#define MANIFEST_NAME "manifest.json"
#define MANIFEST_VERSION 1
#define MANIFEST_MAX_BYTES 65536u
#define MANIFEST_LABEL_MAX 1024u
/* x86 COMMAND_LINE_SIZE is 2048 including the NUL; stboot appends its own
 * memmap= argument, so anything longer cannot boot as written. */
#define MANIFEST_CMDLINE_MAX 2047u

struct manifest {
	char *label;
	char *kernel;
	char *initramfs;
	char *cmdline;
};

/* Appends the manifest JSON to out.  Refuses strings that are not UTF-8
 * or exceed the limits above.  Returns 0 or an exit code. */
int manifest_render(const struct manifest *m, struct buf *out, struct tool_err *e);

/* Parses p[0..n): a JSON object with exactly the keys above (unknown keys
 * and duplicates are refused; Go would ignore the former and keep the last
 * of the latter), version the integer 1, kernel and initramfs non-empty
 * strings, label and cmdline strings if present.  Fills m with malloc'd
 * copies (absent label/cmdline become "").  Returns 0 or an exit code. */
int manifest_parse(const uint8_t *p, size_t n, struct manifest *m, struct tool_err *e);

/* Finds manifest.json in the parsed archive buf/za, parses it and checks
 * that kernel and initramfs name existing, non-empty files. */
int manifest_check_archive(const uint8_t *buf, const struct zip_archive *za,
	struct manifest *m, struct tool_err *e);

void manifest_free(struct manifest *m);

#endif
