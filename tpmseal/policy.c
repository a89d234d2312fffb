/* policy: software TPM policy digests (tpm.md 2.1) and approval records. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <sodium.h>
#include <tss2/tss2_mu.h>

#include "policy.h"

#define TPM_CC_POLICY_PCR 0x0000017Fu
#define TPM_CC_POLICY_AUTHORIZE 0x0000016Au
#define TPM_CC_POLICY_NV 0x00000149u
#define TPM_CC_POLICY_OR 0x00000171u
#define TPM_CC_POLICY_COMMAND_CODE 0x0000016Cu
#define TPM_CC_POLICY_NV_WRITTEN 0x0000018Fu
#define TPM_CC_NV_WRITE 0x00000137u
#define TPM_EO_UNSIGNED_LE 0x0009u

static const uint8_t policy_magic[4] = { 'L', 'T', 'A', 'P' };

static void policy_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void policy_be64(uint8_t *p, uint64_t v)
{
	policy_be32(p, (uint32_t)(v >> 32));
	policy_be32(p + 4, (uint32_t)v);
}

static uint32_t policy_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* OUT = H(IN || CC || a || b): one policy command's extension. */
static void policy_extend(const uint8_t in[POLICY_DIGEST], uint32_t code, const uint8_t *a,
			  size_t alen, const uint8_t *b, size_t blen, uint8_t out[POLICY_DIGEST])
{
	crypto_hash_sha256_state st;
	uint8_t cc[4];

	policy_be32(cc, code);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, in, POLICY_DIGEST);
	crypto_hash_sha256_update(&st, cc, sizeof cc);
	if (alen)
		crypto_hash_sha256_update(&st, a, alen);
	if (blen)
		crypto_hash_sha256_update(&st, b, blen);
	crypto_hash_sha256_final(&st, out);
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

void policy_nv_le_digest(const uint8_t in[POLICY_DIGEST], uint64_t epoch, const uint8_t *name,
			 size_t nlen, uint8_t out[POLICY_DIGEST])
{
	uint8_t args[POLICY_EPOCH_BYTES + 4], ah[32];

	/* args = H(operandB || offset || operation) */
	policy_be64(args, epoch);
	args[8] = args[9] = 0;
	args[10] = (uint8_t)(TPM_EO_UNSIGNED_LE >> 8);
	args[11] = (uint8_t)TPM_EO_UNSIGNED_LE;
	crypto_hash_sha256(ah, args, sizeof args);
	policy_extend(in, TPM_CC_POLICY_NV, ah, sizeof ah, name, nlen, out);
}

void policy_first_write_digest(uint8_t out[POLICY_DIGEST])
{
	static const uint8_t zero[POLICY_DIGEST];
	uint8_t cc[4], mid[POLICY_DIGEST], no = 0;

	policy_be32(cc, TPM_CC_NV_WRITE);
	policy_extend(zero, TPM_CC_POLICY_COMMAND_CODE, cc, sizeof cc, NULL, 0, mid);
	policy_extend(mid, TPM_CC_POLICY_NV_WRITTEN, &no, 1, NULL, 0, out);
}

void policy_or_digest(const uint8_t a[POLICY_DIGEST], const uint8_t b[POLICY_DIGEST],
		      uint8_t out[POLICY_DIGEST])
{
	static const uint8_t zero[POLICY_DIGEST];

	policy_extend(zero, TPM_CC_POLICY_OR, a, POLICY_DIGEST, b, POLICY_DIGEST, out);
}

void policy_epoch_public(uint32_t index, const uint8_t authorize[POLICY_DIGEST], TPMS_NV_PUBLIC *pub)
{
	uint8_t first[POLICY_DIGEST];

	memset(pub, 0, sizeof *pub);
	pub->nvIndex = index;
	pub->nameAlg = TPM2_ALG_SHA256;
	/* Anyone reads it (PolicyNV needs a read authorization, and the
	 * minimum is no secret); only its policy writes it: no OWNERWRITE. */
	pub->attributes = (TPM2_NT_ORDINARY << TPMA_NV_TPM2_NT_SHIFT) | TPMA_NV_POLICYWRITE |
			  TPMA_NV_AUTHREAD | TPMA_NV_NO_DA;
	policy_first_write_digest(first);
	pub->authPolicy.size = POLICY_DIGEST;
	policy_or_digest(authorize, first, pub->authPolicy.buffer);
	pub->dataSize = POLICY_EPOCH_BYTES;
}

