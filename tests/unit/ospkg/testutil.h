/* Shared helpers for the ospkg unit tests: scratch directories, files,
 * Ed25519 keys and certificates made at test time (no key material is
 * stored in the repository). */
#ifndef OSPKG_TESTUTIL_H
#define OSPKG_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "buf.h"

/* Certificate shape flags for tc_cert(). */
#define TC_CA 1u            /* basicConstraints critical CA:TRUE */
#define TC_EKU 2u           /* extendedKeyUsage serverAuth */
#define TC_NO_KU 4u         /* no keyUsage extension at all */
#define TC_KU_CERTSIGN 8u   /* keyUsage keyCertSign only (no digitalSignature) */
#define TC_CRIT_UNKNOWN 16u /* an unknown critical extension */

/* A fresh scratch directory under $TMPDIR; tu_rmtree removes it. */
char *tu_mkdtemp(void);
void tu_rmtree(const char *dir);
/* dir + "/" + name, malloc'd. */
char *tu_path(const char *dir, const char *name);
void tu_write(const char *path, const void *p, size_t n);
/* Whole file into b (fails the test on error). */
void tu_read(const char *path, struct buf *b);

EVP_PKEY *tc_key(void);
/* Certificate for subject_key named cn, issued by issuer (NULL: self) and
 * signed with issuer_key, valid from nb to na. */
X509 *tc_cert(EVP_PKEY *subject_key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
	time_t nb, time_t na, unsigned flags);
/* PEM text of a certificate / PKCS#8 PEM of a private key, as files. */
void tc_write_cert(const char *path, X509 *x);
void tc_write_key(const char *path, EVP_PKEY *k);

/* An archive holding the package layout (boot/, kernel, initramfs,
 * manifest) with the given contents, made with the zip writer. */
void tu_make_package(struct buf *zip, const char *kernel, const char *initramfs,
	const char *cmdline);

int run_zip_tests(void);
int run_json_tests(void);
int run_descriptor_tests(void);
int run_verify_tests(void);
int run_cmd_tests(void);

#endif
