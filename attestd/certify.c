/* certify.c: the AK's signatures, and its statement that the TLS key lives
 * in the same TPM.  A TPMS_ATTEST is unmarshalled only to read it; the
 * signature is checked over the bytes as received, the TPM having signed
 * exactly those (the quote on every pull is checked the same way). */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <tss2/tss2_mu.h>

#include "certify.h"
#include "tpmobj.h"

void certify_qualifying(const char node[ATTESTD_NODE_HEX + 1], uint8_t out[32])
{
	static const char tag[] = LETHE_ATTEST_QUALIFY_TAG;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int n = 0;

	/* Only allocation can fail here; a zero digest then matches nothing a
	 * TPM could have signed for this node. */
	memset(out, 0, 32);
	if (md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) && EVP_DigestUpdate(md, tag, sizeof tag - 1) &&
	    EVP_DigestUpdate(md, node, ATTESTD_NODE_HEX))
		EVP_DigestFinal_ex(md, out, &n);
	EVP_MD_CTX_free(md);
}

EVP_PKEY *certify_p256_key(const uint8_t point[65])
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;

	if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 65))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	/* fromdata checks the point is on the curve. */
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		key = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return key;
}

int certify_ecdsa_verify(const uint8_t point[65], const uint8_t *msg, size_t len, const TPM2B_ECC_PARAMETER *r,
			 const TPM2B_ECC_PARAMETER *s)
{
	EVP_PKEY *key = certify_p256_key(point);
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *br = NULL, *bs = NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *der = NULL;
	int der_len, rc = -1;

	if (!key || !sig || !md || r->size > 32 || s->size > 32)
		goto out;
	br = BN_bin2bn(r->buffer, r->size, NULL);
	bs = BN_bin2bn(s->buffer, s->size, NULL);
	if (!br || !bs || !ECDSA_SIG_set0(sig, br, bs))
		goto out;
	br = bs = NULL; /* owned by sig now */
	der_len = i2d_ECDSA_SIG(sig, &der);
	if (der_len <= 0)
		goto out;
	if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
	    EVP_DigestVerify(md, der, (size_t)der_len, msg, len) == 1)
		rc = 0;
out:
	OPENSSL_free(der);
	BN_free(br);
	BN_free(bs);
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	ERR_clear_error();
	return rc;
}

int certify_check(const uint8_t *attest, size_t attest_len, const uint8_t *sig, size_t sig_len,
		  const TPM2B_PUBLIC *ak, const uint8_t qualifying[32], const uint8_t name[ATTESTD_NAME_BYTES],
		  struct attest_err *err)
{
	TPM2B_ATTEST a2b;
	TPMS_ATTEST info;
	size_t off = 0;

	memset(&a2b, 0, sizeof a2b);
	memset(&info, 0, sizeof info);
	if (Tss2_MU_TPM2B_ATTEST_Unmarshal(attest, attest_len, &off, &a2b) != TSS2_RC_SUCCESS ||
	    off != attest_len)
		return attest_fail(err, "certify: not a TPM2B_ATTEST");
	off = 0;
	if (Tss2_MU_TPMS_ATTEST_Unmarshal(a2b.attestationData, a2b.size, &off, &info) != TSS2_RC_SUCCESS ||
	    off != a2b.size)
		return attest_fail(err, "certify: not a TPMS_ATTEST");
	if (info.magic != TPM2_GENERATED_VALUE)
		return attest_fail(err, "certify: magic is not TPM_GENERATED_VALUE");
	if (info.type != TPM2_ST_ATTEST_CERTIFY)
		return attest_fail(err, "certify: type is not TPM_ST_ATTEST_CERTIFY");
	if (info.extraData.size != 32 || memcmp(info.extraData.buffer, qualifying, 32))
		return attest_fail(err, "certify: qualifying data is not SHA-256(lethe-enroll:NODE)");
	if (info.attested.certify.name.size != ATTESTD_NAME_BYTES ||
	    memcmp(info.attested.certify.name.name, name, ATTESTD_NAME_BYTES))
		return attest_fail(err, "certify: certified object is not attest-tls-public");
	return certify_signature_check(ak, a2b.attestationData, a2b.size, sig, sig_len, "certify-sig", err);
}

int certify_signature_check(const TPM2B_PUBLIC *ak, const uint8_t *msg, size_t len, const uint8_t *sig,
			    size_t sig_len, const char *what, struct attest_err *err)
{
	TPMT_SIGNATURE s;
	uint8_t point[65];
	size_t off = 0;

	memset(&s, 0, sizeof s);
	if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(sig, sig_len, &off, &s) != TSS2_RC_SUCCESS || off != sig_len)
		return attest_fail(err, "%s: not a TPMT_SIGNATURE", what);
	if (s.sigAlg != TPM2_ALG_ECDSA || s.signature.ecdsa.hash != TPM2_ALG_SHA256)
		return attest_fail(err, "%s: not ECDSA-SHA256", what);
	tpmobj_ecc_point(ak, point);
	if (certify_ecdsa_verify(point, msg, len, &s.signature.ecdsa.signatureR, &s.signature.ecdsa.signatureS))
		return attest_fail(err, "%s: AK signature does not verify", what);
	return 0;
}
