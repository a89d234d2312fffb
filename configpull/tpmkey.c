/* Creating the node key inside the TPM.
 *
 * A primary key is derived from the owner hierarchy's seed and its template
 * alone, so the same TPM always yields the same key (and node id) for our
 * fixed template: the key needs no disk, ever.  We still make it persistent
 * at one handle: every pull loads it by that handle (tpmsign.c signs the
 * TLS handshake with it through ESAPI), and re-deriving a primary costs
 * seconds on some TPMs.  If the
 * handle is ever evicted, enrolling again re-creates the very same key;
 * only a TPM clear (a new owner seed) gives a node a new identity. */
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "tpmkey.h"

static const TPM2B_PUBLIC tpmkey_template = {
	.publicArea = {
		.type = TPM2_ALG_ECC,
		.nameAlg = TPM2_ALG_SHA256,
		.objectAttributes = TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_FIXEDTPM |
				    TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
				    TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA,
		.parameters.eccDetail = {
			.symmetric = { .algorithm = TPM2_ALG_NULL },
			.scheme = { .scheme = TPM2_ALG_ECDSA, .details.ecdsa.hashAlg = TPM2_ALG_SHA256 },
			.curveID = TPM2_ECC_NIST_P256,
			.kdf = { .scheme = TPM2_ALG_NULL },
		},
		/* "lethe node key v1" as the unique field: our own key space. */
		.unique.ecc = {
			.x = { .size = 17, .buffer = "lethe node key v1" },
			.y = { .size = 0 },
		},
	},
};

int tpmkey_ensure(unsigned handle, const char *tcti, int *created, struct cp_err *err)
{
	TSS2_TCTI_CONTEXT *tc = NULL;
	ESYS_CONTEXT *esys = NULL;
	ESYS_TR obj = ESYS_TR_NONE, persist = ESYS_TR_NONE;
	TPM2B_SENSITIVE_CREATE sens;
	TPM2B_DATA outside = { .size = 0 };
	TPML_PCR_SELECTION pcrs = { .count = 0 };
	TSS2_RC rc;
	int ok = 0;

	*created = 0;
	/* An empty handle is the expected first-boot case, not an error to
	 * log: keep tpm2-tss quiet unless the caller asked for its logs. */
	setenv("TSS2_LOG", "all+NONE", 0);
	memset(&sens, 0, sizeof sens);
	rc = Tss2_TctiLdr_Initialize(tcti, &tc);
	if (rc != TSS2_RC_SUCCESS) {
		err_set(err, "unable to reach the TPM: %s", Tss2_RC_Decode(rc));
		goto out;
	}
	rc = Esys_Initialize(&esys, tc, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		err_set(err, "unable to reach the TPM: %s", Tss2_RC_Decode(rc));
		goto out;
	}
	if (Esys_TR_FromTPMPublic(esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				  &persist) == TSS2_RC_SUCCESS) {
		ok = 1; /* already there: the key of an earlier enrollment */
		goto out;
	}
	rc = Esys_CreatePrimary(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
				&sens, &tpmkey_template, &outside, &pcrs, &obj, NULL, NULL, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		err_set(err, "unable to create the node key in the TPM: %s", Tss2_RC_Decode(rc));
		goto out;
	}
	rc = Esys_EvictControl(esys, ESYS_TR_RH_OWNER, obj, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			       ESYS_TR_NONE, handle, &persist);
	if (rc != TSS2_RC_SUCCESS) {
		err_set(err, "unable to make the node key persistent at 0x%08x: %s", handle,
			Tss2_RC_Decode(rc));
		goto out;
	}
	*created = 1;
	ok = 1;
out:
	if (esys && obj != ESYS_TR_NONE)
		Esys_FlushContext(esys, obj);
	if (esys)
		Esys_Finalize(&esys);
	if (tc)
		Tss2_TctiLdr_Finalize(&tc);
	return ok;
}
