/* The initramfs spec: one entry per line, parsed, validated and sorted.
 *
 *   # type  path             mode  uid gid source
 *   dir     /etc             0755  0   0   -
 *   file    /usr/bin/tor     0755  0   0   build/stage/usr/bin/tor
 *   slink   /bin             0777  0   0   usr/bin
 *   nod     /dev/console     0600  0   0   c,5,1
 *
 * Columns are separated by spaces or tabs; a line whose first non-blank
 * byte is '#' is a comment (any text but NUL); blank lines are ignored.
 * An entry line has exactly 6 columns of bytes 0x21-0x7e; lines are at most
 * 4096 bytes without the newline; at most 100000 entries.
 *
 *   type    dir, file, slink or nod (pipe and sock are refused)
 *   path    absolute and canonical: starts with '/', no "//", no "." or
 *           ".." component, no trailing '/', not "/", at most 255 bytes
 *   mode    octal permission bits, at most 07777 (the type bits are ours)
 *   uid gid decimal, 0..65535
 *   source  dir: "-"; file: a host path (relative to the cwd), not "-";
 *           slink: the target, stored verbatim; nod: c,MAJ,MIN or
 *           b,MAJ,MIN in decimal, major <= 4095, minor <= 1048575
 *
 * Every path must be unique and its parent must be a dir entry: the spec is
 * the whole truth about the archive, no directory is invented and nothing
 * is taken from the host filesystem but file contents.  This module does no
 * I/O besides reading the text it is given. */
#ifndef MKCPIO_SPEC_H
#define MKCPIO_SPEC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"

#define SPEC_LINE_MAX 4096       /* bytes per line, without the newline */
#define SPEC_ENTRIES_MAX 100000
#define SPEC_MODE_MAX 07777
#define SPEC_ID_MAX 65535
#define SPEC_MAJOR_MAX 4095      /* the kernel's dev_t: 12-bit major */
#define SPEC_MINOR_MAX 1048575   /* and 20-bit minor */

enum spec_type {
	SPEC_DIR,
	SPEC_FILE,
	SPEC_SLINK,
	SPEC_NOD,
};

struct spec_entry {
	char const *path;     /* valid after spec_finish */
	char const *source;   /* file: host path; slink: target; else NULL */
	size_t path_off, path_len;
	size_t source_off, source_len;
	size_t line;
	enum spec_type type;
	int blockdev;         /* nod: 1 for b, 0 for c */
	uint32_t mode;        /* permission bits only */
	uint32_t uid, gid;
	uint32_t rmajor, rminor;
};

struct spec {
	char const *name;           /* for messages; not owned */
	struct spec_entry *entries; /* sorted once spec_finish succeeded */
	size_t n, cap;
	char *strings;              /* NUL-terminated paths and sources */
	size_t strings_len, strings_cap;
	size_t lineno;              /* lines seen so far */
	size_t line_len;
	int failed;
	int finished;
	char line[SPEC_LINE_MAX + 1];
};

void spec_init(struct spec *s, char const *name);
void spec_free(struct spec *s);

/* spec_feed parses text in chunks of any size; a line may span chunks.
 * Returns 0, or -1 with d set (then every later call fails too). */
int spec_feed(struct spec *s, char const *data, size_t len, struct diag *d);

/* spec_finish parses a last line without a newline, then sorts the entries
 * and checks duplicates and parent directories.  Returns 0 or -1. */
int spec_finish(struct spec *s, struct diag *d);

/* spec_parse_buf is spec_feed + spec_finish over one buffer. */
int spec_parse_buf(struct spec *s, char const *buf, size_t len, struct diag *d);

/* spec_read is spec_feed over everything f holds, then spec_finish. */
int spec_read(struct spec *s, FILE *f, struct diag *d);

#endif
