/* Deterministic zip writer and strict zip reader, see zip.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lethe_exit.h"
#include "zip.h"

static uint32_t crc_table[256];
static int crc_table_ready;

static void crc_table_init(void)
{
	uint32_t n, c;
	int k;

	for (n = 0; n < 256; n++) {
		c = n;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[n] = c;
	}
	crc_table_ready = 1;
}

/* CRC-32 (ISO-HDLC, reflected 0xedb88320), table-driven; our own so the
 * tool does not depend on zlib.  Start with crc = 0 and feed it back. */
uint32_t zip_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
	if (!crc_table_ready)
		crc_table_init();
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

int zip_name_check(const char *name, size_t n, char *why, size_t whycap)
{
	size_t i, comp = 0;

	if (n == 0 || n > ZIP_NAME_MAX) {
		snprintf(why, whycap, "name length %zu out of range 1..%u", n, ZIP_NAME_MAX);
		return -1;
	}
	if (name[0] == '/') {
		snprintf(why, whycap, "absolute name");
		return -1;
	}
	for (i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)name[i] : '/';

		if (c == '/') {
			size_t clen = i - comp;

			/* The only empty component allowed is after a final "/". */
			if (clen == 0 && i != n) {
				snprintf(why, whycap, "empty path component");
				return -1;
			}
			if (clen == 1 && name[comp] == '.') {
				snprintf(why, whycap, "\".\" path component");
				return -1;
			}
			if (clen == 2 && name[comp] == '.' && name[comp + 1] == '.') {
				snprintf(why, whycap, "\"..\" path component");
				return -1;
			}
			comp = i + 1;
			continue;
		}
		if (c == '\\') {
			snprintf(why, whycap, "backslash in name");
			return -1;
		}
		if (c == ':') {
			snprintf(why, whycap, "colon in name");
			return -1;
		}
		if (c <= 0x20 || c >= 0x7f) {
			snprintf(why, whycap, "byte 0x%02x at offset %zu of name is not printable ASCII",
				c, i);
			return -1;
		}
	}
	return 0;
}

void zip_archive_free(struct zip_archive *za)
{
	size_t i;

	if (za->entries)
		for (i = 0; i < za->count; i++)
			free(za->entries[i].name);
	free(za->entries);
	za->entries = NULL;
	za->count = 0;
}

const struct zip_entry *zip_find(const struct zip_archive *za, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < za->count; i++)
		if (za->entries[i].name_len == n && !memcmp(za->entries[i].name, name, n))
			return &za->entries[i];
	return NULL;
}

/* Checks the fixed fields of one central entry that do not depend on the
 * local header; returns 0 or sets e. */
static int central_fields_check(const uint8_t *c, size_t idx, struct tool_err *e)
{
	uint16_t need = get16(c + 6), flags = get16(c + 8), method = get16(c + 10);

	if (need > ZIP_VERSION_NEEDED)
		return err_set(e, LETHE_EXIT_USAGE,
			"entry %zu needs zip version %u.%u (zip64 and newer features are not supported)",
			idx, need / 10, need % 10);
	if (flags & 1)
		return err_set(e, LETHE_EXIT_USAGE, "entry %zu is encrypted", idx);
	if (flags & 8)
		return err_set(e, LETHE_EXIT_USAGE,
			"entry %zu uses a data descriptor (not written by ospkg)", idx);
	if (flags)
		return err_set(e, LETHE_EXIT_USAGE,
			"entry %zu has general purpose flags 0x%04x (only 0 is accepted)", idx, flags);
	if (method == 8)
		return err_set(e, LETHE_EXIT_USAGE,
			"entry %zu is deflated (method 8); ospkg reads stored (method 0) entries only",
			idx);
	if (method != 0)
		return err_set(e, LETHE_EXIT_USAGE,
			"entry %zu uses compression method %u; only 0 (stored) is accepted", idx, method);
	if (get32(c + 20) != get32(c + 24))
		return err_set(e, LETHE_EXIT_USAGE,
			"entry %zu is stored but its compressed and uncompressed sizes differ", idx);
	if (get16(c + 30))
		return err_set(e, LETHE_EXIT_USAGE, "entry %zu has an extra field", idx);
	if (get16(c + 32))
		return err_set(e, LETHE_EXIT_USAGE, "entry %zu has a comment", idx);
	if (get16(c + 34))
		return err_set(e, LETHE_EXIT_USAGE, "entry %zu starts on disk %u (multi-disk)",
			idx, get16(c + 34));
	return 0;
}

/* Checks that the local header at l repeats central entry c exactly:
 * bytes 4..29 of the local header are the central entry's bytes 6..31
 * (version needed, flags, method, time, date, CRC, sizes, name and extra
 * lengths), followed by the same name. */
