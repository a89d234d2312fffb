/* SHA-256 of a file, streamed, see filehash.h. */
#include <errno.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "lethe_exit.h"
#include "fileio.h"
#include "filehash.h"

int file_sha256(const char *path, const char *what, uint8_t out[PCR_BYTES], struct tool_err *e)
{
	static uint8_t chunk[1 << 16];
	uint64_t size;
	EVP_MD_CTX *md = NULL;
	int fd = file_open_regular(path, what, &size, e), rc = 0;

	if (fd < 0)
		return e->code;
	md = EVP_MD_CTX_new();
	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		rc = err_set(e, LETHE_EXIT_TEMP, "unable to hash %s %s: OpenSSL failed", what, path);
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = err_sys(e, errno, "unable to read %s %s", what, path);
			goto out;
		}
		if (!r)
			break;
		if (!EVP_DigestUpdate(md, chunk, (size_t)r)) {
			rc = err_set(e, LETHE_EXIT_TEMP, "unable to hash %s %s: OpenSSL failed", what, path);
			goto out;
		}
	}
	if (!EVP_DigestFinal_ex(md, out, NULL))
		rc = err_set(e, LETHE_EXIT_TEMP, "unable to hash %s %s: OpenSSL failed", what, path);
out:
	EVP_MD_CTX_free(md);
	close(fd);
	return rc;
}
