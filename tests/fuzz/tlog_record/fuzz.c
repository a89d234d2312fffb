/* Fuzz harness for the lethe-release/v1 parser: whatever it accepts must
 * render back to the very same bytes (one spelling per record), and its
 * fields must respect their bounds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlog.h"

#define FUZZ_NAME "fuzz_tlog_record"

static size_t hex(char *o, const uint8_t *h)
{
	size_t i;

	for (i = 0; i < TLOG_HASH; i++)
		sprintf(o + 2 * i, "%02x", h[i]);
	return 2 * TLOG_HASH;
}

/* The canonical text of R, as docs/transparency.md spells it. */
static size_t render(const struct tlog_record *r, char *o, size_t cap)
{
	size_t n, i;

	n = (size_t)snprintf(o, cap, "lethe-release/v1\nversion %s\ncommit %s\nsource-date-epoch %llu\n", r->version,
			     r->commit, (unsigned long long)r->source_date_epoch);
	if (r->has_epoch)
		n += (size_t)snprintf(o + n, cap - n, "approval-epoch %llu\n", (unsigned long long)r->epoch);
	else
		n += (size_t)snprintf(o + n, cap - n, "approval-epoch none\n");
	for (i = 0; i < TLOG_ARTIFACTS; i++) {
		n += (size_t)snprintf(o + n, cap - n, "sha256 %s ", tlog_artifact_names[i]);
		n += hex(o + n, r->sha256[i]);
		o[n++] = '\n';
	}
	for (i = 0; i < r->npcrs; i++) {
		n += (size_t)snprintf(o + n, cap - n, "pcr %s %u ", r->pcr[i].path, r->pcr[i].index);
		n += hex(o + n, r->pcr[i].value);
		o[n++] = '\n';
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[TLOG_RECORD_MAX * 4];
	struct tlog_record r;
	char err[256];
	size_t n, i;

	if (tlog_record_parse(data, size, &r, err, sizeof err)) {
		if (strlen(err) == 0)
			abort();
		return 0;
	}
	if (r.npcrs == 0 || r.npcrs > TLOG_RECORD_PCRS_MAX || strlen(r.version) == 0 ||
	    strlen(r.version) > TLOG_VERSION_MAX || strlen(r.commit) != 40)
		abort();
	for (i = 0; i < r.npcrs; i++)
		if (r.pcr[i].index > 23 || strlen(r.pcr[i].path) == 0)
			abort();
	n = render(&r, out, sizeof out);
	if (n != size || memcmp(out, data, size) != 0)
		abort();
	return 0;
}

#include "../replay.h"
