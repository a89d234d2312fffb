/* tpmobj.c: TPM2B_PUBLIC checks.  Templates are compared field by field
 * against constants rather than re-created and compared as bytes, so a
 * refusal names the field that differs. */
#include <string.h>

#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

#include "lethe_attest.h"
#include "tpmobj.h"

/* PolicySecret(TPM_RH_ENDORSEMENT), the TCG EK Credential Profile's
 * PolicyA: using the EK needs the endorsement hierarchy's authorization. */
static const uint8_t ek_policy_a[32] = LETHE_ATTEST_EK_POLICY;

int tpmobj_load(const uint8_t *p, size_t n, const char *what, TPM2B_PUBLIC *pub,
		uint8_t name[ATTESTD_NAME_BYTES], struct attest_err *err)
{
	uint8_t again[sizeof(TPM2B_PUBLIC)];
	size_t off = 0, len = 0;
	unsigned int dlen = 0;

	memset(pub, 0, sizeof *pub);
	if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(p, n, &off, pub) != TSS2_RC_SUCCESS || off != n)
		return attest_fail(err, "%s: not a TPM2B_PUBLIC", what);
	if (Tss2_MU_TPM2B_PUBLIC_Marshal(pub, again, sizeof again, &len) != TSS2_RC_SUCCESS || len != n ||
	    memcmp(again, p, n) || pub->size != n - 2)
		return attest_fail(err, "%s: not a canonical TPM2B_PUBLIC", what);
	if (pub->publicArea.nameAlg != TPM2_ALG_SHA256)
		return attest_fail(err, "%s: nameAlg is not SHA-256", what);
	/* The name hashes the marshalled TPMT_PUBLIC: the bytes after the size. */
	name[0] = TPM2_ALG_SHA256 >> 8;
	name[1] = TPM2_ALG_SHA256 & 0xff;
	if (!EVP_Digest(p + 2, n - 2, name + 2, &dlen, EVP_sha256(), NULL) || dlen != 32)
		return attest_fail(err, "%s: unable to hash", what);
	return 0;
}

int tpmobj_check_ek(const TPM2B_PUBLIC *pub, struct attest_err *err)
{
	const TPMT_PUBLIC *t = &pub->publicArea;
	const TPMS_RSA_PARMS *r = &t->parameters.rsaDetail;

	if (t->type != TPM2_ALG_RSA)
		return attest_fail(err, "ek-public: not an RSA key");
	if (t->objectAttributes != LETHE_ATTEST_EK_ATTRS)
		return attest_fail(err, "ek-public: attributes 0x%08x are not the EK template's 0x%08x",
				   (unsigned)t->objectAttributes, LETHE_ATTEST_EK_ATTRS);
	if (t->authPolicy.size != sizeof ek_policy_a || memcmp(t->authPolicy.buffer, ek_policy_a, sizeof ek_policy_a))
		return attest_fail(err, "ek-public: authPolicy is not PolicySecret(endorsement)");
	if (r->symmetric.algorithm != TPM2_ALG_AES || r->symmetric.keyBits.aes != 128 ||
	    r->symmetric.mode.aes != TPM2_ALG_CFB)
		return attest_fail(err, "ek-public: symmetric is not AES-128-CFB");
	if (r->scheme.scheme != TPM2_ALG_NULL)
		return attest_fail(err, "ek-public: scheme is not NULL");
	if (r->keyBits != 2048 || r->exponent != 0)
		return attest_fail(err, "ek-public: not RSA 2048 with the default exponent");
	if (t->unique.rsa.size != 256)
		return attest_fail(err, "ek-public: modulus is not 256 bytes");
	return 0;
}

/* Both ECC keys: P-256 with a full-size point. */
static int tpmobj_check_p256(const TPMT_PUBLIC *t, const char *what, struct attest_err *err)
{
	const TPMS_ECC_PARMS *e = &t->parameters.eccDetail;

	if (t->type != TPM2_ALG_ECC)
		return attest_fail(err, "%s: not an ECC key", what);
	if (e->curveID != TPM2_ECC_NIST_P256)
		return attest_fail(err, "%s: curve is not NIST P-256", what);
	if (t->unique.ecc.x.size != 32 || t->unique.ecc.y.size != 32)
		return attest_fail(err, "%s: point is not 32+32 bytes", what);
	return 0;
}

int tpmobj_check_ak(const TPM2B_PUBLIC *pub, struct attest_err *err)
{
	const TPMT_PUBLIC *t = &pub->publicArea;
	const TPMS_ECC_PARMS *e = &t->parameters.eccDetail;

	if (tpmobj_check_p256(t, "ak-public", err))
		return -1;
	if (t->objectAttributes != LETHE_ATTEST_AK_ATTRS)
		return attest_fail(err, "ak-public: attributes 0x%08x are not the AK template's 0x%08x",
				   (unsigned)t->objectAttributes, LETHE_ATTEST_AK_ATTRS);
	if (t->authPolicy.size != 0)
		return attest_fail(err, "ak-public: authPolicy is not empty");
	if (e->symmetric.algorithm != TPM2_ALG_NULL)
		return attest_fail(err, "ak-public: symmetric is not NULL");
	if (e->scheme.scheme != TPM2_ALG_ECDSA || e->scheme.details.ecdsa.hashAlg != TPM2_ALG_SHA256)
		return attest_fail(err, "ak-public: scheme is not ECDSA-SHA256");
	if (e->kdf.scheme != TPM2_ALG_NULL)
		return attest_fail(err, "ak-public: kdf is not NULL");
	return 0;
}

int tpmobj_check_tls(const TPM2B_PUBLIC *pub, struct attest_err *err)
{
	const TPMT_PUBLIC *t = &pub->publicArea;
	const TPMA_OBJECT need = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
				 TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_SIGN_ENCRYPT;

	if (tpmobj_check_p256(t, "tls-public", err))
		return -1;
	if ((t->objectAttributes & need) != need)
		return attest_fail(err, "tls-public: attributes 0x%08x lack fixedTPM|fixedParent|"
				   "sensitiveDataOrigin|sign", (unsigned)t->objectAttributes);
	return 0;
}

void tpmobj_ecc_point(const TPM2B_PUBLIC *pub, uint8_t out[65])
{
	out[0] = 0x04;
	memcpy(out + 1, pub->publicArea.unique.ecc.x.buffer, 32);
	memcpy(out + 33, pub->publicArea.unique.ecc.y.buffer, 32);
}
