/* attest_certify: TPM2_Certify with qualifying data, for tests/attest.
 * tpm2-tools 5.4's tpm2_certify has no -q (extraData is fixed), so the test
 * makes the node's certify with this instead:
 *
 *   attest_certify TCTI OBJECT-HANDLE SIGN-HANDLE QUALIFYING-HEX ATTEST-OUT SIG-OUT
 *
 * both handles persistent with empty auth; writes the marshalled
 * TPM2B_ATTEST and TPMT_SIGNATURE, as configpull enroll prints them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_tctildr.h>

static int unhex(const char *s, uint8_t *out, size_t cap, size_t *n)
{
	size_t i, len = strlen(s);

	if (len % 2 || len / 2 > cap)
		return -1;
	for (i = 0; i < len / 2; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	*n = len / 2;
	return 0;
}

static int write_file(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(p, 1, n, f) == n;
	return !fclose(f) && ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	TSS2_TCTI_CONTEXT *tcti = NULL;
	ESYS_CONTEXT *ctx = NULL;
	ESYS_TR obj = ESYS_TR_NONE, signer = ESYS_TR_NONE;
	TPM2B_DATA qual = {0};
	TPMT_SIG_SCHEME scheme = {.scheme = TPM2_ALG_NULL};
	TPM2B_ATTEST *attest = NULL;
	TPMT_SIGNATURE *sig = NULL;
	uint8_t buf[sizeof(TPM2B_ATTEST) + sizeof(TPMT_SIGNATURE)];
	size_t n = 0, len = 0;
	int rc = 1;

	if (argc != 7 || unhex(argv[4], qual.buffer, sizeof qual.buffer, &n)) {
		fprintf(stderr, "usage: attest_certify TCTI OBJECT-HANDLE SIGN-HANDLE QUALIFYING-HEX ATTEST SIG\n");
		return 100;
	}
	qual.size = (UINT16)n;
	if (Tss2_TctiLdr_Initialize(argv[1], &tcti) || Esys_Initialize(&ctx, tcti, NULL) ||
	    Esys_TR_FromTPMPublic(ctx, (TPM2_HANDLE)strtoul(argv[2], NULL, 0), ESYS_TR_NONE, ESYS_TR_NONE,
				  ESYS_TR_NONE, &obj) ||
	    Esys_TR_FromTPMPublic(ctx, (TPM2_HANDLE)strtoul(argv[3], NULL, 0), ESYS_TR_NONE, ESYS_TR_NONE,
				  ESYS_TR_NONE, &signer) ||
	    Esys_Certify(ctx, obj, signer, ESYS_TR_PASSWORD, ESYS_TR_PASSWORD, ESYS_TR_NONE, &qual, &scheme,
			 &attest, &sig)) {
		fprintf(stderr, "attest_certify: TPM2_Certify failed\n");
		goto out;
	}
	len = 0;
	if (Tss2_MU_TPM2B_ATTEST_Marshal(attest, buf, sizeof buf, &len) || write_file(argv[5], buf, len))
		goto out;
	len = 0;
	if (Tss2_MU_TPMT_SIGNATURE_Marshal(sig, buf, sizeof buf, &len) || write_file(argv[6], buf, len))
		goto out;
	rc = 0;
out:
	Esys_Free(attest);
	Esys_Free(sig);
	if (ctx)
		Esys_Finalize(&ctx);
	Tss2_TctiLdr_Finalize(&tcti);
	return rc;
}
