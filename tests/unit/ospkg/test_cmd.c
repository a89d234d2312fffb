/* The create, sign and verify commands end to end, on files in a scratch
 * directory; the signature is checked with libsodium, an Ed25519
 * implementation independent of OpenSSL. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <sodium.h>

#include "testutil.h"
#include "b64.h"
#include "certchk.h"
#include "descriptor.h"
#include "digest.h"
#include "err.h"
#include "ospkg.h"

static struct {
	char *dir;
	char *kernel, *initramfs, *zip, *desc, *root_pem, *leaf_pem, *leaf_key, *other_key;
	EVP_PKEY *root_key, *leaf_k, *other_k;
	X509 *root, *leaf;
} fx;

static int setup(void **state)
{
	time_t now = time(NULL);

	(void)state;
	assert_true(sodium_init() >= 0);
	fx.dir = tu_mkdtemp();
	fx.kernel = tu_path(fx.dir, "vmlinuz");
	fx.initramfs = tu_path(fx.dir, "initramfs.cpio.zst");
	fx.zip = tu_path(fx.dir, "p.zip");
	fx.desc = tu_path(fx.dir, "p.json");
	fx.root_pem = tu_path(fx.dir, "root.pem");
	fx.leaf_pem = tu_path(fx.dir, "leaf.pem");
	fx.leaf_key = tu_path(fx.dir, "leaf.key");
	fx.other_key = tu_path(fx.dir, "other.key");
	tu_write(fx.kernel, "KERNEL", 6);
	tu_write(fx.initramfs, "INITRAMFS", 9);
	fx.root_key = tc_key();
	fx.leaf_k = tc_key();
	fx.other_k = tc_key();
	fx.root = tc_cert(fx.root_key, "root", NULL, fx.root_key, now - 86400, now + 86400, TC_CA);
	fx.leaf = tc_cert(fx.leaf_k, "leaf", fx.root, fx.root_key, now - 86400, now + 86400, 0);
	tc_write_cert(fx.root_pem, fx.root);
	tc_write_cert(fx.leaf_pem, fx.leaf);
	tc_write_key(fx.leaf_key, fx.leaf_k);
	tc_write_key(fx.other_key, fx.other_k);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(fx.dir);
	free(fx.dir);
	free(fx.kernel);
	free(fx.initramfs);
	free(fx.zip);
	free(fx.desc);
	free(fx.root_pem);
	free(fx.leaf_pem);
	free(fx.leaf_key);
	free(fx.other_key);
	EVP_PKEY_free(fx.root_key);
	EVP_PKEY_free(fx.leaf_k);
	EVP_PKEY_free(fx.other_k);
	X509_free(fx.root);
	X509_free(fx.leaf);
	return 0;
}

static int create_pkg(const char *cmdline, const char *url, struct tool_err *e)
{
	struct create_args a = { fx.kernel, fx.initramfs, cmdline, "lethe test", url, fx.zip,
		fx.desc };

	unlink(fx.zip);
	unlink(fx.desc);
	return create_run(&a, e);
}

/* Number of directory entries whose name contains ".tmp". */
static int temporaries_left(void)
{
	DIR *d = opendir(fx.dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".tmp"))
			n++;
	closedir(d);
	return n;
}

static void test_create_is_deterministic(void **state)
{
	static const char want_desc[] =
		"{\n  \"version\": 1,\n  \"os_pkg_url\": \"lethe.zip\",\n"
		"  \"certificates\": null,\n  \"signatures\": null\n}\n";
	struct tool_err e = { 0, "" };
	struct buf a = BUF_ZERO, b = BUF_ZERO, d = BUF_ZERO;
	struct stat st;

	(void)state;
	assert_int_equal(create_pkg("console=ttyS0", "lethe.zip", &e), 0);
	tu_read(fx.zip, &a);
	tu_read(fx.desc, &d);
	assert_int_equal(d.len, sizeof want_desc - 1);
	assert_memory_equal(d.p, want_desc, d.len);
	assert_int_equal(verify_archive(a.p, a.len, &e), 0);
	/* Same inputs, later, different mtimes: same bytes. */
	tu_write(fx.kernel, "KERNEL", 6);
	assert_int_equal(create_pkg("console=ttyS0", "lethe.zip", &e), 0);
	tu_read(fx.zip, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.p, b.p, a.len);
	/* 4 local headers + names + data + manifest + central + end record. */
	assert_int_equal(a.len, (size_t)(30 * 4 + 46 * 4 + 22 + 2 * (5 + 12 + 23 + 13) + 6 + 9 +
		strlen("{\n  \"version\": 1,\n  \"label\": \"lethe test\",\n"
		"  \"kernel\": \"boot/vmlinuz\",\n  \"initramfs\": \"boot/initramfs.cpio.zst\",\n"
		"  \"cmdline\": \"console=ttyS0\"\n}")));
	assert_int_equal(stat(fx.zip, &st), 0);
	assert_int_equal(temporaries_left(), 0);
	buf_free(&a);
	buf_free(&b);
	buf_free(&d);
}

