/* The newc ("070701") cpio format: header formatting and a buffered,
 * offset-tracking writer for the archive stream.
 *
 * An entry is a 110-byte header, the name and its NUL, zero padding to a
 * multiple of 4, the data, zero padding to a multiple of 4.  The archive
 * ends with a TRAILER!!! entry and zero padding to a multiple of 512. */
#ifndef MKCPIO_NEWC_H
#define MKCPIO_NEWC_H

#include <stddef.h>
#include <stdint.h>

#define NEWC_HDR_BYTES 110
#define NEWC_ALIGN 4
#define NEWC_BLOCK 512
#define NEWC_BUF_BYTES 65536
#define NEWC_TRAILER "TRAILER!!!"

/* Type bits of the mode field, fixed by the format (not by the host). */
#define NEWC_S_IFDIR 0040000u
#define NEWC_S_IFCHR 0020000u
#define NEWC_S_IFBLK 0060000u
#define NEWC_S_IFREG 0100000u
#define NEWC_S_IFLNK 0120000u

struct newc_hdr {
	uint32_t ino;
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	uint32_t nlink;
	uint32_t mtime;
	uint32_t filesize;
	uint32_t devmajor;
	uint32_t devminor;
	uint32_t rdevmajor;
	uint32_t rdevminor;
	uint32_t namesize;  /* including the NUL */
	uint32_t check;
};

struct newc_out {
	int fd;
	uint64_t off;  /* bytes of archive produced so far, buffered or not */
	size_t len;    /* bytes waiting in buf */
	unsigned char buf[NEWC_BUF_BYTES];
};

/* newc_hdr_format writes the 110 header bytes (no NUL) into out. */
void newc_hdr_format(char out[NEWC_HDR_BYTES], struct newc_hdr const *h);

void newc_out_init(struct newc_out *o, int fd);

/* The writers return 0, or -1 with errno set. */
int newc_out_write(struct newc_out *o, void const *p, size_t len);
/* newc_out_pad writes zeros up to the next multiple of align (1..512). */
int newc_out_pad(struct newc_out *o, unsigned align);
int newc_out_flush(struct newc_out *o);

/* newc_write_header writes the header, name, NUL and padding; it sets
 * h->namesize from name, which is stored as given (no leading '/'). */
int newc_write_header(struct newc_out *o, struct newc_hdr *h, char const *name);

/* newc_write_trailer ends the archive and flushes it. */
int newc_write_trailer(struct newc_out *o);

#endif
