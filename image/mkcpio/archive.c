/* Spec entries to newc records.  File contents are streamed, never held
 * whole: sources can be 100 MB. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lethe_exit.h"

#include "archive.h"

#define ARCHIVE_READ_BYTES 65536
#define ARCHIVE_FILESIZE_MAX 0xffffffffu  /* newc's 8 hex digits */

static void archive_fail_write(struct diag *d, int e)
{
	diag_set(d, LETHE_EXIT_TEMP, "unable to write archive: %s", strerror(e));
}

/* archive_copy appends exactly size bytes of fd: a source that grows or
 * shrinks under us would make the header lie, so both are errors. */
static int archive_copy(struct spec const *s, struct spec_entry const *e, int fd, uint64_t size,
			struct newc_out *o, struct diag *d)
{
	unsigned char buf[ARCHIVE_READ_BYTES];
	uint64_t left = size;
	ssize_t r;

	for (;;) {
		/* with nothing left to copy, one more byte means the file grew */
		size_t want = left == 0 ? 1 : left < sizeof buf ? (size_t)left : sizeof buf;

		r = read(fd, buf, want);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			diag_set(d, LETHE_EXIT_TEMP, "unable to read %s (%s:%zu): %s", e->source,
				 s->name, e->line, strerror(errno));
			return -1;
		}
		if (r == 0 && left == 0)
			return 0;
		if (r == 0 || left == 0) {
			diag_set(d, LETHE_EXIT_TEMP,
				 "unable to read %s (%s:%zu): file changed size while read",
				 e->source, s->name, e->line);
			return -1;
		}
		if (newc_out_write(o, buf, (size_t)r) < 0) {
			archive_fail_write(d, errno);
			return -1;
		}
		left -= (uint64_t)r;
	}
}

static int archive_file(struct spec const *s, struct spec_entry const *e, struct newc_hdr *h,
			struct newc_out *o, struct diag *d)
{
	struct stat st;
	int fd, r = -1;

	/* O_NOFOLLOW: a symlink source is a spec mistake, not something to chase;
	 * O_NONBLOCK: so that a FIFO source is refused below instead of hanging */
	fd = open(e->source, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		diag_set(d, diag_errno_code(errno), "unable to open %s (%s:%zu): %s", e->source,
			 s->name, e->line, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		diag_set(d, LETHE_EXIT_TEMP, "unable to stat %s (%s:%zu): %s", e->source, s->name,
			 e->line, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_set(d, LETHE_EXIT_USAGE, "unable to use %s (%s:%zu): not a regular file",
			 e->source, s->name, e->line);
		goto out;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > ARCHIVE_FILESIZE_MAX) {
		diag_set(d, LETHE_EXIT_USAGE, "unable to use %s (%s:%zu): larger than 4 GiB - 1",
			 e->source, s->name, e->line);
		goto out;
	}
	h->filesize = (uint32_t)st.st_size;
	if (newc_write_header(o, h, e->path + 1) < 0) {
		archive_fail_write(d, errno);
		goto out;
	}
	if (archive_copy(s, e, fd, (uint64_t)st.st_size, o, d) < 0)
		goto out;
	if (newc_out_pad(o, NEWC_ALIGN) < 0) {
		archive_fail_write(d, errno);
		goto out;
	}
	r = 0;
out:
	close(fd);
	return r;
}

static int archive_entry(struct spec const *s, struct spec_entry const *e, uint32_t ino,
			 uint32_t epoch, struct newc_out *o, struct diag *d)
{
	struct newc_hdr h = {
		.ino = ino,
		.mode = e->mode,
		.uid = e->uid,
		.gid = e->gid,
		.nlink = 1,
		.mtime = epoch,
	};

	switch (e->type) {
	case SPEC_DIR:
		h.mode |= NEWC_S_IFDIR;
		h.nlink = 2;
		break;
	case SPEC_FILE:
		h.mode |= NEWC_S_IFREG;
		return archive_file(s, e, &h, o, d);
	case SPEC_SLINK:
		h.mode |= NEWC_S_IFLNK;
		h.filesize = (uint32_t)e->source_len;
		break;
	case SPEC_NOD:
		h.mode |= e->blockdev ? NEWC_S_IFBLK : NEWC_S_IFCHR;
		h.rdevmajor = e->rmajor;
		h.rdevminor = e->rminor;
		break;
	}
	/* names are stored relative: "usr/bin/tor", as the kernel expects */
	if (newc_write_header(o, &h, e->path + 1) < 0
	    || (e->type == SPEC_SLINK && newc_out_write(o, e->source, e->source_len) < 0)
	    || newc_out_pad(o, NEWC_ALIGN) < 0) {
		archive_fail_write(d, errno);
		return -1;
	}
	return 0;
}

int archive_write(struct spec const *s, struct newc_out *o, uint32_t epoch, struct diag *d)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (archive_entry(s, &s->entries[i], (uint32_t)(i + 1), epoch, o, d) < 0)
			return -1;
	if (newc_write_trailer(o) < 0) {
		archive_fail_write(d, errno);
		return -1;
	}
	return 0;
}
