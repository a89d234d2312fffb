/* releases.c: the logged releases, loaded from the proofs file with tlog
 * and matched against a quote's PCR values, path by path. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "releases.h"

/* Empties the set; why says what every quote will be refused with. */
static void releases_refuse(struct releases *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void releases_refuse(struct releases *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof r->why, fmt, ap);
	va_end(ap);
	if (!r->why[0])
		snprintf(r->why, sizeof r->why, "no releases");
	r->n = 0;
}

void releases_init(struct releases *r, const char *key_path, const char *proofs_path)
{
	memset(r, 0, sizeof *r);
	r->key_path = key_path;
	r->proofs_path = proofs_path;
	releases_refuse(r, key_path && proofs_path ? "releases not loaded yet"
						    : "attestd serve has no --log-key and --log-proofs");
}

int releases_load(struct releases *r, const char *key, size_t key_len, const uint8_t *p, size_t n,
		  struct attest_err *err)
{
	struct tlog_proof *proofs = NULL;
	struct tlog_vkey k;
	char why[256];
	size_t count = 0, i;
	int rc = -1;

	if (tlog_vkey_parse(key, key_len, &k, why, sizeof why)) {
		releases_refuse(r, "log key: %s", why);
		goto out;
	}
	/* About 2 KiB a proof: the heap, not the stack. */
	proofs = calloc(TLOG_PROOFS_MAX, sizeof *proofs);
	if (!proofs) {
		releases_refuse(r, "out of memory");
		goto out;
	}
	if (tlog_proofs_verify(&k, p, n, proofs, TLOG_PROOFS_MAX, &count, why, sizeof why)) {
		releases_refuse(r, "log proofs: %s", why);
		goto out;
	}
	for (i = 0; i < count; i++)
		r->rec[i] = proofs[i].rec;
	r->n = count;
	r->why[0] = '\0';
	rc = 0;
out:
	free(proofs);
	if (rc)
		attest_fail(err, "%s", r->why);
	return rc;
}

