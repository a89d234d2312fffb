/* Certificate decoding and chain checks, see certchk.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "lethe_exit.h"
#include "b64.h"
#include "certchk.h"
#include "fileio.h"

/* Next line of p[*off..n) without its "\n" or "\r\n"; returns its length
 * and advances *off, sets *nl to whether a line break ended it. */
static size_t next_line(const uint8_t *p, size_t n, size_t *off, const uint8_t **line, int *nl)
{
	size_t start = *off, end = start, len;

	while (end < n && p[end] != '\n')
		end++;
	*line = p + start;
	*nl = end < n;
	*off = end < n ? end + 1 : end;
	len = end - start;
	if (*nl && len && p[end - 1] == '\r')
		len--;
	return len;
}

static int line_is(const uint8_t *line, size_t len, const char *want)
{
	return len == strlen(want) && !memcmp(line, want, len);
}

static int pem_body(const uint8_t *p, size_t n, struct buf *der, struct tool_err *e)
{
	struct buf text = BUF_ZERO;
	const uint8_t *line;
	size_t off = 0, len, i;
	uint8_t *bin = NULL;
	size_t binlen;
	int nl, rc = LETHE_EXIT_USAGE, ended = 0;

	len = next_line(p, n, &off, &line, &nl);
	if (!nl || !line_is(line, len, CERT_PEM_BEGIN)) {
		err_set(e, rc, "PEM data does not start with a %s line", CERT_PEM_BEGIN);
		goto out;
	}
	while (off < n) {
		len = next_line(p, n, &off, &line, &nl);
		if (line_is(line, len, CERT_PEM_END)) {
			ended = 1;
			break;
		}
		if (!len) {
			err_set(e, rc, "empty line inside the PEM block");
			goto out;
		}
		/* Headers ("Proc-Type: ...") fail here: ':' is not base64. */
		if (buf_append(&text, line, len) < 0) {
			rc = err_sys(e, ENOMEM, "unable to decode PEM");
			goto out;
		}
	}
	if (!ended) {
		err_set(e, rc, "PEM block has no %s line", CERT_PEM_END);
		goto out;
	}
	for (i = off; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') {
			err_set(e, rc, "data after the PEM block");
			goto out;
		}
	if (b64_decode((const char *)text.p, text.len, &bin, &binlen) < 0) {
		if (errno == ENOMEM)
			rc = err_sys(e, ENOMEM, "unable to decode PEM");
		else
			err_set(e, rc, "PEM body is not canonical base64 (headers are not accepted)");
		goto out;
	}
	der->len = 0;
	if (buf_append(der, bin, binlen) < 0) {
		rc = err_sys(e, ENOMEM, "unable to decode PEM");
		goto out;
	}
	rc = 0;
out:
	free(bin);
	buf_free(&text);
	return rc;
}

int cert_decode(const uint8_t *p, size_t n, X509 **out, struct tool_err *e)
{
	static const char pem_start[] = "-----BEGIN ";
	struct buf der = BUF_ZERO;
	const unsigned char *q;
	X509 *x = NULL;
	int rc;

	*out = NULL;
	if (n > CERT_MAX_BYTES * 2)
		return err_set(e, LETHE_EXIT_USAGE, "certificate is larger than %u bytes",
			CERT_MAX_BYTES * 2);
	if (n >= sizeof pem_start - 1 && !memcmp(p, pem_start, sizeof pem_start - 1)) {
		rc = pem_body(p, n, &der, e);
		if (rc)
			goto out;
	} else if (buf_append(&der, p, n) < 0) {
		rc = err_sys(e, ENOMEM, "unable to decode certificate");
		goto out;
	}
	if (der.len == 0 || der.len > CERT_MAX_BYTES || der.len > LONG_MAX) {
		rc = err_set(e, LETHE_EXIT_USAGE, "certificate DER length %zu out of range", der.len);
		goto out;
	}
	q = der.p;
	x = d2i_X509(NULL, &q, (long)der.len);
	if (!x) {
		rc = err_set(e, LETHE_EXIT_USAGE, "not an X.509 certificate");
		goto out;
	}
	if (q != der.p + der.len) {
		rc = err_set(e, LETHE_EXIT_USAGE, "%zu bytes after the certificate",
			(size_t)(der.p + der.len - q));
		goto out;
	}
	*out = x;
	x = NULL;
	rc = 0;
out:
	X509_free(x);
	buf_free(&der);
	ERR_clear_error();
	return rc;
}

int cert_der(X509 *x, struct buf *out)
{
	unsigned char *q;
	int len = i2d_X509(x, NULL);

	out->len = 0;
	if (len <= 0 || buf_reserve(out, (size_t)len) < 0)
		return -1;
	q = out->p;
	if (i2d_X509(x, &q) != len)
		return -1;
	out->len = (size_t)len;
	return 0;
}

int cert_pem(X509 *x, struct buf *out)
{
	struct buf der = BUF_ZERO, b64 = BUF_ZERO;
	size_t i;
	int rc = -1;

	if (cert_der(x, &der) < 0 || b64_encode(der.p, der.len, &b64) < 0)
		goto out;
	if (buf_puts(out, CERT_PEM_BEGIN "\n") < 0)
		goto out;
	for (i = 0; i < b64.len; i += 64) {
		size_t k = b64.len - i < 64 ? b64.len - i : 64;

		if (buf_append(out, b64.p + i, k) < 0 || buf_putc(out, '\n') < 0)
			goto out;
	}
	if (buf_puts(out, CERT_PEM_END "\n") < 0)
		goto out;
	rc = 0;
out:
	buf_free(&der);
	buf_free(&b64);
	return rc;
}