/* nameAlg || SHA-256(marshalled public area) */
static int policy_name_of(const uint8_t *buf, size_t len, uint8_t name[POLICY_NAME_BYTES])
{
	name[0] = (uint8_t)(TPM2_ALG_SHA256 >> 8);
	name[1] = (uint8_t)TPM2_ALG_SHA256;
	crypto_hash_sha256(name + 2, buf, len);
	return 0;
}

int policy_epoch_name(uint32_t index, const uint8_t authorize[POLICY_DIGEST],
		      uint8_t name[POLICY_NAME_BYTES])
{
	TPMS_NV_PUBLIC pub;
	uint8_t buf[sizeof pub + 16];
	size_t off = 0;

	policy_epoch_public(index, authorize, &pub);
	pub.attributes |= TPMA_NV_WRITTEN;
	if (Tss2_MU_TPMS_NV_PUBLIC_Marshal(&pub, buf, sizeof buf, &off) != TSS2_RC_SUCCESS)
		return -1;
	return policy_name_of(buf, off, name);
}

int policy_authkey_public(EVP_PKEY *key, TPM2B_PUBLIC *pub)
{
	TPMT_PUBLIC *p = &pub->publicArea;

	memset(pub, 0, sizeof *pub);
	p->type = TPM2_ALG_ECC;
	p->nameAlg = TPM2_ALG_SHA256;
	p->objectAttributes = TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_USERWITHAUTH;
	p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
	p->parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
	p->parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
	p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	p->unique.ecc.x.size = 32;
	p->unique.ecc.y.size = 32;
	return policy_p256_xy(key, p->unique.ecc.x.buffer, p->unique.ecc.y.buffer);
}

int policy_authkey_name(EVP_PKEY *key, uint8_t name[POLICY_NAME_BYTES])
{
	TPM2B_PUBLIC pub;
	uint8_t buf[sizeof pub.publicArea];
	size_t off = 0;

	if (policy_authkey_public(key, &pub) ||
	    Tss2_MU_TPMT_PUBLIC_Marshal(&pub.publicArea, buf, sizeof buf, &off) != TSS2_RC_SUCCESS)
		return -1;
	return policy_name_of(buf, off, name);
}

int policy_key_epoch_name(EVP_PKEY *key, uint32_t index, uint8_t name[POLICY_NAME_BYTES])
{
	uint8_t kname[POLICY_NAME_BYTES], authorize[POLICY_DIGEST];

	if (policy_authkey_name(key, kname))
		return -1;
	policy_authorize_digest(kname, sizeof kname, authorize);
	return policy_epoch_name(index, authorize, name);
}

