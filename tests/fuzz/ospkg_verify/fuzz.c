/* Fuzz harness for the parsers `ospkg verify` runs on untrusted input: the
 * descriptor (JSON, base64, the certificates inside it, the chain check),
 * the zip reader and manifest.json.  Every input goes through all of them;
 * each parser rejects the others' formats in its first bytes.
 *
 * Built with -DLETHE_LIBFUZZER it is a libFuzzer target; otherwise main()
 * replays files (or directories of files) given as arguments, or stdin,
 * so the corpus runs in every `make check` (under ASan/UBSan with SAN=1).
 * Round trips abort on mismatch: parse -> render -> parse must agree. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/x509.h>

#include "certchk.h"
#include "descriptor.h"
#include "err.h"
#include "fileio.h"
#include "manifest.h"
#include "zip.h"

#define FUZZ_MAX_BYTES (4u << 20)

static void fuzz_descriptor(const uint8_t *p, size_t n)
{
	struct tool_err e = { 0, "" };
	struct descriptor d, again;
	struct buf out = BUF_ZERO;
	size_t i;

	if (descriptor_parse(p, n, &d, &e))
		return;
	if (descriptor_render(&d, &out, &e) || descriptor_parse(out.p, out.len, &again, &e))
		abort();
	if (again.count != d.count || strcmp(again.url, d.url))
		abort();
	for (i = 0; i < d.count; i++) {
		X509 *x = NULL;

		if (again.cert[i].n != d.cert[i].n || again.sig[i].n != d.sig[i].n ||
		    memcmp(again.cert[i].p, d.cert[i].p, d.cert[i].n) ||
		    memcmp(again.sig[i].p, d.sig[i].p, d.sig[i].n))
			abort();
		if (cert_decode(d.cert[i].p, d.cert[i].n, &x, &e) == 0) {
			char why[256];

			/* Self-check exercises the root rules and both chain paths. */
			(void)cert_check_root(x, &e);
			(void)cert_check_chain(x, x, 1800000000, why, sizeof why);
			X509_free(x);
		}
	}
	descriptor_free(&again);
	descriptor_free(&d);
	buf_free(&out);
}

static void fuzz_manifest(const uint8_t *p, size_t n)
{
	struct tool_err e = { 0, "" };
	struct manifest m, again;
	struct buf out = BUF_ZERO;

	if (manifest_parse(p, n, &m, &e))
		return;
	if (manifest_render(&m, &out, &e) || manifest_parse(out.p, out.len, &again, &e))
		abort();
	if (strcmp(m.label, again.label) || strcmp(m.kernel, again.kernel) ||
	    strcmp(m.initramfs, again.initramfs) || strcmp(m.cmdline, again.cmdline))
		abort();
	manifest_free(&again);
	manifest_free(&m);
	buf_free(&out);
}

static void fuzz_zip(const uint8_t *p, size_t n)
{
	struct tool_err e = { 0, "" };
	struct zip_archive za;
	struct manifest m;
	size_t i;

	if (zip_parse(p, n, &za, &e))
		return;
	for (i = 0; i < za.count; i++) {
		const struct zip_entry *ent = &za.entries[i];

		if (ent->data_off > n || n - ent->data_off < ent->size ||
		    zip_crc32(0, p + ent->data_off, ent->size) != ent->crc ||
		    zip_find(&za, ent->name) != ent)
			abort();
	}
	if (manifest_check_archive(p, &za, &m, &e) == 0)
		manifest_free(&m);
	zip_archive_free(&za);
}

static void fuzz_one(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy, so ASan sees any read past the end. */
	uint8_t *p = malloc(size ? size : 1);
	X509 *x = NULL;
	struct tool_err e = { 0, "" };

	if (!p)
		abort();
	memcpy(p, data, size);
	fuzz_descriptor(p, size);
	fuzz_manifest(p, size);
	fuzz_zip(p, size);
	if (cert_decode(p, size, &x, &e) == 0)
		X509_free(x);
	free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one(data, size);
	return 0;
}

#define FUZZ_NAME "fuzz_ospkg"
#include "../replay.h"
