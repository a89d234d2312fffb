/* tpm: NV index define/write/read/lock through ESAPI (tpm.md 1.6, 2.1).
 * Each function flushes every transient handle it creates on every path. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "tpm.h"
#include "tpmseal.h"

#define TPM_POLICY_REF_LEN (sizeof POLICY_REF - 1)

/* The TPM-layer response code without the handle/session/parameter number. */
static TSS2_RC tpm_rc_base(TSS2_RC rc)
{
	if ((rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER)
		return rc;
	return (rc & TPM2_RC_FMT1) ? (rc & 0xBF) : (rc & 0xFFFF);
}

static int tpm_fail(TSS2_RC rc, int code, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "unable to %s: %s", what, Tss2_RC_Decode(rc));
	return code;
}

uint32_t tpm_nv_attributes(void)
{
	return (TPM2_NT_ORDINARY << TPMA_NV_TPM2_NT_SHIFT) | TPMA_NV_OWNERWRITE | TPMA_NV_POLICYREAD |
	       TPMA_NV_NO_DA | TPMA_NV_READ_STCLEAR;
}

static TSS2_RC tpm_property(struct tpm *t, TPM2_PT prop, uint32_t *val)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more;
	TSS2_RC rc = Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					TPM2_CAP_TPM_PROPERTIES, prop, 1, &more, &cap);

	if (rc == TSS2_RC_SUCCESS) {
		if (cap->data.tpmProperties.count == 1 &&
		    cap->data.tpmProperties.tpmProperty[0].property == prop)
			*val = cap->data.tpmProperties.tpmProperty[0].value;
		else
			rc = TSS2_ESYS_RC_MALFORMED_RESPONSE;
	}
	Esys_Free(cap);
	return rc;
}

int tpm_open(struct tpm *t, const char *tcti, char *err, size_t errlen)
{
	static const TPM2B_SENSITIVE_CREATE sens = { 0 };
	static const TPM2B_DATA outside = { 0 };
	static const TPML_PCR_SELECTION nopcr = { 0 };
	TPM2B_PUBLIC tmpl = { 0 };
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB };
	TSS2_RC rc;

	memset(t, 0, sizeof *t);
	t->salt = t->enc = ESYS_TR_NONE;
	rc = Tss2_TctiLdr_Initialize(tcti, &t->tcti);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "reach the TPM");
	rc = Esys_Initialize(&t->esys, t->tcti, NULL);
	if (rc != TSS2_RC_SUCCESS)
		goto fail_init;
	/* Firmware normally started the TPM already. */
	rc = Esys_Startup(t->esys, TPM2_SU_CLEAR);
	if (rc != TSS2_RC_SUCCESS && tpm_rc_base(rc) != TPM2_RC_INITIALIZE)
		goto fail_init;
	if ((rc = tpm_property(t, TPM2_PT_NV_BUFFER_MAX, &t->nvbuf)) != TSS2_RC_SUCCESS ||
	    (rc = tpm_property(t, TPM2_PT_NV_INDEX_MAX, &t->nvmax)) != TSS2_RC_SUCCESS)
		goto fail_init;
	if (t->nvbuf == 0 || t->nvbuf > sizeof(((TPM2B_MAX_NV_BUFFER *)0)->buffer))
		t->nvbuf = sizeof(((TPM2B_MAX_NV_BUFFER *)0)->buffer);

	/* An ECC P-256 storage key in the NULL hierarchy (no auth to know, gone
	 * at reset): only there to salt the sessions. */
	tmpl.publicArea.type = TPM2_ALG_ECC;
	tmpl.publicArea.nameAlg = TPM2_ALG_SHA256;
	tmpl.publicArea.objectAttributes = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT |
					   TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
					   TPMA_OBJECT_SENSITIVEDATAORIGIN |
					   TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA;
	tmpl.publicArea.parameters.eccDetail.symmetric = (TPMT_SYM_DEF_OBJECT){
		.algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB };
	tmpl.publicArea.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
	tmpl.publicArea.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	tmpl.publicArea.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	rc = Esys_CreatePrimary(t->esys, ESYS_TR_RH_NULL, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
				&sens, &tmpl, &outside, &nopcr, &t->salt, NULL, NULL, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		tpm_close(t);
		return tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "create the session salt key");
	}
	rc = Esys_StartAuthSession(t->esys, t->salt, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, NULL, TPM2_SE_HMAC, &sym, TPM2_ALG_SHA256, &t->enc);
	if (rc != TSS2_RC_SUCCESS) {
		tpm_close(t);
		return tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "start the encryption session");
	}
	return TPMSEAL_EXIT_OK;
