/* ospkg create: write an unsigned OS package, X.zip plus X.json.
 *
 * The archive holds, in this order, "boot/", "boot/vmlinuz",
 * "boot/initramfs.cpio.zst" and "manifest.json", all stored (the kernel
 * and the zstd initramfs are compressed already, and storing keeps the
 * bytes independent of any deflate implementation).  The bytes depend only
 * on the inputs' contents and the option strings; see zip.h for the
 * header fields.  Both files are written under temporary names and
 * renamed into place only once both are complete. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lethe_exit.h"
#include "buf.h"
#include "descriptor.h"
#include "fileio.h"
#include "gojson.h"
#include "manifest.h"
#include "ospkg.h"
#include "zip.h"

/* Opens a boot file; stboot refuses empty ones, so do we. */
static int open_input(const char *path, const char *what, struct tool_err *e)
{
	uint64_t size;
	int fd = file_open_regular(path, what, &size, e);

	if (fd >= 0 && size == 0) {
		err_set(e, LETHE_EXIT_USAGE, "unable to use %s %s: empty file", what, path);
		close(fd);
		return -1;
	}
	return fd;
}

int create_run(const struct create_args *a, struct tool_err *e)
{
	struct manifest m = { (char *)a->label, (char *)OSPKG_KERNEL_NAME,
		(char *)OSPKG_INITRAMFS_NAME, (char *)a->cmdline };
	struct afile zf = { -1, NULL, NULL }, df = { -1, NULL, NULL };
	struct buf mbuf = BUF_ZERO, dbuf = BUF_ZERO;
	struct zip_writer w;
	struct descriptor d;
	int kfd = -1, ifd = -1, rc;
	mode_t mode = file_default_mode();
	char kwhat[64 + 4096], iwhat[64 + 4096];

	zipw_init(&w, -1);
	memset(&d, 0, sizeof d);
	if (!strcmp(a->zip, a->descriptor)) {
		rc = err_set(e, LETHE_EXIT_USAGE, "--zip and --descriptor name the same file");
		goto out;
	}
	rc = manifest_render(&m, &mbuf, e);
	if (rc) {
		err_prefix(e, "unable to create manifest: ");
		goto out;
	}
	rc = descriptor_init(&d, a->url ? a->url : "", e);
	if (!rc)
		rc = descriptor_render(&d, &dbuf, e);
	if (rc) {
		err_prefix(e, "unable to create descriptor: ");
		goto out;
	}
	kfd = open_input(a->kernel, "kernel", e);
	if (kfd < 0) {
		rc = e->code;
		goto out;
	}
	ifd = open_input(a->initramfs, "initramfs", e);
	if (ifd < 0) {
		rc = e->code;
		goto out;
	}
	snprintf(kwhat, sizeof kwhat, "kernel %s", a->kernel);
	snprintf(iwhat, sizeof iwhat, "initramfs %s", a->initramfs);

	rc = afile_create(&zf, a->zip, mode, e);
	if (rc)
		goto out;
	zipw_init(&w, zf.fd);
	rc = zipw_add_dir(&w, OSPKG_DIR_NAME, e);
	if (!rc)
		rc = zipw_add_fd(&w, OSPKG_KERNEL_NAME, kfd, kwhat, e);
	if (!rc)
		rc = zipw_add_fd(&w, OSPKG_INITRAMFS_NAME, ifd, iwhat, e);
	if (!rc)
		rc = zipw_add_buf(&w, MANIFEST_NAME, mbuf.p, mbuf.len, e);
	if (!rc)
		rc = zipw_finish(&w, e);
	if (rc) {
		err_prefix(e, "unable to create %s: ", a->zip);
		goto out;
	}
	rc = afile_create(&df, a->descriptor, mode, e);
	if (!rc)
		rc = afile_write(&df, dbuf.p, dbuf.len, e);
	if (rc)
		goto out;
	/* Archive first: a descriptor must never name a zip that is not there. */
	rc = afile_commit(&zf, e);
	if (!rc)
		rc = afile_commit(&df, e);
out:
	afile_abort(&zf);
	afile_abort(&df);
	zipw_free(&w);
	descriptor_free(&d);
	buf_free(&mbuf);
	buf_free(&dbuf);
	if (kfd >= 0)
		close(kfd);
	if (ifd >= 0)
		close(ifd);
	return rc;
}