static void test_create_refuses_bad_input(void **state)
{
	struct tool_err e = { 0, "" };
	char *empty = tu_path(fx.dir, "empty");
	struct create_args a = { empty, fx.initramfs, "c", "l", "", fx.zip, fx.desc };

	(void)state;
	tu_write(empty, "", 0);
	unlink(fx.zip);
	unlink(fx.desc);
	assert_int_equal(create_run(&a, &e), 100);
	assert_non_null(strstr(e.msg, "empty file"));
	a.kernel = fx.kernel;
	a.url = "ftp://x/y";
	assert_int_equal(create_run(&a, &e), 100);
	assert_non_null(strstr(e.msg, "not http or https"));
	a.url = "";
	a.cmdline = "bad \xc3";
	assert_int_equal(create_run(&a, &e), 100);
	assert_non_null(strstr(e.msg, "not valid UTF-8"));
	a.cmdline = "c";
	a.initramfs = fx.dir;
	assert_int_equal(create_run(&a, &e), 100);
	assert_non_null(strstr(e.msg, "not a regular file"));
	a.initramfs = "/nonexistent/x";
	assert_int_equal(create_run(&a, &e), 100);
	assert_non_null(strstr(e.msg, "No such file"));
	assert_int_equal(access(fx.zip, F_OK), -1);
	assert_int_equal(access(fx.desc, F_OK), -1);
	assert_int_equal(temporaries_left(), 0);
	unlink(empty);
	free(empty);
}

static void test_sign_then_verify(void **state)
{
	struct sign_args s = { fx.leaf_key, fx.leaf_pem, fx.zip, fx.desc };
	struct verify_args v = { fx.root_pem, fx.zip, fx.desc, 1, 0 };
	struct tool_err e = { 0, "" };
	struct buf zip = BUF_ZERO, desc = BUF_ZERO, pem = BUF_ZERO;
	struct descriptor d;
	uint8_t hash[DIGEST_BYTES], pub[32];
	char hex[DIGEST_HEX_BYTES], *out = NULL, *diag = NULL, want[200];
	size_t outlen = 0, diaglen = 0;
	FILE *fo, *fd;

	(void)state;
	v.now = time(NULL);
	assert_int_equal(create_pkg("console=ttyS0", "", &e), 0);
	assert_int_equal(sign_run(&s, &e), 0);
	assert_int_equal(temporaries_left(), 0);

	/* The descriptor: the certificate as base64 of its PEM text, and a
	 * signature libsodium accepts over the 32 raw bytes of SHA-256(zip). */
	tu_read(fx.zip, &zip);
	tu_read(fx.desc, &desc);
	assert_int_equal(descriptor_parse(desc.p, desc.len, &d, &e), 0);
	assert_int_equal(d.count, 1);
	assert_int_equal(cert_pem(fx.leaf, &pem), 0);
	assert_int_equal(d.cert[0].n, pem.len);
	assert_memory_equal(d.cert[0].p, pem.p, pem.len);
	assert_int_equal(d.sig[0].n, crypto_sign_BYTES);
	assert_int_equal(digest_sha256(zip.p, zip.len, hash), 0);
	assert_int_equal(cert_ed25519_pub(fx.leaf, pub), 0);
	assert_int_equal(crypto_sign_verify_detached(d.sig[0].p, hash, sizeof hash, pub), 0);
	/* Not over the zip itself, not over the hex digest. */
	assert_int_not_equal(crypto_sign_verify_detached(d.sig[0].p, zip.p, zip.len, pub), 0);
	descriptor_free(&d);

	fo = open_memstream(&out, &outlen);
	fd = open_memstream(&diag, &diaglen);
	assert_non_null(fo);
	assert_non_null(fd);
	assert_int_equal(verify_run(&v, fo, fd, &e), 0);
	fclose(fo);
	fclose(fd);
	digest_hex(hash, hex);
	snprintf(want, sizeof want, "ospkg: OK: 1 of 1 signatures valid (threshold 1), sha256 %s\n", hex);
	assert_string_equal(out, want);
	assert_string_equal(diag, "");
	free(out);
	free(diag);

	/* Signing again with the same certificate is refused, file untouched. */
	assert_int_equal(sign_run(&s, &e), 100);
	assert_non_null(strstr(e.msg, "already in the descriptor"));
	buf_free(&pem);
	tu_read(fx.desc, &pem);
	assert_int_equal(pem.len, desc.len);
	assert_memory_equal(pem.p, desc.p, desc.len);
	buf_free(&zip);
	buf_free(&desc);
	buf_free(&pem);
}