static int local_matches(const uint8_t *l, const uint8_t *c, size_t nlen)
{
	return get32(l) == ZIP_LOCAL_SIG && !memcmp(l + 4, c + 6, 26) &&
		!memcmp(l + ZIP_LOCAL_BYTES, c + ZIP_CENTRAL_BYTES, nlen);
}

int zip_parse(const uint8_t *p, size_t len, struct zip_archive *za, struct tool_err *e)
{
	const uint8_t *eocd;
	uint64_t cd_off, cd_size, cd_end, q, expect;
	uint16_t count;
	size_t i;
	int rc;

	za->entries = NULL;
	za->count = 0;
	if (len > ZIP_MAX_BYTES)
		return err_set(e, LETHE_EXIT_USAGE,
			"archive is larger than %u bytes (zip64 is not supported)", ZIP_MAX_BYTES);
	if (len < ZIP_EOCD_BYTES)
		return err_set(e, LETHE_EXIT_USAGE, "too short to be a zip archive");
	eocd = p + len - ZIP_EOCD_BYTES;
	if (get32(eocd) != ZIP_EOCD_SIG)
		return err_set(e, LETHE_EXIT_USAGE,
			"no end of central directory record in the last 22 bytes (archive comments are not accepted)");
	if (get16(eocd + 20))
		return err_set(e, LETHE_EXIT_USAGE,
			"end record announces a %u-byte comment but ends the file", get16(eocd + 20));
	if (get16(eocd + 4) || get16(eocd + 6))
		return err_set(e, LETHE_EXIT_USAGE, "multi-disk archives are not supported");
	count = get16(eocd + 10);
	cd_size = get32(eocd + 12);
	cd_off = get32(eocd + 16);
	if (count == 0xffff || cd_size == 0xffffffffu || cd_off == 0xffffffffu)
		return err_set(e, LETHE_EXIT_USAGE, "zip64 archives are not supported");
	if (get16(eocd + 8) != count)
		return err_set(e, LETHE_EXIT_USAGE, "end record entry counts disagree");
	if (count == 0)
		return err_set(e, LETHE_EXIT_USAGE, "archive has no entries");
	if (count > ZIP_MAX_ENTRIES)
		return err_set(e, LETHE_EXIT_USAGE, "archive has %u entries (at most %u accepted)",
			count, ZIP_MAX_ENTRIES);
	cd_end = len - ZIP_EOCD_BYTES;
	if (cd_off > cd_end || cd_size != cd_end - cd_off)
		return err_set(e, LETHE_EXIT_USAGE,
			"central directory (offset %llu, %llu bytes) does not end where the end record starts (%llu)",
			(unsigned long long)cd_off, (unsigned long long)cd_size,
			(unsigned long long)cd_end);
	za->entries = calloc(count, sizeof *za->entries);
	if (!za->entries)
		return err_sys(e, ENOMEM, "unable to allocate %u entries", count);

	q = cd_off;
	expect = 0;
	for (i = 0; i < count; i++) {
		const uint8_t *c = p + q, *l, *name;
		struct zip_entry *ent = &za->entries[i];
		char why[128];
		uint32_t crc, size;
		uint64_t loff, data;
		size_t nlen, j;

		if (cd_end - q < ZIP_CENTRAL_BYTES || get32(c) != ZIP_CENTRAL_SIG) {
			rc = err_set(e, LETHE_EXIT_USAGE, "central directory entry %zu is missing or truncated", i);
			goto fail;
		}
		rc = central_fields_check(c, i, e);
		if (rc)
			goto fail;
		nlen = get16(c + 28);
		if (cd_end - q - ZIP_CENTRAL_BYTES < nlen) {
			rc = err_set(e, LETHE_EXIT_USAGE, "central directory entry %zu is truncated", i);
			goto fail;
		}
		name = c + ZIP_CENTRAL_BYTES;
		if (zip_name_check((const char *)name, nlen, why, sizeof why) < 0) {
			rc = err_set(e, LETHE_EXIT_USAGE, "entry %zu: %s", i, why);
			goto fail;
		}
		for (j = 0; j < i; j++)
			if (za->entries[j].name_len == nlen && !memcmp(za->entries[j].name, name, nlen)) {
				rc = err_set(e, LETHE_EXIT_USAGE, "entry %zu: duplicate name %.*s",
					i, (int)nlen, (const char *)name);
				goto fail;
			}
		crc = get32(c + 16);
		size = get32(c + 24);
		loff = get32(c + 42);
		/* Entries are laid out back to back in central-directory order;
		 * anything else would leave bytes that no entry accounts for, or
		 * let two entries share data. */
		if (loff != expect) {
			rc = err_set(e, LETHE_EXIT_USAGE,
				"entry %zu: local header at offset %llu, expected %llu (gap, overlap or reordering)",
				i, (unsigned long long)loff, (unsigned long long)expect);
			goto fail;
		}
		if (cd_off - loff < ZIP_LOCAL_BYTES + nlen) {
			rc = err_set(e, LETHE_EXIT_USAGE, "entry %zu: local header runs into the central directory", i);
			goto fail;
		}
		l = p + loff;
		if (!local_matches(l, c, nlen)) {
			rc = err_set(e, LETHE_EXIT_USAGE,
				"entry %zu: local header does not match the central directory", i);
			goto fail;
		}
		data = loff + ZIP_LOCAL_BYTES + nlen;
		if (cd_off - data < size) {
			rc = err_set(e, LETHE_EXIT_USAGE, "entry %zu: data runs into the central directory", i);
			goto fail;
		}
		if (name[nlen - 1] == '/' && size) {
			rc = err_set(e, LETHE_EXIT_USAGE, "entry %zu: directory with data", i);
			goto fail;
		}
		if (zip_crc32(0, p + data, size) != crc) {
			rc = err_set(e, LETHE_EXIT_USAGE, "entry %zu (%.*s): CRC-32 mismatch",
				i, (int)nlen, (const char *)name);
			goto fail;
		}
		ent->name = malloc(nlen + 1);
		if (!ent->name) {
			rc = err_sys(e, ENOMEM, "unable to allocate entry name");
			goto fail;
		}
		memcpy(ent->name, name, nlen);
		ent->name[nlen] = 0;
		ent->name_len = nlen;
		ent->is_dir = name[nlen - 1] == '/';
		ent->crc = crc;
		ent->size = size;
		ent->data_off = (size_t)data;
		za->count = i + 1;
		expect = data + size;
		q += ZIP_CENTRAL_BYTES + nlen;
	}
	if (q != cd_end) {
		rc = err_set(e, LETHE_EXIT_USAGE,
			"central directory has %llu bytes after its last entry", (unsigned long long)(cd_end - q));
		goto fail;
	}
	if (expect != cd_off) {
		rc = err_set(e, LETHE_EXIT_USAGE,
			"%llu bytes between the last entry and the central directory",
			(unsigned long long)(cd_off - expect));
		goto fail;
	}
	return 0;
fail:
	zip_archive_free(za);
	return rc;
}

