/* tpm: NV index define/write/read/lock through ESAPI (tpm.md 1.6, 2.1).
 * Each function flushes every transient handle it creates on every path. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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
	char err[256];

	/* Last resort for a path that forgot: a bundle read is never left
	 * readable for the rest of the boot. */
	if (t->held)
		tpm_nv_readlock(t, err, sizeof err);
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
	TPM2B_PUBLIC pub;
	TSS2_RC rc;

	if (policy_authkey_public(key, &pub)) {
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
	ESYS_TR session, key, epoch;
	TPM2B_NAME *name;
	TPMT_TK_VERIFIED *ticket;
	const struct policy_approval *approval;
	uint8_t approved[POLICY_DIGEST];
};

static TSS2_RC tpm_policy_pcr(struct tpm *t, ESYS_TR s, uint32_t mask)
{
	TPML_PCR_SELECTION sel;

	tpm_pcr_selection(mask, &sel);
	return Esys_PolicyPCR(t->esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, NULL, &sel);
}

/* PolicyNV(epoch index, offset 0, E, UNSIGNED_LE): "minimum <= E", checked
 * by the TPM against the index it reads (anyone may: AUTHREAD, no auth). */
static TSS2_RC tpm_policy_epoch(struct tpm *t, ESYS_TR s, ESYS_TR nv, uint64_t epoch)
{
	TPM2B_OPERAND b = { .size = POLICY_EPOCH_BYTES };
	unsigned i;

	for (i = 0; i < POLICY_EPOCH_BYTES; i++)
		b.buffer[i] = (uint8_t)(epoch >> (56 - 8 * i));
	return Esys_PolicyNV(t->esys, nv, nv, s, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &b, 0,
			     TPM2_EO_UNSIGNED_LE);
}

static TSS2_RC tpm_digest(struct tpm *t, ESYS_TR s, uint8_t out[POLICY_DIGEST])
{
	TPM2B_DIGEST *d = NULL;
	TSS2_RC rc = Esys_PolicyGetDigest(t->esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &d);

	if (rc == TSS2_RC_SUCCESS && d->size != POLICY_DIGEST)
		rc = TSS2_ESYS_RC_MALFORMED_RESPONSE;
	if (rc == TSS2_RC_SUCCESS)
		memcpy(out, d->buffer, POLICY_DIGEST);
	Esys_Free(d);
	return rc;
}

/* The current PCRs' PolicyPCR digest for MASK, computed by the TPM in
 * session S; remembered per mask, since a file usually holds one. */
struct tpm_pcrcache {
	uint32_t mask[4];
	uint8_t digest[4][POLICY_DIGEST];
	unsigned n;
};

static TSS2_RC tpm_pcr_current(struct tpm *t, ESYS_TR s, uint32_t mask, struct tpm_pcrcache *c,
			       uint8_t out[POLICY_DIGEST])
{
	TSS2_RC rc;
	unsigned i;

	for (i = 0; i < c->n; i++)
		if (c->mask[i] == mask) {
			memcpy(out, c->digest[i], POLICY_DIGEST);
			return TSS2_RC_SUCCESS;
		}
	rc = Esys_PolicyRestart(t->esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE);
	if (rc == TSS2_RC_SUCCESS)
		rc = tpm_policy_pcr(t, s, mask);
	if (rc == TSS2_RC_SUCCESS)
		rc = tpm_digest(t, s, out);
	if (rc == TSS2_RC_SUCCESS && c->n < 4) {
		c->mask[c->n] = mask;
		memcpy(c->digest[c->n++], out, POLICY_DIGEST);
	}
	return rc;
}

/* Authorized mode, first pass: the approval whose PCR policy the TPM
 * reproduces from the current PCRs, whose epoch (v2) is not below the
 * node's minimum (PolicyNV, in the TPM), its signature checked by the TPM.
 * Leaves ps->session restarted. */
