/* SHA-256 helpers, see digest.h. */
#include <errno.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "lethe_exit.h"
#include "digest.h"
#include "fileio.h"

int digest_sha256(const uint8_t *p, size_t n, uint8_t out[DIGEST_BYTES])
{
	unsigned int len = 0;

	if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1 || len != DIGEST_BYTES) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

int digest_sha256_file(const char *path, uint8_t out[DIGEST_BYTES], struct tool_err *e)
{
	static uint8_t chunk[1 << 16];
	EVP_MD_CTX *ctx = NULL;
	unsigned int len = 0;
	uint64_t size;
	int fd, rc;

	fd = file_open_regular(path, "archive", &size, e);
	if (fd < 0)
		return e->code;
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		rc = err_set(e, LETHE_EXIT_TEMP, "unable to hash %s: OpenSSL SHA-256 unavailable", path);
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = err_sys(e, errno, "unable to read archive %s", path);
			goto out;
		}
		if (r == 0)
			break;
		if (EVP_DigestUpdate(ctx, chunk, (size_t)r) != 1) {
			rc = err_set(e, LETHE_EXIT_TEMP, "unable to hash %s", path);
			goto out;
		}
	}
	if (EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != DIGEST_BYTES) {
		rc = err_set(e, LETHE_EXIT_TEMP, "unable to hash %s", path);
		goto out;
	}
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	close(fd);
	return rc;
}

void digest_hex(const uint8_t d[DIGEST_BYTES], char out[DIGEST_HEX_BYTES])
{
	static const char hex[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < DIGEST_BYTES; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * DIGEST_BYTES] = 0;
}