/* Key errors: one message naming the file, never quoting it; exit 100;
 * the descriptor unchanged and no temporary left behind. */
static void test_sign_key_errors(void **state)
{
	struct sign_args s = { NULL, fx.leaf_pem, fx.zip, fx.desc };
	struct tool_err e = { 0, "" };
	struct buf before = BUF_ZERO, after = BUF_ZERO, key = BUF_ZERO;
	char *missing = tu_path(fx.dir, "missing.key"), *enc = tu_path(fx.dir, "enc.key");
	char *garbage = tu_path(fx.dir, "garbage.key");
	FILE *f;

	(void)state;
	assert_int_equal(create_pkg("c", "", &e), 0);
	tu_read(fx.desc, &before);

	s.key = missing;
	assert_int_equal(sign_run(&s, &e), 100);
	assert_non_null(strstr(e.msg, "unable to open signing key"));
	assert_non_null(strstr(e.msg, missing));
	assert_null(strchr(e.msg, '\n'));

	s.key = fx.other_key;
	assert_int_equal(sign_run(&s, &e), 100);
	assert_non_null(strstr(e.msg, "does not match certificate"));
	tu_read(fx.other_key, &key);
	assert_int_equal(buf_putc(&key, 0), 0);
	/* The base64 body line of the key file never appears in a message. */
	assert_null(strstr(e.msg, strchr((const char *)key.p, '\n') + 1));

	f = fopen(enc, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, fx.leaf_k, EVP_aes_256_cbc(),
		(const unsigned char *)"pw", 2, NULL, NULL), 1);
	fclose(f);
	s.key = enc;
	assert_int_equal(sign_run(&s, &e), 100);
	assert_non_null(strstr(e.msg, "not an unencrypted PKCS#8 PEM private key"));

	tu_write(garbage, "not a key\n", 10);
	s.key = garbage;
	assert_int_equal(sign_run(&s, &e), 100);
	s.key = fx.dir;
	assert_int_equal(sign_run(&s, &e), 100);
	assert_non_null(strstr(e.msg, "not a regular file"));

	tu_read(fx.desc, &after);
	assert_int_equal(after.len, before.len);
	assert_memory_equal(after.p, before.p, before.len);
	assert_int_equal(temporaries_left(), 0);
	unlink(enc);
	unlink(garbage);
	free(missing);
	free(enc);
	free(garbage);
	buf_free(&before);
	buf_free(&after);
	buf_free(&key);
}

static void test_sign_refuses_malformed_archive(void **state)
{
	struct sign_args s = { fx.leaf_key, fx.leaf_pem, fx.zip, fx.desc };
	struct tool_err e = { 0, "" };
	struct buf zip = BUF_ZERO;

	(void)state;
	assert_int_equal(create_pkg("c", "", &e), 0);
	tu_read(fx.zip, &zip);
	zip.p[40] ^= 1;
	tu_write(fx.zip, zip.p, zip.len);
	assert_int_equal(sign_run(&s, &e), 100);
	assert_non_null(strstr(e.msg, "unable to parse archive"));
	buf_free(&zip);
}

int run_cmd_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_is_deterministic),
		cmocka_unit_test(test_create_refuses_bad_input),
		cmocka_unit_test(test_sign_then_verify),
		cmocka_unit_test(test_sign_key_errors),
		cmocka_unit_test(test_sign_refuses_malformed_archive),
	};

	return cmocka_run_group_tests_name("commands", tests, setup, teardown);
}