static int tpm_find_approval(struct tpm *t, const struct tpm_auth *a, struct tpm_polstate *ps,
			     char *err, size_t errlen)
{
	TPMT_SIGNATURE sig = { .sigAlg = TPM2_ALG_ECDSA };
	TPM2B_DIGEST hash = { .size = 32 };
	struct tpm_pcrcache cache = { .n = 0 };
	uint8_t cur[POLICY_DIGEST];
	uint64_t below = 0;
	TSS2_RC rc;
	size_t i;
	int r = tpm_load_authkey(t, a->key, &ps->key, &ps->name, err, errlen), sigbad = 0, rolled = 0;
	int noepoch = 0, unlogged = 0;

	if (r)
		return r;
	for (i = 0; i < a->n_approvals; i++) {
		const struct policy_approval *ap = &a->approvals[i];
		rc = tpm_pcr_current(t, ps->session, ap->mask, &cache, cur);
		if (rc != TSS2_RC_SUCCESS)
			return tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "evaluate the PCR policy");
		if (memcmp(cur, ap->digest, POLICY_DIGEST))
			continue;  /* approves another image's PCRs */
		rc = Esys_PolicyRestart(t->esys, ps->session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE);
		if (rc == TSS2_RC_SUCCESS)
			rc = tpm_policy_pcr(t, ps->session, ap->mask);
		if (rc == TSS2_RC_SUCCESS && ap->version == 2) {
			if (ps->epoch == ESYS_TR_NONE) {
				noepoch = 1;  /* no epoch index: no v2 approval can hold */
				continue;
			}
			rc = tpm_policy_epoch(t, ps->session, ps->epoch, ap->epoch);
			if (tpm_rc_base(rc) == TPM2_RC_POLICY) {
				rolled = 1;  /* the node's minimum is above this image */
				below = ap->epoch;
				continue;
			}
			/* Unwritten, or an index the owner put there that we
			 * may not read: no v2 approval holds, fail closed. */
			if (rc != TSS2_RC_SUCCESS && (rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER) {
				noepoch = 1;
				continue;
			}
		}
		if (rc == TSS2_RC_SUCCESS)
			rc = tpm_digest(t, ps->session, ps->approved);
		if (rc != TSS2_RC_SUCCESS)
			return tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "evaluate the approved policy");
		policy_approval_hash(ps->approved, hash.buffer);
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
		/* After the signature: "not in the log" is said only of a real
		 * approval of this image (logcheck.h). */
		if (a->logged && !a->logged[i]) {
			Esys_Free(ps->ticket);
			ps->ticket = NULL;
			unlogged = 1;
			continue;
		}
		ps->approval = ap;
		rc = Esys_PolicyRestart(t->esys, ps->session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE);
		if (rc != TSS2_RC_SUCCESS)
			return tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "restart the policy session");
		return TPMSEAL_EXIT_OK;
	}
	if (unlogged)
		snprintf(err, errlen, "unable to unseal: the approval for the current PCR values is not "
			 "in the transparency log (%s)", a->log_why);
	else if (sigbad)
		snprintf(err, errlen, "unable to unseal: no valid approval signature for the current PCR values");
	else if (rolled)
		snprintf(err, errlen, "unable to unseal: the approval for the current PCR values is for "
			 "epoch %llu, below this node's minimum epoch (rollback refused)",
			 (unsigned long long)below);
	else if (noepoch)
		snprintf(err, errlen, "unable to unseal: the approval for the current PCR values needs "
			 "the minimum-epoch NV index 0x%08x: absent, unwritten or unreadable", a->epoch_index);
	else
		snprintf(err, errlen, "unable to unseal: no approval matches the current PCR values");
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
	if (rc == TSS2_RC_SUCCESS && ps->approval->version == 2)
		rc = tpm_policy_epoch(t, ps->session, ps->epoch, ps->approval->epoch);
	if (rc != TSS2_RC_SUCCESS)
		return rc;
	memcpy(approved.buffer, ps->approved, POLICY_DIGEST);
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
				"unseal: the index is read-locked until the next boot");
	return tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "read the NV index");
}

static void tpm_polstate_free(struct tpm *t, struct tpm_polstate *ps)
{
	Esys_Free(ps->ticket);
	Esys_Free(ps->name);
	ps->ticket = NULL;
	ps->name = NULL;
	if (ps->key != ESYS_TR_NONE)
		Esys_FlushContext(t->esys, ps->key);
	if (ps->session != ESYS_TR_NONE)
		Esys_FlushContext(t->esys, ps->session);
	if (ps->epoch != ESYS_TR_NONE)
		Esys_TR_Close(t->esys, &ps->epoch);
	ps->key = ps->session = ps->epoch = ESYS_TR_NONE;
}

