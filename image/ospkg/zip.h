/* The zip subset of an stboot OS package: a deterministic writer and a
 * strict reader.
 *
 * Writer output (every entry): method 0 (stored), general-purpose flags 0,
 * DOS time and date 0, version made by 0x0014 (MS-DOS, 2.0), version
 * needed 20 (also for the directory entry, as Go's archive/zip does), no
 * extra fields, no comments, internal attributes 0, external attributes
 * 0x10 (MS-DOS directory) for names ending in "/" and 0 otherwise, no data
 * descriptor, no zip64.  The bytes depend only on the entry names and data.
 *
 * Reader: accepts what the writer produces (and any archive of the same
 * shape), nothing else; see zip_parse(). */
#ifndef OSPKG_ZIP_H
#define OSPKG_ZIP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define ZIP_LOCAL_SIG 0x04034b50u
#define ZIP_CENTRAL_SIG 0x02014b50u
#define ZIP_EOCD_SIG 0x06054b50u
#define ZIP_LOCAL_BYTES 30u
#define ZIP_CENTRAL_BYTES 46u
#define ZIP_EOCD_BYTES 22u
#define ZIP_VERSION_NEEDED 20u
#define ZIP_VERSION_MADE_BY 0x0014u
#define ZIP_ATTR_DIR 0x10u
/* Largest archive without zip64: every offset and size stays below the
 * 0xffffffff marker that means "see the zip64 record". */
#define ZIP_MAX_BYTES 0xfffffffeu
#define ZIP_MAX_ENTRIES 256u
#define ZIP_NAME_MAX 1024u
#define ZIPW_MAX_ENTRIES 16u

uint32_t zip_crc32(uint32_t crc, const uint8_t *p, size_t n);

/* 0 if name[0..n) is an acceptable entry name, else -1 with a reason in
 * why: printable ASCII without space, backslash or colon; not absolute;
 * no empty, "." or ".." component; only a directory ends in "/". */
int zip_name_check(const char *name, size_t n, char *why, size_t whycap);

struct zip_entry {
	char *name;        /* NUL-terminated copy */
	size_t name_len;
	int is_dir;
	uint32_t crc;
	uint32_t size;
	size_t data_off;   /* stored data is at buf[data_off .. data_off+size) */
};

struct zip_archive {
	struct zip_entry *entries;
	size_t count;
};

/* Parses p[0..len) strictly: the end-of-central-directory record is the
 * last 22 bytes (so no archive comment); single disk, no zip64; the
 * central directory ends exactly where that record starts; each central
 * entry's local header follows the previous entry's data with no gap, the
 * first at offset 0, the last entry's data ending where the central
 * directory starts, so every byte is accounted for; local and central
 * headers agree (version, flags, method, time, date, CRC, sizes, name);
 * method 0 only, flags 0, version needed <= 20, no extra fields or
 * comments; names pass zip_name_check() and are unique; directories have
 * no data; the CRC-32 of every entry's data is verified.
 * Returns 0, or LETHE_EXIT_USAGE (malformed) / LETHE_EXIT_TEMP (no memory)
 * with the reason in e.  za is empty after a failure. */
int zip_parse(const uint8_t *p, size_t len, struct zip_archive *za, struct tool_err *e);
const struct zip_entry *zip_find(const struct zip_archive *za, const char *name);
void zip_archive_free(struct zip_archive *za);

struct zipw_entry {
	char *name;
	size_t name_len;
	uint32_t crc;
	uint32_t size;
	uint32_t offset;
};

struct zip_writer {
	int fd;              /* seekable: local headers are patched in place */
	uint64_t off;        /* bytes written so far */
	size_t count;
	struct zipw_entry ent[ZIPW_MAX_ENTRIES];
};

void zipw_init(struct zip_writer *w, int fd);
/* name must end in "/". */
int zipw_add_dir(struct zip_writer *w, const char *name, struct tool_err *e);
int zipw_add_buf(struct zip_writer *w, const char *name, const uint8_t *p, size_t n,
	struct tool_err *e);
/* Streams from in_fd until EOF; what names the source in messages. */
int zipw_add_fd(struct zip_writer *w, const char *name, int in_fd, const char *what,
	struct tool_err *e);
/* Writes the central directory and the end record. */
int zipw_finish(struct zip_writer *w, struct tool_err *e);
void zipw_free(struct zip_writer *w);

#endif
