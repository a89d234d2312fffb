/* The attestation identity at enrollment and its activation (attest.h).
 * Everything is public except the activated secret, which is one-time,
 * lives in a wiped buffer and goes to the verifier alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "attest.h"
#include "identity.h"
#include "lethe_attest.h"

/* TCG EK Credential Profile, template L-1 (RSA 2048): what the EK
 * certificate in LETHE_ATTEST_EK_CERT_NV certifies, and what `tpm2_createek -G
 * rsa` makes.  authPolicy is PolicySecret(TPM_RH_ENDORSEMENT). */
static const TPM2B_PUBLIC attest_ek_template = {
	.publicArea = {
		.type = TPM2_ALG_RSA,
		.nameAlg = TPM2_ALG_SHA256,
		.objectAttributes = LETHE_ATTEST_EK_ATTRS,
		.authPolicy = { .size = 32, .buffer = LETHE_ATTEST_EK_POLICY },
		.parameters.rsaDetail = {
			.symmetric = { .algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB },
			.scheme = { .scheme = TPM2_ALG_NULL },
			.keyBits = 2048,
			.exponent = 0,
		},
		/* L-1: 256 zero bytes of unique */
		.unique.rsa = { .size = 256 },
	},
};

/* The AK: restricted ECDSA P-256 signing, no policy, no unique. */
static const TPM2B_PUBLIC attest_ak_template = {
	.publicArea = {
		.type = TPM2_ALG_ECC,
		.nameAlg = TPM2_ALG_SHA256,
		.objectAttributes = LETHE_ATTEST_AK_ATTRS,
		.parameters.eccDetail = {
			.symmetric = { .algorithm = TPM2_ALG_NULL },
			.scheme = { .scheme = TPM2_ALG_ECDSA, .details.ecdsa.hashAlg = TPM2_ALG_SHA256 },
			.curveID = TPM2_ECC_NIST_P256,
			.kdf = { .scheme = TPM2_ALG_NULL },
		},
	},
};

int attest_tss(TSS2_RC rc, const char *what, struct cp_err *err)
{
	return err_set(err, "unable to %s: %s", what, Tss2_RC_Decode(rc));
}

void attest_close(struct attest_tpm *t)
{
	if (t->esys) {
		if (t->ek != ESYS_TR_NONE)
			Esys_FlushContext(t->esys, t->ek);
		if (t->ak != ESYS_TR_NONE)
			Esys_FlushContext(t->esys, t->ak);
		Esys_Finalize(&t->esys);
	}
	if (t->tc)
		Tss2_TctiLdr_Finalize(&t->tc);
	Esys_Free(t->ekpub);
	Esys_Free(t->akpub);
}

int attest_open(struct attest_tpm *t, const char *tcti, int with_ek, struct cp_err *err)
{
	TPM2B_SENSITIVE_CREATE sens;
	TPM2B_DATA outside = { .size = 0 };
	TPML_PCR_SELECTION pcrs = { .count = 0 };
	TSS2_RC rc;

	memset(t, 0, sizeof *t);
	memset(&sens, 0, sizeof sens);
	t->ek = t->ak = ESYS_TR_NONE;
	setenv("TSS2_LOG", "all+NONE", 0);
	if ((rc = Tss2_TctiLdr_Initialize(tcti, &t->tc)) != TSS2_RC_SUCCESS ||
	    (rc = Esys_Initialize(&t->esys, t->tc, NULL)) != TSS2_RC_SUCCESS)
		return attest_tss(rc, "reach the TPM", err);
	/* an RSA primary: seconds of prime search on a discrete TPM, so only
	 * when the EK is used (enrollment, activation), never for a quote */
	if (with_ek) {
		rc = Esys_CreatePrimary(t->esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
					ESYS_TR_NONE, &sens, &attest_ek_template, &outside, &pcrs, &t->ek,
					&t->ekpub, NULL, NULL, NULL);
		if (rc != TSS2_RC_SUCCESS)
			return attest_tss(rc, "create the endorsement key", err);
	}
	rc = Esys_CreatePrimary(t->esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				ESYS_TR_NONE, &sens, &attest_ak_template, &outside, &pcrs, &t->ak, &t->akpub,
				NULL, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS)
		return attest_tss(rc, "create the attestation key", err);
	return 1;
}