void zipw_init(struct zip_writer *w, int fd)
{
	memset(w, 0, sizeof *w);
	w->fd = fd;
}

void zipw_free(struct zip_writer *w)
{
	size_t i;

	for (i = 0; i < w->count; i++)
		free(w->ent[i].name);
	w->count = 0;
}

static int zipw_write(struct zip_writer *w, const void *p, size_t n, struct tool_err *e)
{
	const uint8_t *q = p;

	if (n > ZIP_MAX_BYTES - w->off)
		return err_set(e, LETHE_EXIT_USAGE,
			"archive would exceed %u bytes (zip64 is not supported)", ZIP_MAX_BYTES);
	while (n) {
		ssize_t r = write(w->fd, q, n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return err_sys(e, errno, "unable to write archive");
		}
		q += r;
		n -= (size_t)r;
		w->off += (uint64_t)r;
	}
	return 0;
}

/* Checks the name, reserves a slot and writes a local header with the CRC
 * and sizes given (placeholders for streamed data). */
static int zipw_begin(struct zip_writer *w, const char *name, uint32_t crc, uint32_t size,
	struct tool_err *e)
{
	uint8_t hdr[ZIP_LOCAL_BYTES + ZIP_NAME_MAX];
	size_t n = strlen(name);
	struct zipw_entry *ent;
	char why[128];
	size_t i;
	int rc;

	if (zip_name_check(name, n, why, sizeof why) < 0)
		return err_set(e, LETHE_EXIT_USAGE, "unable to add %s to archive: %s", name, why);
	for (i = 0; i < w->count; i++)
		if (!strcmp(w->ent[i].name, name))
			return err_set(e, LETHE_EXIT_USAGE, "unable to add %s to archive: duplicate name",
				name);
	if (w->count == ZIPW_MAX_ENTRIES)
		return err_set(e, LETHE_EXIT_USAGE, "unable to add %s to archive: too many entries",
			name);
	ent = &w->ent[w->count];
	ent->name = strdup(name);
	if (!ent->name)
		return err_sys(e, ENOMEM, "unable to add %s to archive", name);
	ent->name_len = n;
	ent->crc = crc;
	ent->size = size;
	ent->offset = (uint32_t)w->off;
	w->count++;

	memset(hdr, 0, ZIP_LOCAL_BYTES);
	put32(hdr, ZIP_LOCAL_SIG);
	put16(hdr + 4, ZIP_VERSION_NEEDED);
	/* flags, method, time, date: all 0 */
	put32(hdr + 14, crc);
	put32(hdr + 18, size);
	put32(hdr + 22, size);
	put16(hdr + 26, (uint32_t)n);
	/* extra length 0 */
	memcpy(hdr + ZIP_LOCAL_BYTES, name, n);
	rc = zipw_write(w, hdr, ZIP_LOCAL_BYTES + n, e);
	return rc;
}

