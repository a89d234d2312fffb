/* Ed25519 sign and verify, see ed25519.h. */
#include <openssl/err.h>

#include "ed25519.h"

int ed25519_sign(EVP_PKEY *key, const uint8_t *msg, size_t n, uint8_t sig[ED25519_SIG_BYTES])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t len = ED25519_SIG_BYTES;
	int rc = -1;

	if (!ctx || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519)
		goto out;
	/* No digest: Ed25519 hashes internally (PureEdDSA). */
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) != 1 ||
	    EVP_DigestSign(ctx, sig, &len, msg, n) != 1 || len != ED25519_SIG_BYTES)
		goto out;
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

int ed25519_verify(EVP_PKEY *pub, const uint8_t *msg, size_t n, const uint8_t *sig,
	size_t siglen)
{
	EVP_MD_CTX *ctx;
	int ok = 0;

	if (siglen != ED25519_SIG_BYTES || !pub || EVP_PKEY_get_id(pub) != EVP_PKEY_ED25519)
		return 0;
	ctx = EVP_MD_CTX_new();
	if (ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pub) == 1 &&
	    EVP_DigestVerify(ctx, sig, siglen, msg, n) == 1)
		ok = 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}
