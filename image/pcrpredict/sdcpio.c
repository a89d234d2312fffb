/* systemd-stub 257's generated initrds, see sdcpio.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "lethe_exit.h"
#include "sdcpio.h"

#define SDCPIO_DATA_MAX (1u << 20)
#define SDCPIO_NAME_MAX 64u
#define HDR 110u /* "070701" and 13 eight-digit hex fields */

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* One newc header and its NUL-terminated name at P, padded to 4; returns
 * the bytes written.  P has room: the caller sized the buffer. */
static size_t put_entry(uint8_t *p, unsigned ino, unsigned mode, size_t size, const char *path)
{
	size_t plen = strlen(path) + 1;
	char hdr[HDR + 1];

	/* snprintf cannot truncate: 6 + 13 * 8 characters exactly. */
	snprintf(hdr, sizeof hdr, "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x", ino,
		mode, 0u, 0u, 1u, 0u, (unsigned)size, 0u, 0u, 0u, 0u, (unsigned)plen, 0u);
	memcpy(p, hdr, HDR);
	memcpy(p + HDR, path, plen);
	memset(p + HDR + plen, 0, align4(HDR + plen) - HDR - plen);
	return align4(HDR + plen);
}

int sdcpio_literal(const char *dir, const char *name, const uint8_t *data, size_t n,
	uint8_t **out, size_t *outlen, struct tool_err *e)
{
	/* The trailer as systemd writes it: upper-case B in the name size, and
	 * four NULs after "TRAILER!!!" (three in the literal, one its end). */
	static const char trailer[] = "070701"
				      "00000000000000000000000000000000"
				      "00000001"
				      "000000000000000000000000000000000000000000000000"
				      "0000000B"
				      "00000000"
				      "TRAILER!!!\0\0\0";
	char path[2 * SDCPIO_NAME_MAX + 2];
	size_t len, off = 0;
	uint8_t *b;

	if (n > SDCPIO_DATA_MAX)
		return err_set(e, LETHE_EXIT_USAGE, "section for /%s/%s over %u bytes", dir, name,
			SDCPIO_DATA_MAX);
	if (strlen(dir) > SDCPIO_NAME_MAX || strlen(name) > SDCPIO_NAME_MAX || strchr(dir, '/'))
		return err_set(e, LETHE_EXIT_USAGE, "cpio name %s/%s not supported", dir, name);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	len = align4(HDR + strlen(dir) + 1) + align4(HDR + strlen(path) + 1) + align4(n) +
	      sizeof trailer;
	b = malloc(len);
	if (!b)
		return err_set(e, LETHE_EXIT_TEMP, "unable to build the stub's cpio: out of memory");
	off += put_entry(b + off, 1, 040555, 0, dir);
	off += put_entry(b + off, 2, 0100444, n, path);
	if (n)
		memcpy(b + off, data, n);
	memset(b + off + n, 0, align4(n) - n);
	off += align4(n);
	memcpy(b + off, trailer, sizeof trailer);
	off += sizeof trailer;
	*out = b;
	*outlen = off;
	return 0;
}

int sdcpio_combined_sha256(const uint8_t *const parts[], const size_t lens[], size_t nparts,
	uint8_t digest[32], struct tool_err *e)
{
	static const uint8_t zero[4];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok;
	size_t i;

	ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (i = 0; ok && i < nparts; i++)
		ok = EVP_DigestUpdate(md, parts[i], lens[i]) &&
		     EVP_DigestUpdate(md, zero, align4(lens[i]) - lens[i]);
	ok = ok && EVP_DigestFinal_ex(md, digest, NULL);
	EVP_MD_CTX_free(md);
	return ok ? 0 : err_set(e, LETHE_EXIT_TEMP, "unable to hash the stub's initrd");
}
