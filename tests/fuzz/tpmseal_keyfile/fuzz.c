/* Fuzz harness for the parsers `tpmseal import` and `unseal` run on files:
 * tor's PKCS#1 `secret_id_key`, the tagged ed25519 files (master and
 * family tags), approval records (one, or a file of them back to back)
 * and the public record `status` reads.  Whatever parses must render back to
 * something that parses to the same key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "policy.h"
#include "pubinfo.h"
#include "torkey.h"

#define FUZZ_NAME "fuzz_tpmseal_keyfile"

static void fuzz_rsa(const uint8_t *p, size_t n)
{
	uint8_t bp[BUNDLE_PRIME_MAX], bq[BUNDLE_PRIME_MAX], pem[TORKEY_PEM_MAX];
	uint8_t bp2[BUNDLE_PRIME_MAX], bq2[BUNDLE_PRIME_MAX], plen, qlen, plen2, qlen2;
	char fpr[TORKEY_FPR_HEX];
	EVP_PKEY *k;
	size_t m;

	if (torkey_rsa_pem_parse(p, n, bp, &plen, bq, &qlen, sizeof bp))
		return;
	k = torkey_rsa_from_primes(bp, plen, bq, qlen);
	if (!k)
		abort();  /* a key we accepted must rebuild */
	m = torkey_rsa_pem(k, pem, sizeof pem);
	if (m == 0 || torkey_rsa_fingerprint(k, fpr) ||
	    torkey_rsa_pem_parse(pem, m, bp2, &plen2, bq2, &qlen2, sizeof bp2) || plen != plen2 ||
	    qlen != qlen2 || memcmp(bp, bp2, plen) || memcmp(bq, bq2, qlen))
		abort();
	EVP_PKEY_free(k);
}

static void fuzz_ed(const uint8_t *p, size_t n, const char *tag)
{
	uint8_t esk[64], out[TORKEY_ED_FILE_BYTES];

	if (torkey_ed_file_parse(p, n, tag, esk))
		return;
	if (torkey_ed_file_render(esk, tag, out) || memcmp(out, p, sizeof out))
		abort();
}

static void fuzz_approval(const uint8_t *p, size_t n)
{
	struct policy_approval a;
	uint8_t out[POLICY_APPROVAL_MAX_BYTES];

	if (policy_approval_parse(p, n, &a))
		return;
	if (policy_approval_render(&a, out) != n || memcmp(out, p, n))
		abort();
}

/* An approvals file (unseal --approval): records back to back, bounded;
 * what parses renders back to the same bytes. */
static void fuzz_approvals(const uint8_t *p, size_t n)
{
	static struct policy_approval a[POLICY_APPROVALS_MAX];
	uint8_t out[POLICY_APPROVAL_MAX_BYTES];
	size_t count, i, off = 0;

	if (policy_approvals_parse(p, n, a, POLICY_APPROVALS_MAX, &count))
		return;
	if (count > POLICY_APPROVALS_MAX)
		abort();
	for (i = 0; i < count; i++) {
		size_t len = policy_approval_render(&a[i], out);
		if (len > n - off || memcmp(out, p + off, len))
			abort();
		off += len;
	}
	if (off != n)
		abort();
}

static void fuzz_pubinfo(const uint8_t *p, size_t n)
{
	struct pubinfo pi;
	uint8_t out[PUBINFO_MAX_BYTES];

	if (pubinfo_parse(p, n, &pi))
		return;
	if (pubinfo_render(&pi, out, sizeof out) != n || memcmp(out, p, n))
		abort();
}

static void fuzz_one(const uint8_t *p, size_t n)
{
	fuzz_rsa(p, n);
	fuzz_ed(p, n, TORKEY_TAG_MASTER);
	fuzz_ed(p, n, TORKEY_TAG_FAMILY);
	fuzz_approval(p, n);
	fuzz_approvals(p, n);
	fuzz_pubinfo(p, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one(data, size);
	return 0;
}

#include "../replay.h"
