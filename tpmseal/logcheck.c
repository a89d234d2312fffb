/* logcheck: approvals against the release transparency log. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "logcheck.h"
#include "tlog.h"
#include "tpmseal.h"

/* Reads at most CAP bytes of PATH (no symlink); -1 with errno, or -EFBIG
 * as errno when it holds more. */
static long logcheck_read(const char *path, uint8_t *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t got = 0;
	long r = -1;

	if (fd < 0)
		return -1;
	/* one byte more than CAP tells "too big" from "exactly CAP" */
	while (got <= cap) {
		ssize_t k = read(fd, buf + got, cap + 1 - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			goto out;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	if (got > cap) {
		errno = EFBIG;
		goto out;
	}
	r = (long)got;
out:
	close(fd);
	return r;
}

/* Does R hold, for one boot path, every PCR of A's mask with values whose
 * PolicyPCR digest is A's? */
static int logcheck_match(const struct tlog_record *r, const struct policy_approval *a)
{
	uint8_t values[POLICY_PCR_MAX][32], d[POLICY_DIGEST];
	size_t i = 0, j;

	if (a->version == 2 ? !r->has_epoch || r->epoch != a->epoch : r->has_epoch)
		return 0;
	/* pcr lines are sorted by path, then PCR: one run per path */
	while (i < r->npcrs) {
		unsigned k = 0;
		uint32_t seen = 0;

		for (j = i; j < r->npcrs && strcmp(r->pcr[j].path, r->pcr[i].path) == 0; j++) {
			unsigned p = r->pcr[j].index;
			if (p < POLICY_PCR_MAX && (a->mask & (1u << p))) {
				memcpy(values[k++], r->pcr[j].value, 32);
				seen |= 1u << p;
			}
		}
		if (seen == a->mask && policy_pcr_digest(a->mask, (const uint8_t (*)[32])values, d) == 0 &&
		    sodium_memcmp(d, a->digest, POLICY_DIGEST) == 0)
			return 1;
		i = j;
	}
	return 0;
}

/* Reads the verifier key KEYFILE (a bad one: USAGE with ERR) and the
 * proofs file PROOFS into the verified PR[0..*count), or none with WHY
 * saying why (missing, oversized, a proof that does not verify: the
 * server's doing, so a refusal, not an error). */
static int logcheck_load(const char *keyfile, const char *proofs, struct tlog_proof *pr,
			 size_t *count, struct tlog_vkey *key, char why[LOGCHECK_WHY], char *err,
			 size_t errlen)
{
	static uint8_t buf[TLOG_PROOFS_FILE_MAX + 1];
	char terr[256];
	long len;

	*count = 0;
	len = logcheck_read(keyfile, buf, 1024);
	if (len < 0) {
		snprintf(err, errlen, "unable to read the log key %s: %s", keyfile, strerror(errno));
		return TPMSEAL_EXIT_USAGE;
	}
	if (tlog_vkey_parse((const char *)buf, (size_t)len, key, terr, sizeof terr)) {
		snprintf(err, errlen, "unable to parse the log key %s: %s", keyfile, terr);
		return TPMSEAL_EXIT_USAGE;
	}
	len = logcheck_read(proofs, buf, TLOG_PROOFS_FILE_MAX);
	if (len < 0) {
		snprintf(why, LOGCHECK_WHY, "no proofs: %s: %s", proofs,
			 errno == EFBIG ? "larger than 64 KiB" : strerror(errno));
		return TPMSEAL_EXIT_OK;
	}
	if (tlog_proofs_verify(key, buf, (size_t)len, pr, TLOG_PROOFS_MAX, count, terr, sizeof terr)) {
		*count = 0;
		snprintf(why, LOGCHECK_WHY, "%s: %s", proofs, terr);
	}
	return TPMSEAL_EXIT_OK;
}

static struct tlog_proof logcheck_proofs[TLOG_PROOFS_MAX];

int logcheck_mark(const char *keyfile, const char *proofs, const struct policy_approval *ap,
		  size_t n, uint8_t *logged, char why[LOGCHECK_WHY], char *err, size_t errlen)
{
	struct tlog_proof *pr = logcheck_proofs;
	struct tlog_vkey key;
	size_t i, j, count = 0, hits = 0;
	int r;

	memset(logged, 0, n);
	why[0] = '\0';
	r = logcheck_load(keyfile, proofs, pr, &count, &key, why, err, errlen);
	/* From here on every failure is the server's (or its absence): no
	 * approval counts, and the unseal error says why. */
	if (r || why[0])
		return r;
	for (i = 0; i < n; i++)
		for (j = 0; j < count && !logged[i]; j++)
			if (logcheck_match(&pr[j].rec, &ap[i])) {
				logged[i] = 1;
				hits++;
			}
	if (hits < n)
		snprintf(why, LOGCHECK_WHY, "%zu verified proof%s in %s (log %s), none for an entry with "
			 "these PCR values and this approval epoch", count, count == 1 ? "" : "s", proofs,
			 key.name);
	return TPMSEAL_EXIT_OK;
}

int logcheck_release(const char *keyfile, const char *proofs, const char *version, uint64_t epoch,
		     const struct policy_approval *ap, size_t n, int *found, char why[LOGCHECK_WHY],
		     char *err, size_t errlen)
{
	struct tlog_proof *pr = logcheck_proofs;
	const struct tlog_record *other = NULL;
	unsigned long long e = (unsigned long long)epoch;
	char lwhy[LOGCHECK_WHY], seen[160] = "";
	struct tlog_vkey key;
	size_t i, j, count = 0, entries = 0;
	int r;

	*found = 0;
	lwhy[0] = '\0';
	r = logcheck_load(keyfile, proofs, pr, &count, &key, lwhy, err, errlen);
	if (r)
		return r;
	if (lwhy[0]) {
		snprintf(why, LOGCHECK_WHY, "no logged release %s with approval-epoch %llu (%.400s)", version,
			 e, lwhy);
		return TPMSEAL_EXIT_OK;
	}
	for (j = 0; j < count && !*found; j++) {
		const struct tlog_record *rec = &pr[j].rec;
		if (strcmp(rec->version, version) != 0)
			continue;
		if (!rec->has_epoch || rec->epoch != epoch) {
			other = rec;
			continue;
		}
		entries++;
		/* the binding unseal uses: the entry's PCR values of one boot
		 * path give the approval's PCR policy, the epochs agree */
		for (i = 0; i < n && !*found; i++)
			*found = ap[i].version == 2 && logcheck_match(rec, &ap[i]);
	}
	if (*found)
		return TPMSEAL_EXIT_OK;
	if (entries) {
		snprintf(why, LOGCHECK_WHY, "the logged release %s with approval-epoch %llu is not the image "
			 "the approval for epoch %llu names: no boot path's PCR values give its PCR policy",
			 version, e, e);
		return TPMSEAL_EXIT_OK;
	}
	if (other && other->has_epoch)
		snprintf(seen, sizeof seen, "; %s is logged with approval-epoch %llu", version,
			 (unsigned long long)other->epoch);
	else if (other)
		snprintf(seen, sizeof seen, "; %s is logged with approval-epoch none", version);
	snprintf(why, LOGCHECK_WHY, "no logged release %s with approval-epoch %llu (%zu verified proof%s "
		 "in %.200s, log %.128s%s)", version, e, count, count == 1 ? "" : "s", proofs, key.name,
		 seen);
	return TPMSEAL_EXIT_OK;
}