void policy_approved(const struct policy_approval *a, const uint8_t name[POLICY_NAME_BYTES],
		     uint8_t out[POLICY_DIGEST])
{
	if (a->version == 1)
		memcpy(out, a->digest, POLICY_DIGEST);
	else
		policy_nv_le_digest(a->digest, a->epoch, name, POLICY_NAME_BYTES, out);
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

size_t policy_approval_render(const struct policy_approval *a, uint8_t out[POLICY_APPROVAL_MAX_BYTES])
{
	uint8_t *p = out + 12;

	memcpy(out, policy_magic, 4);
	out[4] = a->version;
	out[5] = out[6] = out[7] = 0;
	policy_be32(out + 8, a->mask);
	if (a->version == 2) {
		policy_be64(p, a->epoch);
		p += 8;
	}
	memcpy(p, a->digest, 32);
	memcpy(p + 32, a->r, 32);
	memcpy(p + 64, a->s, 32);
	return (size_t)(p + 96 - out);
}

/* The length of the record at P, from its header; 0 if not ours. */
static size_t policy_record_length(const uint8_t *p, size_t n)
{
	if (n < 8 || memcmp(p, policy_magic, 4) || p[5] || p[6] || p[7])
		return 0;
	if (p[4] == 1)
		return POLICY_APPROVAL_V1_BYTES;
	if (p[4] == 2)
		return POLICY_APPROVAL_V2_BYTES;
	return 0;
}

int policy_approval_parse(const uint8_t *p, size_t n, struct policy_approval *a)
{
	const uint8_t *q = p + 12;
	size_t len = policy_record_length(p, n);

	if (len == 0 || n != len)
		return -1;
	memset(a, 0, sizeof *a);
	a->version = p[4];
	a->mask = policy_get32(p + 8);
	if (a->mask == 0 || a->mask >> POLICY_PCR_MAX)
		return -1;
	if (a->version == 2) {
		a->epoch = (uint64_t)policy_get32(q) << 32 | policy_get32(q + 4);
		q += 8;
	}
	memcpy(a->digest, q, 32);
	memcpy(a->r, q + 32, 32);
	memcpy(a->s, q + 64, 32);
	return 0;
}

int policy_approvals_parse(const uint8_t *p, size_t n, struct policy_approval *out, size_t cap,
			   size_t *count)
{
	size_t off = 0, k = 0;

	*count = 0;
	while (off < n) {
		size_t len = policy_record_length(p + off, n - off);
		if (len == 0 || len > n - off || k == cap ||
		    policy_approval_parse(p + off, len, &out[k]))
			return -1;
		off += len;
		k++;
	}
	*count = k;
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

int policy_approval_sign(struct policy_approval *a, EVP_PKEY *key,
			 const uint8_t name[POLICY_NAME_BYTES])
{
	uint8_t approved[POLICY_DIGEST];
	EVP_PKEY_CTX *ctx = NULL;
	ECDSA_SIG *sig = NULL;
	uint8_t h[32], der[128];
	const uint8_t *cur = der;
	size_t dlen = sizeof der;
	int r = -1;

	if (!policy_is_p256(key))
		return -1;
	policy_approved(a, name, approved);
	policy_approval_hash(approved, h);
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

int policy_approval_verify(const struct policy_approval *a, EVP_PKEY *key,
			   const uint8_t name[POLICY_NAME_BYTES])
{
	uint8_t approved[POLICY_DIGEST], h[32], der[128], *cur = der;
	EVP_PKEY_CTX *ctx = NULL;
	ECDSA_SIG *sig = NULL;
	BIGNUM *r = NULL, *s = NULL;
	int dlen, ok = -1;

	if (!policy_is_p256(key))
		return -1;
	policy_approved(a, name, approved);
	policy_approval_hash(approved, h);
	/* r || s as the record holds them, DER for OpenSSL; OpenSSL refuses
	 * r or s outside 1..n-1, as the TPM does */
	sig = ECDSA_SIG_new();
	r = BN_bin2bn(a->r, 32, NULL);
	s = BN_bin2bn(a->s, 32, NULL);
	if (!sig || !r || !s || !ECDSA_SIG_set0(sig, r, s))
		goto out;
	r = s = NULL;  /* owned by sig */
	dlen = i2d_ECDSA_SIG(sig, NULL);
	if (dlen <= 0 || (size_t)dlen > sizeof der || i2d_ECDSA_SIG(sig, &cur) != dlen)
		goto out;
	ctx = EVP_PKEY_CTX_new(key, NULL);
	if (!ctx || EVP_PKEY_verify_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) <= 0)
		goto out;
	if (EVP_PKEY_verify(ctx, der, (size_t)dlen, h, sizeof h) == 1)
		ok = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	ECDSA_SIG_free(sig);
	BN_free(r);
	BN_free(s);
	return ok;
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
