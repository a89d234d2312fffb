/* ospkg verify: check an OS package the way stboot does, and stricter.
 *
 * Order: descriptor syntax, archive structure and manifest (either failing
 * is malformed input, exit 100), then every certificate/signature pair,
 * then the threshold (exit 1 if not met).  The per-pair rules follow
 * stboot's OSPackage.Verify: a certificate that does not parse aborts the
 * whole check; a certificate that fails the chain check skips its
 * signature; a certificate already used by an earlier pair that passed the
 * chain check skips its signature even if that earlier signature was bad
 * (stboot records the certificate before checking the signature, so we
 * never count what stboot would not).  We also treat a different
 * certificate for an already used public key as a duplicate: one key, one
 * vote. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "lethe_exit.h"
#include "buf.h"
#include "certchk.h"
#include "descriptor.h"
#include "ed25519.h"
#include "fileio.h"
#include "manifest.h"
#include "ospkg.h"
#include "zip.h"

int verify_archive(const uint8_t *zip, size_t len, struct tool_err *e)
{
	struct zip_archive za;
	struct manifest m;
	int rc;

	rc = zip_parse(zip, len, &za, e);
	if (rc)
		return rc;
	rc = manifest_check_archive(zip, &za, &m, e);
	if (!rc)
		manifest_free(&m);
	zip_archive_free(&za);
	return rc;
}

struct used_cert {
	struct buf der;
	uint8_t pub[32];
};

/* Index of an earlier used certificate equal to der or with key pub, or -1. */
static int used_find(const struct used_cert *u, size_t n, const struct buf *der,
	const uint8_t pub[32])
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((u[i].der.len == der->len && !memcmp(u[i].der.p, der->p, der->len)) ||
		    !memcmp(u[i].pub, pub, 32))
			return (int)i;
	return -1;
}

int verify_package(const struct verify_input *in, FILE *diag, struct verify_result *r,
	struct tool_err *e)
{
	const char *zname = in->zip_name ? in->zip_name : "archive";
	const char *dname = in->desc_name ? in->desc_name : "descriptor";
	struct used_cert used[DESC_MAX_SIGS];
	size_t nused = 0, i;
	struct descriptor d;
	struct buf der = BUF_ZERO;
	X509 *leaf = NULL;
	int rc;

	memset(r, 0, sizeof *r);
	memset(used, 0, sizeof used);
	if (in->threshold < 1 || in->threshold > VERIFY_THRESHOLD_MAX)
		return err_set(e, LETHE_EXIT_USAGE, "threshold %u out of range 1..%u",
			in->threshold, VERIFY_THRESHOLD_MAX);
	rc = descriptor_parse(in->desc, in->desc_len, &d, e);
	if (rc) {
		err_prefix(e, "unable to parse %s: ", dname);
		return rc;
	}
	rc = verify_archive(in->zip, in->zip_len, e);
	if (rc) {
		err_prefix(e, "unable to parse %s: ", zname);
		goto out;
	}
	if (digest_sha256(in->zip, in->zip_len, r->hash) < 0) {
		rc = err_set(e, LETHE_EXIT_TEMP, "unable to hash %s", zname);
		goto out;
	}
	r->total = d.count;
	for (i = 0; i < d.count; i++) {
		uint8_t pub[32];
		char why[256];
		int dup;

		X509_free(leaf);
		leaf = NULL;
		rc = cert_decode(d.cert[i].p, d.cert[i].n, &leaf, e);
		if (rc) {
			err_prefix(e, "unable to parse %s: certificates[%zu]: ", dname, i);
			goto out;
		}
		if (cert_check_chain(in->root, leaf, in->now, why, sizeof why) < 0) {
			fprintf(diag, "%s: signatures[%zu]: skipped: %s\n", OSPKG_PROG, i, why);
			continue;
		}
		if (cert_der(leaf, &der) < 0 || cert_ed25519_pub(leaf, pub) < 0) {
			rc = err_set(e, LETHE_EXIT_TEMP, "unable to encode certificates[%zu]", i);
			goto out;
		}
		dup = used_find(used, nused, &der, pub);
		if (dup >= 0) {
			fprintf(diag, "%s: signatures[%zu]: skipped: certificate or key already used by signatures[%d]\n",
				OSPKG_PROG, i, dup);
			continue;
		}
		used[nused].der = der;
		memcpy(used[nused].pub, pub, 32);
		memset(&der, 0, sizeof der);
		nused++;
		if (d.sig[i].n != ED25519_SIG_BYTES) {
			fprintf(diag, "%s: signatures[%zu]: invalid: %zu bytes, not a 64-byte Ed25519 signature (sigsum proofs are not supported)\n",
				OSPKG_PROG, i, d.sig[i].n);
			continue;
		}
		if (!ed25519_verify(X509_get0_pubkey(leaf), r->hash, DIGEST_BYTES, d.sig[i].p,
			d.sig[i].n)) {
			fprintf(diag, "%s: signatures[%zu]: invalid: Ed25519 signature does not verify\n",
				OSPKG_PROG, i);
			continue;
		}
		r->valid++;
	}
	if (r->valid < in->threshold) {
		rc = err_set(e, LETHE_EXIT_REFUSED,
			"unable to verify %s: %zu of %zu signatures valid, threshold %u", zname,
			r->valid, r->total, in->threshold);
		goto out;
	}
	rc = 0;
out:
	X509_free(leaf);
	buf_free(&der);
	for (i = 0; i < nused; i++)
		buf_free(&used[i].der);
	descriptor_free(&d);
	ERR_clear_error();
	return rc;
}

int verify_run(const struct verify_args *a, FILE *out, FILE *diag, struct tool_err *e)
{
	struct buf desc = BUF_ZERO, zip = BUF_ZERO;
	struct verify_input in;
	struct verify_result r;
	char hex[DIGEST_HEX_BYTES];
	X509 *root = NULL;
	int rc;

	rc = cert_load_root(a->root, &root, e);
	if (rc)
		goto out;
	rc = file_read(a->descriptor, "descriptor", DESC_MAX_BYTES, &desc, e);
	if (rc)
		goto out;
	rc = file_read(a->zip, "archive", ZIP_MAX_BYTES, &zip, e);
	if (rc)
		goto out;
	memset(&in, 0, sizeof in);
	in.root = root;
	in.zip = zip.p;
	in.zip_len = zip.len;
	in.desc = desc.p;
	in.desc_len = desc.len;
	in.zip_name = a->zip;
	in.desc_name = a->descriptor;
	in.threshold = a->threshold;
	in.now = a->now;
	rc = verify_package(&in, diag, &r, e);
	if (rc)
		goto out;
	digest_hex(r.hash, hex);
	fprintf(out, "%s: OK: %zu of %zu signatures valid (threshold %u), sha256 %s\n", OSPKG_PROG,
		r.valid, r.total, a->threshold, hex);
	if (fflush(out) != 0)
		rc = err_sys(e, errno, "unable to write to stdout");
out:
	X509_free(root);
	buf_free(&desc);
	buf_free(&zip);
	return rc;
}