/* The EK certificate from NV; 0 (no ERR) when the index is absent. */
static int attest_ek_cert(struct attest_tpm *t, uint8_t *out, size_t cap, size_t *len, struct cp_err *err)
{
	ESYS_TR nv = ESYS_TR_NONE;
	TPM2B_NV_PUBLIC *pub = NULL;
	TSS2_RC rc;
	size_t size;
	int ok = 0;

	*len = 0;
	if (Esys_TR_FromTPMPublic(t->esys, LETHE_ATTEST_EK_CERT_NV, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				  &nv) != TSS2_RC_SUCCESS)
		return 0;
	rc = Esys_NV_ReadPublic(t->esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		attest_tss(rc, "read the EK certificate's NV index", err);
		goto out;
	}
	size = pub->nvPublic.dataSize;
	if (size == 0 || size > cap) {
		err_set(err, "the EK certificate in NV 0x%08x has %zu bytes (1..%zu)", LETHE_ATTEST_EK_CERT_NV,
			size, cap);
		goto out;
	}
	/* in chunks the TPM surely takes; the index authorizes its own read
	 * (AUTHREAD, empty auth), as the TCG profile provisions it */
	while (*len < size) {
		TPM2B_MAX_NV_BUFFER *d = NULL;
		uint16_t n = (uint16_t)(size - *len > 512 ? 512 : size - *len);

		rc = Esys_NV_Read(t->esys, nv, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, n,
				  (uint16_t)*len, &d);
		if (rc != TSS2_RC_SUCCESS || d->size != n) {
			Esys_Free(d);
			attest_tss(rc, "read the EK certificate", err);
			goto out;
		}
		memcpy(out + *len, d->buffer, n);
		*len += n;
		Esys_Free(d);
	}
	/* Some TPMs pad the index after the certificate: keep the one DER
	 * SEQUENCE (30 82 LL LL), which is all the fleet accepts. */
	if (*len >= 4 && out[0] == 0x30 && out[1] == 0x82) {
		size_t der = 4 + ((size_t)out[2] << 8 | out[3]);
		if (der <= *len)
			*len = der;
	}
	ok = 1;
out:
	Esys_Free(pub);
	if (nv != ESYS_TR_NONE)
		Esys_TR_Close(t->esys, &nv);
	return ok ? 1 : -1;
}

/* "NAME: BASE64\n" on stdout (NAME: a LETHE_ATTEST_LINE_*). */
static int attest_line(const char *name, const uint8_t *p, size_t n, struct cp_err *err)
{
	char *b64 = malloc(4 * ((n + 2) / 3) + 1);

	if (!b64)
		return err_set(err, "unable to allocate %zu bytes", n);
	EVP_EncodeBlock((unsigned char *)b64, p, (int)n);
	printf("%s: %s\n", name, b64);
	free(b64);
	return 1;
}

/* One marshalled structure as a bundle line; returns from the caller on
 * failure (attest_print_mu owns nothing to clean up). */
#define ATTEST_MU(type, name, val, err)                                                          \
	do {                                                                                      \
		uint8_t buf_[sizeof(*(val)) + 16];                                               \
		size_t off_ = 0;                                                                  \
		if (Tss2_MU_##type##_Marshal((val), buf_, sizeof buf_, &off_) != TSS2_RC_SUCCESS) \
			return err_set((err), "unable to marshal the %s", (name));               \
		if (!attest_line((name), buf_, off_, (err)))                                     \
			return 0;                                                                 \
	} while (0)

/* SHA-256("lethe-enroll:" || node id): binds the certification to this
 * enrollment, so an old one cannot be replayed for another node id. */
static void attest_qualify(const char *node_id, TPM2B_DATA *q)
{
	static const char tag[] = LETHE_ATTEST_QUALIFY_TAG;
	unsigned int n = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	q->size = 0;
	if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) && EVP_DigestUpdate(c, tag, sizeof tag - 1) &&
	    EVP_DigestUpdate(c, node_id, strlen(node_id)) && EVP_DigestFinal_ex(c, q->buffer, &n))
		q->size = (UINT16)n;
	EVP_MD_CTX_free(c);
}

/* The five marshalled structures, in the bundle's order. */
static int attest_print_mu(const TPM2B_PUBLIC *ek, const TPM2B_PUBLIC *ak, const TPM2B_PUBLIC *tls,
			   const TPM2B_ATTEST *info, const TPMT_SIGNATURE *sig, struct cp_err *err)
{
	ATTEST_MU(TPM2B_PUBLIC, LETHE_ATTEST_LINE_EK_PUBLIC, ek, err);
	ATTEST_MU(TPM2B_PUBLIC, LETHE_ATTEST_LINE_AK_PUBLIC, ak, err);
	ATTEST_MU(TPM2B_PUBLIC, LETHE_ATTEST_LINE_TLS_PUBLIC, tls, err);
	ATTEST_MU(TPM2B_ATTEST, LETHE_ATTEST_LINE_CERTIFY, info, err);
	ATTEST_MU(TPMT_SIGNATURE, LETHE_ATTEST_LINE_CERTIFY_SIG, sig, err);
	return 1;
}

