/* approved: the offline rollout check (approved.h). */
#include <stdio.h>
#include <string.h>

#include "approved.h"
#include "logcheck.h"
#include "tpmseal.h"

int approved_signed(EVP_PKEY *key, uint32_t epoch_index, const struct policy_approval *ap, size_t n,
		    uint64_t epoch, struct policy_approval *sig, size_t *nsigned, char *err,
		    size_t errlen)
{
	uint8_t name[POLICY_NAME_BYTES];
	size_t i, v1 = 0, other = 0, mine = 0;

	*nsigned = 0;
	/* The name every node gives its epoch index under this key: a v2
	 * signature covers it, so a record signed for another key's (or
	 * another handle's) index does not verify. */
	if (policy_key_epoch_name(key, epoch_index, name)) {
		snprintf(err, errlen, "unable to use the policy key: not an ECDSA P-256 public key");
		return TPMSEAL_EXIT_USAGE;
	}
	for (i = 0; i < n; i++) {
		/* v1 records carry no epoch, so no node's minimum refuses them:
		 * they never say "this epoch may run" */
		if (ap[i].version != 2) {
			v1++;
			continue;
		}
		if (ap[i].epoch != epoch) {
			other++;
			continue;
		}
		mine++;
		if (policy_approval_verify(&ap[i], key, name) == 0)
			sig[(*nsigned)++] = ap[i];
	}
	if (mine == 0) {
		snprintf(err, errlen, "no approval for epoch %llu (%zu record%s: %zu for other epochs, %zu of "
			 "version 1, which carry no epoch)", (unsigned long long)epoch, n, n == 1 ? "" : "s",
			 other, v1);
		return TPMSEAL_EXIT_STATE;
	}
	if (*nsigned == 0) {
		snprintf(err, errlen, "the approval%s for epoch %llu %s not signed by the policy key",
			 mine == 1 ? "" : "s", (unsigned long long)epoch, mine == 1 ? "is" : "are");
		return TPMSEAL_EXIT_STATE;
	}
	return TPMSEAL_EXIT_OK;
}

int approved_check(EVP_PKEY *key, uint32_t epoch_index, const struct policy_approval *ap, size_t n,
		   const char *log_key, const char *log_proofs, const char *version, uint64_t epoch,
		   char *err, size_t errlen)
{
	static struct policy_approval sig[POLICY_APPROVALS_MAX];
	char why[LOGCHECK_WHY], serr[256];
	size_t nsigned = 0;
	int r, l, found = 0;

	if (n > POLICY_APPROVALS_MAX) {
		snprintf(err, errlen, "unable to check approvals: more than %u", POLICY_APPROVALS_MAX);
		return TPMSEAL_EXIT_USAGE;
	}
	r = approved_signed(key, epoch_index, ap, n, epoch, sig, &nsigned, serr, sizeof serr);
	if (r == TPMSEAL_EXIT_USAGE) {
		snprintf(err, errlen, "%s", serr);
		return r;
	}
	/* The log key is read whatever the approvals say: a broken image or
	 * command line is a usage error, never hidden behind a refusal. */
	l = logcheck_release(log_key, log_proofs, version, epoch, sig, nsigned, &found, why, err, errlen);
	if (l)
		return l;
	if (r) {
		snprintf(err, errlen, "%s", serr);
		return r;
	}
	if (!found) {
		snprintf(err, errlen, "%s", why);
		return TPMSEAL_EXIT_STATE;
	}
	return TPMSEAL_EXIT_OK;
}