static void releases_stat(const char *path, struct releases_stamp *s)
{
	struct stat st;

	memset(s, 0, sizeof *s);
	if (stat(path, &st)) {
		s->err = errno ? errno : EIO;
		return;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->size = st.st_size;
	s->mtime = st.st_mtim;
}

static int releases_stamp_same(const struct releases_stamp *a, const struct releases_stamp *b)
{
	return a->err == b->err && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* Reads one of the two files into buf (max+1 bytes), or refuses naming it. */
static int releases_read(struct releases *r, const char *what, const char *path, void *buf, size_t max,
			 size_t *len)
{
	int rc = attest_read_file(path, buf, max, len);

	if (rc == -2)
		releases_refuse(r, "%s larger than %zu bytes", what, max);
	else if (rc)
		releases_refuse(r, "%s unreadable (%s)", what, strerror(errno));
	return rc;
}

void releases_refresh(struct releases *r)
{
	struct releases_stamp ks, ps;
	struct attest_err err;
	char *key = NULL;
	uint8_t *proofs = NULL;
	size_t klen = 0, plen = 0, i;

	if (!r->key_path || !r->proofs_path) {
		if (!r->tried)
			fprintf(stderr, "attestd: releases: every quote is refused: %s\n", r->why);
		r->tried = 1;
		return;
	}
	/* Stamped before reading: a file replaced meanwhile is read again
	 * at the next quote, never kept stale. */
	releases_stat(r->key_path, &ks);
	releases_stat(r->proofs_path, &ps);
	if (r->tried && releases_stamp_same(&ks, &r->key_stamp) && releases_stamp_same(&ps, &r->proofs_stamp))
		return;
	r->tried = 1;
	r->key_stamp = ks;
	r->proofs_stamp = ps;
	key = malloc(RELEASES_KEY_MAX + 1);
	proofs = malloc(TLOG_PROOFS_FILE_MAX + 1);
	if (!key || !proofs)
		releases_refuse(r, "out of memory");
	else if (!releases_read(r, "log key", r->key_path, key, RELEASES_KEY_MAX, &klen) &&
		 !releases_read(r, "log proofs", r->proofs_path, proofs, TLOG_PROOFS_FILE_MAX, &plen))
		(void)releases_load(r, key, klen, proofs, plen, &err);
	if (r->why[0]) {
		fprintf(stderr, "attestd: releases: every quote is refused: %s (key %s, proofs %s)\n", r->why,
			r->key_path, r->proofs_path);
	} else {
		fprintf(stderr, "attestd: releases: %zu from %s:", r->n, r->proofs_path);
		for (i = 0; i < r->n; i++)
			fprintf(stderr, " %s", r->rec[i].version);
		fputc('\n', stderr);
	}
	free(key);
	free(proofs);
}

/* How far the pcr lines [from, to) of rec (one boot path) are from the
 * quoted values: lines naming an unquoted PCR plus lines that differ. */
static unsigned releases_cost(const struct tlog_record *rec, size_t from, size_t to,
			      const uint8_t pcr[ATTESTD_PCRS][32])
{
	unsigned cost = 0;
	size_t i;

	for (i = from; i < to; i++) {
		const struct tlog_pcr *l = &rec->pcr[i];

		if (!((LETHE_ATTEST_QUOTE_PCRS >> l->index) & 1u) || memcmp(pcr[l->index], l->value, 32))
			cost++;
	}
	return cost;
}

/* "PCR 9 differs", "PCRs 4, 9 differ; PCR 2 is not quoted": the lines of
 * [from, to) that keep the path from matching. */
static void releases_diff(const struct tlog_record *rec, size_t from, size_t to, const uint8_t pcr[ATTESTD_PCRS][32],
			  char *out, size_t cap)
{
	static const char *const verb[2][2] = {{"differs", "differ"}, {"is not quoted", "are not quoted"}};
	size_t pos = 0, i;
	int unquoted;

	out[0] = '\0';
	for (unquoted = 0; unquoted < 2; unquoted++) {
		char list[128] = "";
		size_t lpos = 0;
		unsigned count = 0;

		for (i = from; i < to; i++) {
			const struct tlog_pcr *l = &rec->pcr[i];
			int quoted = (LETHE_ATTEST_QUOTE_PCRS >> l->index) & 1u;

			if (quoted == unquoted || (quoted && !memcmp(pcr[l->index], l->value, 32)))
				continue;
			if (lpos < sizeof list)
				lpos += (size_t)snprintf(list + lpos, sizeof list - lpos, "%s%u", count ? ", " : "",
							 l->index);
			count++;
		}
		if (!count || pos >= cap)
			continue;
		pos += (size_t)snprintf(out + pos, cap - pos, "%sPCR%s %s %s", pos ? "; " : "", count > 1 ? "s" : "",
					list, verb[unquoted][count > 1]);
	}
}

int releases_match(const struct releases *r, const uint8_t pcr[ATTESTD_PCRS][32], struct releases_match *m,
		   struct attest_err *err)
{
	const struct tlog_record *best = NULL;
	size_t best_from = 0, best_to = 0, i, j, k;
	unsigned best_cost = UINT_MAX;
	char diff[192];

	memset(m, 0, sizeof *m);
	if (r->why[0] || !r->n)
		return attest_fail(err, "no matching release: %s", r->why[0] ? r->why : "no releases");
	for (i = 0; i < r->n; i++) {
		const struct tlog_record *rec = &r->rec[i];

		/* A record's pcr lines are sorted by path: each run is a path. */
		for (j = 0; j < rec->npcrs; j = k) {
			unsigned cost;

			for (k = j; k < rec->npcrs && !strcmp(rec->pcr[k].path, rec->pcr[j].path); k++)
				;
			cost = releases_cost(rec, j, k, pcr);
			if (!cost) {
				snprintf(m->version, sizeof m->version, "%s", rec->version);
				snprintf(m->path, sizeof m->path, "%s", rec->pcr[j].path);
				return 0;
			}
			if (cost < best_cost) {
				best = rec;
				best_from = j;
				best_to = k;
				best_cost = cost;
			}
		}
	}
	if (!best)
		return attest_fail(err, "no matching release: no record lists a PCR");
	releases_diff(best, best_from, best_to, pcr, diff, sizeof diff);
	return attest_fail(err, "no matching release: closest is %s (%s): %s", best->version,
			   best->pcr[best_from].path, diff);
}
