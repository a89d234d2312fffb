/* fixture.c: software enrollment (see fixture.h).  Every failure aborts:
 * a broken fixture is a broken test, not a refusal to assert on. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <tss2/tss2_mu.h>

#include "tlog.h"
#include "certify.h"
#include "check.h"
#include "fixture.h"
#include "tpmobj.h"

#define NEED(x) do { if (!(x)) abort(); } while (0)

static const uint8_t policy_a[32] = {
	0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc, 0x8d, 0x46, 0xa5, 0xd7, 0x24,
	0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52, 0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa,
};

static void fx_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
	NEED(ext && X509_add_ext(x, ext, -1));
	X509_EXTENSION_free(ext);
}

static X509 *fx_cert_new(EVP_PKEY *key, const char *cn, long serial)
{
	X509 *x = X509_new();

	NEED(x && X509_set_version(x, 2) && ASN1_INTEGER_set(X509_get_serialNumber(x), serial));
	NEED(X509_gmtime_adj(X509_getm_notBefore(x), -86400) && X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365));
	NEED(X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, (const unsigned char *)cn, -1,
					-1, 0));
	NEED(X509_set_pubkey(x, key));
	return x;
}

X509 *fx_ca(EVP_PKEY *key, const char *cn, char *pem, size_t cap, size_t *len)
{
	X509 *x = fx_cert_new(key, cn, 1);
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	long n;

	NEED(X509_set_issuer_name(x, X509_get_subject_name(x)));
	fx_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
	fx_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
	fx_ext(x, x, NID_subject_key_identifier, "hash");
	NEED(X509_sign(x, key, EVP_sha256()));
	NEED(bio && PEM_write_bio_X509(bio, x));
	n = BIO_get_mem_data(bio, &p);
	NEED(n > 0 && (size_t)n < cap);
	memcpy(pem, p, (size_t)n);
	pem[n] = '\0';
	*len = (size_t)n;
	BIO_free(bio);
	return x;
}

/* Shaped like swtpm's and manufacturers' EK certificates. */
size_t fx_ek_cert(EVP_PKEY *ca, X509 *ca_cert, EVP_PKEY *key, uint8_t *out, size_t cap)
{
	X509 *x = fx_cert_new(key, "unknown", 2);
	X509_NAME *dn = X509_NAME_new();
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	GENERAL_NAME *gen = GENERAL_NAME_new();
	static const char *const tcg[3][2] = {
		{"2.23.133.2.1", "id:00001014"}, {"2.23.133.2.2", "lethe"}, {"2.23.133.2.3", "id:20191023"},
	};
	unsigned char *p = out;
	int n, i;

	NEED(dn && gens && gen);
	for (i = 0; i < 3; i++) {
		ASN1_OBJECT *oid = OBJ_txt2obj(tcg[i][0], 1);

		NEED(oid && X509_NAME_add_entry_by_OBJ(dn, oid, MBSTRING_ASC, (const unsigned char *)tcg[i][1], -1,
						       -1, 0));
		ASN1_OBJECT_free(oid);
	}
	GENERAL_NAME_set0_value(gen, GEN_DIRNAME, dn);
	NEED(sk_GENERAL_NAME_push(gens, gen));
	NEED(X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 1, 0) == 1);
	GENERAL_NAMES_free(gens);
	NEED(X509_set_issuer_name(x, X509_get_subject_name(ca_cert)));
	fx_ext(x, ca_cert, NID_ext_key_usage, "2.23.133.8.1");
	fx_ext(x, ca_cert, NID_basic_constraints, "critical,CA:FALSE");
	fx_ext(x, ca_cert, NID_key_usage, "critical,keyEncipherment");
	fx_ext(x, ca_cert, NID_authority_key_identifier, "keyid");
	NEED(X509_sign(x, ca, EVP_sha256()));
	n = i2d_X509(x, NULL);
	NEED(n > 0 && (size_t)n <= cap && i2d_X509(x, &p) == n);
	X509_free(x);
	return (size_t)n;
}

