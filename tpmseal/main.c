/* tpmseal: relay identities sealed in TPM NV (placeholder).
 *
 * The sealing logic is its own issue.  Until it lands this program is linked
 * exactly as the real one will be (tpm2-tss ESAPI through the TCTI loader,
 * libsodium, OpenSSL), so the image's library closure, size and boot test are
 * real.  It only answers `version`; everything else refuses. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <sodium.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "lethe_exit.h"

/* Whether the TCTI loader and ESAPI initialise against TCTI CONF: a probe the
 * boot tests use to show the TPM is reachable.  Returns the TSS2 rc. */
static TSS2_RC tpmseal_probe(const char *conf)
{
	TSS2_TCTI_CONTEXT *tcti = NULL;
	ESYS_CONTEXT *esys = NULL;
	TSS2_RC rc = Tss2_TctiLdr_Initialize(conf, &tcti);
	if (rc != TSS2_RC_SUCCESS)
		goto out;
	rc = Esys_Initialize(&esys, tcti, NULL);
out:
	if (esys)
		Esys_Finalize(&esys);
	if (tcti)
		Tss2_TctiLdr_Finalize(&tcti);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "version") == 0) {
		if (sodium_init() < 0)
			return LETHE_EXIT_TEMP;
		printf("tpmseal (placeholder) libsodium %s, %s\n", sodium_version_string(),
		       OpenSSL_version(OPENSSL_VERSION));
		return LETHE_EXIT_OK;
	}
	if ((argc == 2 || argc == 3) && strcmp(argv[1], "probe") == 0) {
		TSS2_RC rc = tpmseal_probe(argc == 3 ? argv[2] : NULL);
		if (rc != TSS2_RC_SUCCESS) {
			fprintf(stderr, "tpmseal: fatal: unable to reach the TPM: %s\n", Tss2_RC_Decode(rc));
			return LETHE_EXIT_TEMP;
		}
		puts("tpmseal: TPM reachable");
		return LETHE_EXIT_OK;
	}
	fputs("tpmseal: usage: tpmseal version | probe [TCTI] (sealing is not implemented yet)\n", stderr);
	return LETHE_EXIT_USAGE;
}