/* The epoch index's ESYS_TR if it is defined, else ESYS_TR_NONE (then v2
 * approvals cannot hold, v1 ones still can).  Its name is the TPM's: if
 * someone replaced it with another public area, PolicyNV extends another
 * name and no approval verifies. */
static int tpm_epoch_handle(struct tpm *t, const struct tpm_auth *a, ESYS_TR *h, char *err,
			    size_t errlen)
{
	int r = tpm_nv_handle(t, a->epoch_index, h, err, errlen);

	if (r == TPMSEAL_EXIT_NOBUNDLE) {
		*h = ESYS_TR_NONE;
		return TPMSEAL_EXIT_OK;
	}
	return r;
}

/* An index read and not yet read-locked: what NV_ReadLock needs to satisfy
 * its policy once more. */
struct tpm_held {
	struct tpm_polstate ps;
	ESYS_TR h;
	const struct tpm_auth *a;
};

static void tpm_held_free(struct tpm *t, struct tpm_held *hd)
{
	tpm_polstate_free(t, &hd->ps);
	if (hd->h != ESYS_TR_NONE)
		Esys_TR_Close(t->esys, &hd->h);
	free(hd);
}

int tpm_nv_unseal(struct tpm *t, uint32_t index, const struct tpm_auth *a, uint8_t *out,
		  size_t cap, size_t *len, char *err, size_t errlen)
{
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB };
	struct tpm_held *hd = NULL;
	struct tpm_nvinfo info;
	uint8_t want[POLICY_DIGEST];
	TPM2B_MAX_NV_BUFFER *chunk = NULL;
	TSS2_RC rc;
	size_t off = 0;
	int r;

	*len = 0;
	r = tpm_nv_info(t, index, &info, err, errlen);
	if (r)
		goto out;
	if (info.attributes & TPMA_NV_READLOCKED) {
		snprintf(err, errlen, "unable to unseal: the index is read-locked until the next boot "
			 "(already unsealed in this boot, or an earlier unseal could not write the keys)");
		r = TPMSEAL_EXIT_LOCKED;
		goto out;
	}
	/* Someone with owner auth could replace the index with one that has
	 * a weaker policy and keys of their choosing: accept only ours. */
	if ((info.attributes & ~(uint32_t)TPMA_NV_WRITTEN) != tpm_nv_attributes() ||
	    !(info.attributes & TPMA_NV_WRITTEN)) {
		snprintf(err, errlen, "unable to unseal: NV index 0x%08x has foreign attributes 0x%08x",
			 index, info.attributes);
		r = TPMSEAL_EXIT_CORRUPT;
		goto out;
	}
	r = tpm_policy_expected(t, a, want, err, errlen);
	if (r)
		goto out;
	if (info.policy_len != POLICY_DIGEST || memcmp(info.policy, want, POLICY_DIGEST)) {
		snprintf(err, errlen, "unable to unseal: %s",
			 a->mode == TPM_MODE_AUTHORIZED ?
			 "the index is not sealed to this approval key" :
			 "the PCR values differ from those the bundle was sealed to");
		r = TPMSEAL_EXIT_STATE;
		goto out;
	}
	if (info.size > cap) {
		snprintf(err, errlen, "unable to unseal: NV index of %u bytes is too large", info.size);
		r = TPMSEAL_EXIT_CORRUPT;
		goto out;
	}
	/* Allocated before anything is read: once the bytes are out, nothing
	 * may keep us from locking. */
	hd = calloc(1, sizeof *hd);
	if (!hd) {
		snprintf(err, errlen, "unable to allocate memory: %s", strerror(errno));
		r = TPMSEAL_EXIT_TPM;
		goto out;
	}
	hd->ps.session = hd->ps.key = hd->ps.epoch = hd->h = ESYS_TR_NONE;
	hd->a = a;
	r = tpm_nv_handle(t, index, &hd->h, err, errlen);
	if (r)
		goto out;
	rc = Esys_StartAuthSession(t->esys, t->salt, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, NULL, TPM2_SE_POLICY, &sym, TPM2_ALG_SHA256,
				   &hd->ps.session);
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "start the policy session");
		goto out;
	}
	if (a->mode == TPM_MODE_AUTHORIZED) {
		r = tpm_epoch_handle(t, a, &hd->ps.epoch, err, errlen);
		if (r == TPMSEAL_EXIT_OK)
			r = tpm_find_approval(t, a, &hd->ps, err, errlen);
		if (r)
			goto out;
	}
	/* Response parameter encryption: key bytes come back encrypted. */
	rc = Esys_TRSess_SetAttributes(t->esys, t->enc, TPMA_SESSION_ENCRYPT | TPMA_SESSION_CONTINUESESSION,
				       0xff);
	while (rc == TSS2_RC_SUCCESS && off < info.size) {
		uint16_t want_n = (uint16_t)(info.size - off < t->nvbuf ? info.size - off : t->nvbuf);
		rc = tpm_policy_run(t, a, &hd->ps);
		if (rc != TSS2_RC_SUCCESS)
			break;
		rc = Esys_NV_Read(t->esys, hd->h, hd->h, hd->ps.session, t->enc, ESYS_TR_NONE, want_n,
				  (uint16_t)off, &chunk);
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
	/* Not locked yet: the caller writes the keys first, so a write
	 * failure is reported as what it is (tpm_nv_readlock). */
	*len = off;
	t->held = hd;
	hd = NULL;
	r = TPMSEAL_EXIT_OK;
out:
	if (r)
		sodium_memzero(out, cap);
	if (hd)
		tpm_held_free(t, hd);
	return r;
}