void fx_ecc_public(EVP_PKEY *key, TPMA_OBJECT attrs, TPM2B_PUBLIC *out)
{
	TPMT_PUBLIC *t = &out->publicArea;
	uint8_t pt[65];
	size_t n = 0;

	memset(out, 0, sizeof *out);
	NEED(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof pt, &n) && n == 65);
	t->type = TPM2_ALG_ECC;
	t->nameAlg = TPM2_ALG_SHA256;
	t->objectAttributes = attrs;
	t->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
	t->parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
	t->parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
	t->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	t->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	t->unique.ecc.x.size = 32;
	memcpy(t->unique.ecc.x.buffer, pt + 1, 32);
	t->unique.ecc.y.size = 32;
	memcpy(t->unique.ecc.y.buffer, pt + 33, 32);
}

static void fx_ek_public(EVP_PKEY *key, TPM2B_PUBLIC *out)
{
	TPMT_PUBLIC *t = &out->publicArea;
	BIGNUM *n = NULL;

	memset(out, 0, sizeof *out);
	t->type = TPM2_ALG_RSA;
	t->nameAlg = TPM2_ALG_SHA256;
	t->objectAttributes = LETHE_ATTEST_EK_ATTRS;
	t->authPolicy.size = 32;
	memcpy(t->authPolicy.buffer, policy_a, 32);
	t->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_AES;
	t->parameters.rsaDetail.symmetric.keyBits.aes = 128;
	t->parameters.rsaDetail.symmetric.mode.aes = TPM2_ALG_CFB;
	t->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
	t->parameters.rsaDetail.keyBits = 2048;
	t->parameters.rsaDetail.exponent = 0;
	NEED(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n));
	t->unique.rsa.size = 256;
	NEED(BN_bn2binpad(n, t->unique.rsa.buffer, 256) == 256);
	BN_free(n);
}

void fx_init(struct fx *f)
{
	memset(f, 0, sizeof *f);
	NEED((f->ca_key = EVP_EC_gen("P-256")));
	NEED((f->ek_key = EVP_RSA_gen(2048)));
	NEED((f->ak_key = EVP_EC_gen("P-256")));
	NEED((f->tls_key = EVP_EC_gen("P-256")));
	NEED((f->other_key = EVP_EC_gen("P-256")));
	f->ca_cert = fx_ca(f->ca_key, "test EK CA", f->ca_pem, sizeof f->ca_pem, &f->ca_pem_len);
	f->ek_der_len = fx_ek_cert(f->ca_key, f->ca_cert, f->ek_key, f->ek_der, sizeof f->ek_der);
	fx_ek_public(f->ek_key, &f->ek);
	fx_ecc_public(f->ak_key, LETHE_ATTEST_AK_ATTRS, &f->ak);
	fx_ecc_public(f->tls_key, 0x00040072, &f->tls);
	NEED(check_node_id(f->tls_key, f->node) == 0);
	f->attest.magic = TPM2_GENERATED_VALUE;
	f->attest.type = TPM2_ST_ATTEST_CERTIFY;
	f->attest.qualifiedSigner.size = ATTESTD_NAME_BYTES;
	f->attest.clockInfo.clock = 12345;
	f->attest.clockInfo.safe = 1;
	f->attest.firmwareVersion = 0x2019102300163636ull;
	f->attest.attested.certify.qualifiedName.size = ATTESTD_NAME_BYTES;
}

void fx_free(struct fx *f)
{
	EVP_PKEY_free(f->ca_key);
	EVP_PKEY_free(f->ek_key);
	EVP_PKEY_free(f->ak_key);
	EVP_PKEY_free(f->tls_key);
	EVP_PKEY_free(f->other_key);
	X509_free(f->ca_cert);
}

static size_t fx_line(char *out, size_t cap, const char *name, const uint8_t *p, size_t n)
{
	size_t len = strlen(name);
	int b;

	NEED(len + 3 + 4 * ((n + 2) / 3) + 1 < cap);
	memcpy(out, name, len);
	memcpy(out + len, ": ", 2);
	b = EVP_EncodeBlock((unsigned char *)out + len + 2, p, (int)n);
	out[len + 2 + (size_t)b] = '\n';
	return len + 3 + (size_t)b;
}