fail_init:
	tpm_close(t);
	return tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "initialise the TPM");
}

void tpm_close(struct tpm *t)
{
	if (t->esys) {
		if (t->enc != ESYS_TR_NONE)
			Esys_FlushContext(t->esys, t->enc);
		if (t->salt != ESYS_TR_NONE)
			Esys_FlushContext(t->esys, t->salt);
		Esys_Finalize(&t->esys);
	}
	if (t->tcti)
		Tss2_TctiLdr_Finalize(&t->tcti);
	t->enc = t->salt = ESYS_TR_NONE;
}

/* ESYS_TR for the index; NOBUNDLE when it is not defined. */
static int tpm_nv_handle(struct tpm *t, uint32_t index, ESYS_TR *h, char *err, size_t errlen)
{
	TSS2_RC rc = Esys_TR_FromTPMPublic(t->esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, h);

	if (rc == TSS2_RC_SUCCESS)
		return TPMSEAL_EXIT_OK;
	if (tpm_rc_base(rc) == TPM2_RC_HANDLE) {
		snprintf(err, errlen, "unable to find NV index 0x%08x: not provisioned", index);
		return TPMSEAL_EXIT_NOBUNDLE;
	}
	return tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "look up the NV index");
}

int tpm_nv_info(struct tpm *t, uint32_t index, struct tpm_nvinfo *info, char *err, size_t errlen)
{
	TPM2B_NV_PUBLIC *pub = NULL;
	ESYS_TR h = ESYS_TR_NONE;
	TSS2_RC rc;
	int r = tpm_nv_handle(t, index, &h, err, errlen);

	if (r)
		return r;
	rc = Esys_NV_ReadPublic(t->esys, h, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "read the NV index's public area");
		goto out;
	}
	info->attributes = pub->nvPublic.attributes;
	info->size = pub->nvPublic.dataSize;
	info->policy_len = pub->nvPublic.authPolicy.size;
	if (info->policy_len > sizeof info->policy)
		info->policy_len = 0;  /* not SHA-256: certainly not ours */
	memcpy(info->policy, pub->nvPublic.authPolicy.buffer, info->policy_len);
	if (pub->nvPublic.nameAlg != TPM2_ALG_SHA256)
		info->policy_len = 0;
out:
	Esys_Free(pub);
	Esys_TR_Close(t->esys, &h);
	return r;
}

static void tpm_pcr_selection(uint32_t mask, TPML_PCR_SELECTION *sel)
{
	memset(sel, 0, sizeof *sel);
	sel->count = 1;
	sel->pcrSelections[0].hash = TPM2_ALG_SHA256;
	sel->pcrSelections[0].sizeofSelect = 3;
	sel->pcrSelections[0].pcrSelect[0] = (uint8_t)mask;
	sel->pcrSelections[0].pcrSelect[1] = (uint8_t)(mask >> 8);
	sel->pcrSelections[0].pcrSelect[2] = (uint8_t)(mask >> 16);
}

/* The operator key as the TPM sees it: an ECDSA-SHA256 P-256 signing key.
 * The template is fixed, so the name (and the policy) depends only on the
 * key. */
