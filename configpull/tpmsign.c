/* The TPM-resident node key as an OpenSSL key whose one private operation,
 * ECDSA over a SHA-256 digest, is a TPM2_Sign through ESYS.
 *
 * Why not the tpm2 OpenSSL provider: loaded first (as it must be, for its
 * signature to be chosen for its keys) it also serves every SHA-256 and
 * HMAC of the TLS handshake, each digest context a TPM hash-sequence
 * object that OpenSSL duplicates (ContextSave/ContextLoad).  Behind the
 * kernel's resource manager (/dev/tpmrm0: 3 transient objects per open
 * file) the handshake fails ("cannot duplicate context", TPM_RC_OBJECT_
 * MEMORY); tpm2-abrmd's 27 hid it in host tests.  Here the TPM sees one
 * TPM2_Sign per handshake and nothing else: hashing, key exchange and
 * randomness stay with OpenSSL's default provider.
 *
 * The key is an EC_KEY with our EC_KEY_METHOD, which OpenSSL 3 treats as a
 * "foreign" key and runs through its legacy path: the legacy API is
 * deprecated, not removed, and this is its documented use. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "tpmsign.h"

/* One key per process (configpull signs with one identity): the ESYS
 * context lives as long as the key may be used. */
static struct {
	TSS2_TCTI_CONTEXT *tc;
	ESYS_CONTEXT *esys;
	ESYS_TR key;
	EC_KEY_METHOD *meth;
} tpmsign;

static ECDSA_SIG *tpmsign_sign_sig(const unsigned char *dgst, int dlen, const BIGNUM *kinv,
				   const BIGNUM *r, EC_KEY *eckey)
{
	TPM2B_DIGEST d = { .size = 32 };
	TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_ECDSA, .details.ecdsa.hashAlg = TPM2_ALG_SHA256 };
	TPMT_TK_HASHCHECK check = { .tag = TPM2_ST_HASHCHECK, .hierarchy = TPM2_RH_NULL };
	TPMT_SIGNATURE *sig = NULL;
	ECDSA_SIG *out = NULL;
	BIGNUM *br = NULL, *bs = NULL;

	(void)kinv;
	(void)r;
	(void)eckey;
	/* the key's scheme is ECDSA/SHA-256: the TPM signs 32-byte digests only */
	if (!tpmsign.esys || dlen != 32)
		return NULL;
	memcpy(d.buffer, dgst, 32);
	if (Esys_Sign(tpmsign.esys, tpmsign.key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
		      &d, &scheme, &check, &sig) != TSS2_RC_SUCCESS)
		return NULL;
	br = BN_bin2bn(sig->signature.ecdsa.signatureR.buffer, sig->signature.ecdsa.signatureR.size, NULL);
	bs = BN_bin2bn(sig->signature.ecdsa.signatureS.buffer, sig->signature.ecdsa.signatureS.size, NULL);
	out = ECDSA_SIG_new();
	if (!br || !bs || !out || ECDSA_SIG_set0(out, br, bs) != 1) {
		ECDSA_SIG_free(out);
		out = NULL;
		BN_free(br);
		BN_free(bs);
	}
	Esys_Free(sig);
	return out;
}

static void tpmsign_close(void)
{
	if (tpmsign.esys)
		Esys_Finalize(&tpmsign.esys);
	if (tpmsign.tc)
		Tss2_TctiLdr_Finalize(&tpmsign.tc);
	tpmsign.key = ESYS_TR_NONE;
}

EVP_PKEY *tpmsign_load(unsigned handle, const char *tcti, struct cp_err *err)
{
	int (*dsign)(int, const unsigned char *, int, unsigned char *, unsigned int *,
		     const BIGNUM *, const BIGNUM *, EC_KEY *) = NULL;
	TPM2B_PUBLIC *pub = NULL;
	EC_KEY *ec = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *x = NULL, *y = NULL;
	TSS2_RC rc;

	if (tpmsign.esys) {
		err_set(err, "the TPM key is already loaded");
		return NULL;
	}
	/* no key yet (before enrollment) is an expected answer, said once
	 * by configpull itself: keep tpm2-tss's own log quiet unless asked */
	setenv("TSS2_LOG", "all+NONE", 0);
	rc = Tss2_TctiLdr_Initialize(tcti, &tpmsign.tc);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_Initialize(&tpmsign.esys, tpmsign.tc, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		err_set(err, "unable to reach the TPM: %s", Tss2_RC_Decode(rc));
		goto fail;
	}
	rc = Esys_TR_FromTPMPublic(tpmsign.esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   &tpmsign.key);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_ReadPublic(tpmsign.esys, tpmsign.key, ESYS_TR_NONE, ESYS_TR_NONE,
				     ESYS_TR_NONE, &pub, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		err_set(err, "unable to load TPM key handle:0x%08x: %s", handle, Tss2_RC_Decode(rc));
		goto fail;
	}
	if (pub->publicArea.type != TPM2_ALG_ECC ||
	    pub->publicArea.parameters.eccDetail.curveID != TPM2_ECC_NIST_P256 ||
	    pub->publicArea.parameters.eccDetail.scheme.scheme != TPM2_ALG_ECDSA ||
	    pub->publicArea.parameters.eccDetail.scheme.details.ecdsa.hashAlg != TPM2_ALG_SHA256 ||
	    !(pub->publicArea.objectAttributes & TPMA_OBJECT_SIGN_ENCRYPT)) {
		err_set(err, "TPM key handle:0x%08x is not an ECDSA/SHA-256 P-256 signing key", handle);
		goto fail;
	}
	if (!tpmsign.meth) {
		tpmsign.meth = EC_KEY_METHOD_new(EC_KEY_get_default_method());
		if (!tpmsign.meth)
			goto ossl;
		/* the default sign (DER encoding) calls our sign_sig */
		EC_KEY_METHOD_get_sign(EC_KEY_get_default_method(), &dsign, NULL, NULL);
		EC_KEY_METHOD_set_sign(tpmsign.meth, dsign, NULL, tpmsign_sign_sig);
	}
	x = BN_bin2bn(pub->publicArea.unique.ecc.x.buffer, pub->publicArea.unique.ecc.x.size, NULL);
	y = BN_bin2bn(pub->publicArea.unique.ecc.y.buffer, pub->publicArea.unique.ecc.y.size, NULL);
	ec = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
	/* the method before the key is assigned: that makes it "foreign" */
	if (!x || !y || !ec || EC_KEY_set_method(ec, tpmsign.meth) != 1 ||
	    EC_KEY_set_public_key_affine_coordinates(ec, x, y) != 1)
		goto ossl;
	pkey = EVP_PKEY_new();
	if (!pkey || EVP_PKEY_assign_EC_KEY(pkey, ec) != 1)
		goto ossl;
	ec = NULL;
	BN_free(x);
	BN_free(y);
	Esys_Free(pub);
	return pkey;
ossl:
	err_set(err, "unable to build the TPM key handle:0x%08x for OpenSSL", handle);
fail:
	EVP_PKEY_free(pkey);
	EC_KEY_free(ec);
	BN_free(x);
	BN_free(y);
	Esys_Free(pub);
	tpmsign_close();
	return NULL;
}