static int attest_print(struct attest_tpm *t, unsigned handle, const char *node_id, struct cp_err *err)
{
	static uint8_t cert[ATTEST_EK_CERT_MAX];
	TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_NULL };
	TPM2B_PUBLIC *tlspub = NULL;
	TPM2B_ATTEST *info = NULL;
	TPMT_SIGNATURE *sig = NULL;
	TPM2B_DATA q;
	ESYS_TR tls = ESYS_TR_NONE;
	size_t len;
	TSS2_RC rc;
	int ok = 0, have;

	have = attest_ek_cert(t, cert, sizeof cert, &len, err);
	if (have < 0)
		return 0;
	if (have == 0) {
		fprintf(stderr, "configpull: no EK certificate in NV 0x%08x: no attestation bundle (a fleet "
			"that requires attestation refuses this enrollment)\n", LETHE_ATTEST_EK_CERT_NV);
		return 1;
	}
	rc = Esys_TR_FromTPMPublic(t->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tls);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_ReadPublic(t->esys, tls, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tlspub, NULL,
				     NULL);
	if (rc != TSS2_RC_SUCCESS) {
		attest_tss(rc, "read the node key's public area", err);
		goto out;
	}
	attest_qualify(node_id, &q);
	rc = Esys_Certify(t->esys, tls, t->ak, ESYS_TR_PASSWORD, ESYS_TR_PASSWORD, ESYS_TR_NONE, &q,
			  &scheme, &info, &sig);
	if (rc != TSS2_RC_SUCCESS) {
		attest_tss(rc, "certify the node key with the attestation key", err);
		goto out;
	}
	if (!attest_line(LETHE_ATTEST_LINE_EK_CERT, cert, len, err))
		goto out;
	ok = attest_print_mu(t->ekpub, t->akpub, tlspub, info, sig, err);
out:
	Esys_Free(tlspub);
	Esys_Free(info);
	Esys_Free(sig);
	if (tls != ESYS_TR_NONE)
		Esys_TR_Close(t->esys, &tls);
	return ok;
}

int attest_enroll(unsigned handle, const char *tcti, const char *node_id, struct cp_err *err)
{
	struct attest_tpm t;
	int ok = attest_open(&t, tcti, 1, err) && attest_print(&t, handle, node_id, err);

	attest_close(&t);
	return ok;
}

/* A tpm2-tools credential file: BE32 0xBADCC0DE, BE32 1, TPM2B_ID_OBJECT,
 * TPM2B_ENCRYPTED_SECRET, nothing after. */
static int attest_cred_parse(const uint8_t *p, size_t n, TPM2B_ID_OBJECT *blob, TPM2B_ENCRYPTED_SECRET *sec,
			     struct cp_err *err)
{
	static const uint8_t head[8] = { 0xba, 0xdc, 0xc0, 0xde, 0, 0, 0, 1 };
	size_t off = sizeof head;

	if (n < sizeof head || memcmp(p, head, sizeof head) ||
	    Tss2_MU_TPM2B_ID_OBJECT_Unmarshal(p, n, &off, blob) != TSS2_RC_SUCCESS ||
	    Tss2_MU_TPM2B_ENCRYPTED_SECRET_Unmarshal(p, n, &off, sec) != TSS2_RC_SUCCESS || off != n)
		return err_set(err, "the credential is not a tpm2-tools credential file");
	return 1;
}

/* TPM2_ActivateCredential: the AK is the credential's object, the EK
 * decrypts it under its policy, PolicySecret(ENDORSEMENT). */
