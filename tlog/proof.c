/* tlog-proof@v1 files (C2SP tlog-proof, "extra" = the entry), several back
 * to back: parsed strictly, then each verified end to end: the checkpoint's
 * signature, the entry's format, its inclusion under the checkpoint. */
#include <string.h>

#include "tlog.h"
#include "tlog_int.h"

static const char header[] = "c2sp.org/tlog-proof@v1\n";
#define HEADER_LEN (sizeof header - 1)

struct lines {
	const char *p, *end;
};

/* The next line without its '\n' in *s, *n; -1 at the end or when it
 * lacks its '\n'. */
static int line_get(struct lines *l, const char **s, size_t *n)
{
	const char *nl;

	if (l->p >= l->end)
		return -1;
	nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
	if (!nl)
		return -1;
	*s = l->p;
	*n = (size_t)(nl - l->p);
	l->p = nl + 1;
	return 0;
}

/* Where the next proof begins: a header line at a line start, or the end. */
static const char *next_header(const char *p, const char *end)
{
	const char *q = p;

	while ((size_t)(end - q) >= HEADER_LEN + 1) {
		const char *nl = memchr(q, '\n', (size_t)(end - q) - HEADER_LEN);

		if (!nl)
			break;
		if (memcmp(nl + 1, header, HEADER_LEN) == 0)
			return nl + 1;
		q = nl + 1;
	}
	return end;
}

static int proof_one(const struct tlog_vkey *k, struct lines *l, unsigned no, struct tlog_proof *out,
		     char *err, size_t errlen)
{
	uint8_t entry[TLOG_RECORD_MAX + 2], leaf[TLOG_HASH];
	uint8_t path[TLOG_PATH_MAX][TLOG_HASH];
	char why[256];
	const char *s, *note_end;
	size_t n, len, npath = 0;

	if (line_get(l, &s, &n) || n + 1 != HEADER_LEN || memcmp(s, header, n))
		return tlog_fail(err, errlen, "proof %u: first line is not \"c2sp.org/tlog-proof@v1\"", no);
	/* The entry travels with its proof: lethe requires extra. */
	if (line_get(l, &s, &n) || n < 6 || memcmp(s, "extra ", 6))
		return tlog_fail(err, errlen, "proof %u: no \"extra\" line (the entry)", no);
	if (tlog_b64_decode(s + 6, n - 6, entry, sizeof entry, &len) || len > TLOG_RECORD_MAX)
		return tlog_fail(err, errlen, "proof %u: extra is not base64 of at most %d bytes", no,
				 TLOG_RECORD_MAX);
	if (line_get(l, &s, &n) || n < 6 || memcmp(s, "index ", 6) ||
	    tlog_u64_parse(s + 6, n - 6, &out->index))
		return tlog_fail(err, errlen, "proof %u: no \"index N\" line in canonical decimal", no);
	for (;;) {
		uint8_t h[TLOG_HASH + 2];
		size_t hl;

		if (line_get(l, &s, &n))
			return tlog_fail(err, errlen, "proof %u: no blank line before the checkpoint", no);
		if (n == 0)
			break;
		if (npath == TLOG_PATH_MAX)
			return tlog_fail(err, errlen, "proof %u: more than %d hashes", no, TLOG_PATH_MAX);
		if (tlog_b64_decode(s, n, h, sizeof h, &hl) || hl != TLOG_HASH)
			return tlog_fail(err, errlen, "proof %u: hash %zu is not base64 of %d bytes", no,
					 npath + 1, TLOG_HASH);
		memcpy(path[npath++], h, TLOG_HASH);
	}
	note_end = next_header(l->p, l->end);
	if (tlog_checkpoint_open(k, (const uint8_t *)l->p, (size_t)(note_end - l->p), &out->cp, why,
				 sizeof why))
		return tlog_fail(err, errlen, "proof %u: checkpoint: %s", no, why);
	l->p = note_end;
	if (tlog_record_parse(entry, len, &out->rec, why, sizeof why))
		return tlog_fail(err, errlen, "proof %u: entry: %s", no, why);
	if (out->index >= out->cp.size)
		return tlog_fail(err, errlen, "proof %u: index %llu is not below the checkpoint's size %llu",
				 no, (unsigned long long)out->index, (unsigned long long)out->cp.size);
	tlog_leaf_hash(entry, len, leaf);
	if (tlog_inclusion_verify(out->index, out->cp.size, leaf, (const uint8_t (*)[TLOG_HASH])path,
				  npath, out->cp.root, why, sizeof why))
		return tlog_fail(err, errlen, "proof %u: inclusion: %s", no, why);
	return 0;
}

int tlog_proofs_verify(const struct tlog_vkey *k, const uint8_t *p, size_t n,
		       struct tlog_proof *out, size_t cap, size_t *count, char *err, size_t errlen)
{
	struct lines l = { (const char *)p, (const char *)p + n };
	size_t i = 0;

	*count = 0;
	if (n > TLOG_PROOFS_FILE_MAX)
		return tlog_fail(err, errlen, "proofs file over %zu bytes", TLOG_PROOFS_FILE_MAX);
	if (n == 0)
		return tlog_fail(err, errlen, "proofs file is empty");
	while (l.p < l.end) {
		if (i == TLOG_PROOFS_MAX || i == cap)
			return tlog_fail(err, errlen, "more than %zu proofs",
					 cap < TLOG_PROOFS_MAX ? cap : (size_t)TLOG_PROOFS_MAX);
		if (proof_one(k, &l, (unsigned)(i + 1), &out[i], err, errlen))
			return -1;
		i++;
	}
	*count = i;
	return 0;
}