static int tpm_load_authkey(struct tpm *t, EVP_PKEY *key, ESYS_TR *h, TPM2B_NAME **name,
			    char *err, size_t errlen)
{
	TPM2B_PUBLIC pub = { 0 };
	TPMT_PUBLIC *p = &pub.publicArea;
	TSS2_RC rc;

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
	if (policy_p256_xy(key, p->unique.ecc.x.buffer, p->unique.ecc.y.buffer)) {
		snprintf(err, errlen, "unable to use the approval key: not an ECDSA P-256 public key");
		return TPMSEAL_EXIT_USAGE;
	}
	/* OWNER, not NULL: only a real hierarchy yields a verification ticket. */
	rc = Esys_LoadExternal(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, NULL, &pub,
			       ESYS_TR_RH_OWNER, h);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "load the approval key");
	rc = Esys_TR_GetName(t->esys, *h, name);
	if (rc != TSS2_RC_SUCCESS) {
		Esys_FlushContext(t->esys, *h);
		*h = ESYS_TR_NONE;
		return tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "name the approval key");
	}
	return TPMSEAL_EXIT_OK;
}

int tpm_policy_expected(struct tpm *t, const struct tpm_auth *a, uint8_t out[POLICY_DIGEST],
			char *err, size_t errlen)
{
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
	TPML_PCR_SELECTION sel;
	TPM2B_DIGEST *d = NULL;
	TPM2B_NAME *name = NULL;
	ESYS_TR s = ESYS_TR_NONE, k = ESYS_TR_NONE;
	TSS2_RC rc;
	int r;

	if (a->mode == TPM_MODE_AUTHORIZED) {
		r = tpm_load_authkey(t, a->key, &k, &name, err, errlen);
		if (r == TPMSEAL_EXIT_OK)
			policy_authorize_digest(name->name, name->size, out);
		Esys_Free(name);
		if (k != ESYS_TR_NONE)
			Esys_FlushContext(t->esys, k);
		return r;
	}
	/* Literal PolicyPCR over the current values: let the TPM compute it
	 * in a trial session, so the bank and selection math is its own. */
	rc = Esys_StartAuthSession(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, NULL, TPM2_SE_TRIAL, &sym, TPM2_ALG_SHA256, &s);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "start a trial session");
	tpm_pcr_selection(a->mask, &sel);
	rc = Esys_PolicyPCR(t->esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, NULL, &sel);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_PolicyGetDigest(t->esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &d);
	if (rc == TSS2_RC_SUCCESS && d->size != POLICY_DIGEST)
		rc = TSS2_ESYS_RC_MALFORMED_RESPONSE;
	if (rc == TSS2_RC_SUCCESS) {
		memcpy(out, d->buffer, POLICY_DIGEST);
		r = TPMSEAL_EXIT_OK;
	} else {
		r = tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "compute the PCR policy");
	}
	Esys_Free(d);
	Esys_FlushContext(t->esys, s);
	return r;
}

