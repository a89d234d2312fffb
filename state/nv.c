/* nv.c: nv.h.  Password sessions with the index's empty auth: the value
 * is no secret (the blob's header carries it in the clear), and a
 * counter's only write, NV_Increment, cannot set it to a chosen value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "nv.h"
#include "state.h"

struct nv {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
	ESYS_TR h;
};

uint32_t nv_attributes(void)
{
	/* not ORDERLY: an orderly counter reaches NV only every few
	 * increments, and what an unorderly shutdown leaves is unknown */
	return (TPM2_NT_COUNTER << TPMA_NV_TPM2_NT_SHIFT) | TPMA_NV_AUTHREAD | TPMA_NV_AUTHWRITE | TPMA_NV_NO_DA;
}

/* The TPM-layer response code without the handle/session/parameter number. */
static TSS2_RC nv_rc_base(TSS2_RC rc)
{
	if ((rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER)
		return rc;
	return (rc & TPM2_RC_FMT1) ? (rc & 0xBF) : (rc & 0xFFFF);
}

static int nv_fail(TSS2_RC rc, const char *what, uint32_t index, char *why, size_t whylen)
{
	state_why(why, whylen, "unable to %s NV index 0x%08x: %s", what, index, Tss2_RC_Decode(rc));
	return -1;
}

static void nv_close(struct nv *n)
{
	if (n->esys) {
		if (n->h != ESYS_TR_NONE)
			Esys_TR_Close(n->esys, &n->h);
		Esys_Finalize(&n->esys);
	}
	if (n->tcti)
		Tss2_TctiLdr_Finalize(&n->tcti);
	n->h = ESYS_TR_NONE;
}

static int nv_open(struct nv *n, const char *tcti, char *why, size_t whylen)
{
	TSS2_RC rc;

	memset(n, 0, sizeof *n);
	n->h = ESYS_TR_NONE;
	/* an absent index is an expected answer, not an error to log: keep
	 * tpm2-tss quiet unless the caller asked for its logs */
	setenv("TSS2_LOG", "all+NONE", 0);
	rc = Tss2_TctiLdr_Initialize(tcti, &n->tcti);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_Initialize(&n->esys, n->tcti, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		nv_close(n);
		state_why(why, whylen, "unable to reach the TPM: %s", Tss2_RC_Decode(rc));
		return -1;
	}
	return 0;
}

/* Looks the index up (into N->h, when it exists) and sorts it into *ST.
 * 0 or -1. */
static int nv_lookup(struct nv *n, uint32_t index, enum nv_state *st, char *why, size_t whylen)
{
	TPM2B_NV_PUBLIC *pub = NULL;
	TSS2_RC rc = Esys_TR_FromTPMPublic(n->esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &n->h);

	if (rc != TSS2_RC_SUCCESS) {
		n->h = ESYS_TR_NONE;
		if (nv_rc_base(rc) == TPM2_RC_HANDLE) {
			*st = NV_ABSENT;
			return 0;
		}
		return nv_fail(rc, "look up", index, why, whylen);
	}
	rc = Esys_NV_ReadPublic(n->esys, n->h, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL);
	if (rc != TSS2_RC_SUCCESS)
		return nv_fail(rc, "read the public area of", index, why, whylen);
	/* exactly ours: a counter someone else defined there (another
	 * owner, another policy) is not one this node can trust */
	if ((pub->nvPublic.attributes & ~(TPMA_NV)TPMA_NV_WRITTEN) != nv_attributes() ||
	    pub->nvPublic.nameAlg != TPM2_ALG_SHA256 || pub->nvPublic.authPolicy.size != 0 ||
	    pub->nvPublic.dataSize != 8)
		*st = NV_FOREIGN;
	else
		*st = pub->nvPublic.attributes & TPMA_NV_WRITTEN ? NV_VALUE : NV_UNWRITTEN;
	Esys_Free(pub);
	return 0;
}

/* The value of our written index N->h. */
static int nv_value(struct nv *n, uint32_t index, uint64_t *val, char *why, size_t whylen)
{
	TPM2B_MAX_NV_BUFFER *data = NULL;
	TSS2_RC rc = Esys_NV_Read(n->esys, n->h, n->h, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, 8, 0, &data);
	int i;

	if (rc != TSS2_RC_SUCCESS)
		return nv_fail(rc, "read", index, why, whylen);
	if (data->size != 8) {
		state_why(why, whylen, "unable to read NV index 0x%08x: %u bytes, not 8", index, data->size);
		Esys_Free(data);
		return -1;
	}
	*val = 0;
	for (i = 0; i < 8; i++)
		*val = *val << 8 | data->buffer[i];
	Esys_Free(data);
	return 0;
}

int nv_read(const char *tcti, uint32_t index, enum nv_state *st, uint64_t *val, char *why, size_t whylen)
{
	struct nv n;
	int r = -1;

	*val = 0;
	if (nv_open(&n, tcti, why, whylen) < 0)
		return -1;
	if (nv_lookup(&n, index, st, why, whylen) < 0)
		goto out;
	if (*st == NV_VALUE && nv_value(&n, index, val, why, whylen) < 0)
		goto out;
	r = 0;
out:
	nv_close(&n);
	return r;
}

static int nv_define(struct nv *n, uint32_t index, char *why, size_t whylen)
{
	static const TPM2B_AUTH noauth = { 0 };
	TPM2B_NV_PUBLIC pub = { 0 };
	TSS2_RC rc;

	pub.nvPublic.nvIndex = index;
	pub.nvPublic.nameAlg = TPM2_ALG_SHA256;
	pub.nvPublic.attributes = nv_attributes();
	pub.nvPublic.dataSize = 8;
	rc = Esys_NV_DefineSpace(n->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &noauth,
				 &pub, &n->h);
	if (rc != TSS2_RC_SUCCESS) {
		n->h = ESYS_TR_NONE;
		return nv_fail(rc, "define", index, why, whylen);
	}
	return 0;
}

int nv_increment(const char *tcti, uint32_t index, uint64_t *val, int *defined, char *why, size_t whylen)
{
	enum nv_state st;
	struct nv n;
	TSS2_RC rc;
	int r = -1;

	*val = 0;
	*defined = 0;
	if (nv_open(&n, tcti, why, whylen) < 0)
		return -1;
	if (nv_lookup(&n, index, &st, why, whylen) < 0)
		goto out;
	if (st == NV_FOREIGN) {
		state_why(why, whylen, "NV index 0x%08x is not lethe-state's counter (its attributes, size or policy "
			 "differ): refused", index);
		goto out;
	}
	if (st == NV_ABSENT) {
		if (nv_define(&n, index, why, whylen) < 0)
			goto out;
		*defined = 1;
	}
	rc = Esys_NV_Increment(n.esys, n.h, n.h, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
	if (rc != TSS2_RC_SUCCESS) {
		nv_fail(rc, "increment", index, why, whylen);
		goto out;
	}
	if (nv_value(&n, index, val, why, whylen) < 0)
		goto out;
	r = 0;
out:
	nv_close(&n);
	return r;
}