int tpm_nv_readlock(struct tpm *t, char *err, size_t errlen)
{
	struct tpm_held *hd = t->held;
	TSS2_RC rc;
	int r = TPMSEAL_EXIT_OK;

	if (!hd)
		return TPMSEAL_EXIT_OK;
	t->held = NULL;
	/* Nothing that runs later in this boot may read it again. */
	rc = tpm_policy_run(t, hd->a, &hd->ps);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_NV_ReadLock(t->esys, hd->h, hd->h, hd->ps.session, ESYS_TR_NONE, ESYS_TR_NONE);
	if (rc != TSS2_RC_SUCCESS)
		r = tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "read-lock the NV index");
	tpm_held_free(t, hd);
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

/* The epoch index's expected public area under A; its authPolicy is
 * PolicyOR(PolicyAuthorize(operator key), first write). */
static int tpm_epoch_expected(struct tpm *t, const struct tpm_auth *a, TPMS_NV_PUBLIC *pub,
			      uint8_t authorize[POLICY_DIGEST], char *err, size_t errlen)
{
	int r = tpm_policy_expected(t, a, authorize, err, errlen);

	if (r == TPMSEAL_EXIT_OK)
		policy_epoch_public(a->epoch_index, authorize, pub);
	return r;
}

/* Whether the index at a->epoch_index is ours; NOBUNDLE if absent. */
static int tpm_epoch_check(struct tpm *t, const struct tpm_auth *a,
			   uint8_t authorize[POLICY_DIGEST], char *err, size_t errlen)
{
	struct tpm_nvinfo info;
	TPMS_NV_PUBLIC pub;
	int r = tpm_epoch_expected(t, a, &pub, authorize, err, errlen);

	if (r == TPMSEAL_EXIT_OK)
		r = tpm_nv_info(t, a->epoch_index, &info, err, errlen);
	if (r)
		return r;
	if ((info.attributes & ~(uint32_t)TPMA_NV_WRITTEN) != pub.attributes ||
	    info.size != POLICY_EPOCH_BYTES || info.policy_len != POLICY_DIGEST ||
	    memcmp(info.policy, pub.authPolicy.buffer, POLICY_DIGEST)) {
		snprintf(err, errlen, "unable to use NV index 0x%08x: not a minimum-epoch index for "
			 "this approval key (attributes 0x%08x)", a->epoch_index, info.attributes);
		return TPMSEAL_EXIT_CORRUPT;
	}
	if (!(info.attributes & TPMA_NV_WRITTEN)) {
		snprintf(err, errlen, "unable to use NV index 0x%08x: minimum epoch never written",
			 a->epoch_index);
		return TPMSEAL_EXIT_NOBUNDLE;
	}
	return TPMSEAL_EXIT_OK;
}