int tpm_nv_create(struct tpm *t, uint32_t index, const struct tpm_auth *a, const uint8_t *data,
		  size_t len, char *err, size_t errlen)
{
	static const TPM2B_AUTH noauth = { 0 };
	TPM2B_NV_PUBLIC pub = { 0 };
	TPM2B_MAX_NV_BUFFER *chunk = NULL;
	ESYS_TR h = ESYS_TR_NONE;
	TSS2_RC rc;
	size_t off;
	int r;

	if (len == 0 || len > t->nvmax || len > UINT16_MAX) {
		snprintf(err, errlen, "unable to define NV index 0x%08x: %zu bytes exceed the TPM's %u",
			 index, len, t->nvmax);
		return TPMSEAL_EXIT_TPM;
	}
	pub.nvPublic.nvIndex = index;
	pub.nvPublic.nameAlg = TPM2_ALG_SHA256;
	pub.nvPublic.attributes = tpm_nv_attributes();
	pub.nvPublic.authPolicy.size = POLICY_DIGEST;
	pub.nvPublic.dataSize = (uint16_t)len;
	r = tpm_policy_expected(t, a, pub.nvPublic.authPolicy.buffer, err, errlen);
	if (r)
		return r;
	rc = Esys_NV_DefineSpace(t->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
				 &noauth, &pub, &h);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "define the NV index");
	chunk = sodium_malloc(sizeof *chunk);
	if (!chunk) {
		snprintf(err, errlen, "unable to allocate locked memory");
		r = TPMSEAL_EXIT_TPM;
		goto undefine;
	}
	/* Command parameter encryption: the bundle never crosses the bus in
	 * the clear.  Owner auth is a password session in slot 1. */
	rc = Esys_TRSess_SetAttributes(t->esys, t->enc, TPMA_SESSION_DECRYPT | TPMA_SESSION_CONTINUESESSION,
				       0xff);
	for (off = 0; rc == TSS2_RC_SUCCESS && off < len; off += chunk->size) {
		chunk->size = (uint16_t)(len - off < t->nvbuf ? len - off : t->nvbuf);
		memcpy(chunk->buffer, data + off, chunk->size);
		rc = Esys_NV_Write(t->esys, ESYS_TR_RH_OWNER, h, ESYS_TR_PASSWORD, t->enc, ESYS_TR_NONE,
				   chunk, (uint16_t)off);
	}
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "write the NV index");
		goto undefine;
	}
	r = TPMSEAL_EXIT_OK;
	goto out;
undefine:
	Esys_NV_UndefineSpace(t->esys, ESYS_TR_RH_OWNER, h, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
	h = ESYS_TR_NONE;
out:
	if (chunk)
		sodium_free(chunk);
	if (h != ESYS_TR_NONE)
		Esys_TR_Close(t->esys, &h);
	return r;
}

/* State of a policy session being satisfied again and again: the TPM
 * resets a policy session after each use, so every NV_Read chunk and the
 * ReadLock replays it. */
struct tpm_polstate {
	ESYS_TR session, key;
	TPM2B_NAME *name;
	TPMT_TK_VERIFIED *ticket;
	const struct policy_approval *approval;
};

static TSS2_RC tpm_policy_pcr(struct tpm *t, ESYS_TR s, uint32_t mask)
{
	TPML_PCR_SELECTION sel;

	tpm_pcr_selection(mask, &sel);
	return Esys_PolicyPCR(t->esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, NULL, &sel);
}

/* Authorized mode, first pass: the approval whose PCR policy the TPM
 * reproduces from the current PCRs, its signature checked by the TPM. */
static int tpm_find_approval(struct tpm *t, const struct tpm_auth *a, struct tpm_polstate *ps,
			     char *err, size_t errlen)
{
	TPMT_SIGNATURE sig = { .sigAlg = TPM2_ALG_ECDSA };
	TPM2B_DIGEST hash = { .size = 32 };
	TPM2B_DIGEST *d = NULL;
	TSS2_RC rc;
	size_t i;
	int r = tpm_load_authkey(t, a->key, &ps->key, &ps->name, err, errlen), sigbad = 0;

	if (r)
		return r;
	for (i = 0; i < a->n_approvals; i++) {
		const struct policy_approval *ap = &a->approvals[i];
		rc = Esys_PolicyRestart(t->esys, ps->session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE);
		if (rc == TSS2_RC_SUCCESS)
			rc = tpm_policy_pcr(t, ps->session, ap->mask);
		if (rc == TSS2_RC_SUCCESS)
			rc = Esys_PolicyGetDigest(t->esys, ps->session, ESYS_TR_NONE, ESYS_TR_NONE,
						  ESYS_TR_NONE, &d);
		if (rc != TSS2_RC_SUCCESS)
			return tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "evaluate the PCR policy");
		if (d->size != POLICY_DIGEST || memcmp(d->buffer, ap->digest, POLICY_DIGEST)) {
			Esys_Free(d);
			d = NULL;
			continue;  /* approves another image's PCRs */
		}
		Esys_Free(d);
		d = NULL;
		policy_approval_hash(ap->digest, hash.buffer);
		sig.signature.ecdsa.hash = TPM2_ALG_SHA256;
		sig.signature.ecdsa.signatureR.size = 32;
		memcpy(sig.signature.ecdsa.signatureR.buffer, ap->r, 32);
		sig.signature.ecdsa.signatureS.size = 32;
		memcpy(sig.signature.ecdsa.signatureS.buffer, ap->s, 32);
		rc = Esys_VerifySignature(t->esys, ps->key, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &hash,
					  &sig, &ps->ticket);
		if (rc != TSS2_RC_SUCCESS) {
			sigbad = 1;  /* tampered, or signed by another key: try the next */
			continue;
		}
		ps->approval = ap;
		return TPMSEAL_EXIT_OK;
	}
	snprintf(err, errlen, "unable to unseal: %s", sigbad ?
		 "no valid approval signature for the current PCR values" :
		 "no approval matches the current PCR values");
	return TPMSEAL_EXIT_STATE;
}

