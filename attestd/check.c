/* check.c: the chain of evidence for one enrollment.
 *
 *   EK certificate (manufacturer CA) -> EK public (the TCG template, so a
 *   credential for it needs that TPM) ; AK (restricted: it signs only
 *   TPM-generated data) -- bound to the EK later by credential activation ;
 *   certify by the AK -> TLS key is in that TPM -> the node id hashes it.
 *
 * Cheap structural checks run before signatures and chains, and every
 * refusal names its check. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "certify.h"
#include "check.h"
#include "tpmobj.h"

int check_node_id(EVP_PKEY *key, char out[ATTESTD_NODE_HEX + 1])
{
	unsigned char *der = NULL;
	uint8_t md[32];
	unsigned int n = 0;
	int len = i2d_PUBKEY(key, &der), rc = -1;

	if (len > 0 && EVP_Digest(der, (size_t)len, md, &n, EVP_sha256(), NULL) && n == sizeof md) {
		attest_hex(md, sizeof md, out);
		rc = 0;
	}
	OPENSSL_free(der);
	return rc;
}

/* tls_key is the P-256 key whose point the TPM reports in tls-public. */
static int check_tls_key(const TPM2B_PUBLIC *tls, EVP_PKEY *key, const char *node, struct attest_err *err)
{
	char group[32], id[ATTESTD_NODE_HEX + 1];
	uint8_t want[65], have[133];
	size_t len = 0;

	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC ||
	    !EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) ||
	    strcmp(group, "prime256v1"))
		return attest_fail(err, "tls-pem: not a P-256 key");
	if (!EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, have, sizeof have, &len))
		return attest_fail(err, "tls-pem: unable to read the point");
	tpmobj_ecc_point(tls, want);
	if (len != sizeof want || memcmp(have, want, sizeof want))
		return attest_fail(err, "tls-public: point is not the key of --tls-pem");
	if (check_node_id(key, id) || strcmp(id, node))
		return attest_fail(err, "tls-pem: SHA-256 of its SubjectPublicKeyInfo is not the node id");
	return 0;
}

int check_tpm(const struct bundle *b, EVP_PKEY *tls_key, const char *node, struct check_result *out,
	      struct attest_err *err)
{
	uint8_t ek_name[ATTESTD_NAME_BYTES], tls_name[ATTESTD_NAME_BYTES], q[32];
	int rc = -1;

	if (attest_node_valid(node)) {
		attest_fail(err, "node: not 64 lowercase hex digits");
		goto out;
	}
	if (tpmobj_load(bundle_field_bytes(b, BUNDLE_EK_PUBLIC), b->len[BUNDLE_EK_PUBLIC], "ek-public",
			&out->ek, ek_name, err) ||
	    tpmobj_check_ek(&out->ek, err))
		goto out;
	if (tpmobj_load(bundle_field_bytes(b, BUNDLE_AK_PUBLIC), b->len[BUNDLE_AK_PUBLIC], "ak-public",
			&out->ak, out->ak_name, err) ||
	    tpmobj_check_ak(&out->ak, err))
		goto out;
	if (tpmobj_load(bundle_field_bytes(b, BUNDLE_TLS_PUBLIC), b->len[BUNDLE_TLS_PUBLIC], "tls-public",
			&out->tls, tls_name, err) ||
	    tpmobj_check_tls(&out->tls, err))
		goto out;
	if (check_tls_key(&out->tls, tls_key, node, err))
		goto out;
	certify_qualifying(node, q);
	if (certify_check(bundle_field_bytes(b, BUNDLE_CERTIFY), b->len[BUNDLE_CERTIFY],
			  bundle_field_bytes(b, BUNDLE_CERTIFY_SIG), b->len[BUNDLE_CERTIFY_SIG], &out->ak, q,
			  tls_name, err))
		goto out;
	rc = 0;
out:
	ERR_clear_error();
	return rc;
}

int check_enroll(const struct bundle *b, const struct ekca *ca, EVP_PKEY *tls_key, const char *node,
		 struct check_result *out, struct attest_err *err)
{
	if (check_tpm(b, tls_key, node, out, err))
		return -1;
	return ekcert_check(ca, bundle_field_bytes(b, BUNDLE_EK_CERT), b->len[BUNDLE_EK_CERT], &out->ek, err);
}
