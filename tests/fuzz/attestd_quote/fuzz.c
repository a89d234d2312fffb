/* Fuzz harness for the body of POST /v1/attest, what a node sends on every
 * pull: quote_parse, then quote_verify against a fixed AK (its TPM2B_PUBLIC
 * loaded as attestd loads one from the database), with the release set a
 * tiny one in memory (v1: path qemu = the PCR values of the corpus's event
 * log, path stboot = 12, 13, 14 of some stboot boot).  No database.  The corpus holds
 * bodies signed by that AK's key over the nonce 0x42...: a pass, and one
 * per refusal.  A pass must name v1; a refusal must start with one of the
 * contract's reasons and be one line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quote.h"
#include "tpmobj.h"

#define FUZZ_NAME "fuzz_attestd_quote"
#define FUZZ_MAX_BYTES (LETHE_ATTEST_QUOTE_BODY_MAX + 1024)

/* The AK of the corpus (a software P-256 key): TPM2B_PUBLIC, AK template. */
static const char ak_hex[] =
	"00580023000b00050072000000100018000b000300100020dca2229c60783b314debc5f0cb4642c718e6f661c1ab9a"
	"d95c6ba24f53f02d84002057aad5bac2ec2b9f6526aa8b99022abcb7c40d515f64dd75205c0817a3d1e9b3";

/* The corpus event log's replay: PCRs 4, 7, 9, 11; a stboot's 12, 13, 14
 * (a body with these passes whatever replays into 4, 7, 9, 11). */
static const char *const qemu_hex[4] = {
	"c4a1734aab6ffea15707e799640d66fb891475a86531681dc8c7e729f494363a",
	"86716e7d63f661e78364de0db2d8bf3036f342c5f184999432755208254392ad",
	"5c1d070ec5d29dc510a2b42e695f04c04407f7b9454a63b65727c3e1b8ccfbc1",
	"3c0ddb3c6c51240e3d601e849e9b742dcfad05a84ca0b0c3439de7dab5f6e9af",
};
static const char stboot_hex[] = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

static TPM2B_PUBLIC ak;
static struct releases rel;
static struct quote_body *body;

static void fuzz_pcr(struct tlog_record *rec, const char *path, unsigned index, const char *hex)
{
	struct tlog_pcr *p = &rec->pcr[rec->npcrs++];

	strcpy(p->path, path);
	p->index = (uint8_t)index;
	if (attest_unhex(hex, p->value, sizeof p->value))
		abort();
}

static void fuzz_init(void)
{
	static const unsigned qemu[4] = {4, 7, 9, 11};
	uint8_t pub[sizeof ak_hex / 2], name[ATTESTD_NAME_BYTES];
	struct attest_err err;
	unsigned i;

	if (body)
		return;
	body = malloc(sizeof *body);
	if (!body || attest_unhex(ak_hex, pub, sizeof pub) || tpmobj_load(pub, sizeof pub, "ak", &ak, name, &err) ||
	    tpmobj_check_ak(&ak, &err))
		abort();
	rel.n = 1;
	strcpy(rel.rec[0].version, "v1");
	for (i = 0; i < 4; i++)
		fuzz_pcr(&rel.rec[0], "qemu", qemu[i], qemu_hex[i]);
	for (i = 12; i <= 14; i++)
		fuzz_pcr(&rel.rec[0], "stboot", i, stboot_hex);
}

static int fuzz_reason_ok(const char *msg)
{
	static const char *const prefixes[] = {"bad signature: ", "bad quote: ", "bad event log: ",
					       "no matching release: "};
	size_t i;

	if (strchr(msg, '\n'))
		return 0;
	for (i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (!strncmp(msg, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct releases_match m;
	struct attest_err err;

	fuzz_init();
	memset(&err, 0, sizeof err);
	if (quote_parse((const char *)data, size, body, &err)) {
		if (strncmp(err.msg, "malformed quote: ", 17))
			abort();
		return 0;
	}
	if (quote_verify(body, &ak, &rel, &m, &err) == 0) {
		if (strcmp(m.version, "v1") || (strcmp(m.path, "qemu") && strcmp(m.path, "stboot")))
			abort();
	} else if (!fuzz_reason_ok(err.msg)) {
		abort();
	}
	return 0;
}

#include "../replay.h"