/* Satisfies the index's policy once in ps->session. */
static TSS2_RC tpm_policy_run(struct tpm *t, const struct tpm_auth *a, struct tpm_polstate *ps)
{
	TPM2B_DIGEST approved = { .size = POLICY_DIGEST };
	TPM2B_NONCE ref = { .size = TPM_POLICY_REF_LEN };
	TSS2_RC rc;

	if (a->mode == TPM_MODE_AUTHORITY)
		return tpm_policy_pcr(t, ps->session, a->mask);
	rc = tpm_policy_pcr(t, ps->session, ps->approval->mask);
	if (rc != TSS2_RC_SUCCESS)
		return rc;
	memcpy(approved.buffer, ps->approval->digest, POLICY_DIGEST);
	memcpy(ref.buffer, POLICY_REF, TPM_POLICY_REF_LEN);
	return Esys_PolicyAuthorize(t->esys, ps->session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				    &approved, &ref, ps->name, ps->ticket);
}

/* A failed read or lock, mapped to the exit code initd acts on. */
static int tpm_read_fail(TSS2_RC rc, char *err, size_t errlen)
{
	TSS2_RC b = tpm_rc_base(rc);

	if (b == TPM2_RC_POLICY_FAIL || b == TPM2_RC_VALUE || b == TPM2_RC_SIGNATURE ||
	    b == TPM2_RC_NV_AUTHORIZATION)
		return tpm_fail(rc, TPMSEAL_EXIT_STATE, err, errlen,
				"unseal: the TPM is in another state than the bundle was sealed to");
	if (b == TPM2_RC_NV_LOCKED)
		return tpm_fail(rc, TPMSEAL_EXIT_LOCKED, err, errlen,
				"unseal: already unsealed in this boot (read-locked)");
	return tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "read the NV index");
}