static int attest_unwrap(struct attest_tpm *t, const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *sec,
			 uint8_t out[LETHE_ATTEST_SECRET_BYTES], struct cp_err *err)
{
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
	TPM2B_DIGEST *info = NULL;
	ESYS_TR s = ESYS_TR_NONE;
	TSS2_RC rc;
	int ok = 0;

	rc = Esys_StartAuthSession(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, NULL, TPM2_SE_POLICY, &sym, TPM2_ALG_SHA256, &s);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_PolicySecret(t->esys, ESYS_TR_RH_ENDORSEMENT, s, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				       ESYS_TR_NONE, NULL, NULL, NULL, 0, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		attest_tss(rc, "open the endorsement key's policy session", err);
		goto out;
	}
	rc = Esys_ActivateCredential(t->esys, t->ak, t->ek, ESYS_TR_PASSWORD, s, ESYS_TR_NONE, blob, sec,
				     &info);
	s = ESYS_TR_NONE;  /* a policy session is flushed once used */
	if (rc != TSS2_RC_SUCCESS) {
		attest_tss(rc, "activate the credential (made for another TPM or another AK?)", err);
		goto out;
	}
	if (info->size != LETHE_ATTEST_SECRET_BYTES) {
		err_set(err, "the credential holds %u bytes, not %d", info->size, LETHE_ATTEST_SECRET_BYTES);
		goto out;
	}
	memcpy(out, info->buffer, LETHE_ATTEST_SECRET_BYTES);
	ok = 1;
out:
	if (info) {
		OPENSSL_cleanse(info, sizeof *info);
		Esys_Free(info);
	}
	if (s != ESYS_TR_NONE)
		Esys_FlushContext(t->esys, s);
	return ok;
}

/* POSTs "node ID\nsecret BASE64\n" to /v1/activate; the verifier's one-line
 * answer goes into ERR when it refuses. */
static int attest_post(const struct fetch_opts *o, const char *node_id,
		       const uint8_t secret[LETHE_ATTEST_SECRET_BYTES],
		       struct cp_err *err)
{
	char url[2048], errbuf[CURL_ERROR_SIZE] = "", body[160], reply[256];
	char b64[4 * ((LETHE_ATTEST_SECRET_BYTES + 2) / 3) + 1];
	size_t len = 0;
	long status = 0;
	int too_big = 0, n, ok = 0;
	CURLcode cc;

	if (!fetch_origin_url(o->url, LETHE_ATTEST_ACTIVATE_PATH, url, sizeof url, err))
		return 0;
	EVP_EncodeBlock((unsigned char *)b64, secret, LETHE_ATTEST_SECRET_BYTES);
	n = snprintf(body, sizeof body, "node %s\nsecret %s\n", node_id, b64);
	cc = fetch_post(o, NULL, url, body, (size_t)n, reply, sizeof reply - 1, &len, &too_big, &status, errbuf);
	fetch_reason(reply, len);
	if (cc != CURLE_OK)
		err_set(err, "unable to post %s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
	else if (status != 200)
		err_set(err, "the verifier refused the activation (HTTP %ld): %s", status,
			reply[0] ? reply : "no reason given");
	else
		ok = 1;
	OPENSSL_cleanse(body, sizeof body);
	OPENSSL_cleanse(b64, sizeof b64);
	return ok;
}

int attest_activate(const struct fetch_opts *o, const char *node_id, int *pending, struct cp_err *err)
{
	char url[2048], path[128], errbuf[CURL_ERROR_SIZE] = "";
	uint8_t cred[ATTEST_CRED_MAX], secret[LETHE_ATTEST_SECRET_BYTES];
	TPM2B_ID_OBJECT blob;
	TPM2B_ENCRYPTED_SECRET sec;
	struct attest_tpm t;
	size_t len;
	long status;
	int too_big, ok = 0;
	CURLcode cc;

	*pending = 0;
	snprintf(path, sizeof path, LETHE_ATTEST_CRED_PATH "%s", node_id);
	if (!fetch_origin_url(o->url, path, url, sizeof url, err))
		return 0;
	cc = fetch_small(o, NULL, url, (char *)cred, sizeof cred, &len, &too_big, &status, errbuf);
	if (too_big || cc == CURLE_FILESIZE_EXCEEDED)
		return err_set(err, "the credential is larger than %d bytes", ATTEST_CRED_MAX);
	if (cc != CURLE_OK)
		return err_set(err, "unable to fetch %s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
	if (status == 404)
		return 0;  /* not signed yet: nothing to activate */
	if (status != 200)
		return err_set(err, "unable to fetch %s: HTTP %ld", url, status);
	*pending = 1;
	if (!attest_cred_parse(cred, len, &blob, &sec, err))
		return 0;
	if (attest_open(&t, o->tcti, 1, err) && attest_unwrap(&t, &blob, &sec, secret, err))
		ok = attest_post(o, node_id, secret, err);
	OPENSSL_cleanse(secret, sizeof secret);
	attest_close(&t);
	return ok;
}