static void tpm_epoch_bytes(uint64_t v, TPM2B_MAX_NV_BUFFER *b)
{
	unsigned i;

	b->size = POLICY_EPOCH_BYTES;
	for (i = 0; i < POLICY_EPOCH_BYTES; i++)
		b->buffer[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* PolicyOR over the two branches of the epoch index's policy, the current
 * one being in S already. */
static TSS2_RC tpm_epoch_or(struct tpm *t, ESYS_TR s, const uint8_t authorize[POLICY_DIGEST])
{
	TPML_DIGEST list = { .count = 2 };

	list.digests[0].size = list.digests[1].size = POLICY_DIGEST;
	memcpy(list.digests[0].buffer, authorize, POLICY_DIGEST);
	policy_first_write_digest(list.digests[1].buffer);
	return Esys_PolicyOR(t->esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &list);
}

int tpm_epoch_create(struct tpm *t, const struct tpm_auth *a, uint64_t initial, int *created,
		     char *err, size_t errlen)
{
	static const TPM2B_AUTH noauth = { 0 };
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
	uint8_t authorize[POLICY_DIGEST], want[POLICY_NAME_BYTES];
	TPM2B_NV_PUBLIC pub = { 0 };
	TPM2B_MAX_NV_BUFFER data;
	TPM2B_NAME *name = NULL;
	ESYS_TR h = ESYS_TR_NONE, s = ESYS_TR_NONE, h2 = ESYS_TR_NONE;
	TPM2_CC cc = TPM2_CC_NV_Write;
	TSS2_RC rc;
	int r;

	*created = 0;
	r = tpm_epoch_check(t, a, authorize, err, errlen);
	if (r != TPMSEAL_EXIT_NOBUNDLE)
		return r;  /* ours and written: kept, never lowered */
	if (tpm_nv_info(t, a->epoch_index, &(struct tpm_nvinfo){ 0 }, err, errlen) == TPMSEAL_EXIT_OK)
		tpm_nv_remove(t, a->epoch_index);  /* ours but never written: start again */
	policy_epoch_public(a->epoch_index, authorize, &pub.nvPublic);
	if (policy_epoch_name(a->epoch_index, authorize, want)) {
		snprintf(err, errlen, "unable to name the minimum-epoch index");
		return TPMSEAL_EXIT_TPM;
	}
	rc = Esys_NV_DefineSpace(t->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
				 &noauth, &pub, &h);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "define the minimum-epoch NV index");
	/* The first write needs no approval: PolicyNvWritten(NO) makes this
	 * branch useless once the index holds a value. */
	rc = Esys_StartAuthSession(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, NULL, TPM2_SE_POLICY, &sym, TPM2_ALG_SHA256, &s);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_PolicyCommandCode(t->esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, cc);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_PolicyNvWritten(t->esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_NO);
	if (rc == TSS2_RC_SUCCESS)
		rc = tpm_epoch_or(t, s, authorize);
	tpm_epoch_bytes(initial, &data);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_NV_Write(t->esys, h, h, s, ESYS_TR_NONE, ESYS_TR_NONE, &data, 0);
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "write the minimum-epoch NV index");
		goto undefine;
	}
	/* Approvals are signed offline for the name we compute: the TPM must
	 * agree, or no v2 approval could ever verify on this node. */
	rc = Esys_TR_FromTPMPublic(t->esys, a->epoch_index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &h2);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_TR_GetName(t->esys, h2, &name);
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "name the minimum-epoch NV index");
		goto undefine;
	}
	if (name->size != POLICY_NAME_BYTES || memcmp(name->name, want, POLICY_NAME_BYTES)) {
		snprintf(err, errlen, "unable to create the minimum-epoch NV index: the TPM names it "
			 "differently from approvals");
		r = TPMSEAL_EXIT_TPM;
		goto undefine;
	}
	*created = 1;
	r = TPMSEAL_EXIT_OK;
	goto out;
undefine:
	Esys_NV_UndefineSpace(t->esys, ESYS_TR_RH_OWNER, h, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
	h = ESYS_TR_NONE;
out:
	Esys_Free(name);
	if (s != ESYS_TR_NONE)
		Esys_FlushContext(t->esys, s);
	if (h2 != ESYS_TR_NONE)
		Esys_TR_Close(t->esys, &h2);
	if (h != ESYS_TR_NONE)
		Esys_TR_Close(t->esys, &h);
	return r;
}