int zipw_add_dir(struct zip_writer *w, const char *name, struct tool_err *e)
{
	size_t n = strlen(name);

	if (!n || name[n - 1] != '/')
		return err_set(e, LETHE_EXIT_USAGE, "unable to add %s to archive: a directory name ends in /",
			name);
	return zipw_begin(w, name, 0, 0, e);
}

int zipw_add_buf(struct zip_writer *w, const char *name, const uint8_t *p, size_t n,
	struct tool_err *e)
{
	size_t nl = strlen(name);
	int rc;

	if (nl && name[nl - 1] == '/')
		return err_set(e, LETHE_EXIT_USAGE, "unable to add %s to archive: file name ends in /",
			name);
	if (n > ZIP_MAX_BYTES)
		return err_set(e, LETHE_EXIT_USAGE,
			"unable to add %s to archive: larger than %u bytes", name, ZIP_MAX_BYTES);
	rc = zipw_begin(w, name, zip_crc32(0, p, n), (uint32_t)n, e);
	if (rc)
		return rc;
	return zipw_write(w, p, n, e);
}

int zipw_add_fd(struct zip_writer *w, const char *name, int in_fd, const char *what,
	struct tool_err *e)
{
	static uint8_t chunk[1 << 16];
	size_t nl = strlen(name);
	uint64_t start, total = 0;
	uint8_t patch[12];
	uint32_t crc = 0;
	int rc;

	if (nl && name[nl - 1] == '/')
		return err_set(e, LETHE_EXIT_USAGE, "unable to add %s to archive: file name ends in /",
			name);
	rc = zipw_begin(w, name, 0, 0, e);
	if (rc)
		return rc;
	start = w->ent[w->count - 1].offset;
	for (;;) {
		ssize_t r = read(in_fd, chunk, sizeof chunk);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return err_sys(e, errno, "unable to read %s", what);
		}
		if (r == 0)
			break;
		crc = zip_crc32(crc, chunk, (size_t)r);
		total += (uint64_t)r;
		rc = zipw_write(w, chunk, (size_t)r, e);
		if (rc) {
			err_prefix(e, "unable to add %s: ", what);
			return rc;
		}
	}
	/* zipw_write bounds the whole archive, so total fits in 32 bits. */
	w->ent[w->count - 1].crc = crc;
	w->ent[w->count - 1].size = (uint32_t)total;
	put32(patch, crc);
	put32(patch + 4, (uint32_t)total);
	put32(patch + 8, (uint32_t)total);
	if (pwrite(w->fd, patch, sizeof patch, (off_t)(start + 14)) != (ssize_t)sizeof patch)
		return err_sys(e, errno ? errno : EIO, "unable to update local header of %s", name);
	return 0;
}

int zipw_finish(struct zip_writer *w, struct tool_err *e)
{
	uint8_t hdr[ZIP_CENTRAL_BYTES + ZIP_NAME_MAX];
	uint64_t cd_off = w->off;
	size_t i;
	int rc;

	for (i = 0; i < w->count; i++) {
		const struct zipw_entry *ent = &w->ent[i];
		int dir = ent->name[ent->name_len - 1] == '/';

		memset(hdr, 0, ZIP_CENTRAL_BYTES);
		put32(hdr, ZIP_CENTRAL_SIG);
		put16(hdr + 4, ZIP_VERSION_MADE_BY);
		put16(hdr + 6, ZIP_VERSION_NEEDED);
		/* flags, method, time, date: all 0 */
		put32(hdr + 16, ent->crc);
		put32(hdr + 20, ent->size);
		put32(hdr + 24, ent->size);
		put16(hdr + 28, (uint32_t)ent->name_len);
		/* extra, comment, disk, internal attributes: all 0 */
		put32(hdr + 38, dir ? ZIP_ATTR_DIR : 0);
		put32(hdr + 42, ent->offset);
		memcpy(hdr + ZIP_CENTRAL_BYTES, ent->name, ent->name_len);
		rc = zipw_write(w, hdr, ZIP_CENTRAL_BYTES + ent->name_len, e);
		if (rc)
			return rc;
	}
	memset(hdr, 0, ZIP_EOCD_BYTES);
	put32(hdr, ZIP_EOCD_SIG);
	/* disk numbers 0 */
	put16(hdr + 8, (uint32_t)w->count);
	put16(hdr + 10, (uint32_t)w->count);
	put32(hdr + 12, (uint32_t)(w->off - cd_off));
	put32(hdr + 16, (uint32_t)cd_off);
	/* comment length 0 */
	return zipw_write(w, hdr, ZIP_EOCD_BYTES, e);
}