int tpm_nv_unseal(struct tpm *t, uint32_t index, const struct tpm_auth *a, uint8_t *out,
		  size_t cap, size_t *len, char *err, size_t errlen)
{
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB };
	struct tpm_polstate ps = { .session = ESYS_TR_NONE, .key = ESYS_TR_NONE };
	struct tpm_nvinfo info;
	uint8_t want[POLICY_DIGEST];
	TPM2B_MAX_NV_BUFFER *chunk = NULL;
	ESYS_TR h = ESYS_TR_NONE;
	TSS2_RC rc;
	size_t off = 0;
	int r;

	*len = 0;
	r = tpm_nv_info(t, index, &info, err, errlen);
	if (r)
		return r;
	if (info.attributes & TPMA_NV_READLOCKED) {
		snprintf(err, errlen, "unable to unseal: already unsealed in this boot (read-locked)");
		return TPMSEAL_EXIT_LOCKED;
	}
	/* Someone with owner auth could replace the index with one that has
	 * a weaker policy and keys of their choosing: accept only ours. */
	if ((info.attributes & ~(uint32_t)TPMA_NV_WRITTEN) != tpm_nv_attributes() ||
	    !(info.attributes & TPMA_NV_WRITTEN)) {
		snprintf(err, errlen, "unable to unseal: NV index 0x%08x has foreign attributes 0x%08x",
			 index, info.attributes);
		return TPMSEAL_EXIT_CORRUPT;
	}
	r = tpm_policy_expected(t, a, want, err, errlen);
	if (r)
		return r;
	if (info.policy_len != POLICY_DIGEST || memcmp(info.policy, want, POLICY_DIGEST)) {
		snprintf(err, errlen, "unable to unseal: %s",
			 a->mode == TPM_MODE_AUTHORIZED ?
			 "the index is not sealed to this approval key" :
			 "the PCR values differ from those the bundle was sealed to");
		return TPMSEAL_EXIT_STATE;
	}
	if (info.size > cap) {
		snprintf(err, errlen, "unable to unseal: NV index of %u bytes is too large", info.size);
		return TPMSEAL_EXIT_CORRUPT;
	}
	r = tpm_nv_handle(t, index, &h, err, errlen);
	if (r)
		return r;
	rc = Esys_StartAuthSession(t->esys, t->salt, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, NULL, TPM2_SE_POLICY, &sym, TPM2_ALG_SHA256, &ps.session);
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "start the policy session");
		goto out;
	}
	if (a->mode == TPM_MODE_AUTHORIZED) {
		r = tpm_find_approval(t, a, &ps, err, errlen);
		if (r)
			goto out;
		rc = Esys_PolicyRestart(t->esys, ps.session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE);
		if (rc != TSS2_RC_SUCCESS) {
			r = tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "restart the policy session");
			goto out;
		}
	}
	/* Response parameter encryption: key bytes come back encrypted. */
	rc = Esys_TRSess_SetAttributes(t->esys, t->enc, TPMA_SESSION_ENCRYPT | TPMA_SESSION_CONTINUESESSION,
				       0xff);
	while (rc == TSS2_RC_SUCCESS && off < info.size) {
		uint16_t want_n = (uint16_t)(info.size - off < t->nvbuf ? info.size - off : t->nvbuf);
		rc = tpm_policy_run(t, a, &ps);
		if (rc != TSS2_RC_SUCCESS)
			break;
		rc = Esys_NV_Read(t->esys, h, h, ps.session, t->enc, ESYS_TR_NONE, want_n, (uint16_t)off,
				  &chunk);
		if (rc != TSS2_RC_SUCCESS)
			break;
		if (chunk->size != want_n) {
			rc = TSS2_ESYS_RC_MALFORMED_RESPONSE;
		} else {
			memcpy(out + off, chunk->buffer, want_n);
			off += want_n;
		}
		sodium_memzero(chunk, sizeof *chunk);
		Esys_Free(chunk);
		chunk = NULL;
	}
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm_read_fail(rc, err, errlen);
		goto out;
	}
	/* Nothing that runs later in this boot may read it again. */
	rc = tpm_policy_run(t, a, &ps);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_NV_ReadLock(t->esys, h, h, ps.session, ESYS_TR_NONE, ESYS_TR_NONE);
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "read-lock the NV index");
		goto out;
	}
	*len = off;
	r = TPMSEAL_EXIT_OK;
out:
	if (r)
		sodium_memzero(out, cap);
	Esys_Free(ps.ticket);
	Esys_Free(ps.name);
	if (ps.key != ESYS_TR_NONE)
		Esys_FlushContext(t->esys, ps.key);
	if (ps.session != ESYS_TR_NONE)
		Esys_FlushContext(t->esys, ps.session);
	if (h != ESYS_TR_NONE)
		Esys_TR_Close(t->esys, &h);
	return r;
}

