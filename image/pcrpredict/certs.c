/* PEM to DER, see certs.h.  OpenSSL parses; we only count and concatenate. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "lethe_exit.h"
#include "certs.h"

int certs_pem_to_der(const uint8_t *pem, size_t n, unsigned min, unsigned max, uint8_t **der,
	size_t *len, struct tool_err *e)
{
	BIO *bio = NULL;
	X509 *x = NULL;
	uint8_t *out = NULL;
	size_t used = 0;
	unsigned count = 0;
	int rc = 0;

	*der = NULL;
	*len = 0;
	if (n > INT_MAX)
		return err_set(e, LETHE_EXIT_USAGE, "certificate file too large");
	bio = BIO_new_mem_buf(pem, (int)n);
	if (!bio)
		return err_set(e, LETHE_EXIT_TEMP, "out of memory");
	for (;;) {
		unsigned char *p;
		uint8_t *grown;
		int dl;

		ERR_clear_error();
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		if (!x) {
			unsigned long err = ERR_peek_last_error();

			/* The normal end: no more PEM blocks. */
			if (ERR_GET_REASON(err) == PEM_R_NO_START_LINE) {
				ERR_clear_error();
				break;
			}
			rc = err_set(e, LETHE_EXIT_USAGE, "certificate %u: not a PEM certificate", count + 1);
			goto out;
		}
		if (++count > max) {
			rc = err_set(e, LETHE_EXIT_USAGE, "over %u certificates", max);
			goto out;
		}
		dl = i2d_X509(x, NULL);
		if (dl <= 0) {
			rc = err_set(e, LETHE_EXIT_USAGE, "certificate %u: unable to encode", count);
			goto out;
		}
		grown = realloc(out, used + (size_t)dl);
		if (!grown) {
			rc = err_set(e, LETHE_EXIT_TEMP, "out of memory");
			goto out;
		}
		out = grown;
		p = out + used;
		if (i2d_X509(x, &p) != dl) {
			rc = err_set(e, LETHE_EXIT_USAGE, "certificate %u: unable to encode", count);
			goto out;
		}
		used += (size_t)dl;
		X509_free(x);
		x = NULL;
	}
	if (count < min) {
		rc = err_set(e, LETHE_EXIT_USAGE, "%u certificates, need at least %u", count, min);
		goto out;
	}
	*der = out;
	*len = used;
	out = NULL;
out:
	X509_free(x);
	BIO_free(bio);
	free(out);
	return rc;
}
