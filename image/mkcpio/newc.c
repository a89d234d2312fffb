/* newc headers and the archive byte stream. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "newc.h"

static void newc_hex8(char *out, uint32_t v)
{
	static char const digits[] = "0123456789ABCDEF";
	int i;

	for (i = 7; i >= 0; i--) {
		out[i] = digits[v & 0xf];
		v >>= 4;
	}
}

void newc_hdr_format(char out[NEWC_HDR_BYTES], struct newc_hdr const *h)
{
	uint32_t const fields[13] = {
		h->ino, h->mode, h->uid, h->gid, h->nlink, h->mtime, h->filesize,
		h->devmajor, h->devminor, h->rdevmajor, h->rdevminor, h->namesize, h->check,
	};
	size_t i;

	memcpy(out, "070701", 6);
	for (i = 0; i < 13; i++)
		newc_hex8(out + 6 + 8 * i, fields[i]);
}

void newc_out_init(struct newc_out *o, int fd)
{
	o->fd = fd;
	o->off = 0;
	o->len = 0;
}

int newc_out_flush(struct newc_out *o)
{
	size_t done = 0;

	while (done < o->len) {
		ssize_t r = write(o->fd, o->buf + done, o->len - done);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0) {
			/* a regular file does not do this; do not spin if it does */
			errno = EIO;
			return -1;
		}
		done += (size_t)r;
	}
	o->len = 0;
	return 0;
}

int newc_out_write(struct newc_out *o, void const *p, size_t len)
{
	unsigned char const *s = p;

	while (len > 0) {
		size_t n = sizeof o->buf - o->len;

		if (n == 0) {
			if (newc_out_flush(o) < 0)
				return -1;
			continue;
		}
		if (n > len)
			n = len;
		memcpy(o->buf + o->len, s, n);
		o->len += n;
		o->off += n;
		s += n;
		len -= n;
	}
	return 0;
}

int newc_out_pad(struct newc_out *o, unsigned align)
{
	static unsigned char const zeros[NEWC_BLOCK];
	size_t n = (size_t)((align - o->off % align) % align);

	return newc_out_write(o, zeros, n);
}

int newc_write_header(struct newc_out *o, struct newc_hdr *h, char const *name)
{
	char hdr[NEWC_HDR_BYTES];
	size_t len = strlen(name);

	h->namesize = (uint32_t)(len + 1);
	newc_hdr_format(hdr, h);
	if (newc_out_write(o, hdr, sizeof hdr) < 0 || newc_out_write(o, name, len + 1) < 0)
		return -1;
	return newc_out_pad(o, NEWC_ALIGN);
}

int newc_write_trailer(struct newc_out *o)
{
	struct newc_hdr h = { .nlink = 1 };

	if (newc_write_header(o, &h, NEWC_TRAILER) < 0 || newc_out_pad(o, NEWC_BLOCK) < 0)
		return -1;
	return newc_out_flush(o);
}