void tpm_nv_remove(struct tpm *t, uint32_t index)
{
	ESYS_TR h = ESYS_TR_NONE;
	char err[160];

	if (tpm_nv_handle(t, index, &h, err, sizeof err) == TPMSEAL_EXIT_OK)
		Esys_NV_UndefineSpace(t->esys, ESYS_TR_RH_OWNER, h, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				      ESYS_TR_NONE);
}

int tpm_pub_write(struct tpm *t, uint32_t index, const uint8_t *data, size_t len, char *err,
		  size_t errlen)
{
	static const TPM2B_AUTH noauth = { 0 };
	TPM2B_NV_PUBLIC pub = { 0 };
	TPM2B_MAX_NV_BUFFER chunk;
	ESYS_TR h = ESYS_TR_NONE;
	TSS2_RC rc;
	size_t off;

	if (len == 0 || len > t->nvmax) {
		snprintf(err, errlen, "unable to define NV index 0x%08x: bad size %zu", index, len);
		return TPMSEAL_EXIT_TPM;
	}
	tpm_nv_remove(t, index);
	pub.nvPublic.nvIndex = index;
	pub.nvPublic.nameAlg = TPM2_ALG_SHA256;
	pub.nvPublic.attributes = (TPM2_NT_ORDINARY << TPMA_NV_TPM2_NT_SHIFT) | TPMA_NV_OWNERWRITE |
				  TPMA_NV_AUTHREAD | TPMA_NV_NO_DA;
	pub.nvPublic.dataSize = (uint16_t)len;
	rc = Esys_NV_DefineSpace(t->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
				 &noauth, &pub, &h);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "define the public NV index");
	for (off = 0; rc == TSS2_RC_SUCCESS && off < len; off += chunk.size) {
		chunk.size = (uint16_t)(len - off < t->nvbuf ? len - off : t->nvbuf);
		memcpy(chunk.buffer, data + off, chunk.size);
		rc = Esys_NV_Write(t->esys, ESYS_TR_RH_OWNER, h, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				   ESYS_TR_NONE, &chunk, (uint16_t)off);
	}
	if (rc != TSS2_RC_SUCCESS) {
		Esys_NV_UndefineSpace(t->esys, ESYS_TR_RH_OWNER, h, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				      ESYS_TR_NONE);
		return tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "write the public NV index");
	}
	Esys_TR_Close(t->esys, &h);
	return TPMSEAL_EXIT_OK;
}

int tpm_pub_read(struct tpm *t, uint32_t index, uint8_t *out, size_t cap, size_t *len, char *err,
		 size_t errlen)
{
	TPM2B_MAX_NV_BUFFER *chunk = NULL;
	struct tpm_nvinfo info;
	ESYS_TR h = ESYS_TR_NONE;
	TSS2_RC rc = TSS2_RC_SUCCESS;
	size_t off = 0;
	int r = tpm_nv_info(t, index, &info, err, errlen);

	*len = 0;
	if (r)
		return r;
	if (info.size > cap) {
		snprintf(err, errlen, "unable to read NV index 0x%08x: %u bytes, too large", index, info.size);
		return TPMSEAL_EXIT_CORRUPT;
	}
	r = tpm_nv_handle(t, index, &h, err, errlen);
	if (r)
		return r;
	while (off < info.size) {
		uint16_t n = (uint16_t)(info.size - off < t->nvbuf ? info.size - off : t->nvbuf);
		rc = Esys_NV_Read(t->esys, h, h, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, n,
				  (uint16_t)off, &chunk);
		if (rc != TSS2_RC_SUCCESS)
			break;
		if (chunk->size != n)
			rc = TSS2_ESYS_RC_MALFORMED_RESPONSE;
		else
			memcpy(out + off, chunk->buffer, n);
		Esys_Free(chunk);
		chunk = NULL;
		if (rc != TSS2_RC_SUCCESS)
			break;
		off += n;
	}
	Esys_TR_Close(t->esys, &h);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "read the public NV index");
	*len = off;
	return TPMSEAL_EXIT_OK;
}
