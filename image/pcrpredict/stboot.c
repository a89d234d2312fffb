/* stboot's PCR 12/13/14, see predict.h.  Checked against the stboot
 * source (github system-transparency/stboot 3934def: stboot.go,
 * host/tpm.go Measurements.Add, vendor u-root pkg/tss/tss.go Measure). */
#include <stdio.h>
#include <string.h>

#include "lethe_exit.h"
#include "predict.h"

int stboot_policy_json(unsigned threshold, const char *fetch_method, char *out, size_t cap)
{
	int n = snprintf(out, cap, "{\"ospkg_signature_threshold\":%u,\"ospkg_fetch_method\":\"%s\"}",
		threshold, fetch_method);

	return n < 0 || (size_t)n >= cap ? -1 : n;
}

static void stboot_extend(uint8_t pcr[PCR_BYTES], const uint8_t d[PCR_BYTES], int single)
{
	if (single)
		pcr_extend(pcr, d);
	else
		pcr_measure(pcr, d, PCR_BYTES);
}

static void stboot_measure(uint8_t pcr[PCR_BYTES], const void *p, size_t n, int single)
{
	uint8_t d[PCR_BYTES];

	pcr_sha256(p, n, d);
	stboot_extend(pcr, d, single);
}

int stboot_predict(const struct stboot_inputs *in, struct prediction_set *out, struct tool_err *e)
{
	uint8_t v[PCR_BYTES];
	char policy[128];
	int n, rc;

	if (in->threshold < 1 || in->threshold > 255)
		return err_set(e, LETHE_EXIT_USAGE, "trust policy threshold must be 1..255");
	if (strcmp(in->fetch_method, "network") && strcmp(in->fetch_method, "initramfs"))
		return err_set(e, LETHE_EXIT_USAGE, "fetch method must be network or initramfs");
	n = stboot_policy_json(in->threshold, in->fetch_method, policy, sizeof policy);
	if (n < 0)
		return err_set(e, LETHE_EXIT_USAGE, "trust policy too long");

	memset(v, 0, sizeof v);
	stboot_extend(v, in->zip_digest, in->single_hash);
	stboot_measure(v, in->desc, in->desc_len, in->single_hash);
	rc = prediction_add(out, "stboot", 12, v, e);
	if (rc)
		return rc;
	memset(v, 0, sizeof v);
	stboot_measure(v, policy, (size_t)n, in->single_hash);
	stboot_measure(v, in->root_der, in->root_len, in->single_hash);
	stboot_measure(v, in->tls_der ? in->tls_der : (const uint8_t *)"", in->tls_len,
		in->single_hash);
	rc = prediction_add(out, "stboot", 13, v, e);
	if (rc)
		return rc;
	memset(v, 0, sizeof v);
	stboot_measure(v, in->identity, strlen(in->identity), in->single_hash);
	return prediction_add(out, "stboot", 14, v, e);
}