int cert_is_ed25519(X509 *x)
{
	EVP_PKEY *k = X509_get0_pubkey(x);

	return k && EVP_PKEY_get_id(k) == EVP_PKEY_ED25519;
}

int cert_ed25519_pub(X509 *x, uint8_t pub[32])
{
	EVP_PKEY *k = X509_get0_pubkey(x);
	size_t n = 32;

	if (!k || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_public_key(k, pub, &n) != 1 || n != 32)
		return -1;
	return 0;
}

/* Extension checks shared by root and leaf; returns a reason or NULL. */
static const char *ext_problem(X509 *x)
{
	uint32_t xf = X509_get_extension_flags(x);

	if (xf & EXFLAG_INVALID)
		return "has invalid or duplicate extensions";
	if (xf & EXFLAG_CRITICAL)
		return "has an unsupported critical extension";
	return NULL;
}

int cert_check_root(X509 *root, struct tool_err *e)
{
	BASIC_CONSTRAINTS *bc;
	const char *why;
	int crit = 0, ca;

	if (!cert_is_ed25519(root))
		return err_set(e, LETHE_EXIT_USAGE, "signing root key is not Ed25519");
	why = ext_problem(root);
	if (why)
		return err_set(e, LETHE_EXIT_USAGE, "signing root %s", why);
	bc = X509_get_ext_d2i(root, NID_basic_constraints, &crit, NULL);
	ca = bc && bc->ca;
	BASIC_CONSTRAINTS_free(bc);
	ERR_clear_error();
	if (!ca)
		return err_set(e, LETHE_EXIT_USAGE,
			"signing root is not a CA (basicConstraints CA:TRUE missing)");
	return 0;
}

int cert_load_root(const char *path, X509 **out, struct tool_err *e)
{
	struct buf b = BUF_ZERO;
	int rc;

	*out = NULL;
	rc = file_read(path, "signing root", CERT_MAX_BYTES * 2, &b, e);
	if (rc)
		goto out;
	rc = cert_decode(b.p, b.len, out, e);
	if (!rc) {
		rc = cert_check_root(*out, e);
		if (rc) {
			X509_free(*out);
			*out = NULL;
		}
	}
	if (rc)
		err_prefix(e, "unable to load signing root %s: ", path);
out:
	buf_free(&b);
	return rc;
}

static void time_text(const ASN1_TIME *t, char *out, size_t cap)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1 || !strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, cap, "(unreadable time)");
}

/* notBefore <= now <= notAfter, the bounds Go checks. */
static int valid_at(X509 *x, const char *who, time_t now, char *why, size_t cap)
{
	const ASN1_TIME *nb = X509_get0_notBefore(x), *na = X509_get0_notAfter(x);
	int b = ASN1_TIME_cmp_time_t(nb, now), a = ASN1_TIME_cmp_time_t(na, now);
	char t[40];

	if (b == -2 || a == -2) {
		snprintf(why, cap, "%s has an unreadable validity period", who);
		return -1;
	}
	if (b > 0) {
		time_text(nb, t, sizeof t);
		snprintf(why, cap, "%s is not valid before %s", who, t);
		return -1;
	}
	if (a < 0) {
		time_text(na, t, sizeof t);
		snprintf(why, cap, "%s expired at %s", who, t);
		return -1;
	}
	return 0;
}

static int same_der(X509 *a, X509 *b)
{
	struct buf da = BUF_ZERO, db = BUF_ZERO;
	int same;

	same = cert_der(a, &da) == 0 && cert_der(b, &db) == 0 && da.len == db.len &&
		!memcmp(da.p, db.p, da.len);
	buf_free(&da);
	buf_free(&db);
	return same;
}

int cert_check_chain(X509 *root, X509 *leaf, time_t now, char *why, size_t cap)
{
	const char *problem;
	uint32_t xf;
	int rc = -1, v;

	if (!cert_is_ed25519(leaf)) {
		snprintf(why, cap, "certificate key is not Ed25519");
		goto out;
	}
	problem = ext_problem(leaf);
	if (problem) {
		snprintf(why, cap, "certificate %s", problem);
		goto out;
	}
	xf = X509_get_extension_flags(leaf);
	if (xf & EXFLAG_XKUSAGE) {
		snprintf(why, cap, "certificate has an extended key usage list (not accepted)");
		goto out;
	}
	if ((xf & EXFLAG_KUSAGE) && !(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE)) {
		snprintf(why, cap, "certificate key usage lacks digitalSignature");
		goto out;
	}
	if (valid_at(leaf, "certificate", now, why, cap) < 0)
		goto out;
	if (same_der(leaf, root)) {
		rc = 0;
		goto out;
	}
	v = X509_check_issued(root, leaf);
	if (v != X509_V_OK) {
		snprintf(why, cap, "certificate is not issued by the signing root: %s",
			X509_verify_cert_error_string(v));
		goto out;
	}
	if (X509_verify(leaf, X509_get0_pubkey(root)) != 1) {
		snprintf(why, cap, "certificate signature does not verify with the signing root key");
		goto out;
	}
	if (valid_at(root, "signing root", now, why, cap) < 0)
		goto out;
	rc = 0;
out:
	ERR_clear_error();
	return rc;
}
