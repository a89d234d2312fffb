/* Test helpers, see testutil.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "testutil.h"
#include "err.h"
#include "fileio.h"
#include "manifest.h"
#include "ospkg.h"
#include "zip.h"

char *tu_mkdtemp(void)
{
	const char *t = getenv("TMPDIR");
	char *dir;

	if (!t || !*t)
		t = "/tmp";
	assert_true(asprintf(&dir, "%s/test_ospkg.XXXXXX", t) > 0);
	assert_non_null(mkdtemp(dir));
	return dir;
}

void tu_rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char *p;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		p = tu_path(dir, de->d_name);
		if (unlink(p) < 0 && errno == EISDIR)
			tu_rmtree(p);
		free(p);
	}
	closedir(d);
	rmdir(dir);
}

char *tu_path(const char *dir, const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

void tu_write(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

void tu_read(const char *path, struct buf *b)
{
	struct tool_err e = { 0, "" };

	assert_int_equal(file_read(path, "test file", 1u << 30, b, &e), 0);
}

EVP_PKEY *tc_key(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

	assert_non_null(k);
	return k;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

X509 *tc_cert(EVP_PKEY *subject_key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
	time_t nb, time_t na, unsigned flags)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();

	assert_non_null(x);
	assert_non_null(name);
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), serial++), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
		(const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_set_subject_name(x, name), 1);
	assert_int_equal(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name), 1);
	X509_NAME_free(name);
	assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x), nb));
	assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x), na));
	assert_int_equal(X509_set_pubkey(x, subject_key), 1);
	add_ext(x, issuer, NID_basic_constraints, (flags & TC_CA) ? "critical,CA:TRUE" : "critical,CA:FALSE");
	if (flags & TC_KU_CERTSIGN)
		add_ext(x, issuer, NID_key_usage, "critical,keyCertSign");
	else if (!(flags & TC_NO_KU))
		add_ext(x, issuer, NID_key_usage, (flags & TC_CA) ?
			"critical,digitalSignature,keyCertSign" : "critical,digitalSignature");
	if (flags & TC_EKU)
		add_ext(x, issuer, NID_ext_key_usage, "serverAuth");
	add_ext(x, issuer, NID_subject_key_identifier, "hash");
	if (issuer)
		add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
	if (flags & TC_CRIT_UNKNOWN) {
		ASN1_OBJECT *obj = OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1);
		ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
		X509_EXTENSION *ext;

		assert_non_null(obj);
		assert_non_null(os);
		assert_int_equal(ASN1_OCTET_STRING_set(os, (const unsigned char *)"\x05\x00", 2), 1);
		ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 1, os);
		assert_non_null(ext);
		assert_int_equal(X509_add_ext(x, ext, -1), 1);
		X509_EXTENSION_free(ext);
		ASN1_OCTET_STRING_free(os);
		ASN1_OBJECT_free(obj);
	}
	assert_true(X509_sign(x, issuer_key, NULL) > 0);
	return x;
}

void tc_write_cert(const char *path, X509 *x)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, x), 1);
	assert_int_equal(fclose(f), 0);
}

void tc_write_key(const char *path, EVP_PKEY *k)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	assert_int_equal(fclose(f), 0);
}

void tu_make_package(struct buf *zip, const char *kernel, const char *initramfs,
	const char *cmdline)
{
	struct manifest m = { (char *)"test", (char *)OSPKG_KERNEL_NAME,
		(char *)OSPKG_INITRAMFS_NAME, (char *)cmdline };
	struct tool_err e = { 0, "" };
	struct buf mb = BUF_ZERO;
	struct zip_writer w;
	char *dir = tu_mkdtemp(), *path = tu_path(dir, "p.zip");
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);

	assert_true(fd >= 0);
	assert_int_equal(manifest_render(&m, &mb, &e), 0);
	zipw_init(&w, fd);
	assert_int_equal(zipw_add_dir(&w, OSPKG_DIR_NAME, &e), 0);
	assert_int_equal(zipw_add_buf(&w, OSPKG_KERNEL_NAME, (const uint8_t *)kernel,
		strlen(kernel), &e), 0);
	assert_int_equal(zipw_add_buf(&w, OSPKG_INITRAMFS_NAME, (const uint8_t *)initramfs,
		strlen(initramfs), &e), 0);
	assert_int_equal(zipw_add_buf(&w, MANIFEST_NAME, mb.p, mb.len, &e), 0);
	assert_int_equal(zipw_finish(&w, &e), 0);
	zipw_free(&w);
	close(fd);
	tu_read(path, zip);
	unlink(path);
	tu_rmtree(dir);
	free(path);
	free(dir);
	buf_free(&mb);
}