static size_t fx_public_bytes(const TPM2B_PUBLIC *pub, uint8_t *out, size_t cap)
{
	size_t n = 0;

	NEED(Tss2_MU_TPM2B_PUBLIC_Marshal(pub, out, cap, &n) == TSS2_RC_SUCCESS);
	return n;
}

/* The certify's (and a quote's) signature, as a TPM makes it:
 * ECDSA-SHA256 over the TPMS_ATTEST bytes, r and s padded to 32 bytes. */
void fx_sign(EVP_PKEY *key, const uint8_t *msg, size_t len, TPMT_SIGNATURE *sig)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t der[80];
	const unsigned char *p = der;
	size_t dlen = sizeof der;
	ECDSA_SIG *es;
	const BIGNUM *r, *s;

	NEED(md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
	     EVP_DigestSign(md, der, &dlen, msg, len) == 1);
	NEED((es = d2i_ECDSA_SIG(NULL, &p, (long)dlen)));
	ECDSA_SIG_get0(es, &r, &s);
	memset(sig, 0, sizeof *sig);
	sig->sigAlg = TPM2_ALG_ECDSA;
	sig->signature.ecdsa.hash = TPM2_ALG_SHA256;
	sig->signature.ecdsa.signatureR.size = 32;
	sig->signature.ecdsa.signatureS.size = 32;
	NEED(BN_bn2binpad(r, sig->signature.ecdsa.signatureR.buffer, 32) == 32);
	NEED(BN_bn2binpad(s, sig->signature.ecdsa.signatureS.buffer, 32) == 32);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
}

size_t fx_bundle(struct fx *f, char *out, size_t cap)
{
	uint8_t buf[sizeof(TPM2B_ATTEST) + 16];
	TPM2B_ATTEST a2b = {0};
	TPMT_SIGNATURE sig;
	uint8_t name[ATTESTD_NAME_BYTES];
	size_t n, pos = 0, alen = 0;

	n = fx_public_bytes(&f->tls, buf, sizeof buf);
	if (!f->keep_attest) {
		/* tpmobj_load is the name under test; recompute it here
		 * independently of any template check. */
		unsigned int dl = 0;

		name[0] = 0x00;
		name[1] = 0x0b;
		NEED(EVP_Digest(buf + 2, n - 2, name + 2, &dl, EVP_sha256(), NULL));
		f->attest.attested.certify.name.size = ATTESTD_NAME_BYTES;
		memcpy(f->attest.attested.certify.name.name, name, sizeof name);
		f->attest.extraData.size = 32;
		certify_qualifying(f->node, f->attest.extraData.buffer);
	}
	NEED(Tss2_MU_TPMS_ATTEST_Marshal(&f->attest, a2b.attestationData, sizeof a2b.attestationData, &alen) ==
	     TSS2_RC_SUCCESS);
	a2b.size = (UINT16)alen;
	fx_sign(f->ak_key, a2b.attestationData, alen, &sig);
	if (f->flip_sig)
		sig.signature.ecdsa.signatureR.buffer[5] ^= 0x01;

	pos += (size_t)snprintf(out, cap, "node-id: %s\nsome other line\n", f->node);
	pos += fx_line(out + pos, cap - pos, "attest-ek-cert", f->ek_der, f->ek_der_len);
	n = fx_public_bytes(&f->ek, buf, sizeof buf);
	pos += fx_line(out + pos, cap - pos, "attest-ek-public", buf, n);
	n = fx_public_bytes(&f->ak, buf, sizeof buf);
	pos += fx_line(out + pos, cap - pos, "attest-ak-public", buf, n);
	n = fx_public_bytes(&f->tls, buf, sizeof buf);
	pos += fx_line(out + pos, cap - pos, "attest-tls-public", buf, n);
	n = 0;
	NEED(Tss2_MU_TPM2B_ATTEST_Marshal(&a2b, buf, sizeof buf, &n) == TSS2_RC_SUCCESS);
	pos += fx_line(out + pos, cap - pos, "attest-certify", buf, n);
	n = 0;
	NEED(Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, buf, sizeof buf, &n) == TSS2_RC_SUCCESS);
	pos += fx_line(out + pos, cap - pos, "attest-certify-sig", buf, n);
	NEED(pos < cap);
	out[pos] = '\0';
	return pos;
}
