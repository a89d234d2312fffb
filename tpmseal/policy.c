/* policy: software TPM policy digests (tpm.md 2.1) and approval records. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <sodium.h>

#include "policy.h"

#define TPM_CC_POLICY_PCR 0x0000017Fu
#define TPM_CC_POLICY_AUTHORIZE 0x0000016Au

static const uint8_t policy_magic[4] = { 'L', 'T', 'A', 'P' };

static void policy_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

unsigned policy_mask_count(uint32_t mask)
{
	unsigned n = 0;

	for (; mask; mask &= mask - 1)
		n++;
	return n;
}

int policy_pcr_digest(uint32_t mask, const uint8_t (*values)[32], uint8_t out[POLICY_DIGEST])
{
	crypto_hash_sha256_state st;
	uint8_t zero[POLICY_DIGEST] = { 0 }, cc[4], sel[10], vh[32];
	unsigned i, n = policy_mask_count(mask);

	if (mask == 0 || mask >> POLICY_PCR_MAX)
		return -1;
	/* H(concatenated values, in selection order) */
	crypto_hash_sha256_init(&st);
	for (i = 0; i < n; i++)
		crypto_hash_sha256_update(&st, values[i], 32);
	crypto_hash_sha256_final(&st, vh);
	/* TPML_PCR_SELECTION: count 1, sha256, sizeofSelect 3, bitmap */
	policy_be32(sel, 1);
	sel[4] = 0x00;
	sel[5] = 0x0B;
	sel[6] = 3;
	sel[7] = (uint8_t)mask;
	sel[8] = (uint8_t)(mask >> 8);
	sel[9] = (uint8_t)(mask >> 16);
	policy_be32(cc, TPM_CC_POLICY_PCR);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, zero, sizeof zero);
	crypto_hash_sha256_update(&st, cc, sizeof cc);
	crypto_hash_sha256_update(&st, sel, sizeof sel);
	crypto_hash_sha256_update(&st, vh, sizeof vh);
	crypto_hash_sha256_final(&st, out);
	return 0;
}

void policy_authorize_digest(const uint8_t *name, size_t nlen, uint8_t out[POLICY_DIGEST])
{
	crypto_hash_sha256_state st;
	uint8_t zero[POLICY_DIGEST] = { 0 }, cc[4], mid[32];

	policy_be32(cc, TPM_CC_POLICY_AUTHORIZE);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, zero, sizeof zero);
	crypto_hash_sha256_update(&st, cc, sizeof cc);
	crypto_hash_sha256_update(&st, name, nlen);
	crypto_hash_sha256_final(&st, mid);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, mid, sizeof mid);
	crypto_hash_sha256_update(&st, (const uint8_t *)POLICY_REF, sizeof POLICY_REF - 1);
	crypto_hash_sha256_final(&st, out);
}

void policy_approval_hash(const uint8_t approved[POLICY_DIGEST], uint8_t out[32])
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, approved, POLICY_DIGEST);
	crypto_hash_sha256_update(&st, (const uint8_t *)POLICY_REF, sizeof POLICY_REF - 1);
	crypto_hash_sha256_final(&st, out);
}

int policy_mask_parse(const char *s, uint32_t *mask)
{
	uint32_t m = 0;

	if (!*s)
		return -1;
	for (;;) {
		unsigned v = 0, digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 3) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (digits == 0 || v >= POLICY_PCR_MAX || (m & (1u << v)))
			return -1;
		m |= 1u << v;
		if (*s == '\0')
			break;
		if (*s++ != ',')
			return -1;
	}
	*mask = m;
	return 0;
}

void policy_approval_render(const struct policy_approval *a, uint8_t out[POLICY_APPROVAL_BYTES])
{
	memcpy(out, policy_magic, 4);
	out[4] = 1;
	out[5] = out[6] = out[7] = 0;
	policy_be32(out + 8, a->mask);
	memcpy(out + 12, a->digest, 32);
	memcpy(out + 44, a->r, 32);
	memcpy(out + 76, a->s, 32);
}

int policy_approval_parse(const uint8_t *p, size_t n, struct policy_approval *a)
{
	if (n != POLICY_APPROVAL_BYTES || memcmp(p, policy_magic, 4) || p[4] != 1 || p[5] || p[6] ||
	    p[7])
		return -1;
	a->mask = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
	if (a->mask == 0 || a->mask >> POLICY_PCR_MAX)
		return -1;
	memcpy(a->digest, p + 12, 32);
	memcpy(a->r, p + 44, 32);
	memcpy(a->s, p + 76, 32);
	return 0;
}

static int policy_is_p256(EVP_PKEY *key)
{
	char group[32];
	size_t glen = 0;

	return EVP_PKEY_get_base_id(key) == EVP_PKEY_EC &&
	       EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
					      &glen) &&
	       strcmp(group, "prime256v1") == 0;
}

static int policy_bn32(const BIGNUM *bn, uint8_t out[32])
{
	return BN_bn2binpad(bn, out, 32) == 32 ? 0 : -1;
}

int policy_approval_sign(struct policy_approval *a, EVP_PKEY *key)
{
	EVP_PKEY_CTX *ctx = NULL;
	ECDSA_SIG *sig = NULL;
	uint8_t h[32], der[128];
	const uint8_t *cur = der;
	size_t dlen = sizeof der;
	int r = -1;

	if (!policy_is_p256(key))
		return -1;
	policy_approval_hash(a->digest, h);
	ctx = EVP_PKEY_CTX_new(key, NULL);
	if (!ctx || EVP_PKEY_sign_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) <= 0 ||
	    EVP_PKEY_sign(ctx, der, &dlen, h, sizeof h) <= 0)
		goto out;
	sig = d2i_ECDSA_SIG(NULL, &cur, (long)dlen);
	if (!sig || policy_bn32(ECDSA_SIG_get0_r(sig), a->r) || policy_bn32(ECDSA_SIG_get0_s(sig), a->s))
		goto out;
	r = 0;
out:
	ECDSA_SIG_free(sig);
	EVP_PKEY_CTX_free(ctx);
	return r;
}

int policy_p256_xy(EVP_PKEY *key, uint8_t x[32], uint8_t y[32])
{
	BIGNUM *bx = NULL, *by = NULL;
	int r = -1;

	if (!policy_is_p256(key) || !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &bx) ||
	    !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &by))
		goto out;
	if (policy_bn32(bx, x) || policy_bn32(by, y))
		goto out;
	r = 0;
out:
	BN_free(bx);
	BN_free(by);
	return r;
}