int tpm_epoch_read(struct tpm *t, const struct tpm_auth *a, uint64_t *val, char *err, size_t errlen)
{
	uint8_t authorize[POLICY_DIGEST];
	TPM2B_MAX_NV_BUFFER *d = NULL;
	ESYS_TR h = ESYS_TR_NONE;
	TSS2_RC rc;
	unsigned i;
	int r = tpm_epoch_check(t, a, authorize, err, errlen);

	if (r == TPMSEAL_EXIT_OK)
		r = tpm_nv_handle(t, a->epoch_index, &h, err, errlen);
	if (r)
		return r;
	rc = Esys_NV_Read(t->esys, h, h, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
			  POLICY_EPOCH_BYTES, 0, &d);
	Esys_TR_Close(t->esys, &h);
	if (rc == TSS2_RC_SUCCESS && d->size != POLICY_EPOCH_BYTES)
		rc = TSS2_ESYS_RC_MALFORMED_RESPONSE;
	if (rc != TSS2_RC_SUCCESS) {
		Esys_Free(d);
		return tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "read the minimum-epoch NV index");
	}
	*val = 0;
	for (i = 0; i < POLICY_EPOCH_BYTES; i++)
		*val = *val << 8 | d->buffer[i];
	Esys_Free(d);
	return TPMSEAL_EXIT_OK;
}

int tpm_epoch_advance(struct tpm *t, const struct tpm_auth *a, uint64_t *from, uint64_t *to,
		      char *err, size_t errlen)
{
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB };
	struct tpm_polstate ps = { .session = ESYS_TR_NONE, .key = ESYS_TR_NONE, .epoch = ESYS_TR_NONE };
	uint8_t authorize[POLICY_DIGEST];
	TPM2B_MAX_NV_BUFFER data;
	TSS2_RC rc;
	int r = tpm_epoch_read(t, a, from, err, errlen);

	*to = *from;
	if (r)
		return r;
	r = tpm_policy_expected(t, a, authorize, err, errlen);
	if (r == TPMSEAL_EXIT_OK)
		r = tpm_epoch_handle(t, a, &ps.epoch, err, errlen);
	if (r)
		return r;
	rc = Esys_StartAuthSession(t->esys, t->salt, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, NULL, TPM2_SE_POLICY, &sym, TPM2_ALG_SHA256, &ps.session);
	if (rc != TSS2_RC_SUCCESS) {
		r = tpm_fail(rc, TPMSEAL_EXIT_TPM, err, errlen, "start the policy session");
		goto out;
	}
	r = tpm_find_approval(t, a, &ps, err, errlen);
	if (r) {
		if (!strncmp(err, "unable to unseal", 16))
			memcpy(err, "unable to advance", 17);  /* same reasons, our verb */
		goto out;
	}
	if (ps.approval->version != 2) {
		snprintf(err, errlen, "unable to advance: the approval for the current PCR values "
			 "carries no epoch (version 1)");
		r = TPMSEAL_EXIT_STATE;
		goto out;
	}
	/* PolicyNV in the approval held: minimum <= epoch.  Equal: nothing to
	 * write (NV wears; a normal boot writes nothing). */
	*to = ps.approval->epoch;
	if (*to == *from)
		goto out;
	tpm_epoch_bytes(*to, &data);
	rc = tpm_policy_run(t, a, &ps);
	if (rc == TSS2_RC_SUCCESS)
		rc = tpm_epoch_or(t, ps.session, authorize);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_NV_Write(t->esys, ps.epoch, ps.epoch, ps.session, ESYS_TR_NONE, ESYS_TR_NONE,
				   &data, 0);
	if (rc != TSS2_RC_SUCCESS) {
		*to = *from;
		r = tpm_fail(rc, tpm_rc_base(rc) == TPM2_RC_POLICY_FAIL ? TPMSEAL_EXIT_STATE : TPMSEAL_EXIT_TPM,
			     err, errlen, "raise the minimum epoch");
	}
out:
	tpm_polstate_free(t, &ps);
	return r;
}
