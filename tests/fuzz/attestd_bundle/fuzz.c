/* Fuzz harness for the enrollment bundle check-enroll reads from an
 * operator-supplied (node-written) file.  The bundle's own tls-public stands
 * in for the CSR key, so a well-formed input reaches every check: templates,
 * the certify and its signature, and the EK certificate's DER and chain
 * (against an empty CA set, which must refuse). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "certify.h"
#include "check.h"
#include "tpmobj.h"

#define FUZZ_NAME "fuzz_attestd_bundle"
#define FUZZ_MAX_BYTES (ATTESTD_BUNDLE_MAX + 1024)

static void fuzz_one(const uint8_t *data, size_t size)
{
	static struct bundle b;
	struct check_result res;
	struct attest_err err;
	TPM2B_PUBLIC tls;
	uint8_t name[ATTESTD_NAME_BYTES], point[65];
	char node[ATTESTD_NODE_HEX + 1];
	struct ekca ca;
	EVP_PKEY *key = NULL;

	if (bundle_parse((const char *)data, size, &b, &err))
		return;
	if (tpmobj_load(b.tls_public, b.len[BUNDLE_TLS_PUBLIC], "tls-public", &tls, name, &err) ||
	    tpmobj_check_tls(&tls, &err))
		return;
	tpmobj_ecc_point(&tls, point);
	key = certify_p256_key(point);
	if (!key || check_node_id(key, node))
		goto out;
	if (ekca_init(&ca))
		abort();
	/* No anchors: a chain can never verify. */
	if (check_enroll(&b, &ca, key, node, &res, &err) == 0)
		abort();
	ekca_free(&ca);
out:
	EVP_PKEY_free(key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one(data, size);
	return 0;
}

#include "../replay.h"
