/* attest_mkelog: writes a TCG2 crypto-agile event log (what firmware leaves
 * in /sys/kernel/security/tpm0/binary_bios_measurements) from a text spec,
 * for tests/attest; written against the TCG PC Client Platform Firmware
 * Profile, not against attestd, so that tpm2_eventlog can check it.
 *
 *   attest_mkelog OUT < SPEC
 *
 * SPEC: an optional first line "banks sha1,sha256" (the default, OVMF's) or
 * "banks sha256", then one line "PCR TYPE DATA" an event: PCR decimal 0..23,
 * TYPE hex ("0x80000003"; EV_NO_ACTION 0x3 is logged with zero digests and
 * extends nothing, as firmware does), DATA the event's bytes in hex or "-"
 * for none.  Blank lines and lines starting with # are skipped.
 *
 * Writes OUT (the Spec ID event, then one TCG_PCR_EVENT2 per line, each
 * bank's digest the hash of DATA) and prints, for each extending event,
 * "extend PCR HEX" (its SHA-256 digest, for tpm2_pcrextend PCR:sha256=HEX),
 * then "pcr N HEX" for each PCR with an event: its SHA-256 bank replayed
 * (from zero, or from the StartupLocality event's locality for PCR 0).
 * Exit 100 on a bad line, 111 if OUT cannot be written. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "lethe_exit.h"
#include "pcr.h"

#define PROG "attest_mkelog"
#define PCRS 24
#define EV_NO_ACTION 0x3u
#define ALG_SHA1 0x0004u
#define ALG_SHA256 0x000bu
#define LOCALITY_SIG "StartupLocality" /* 16 bytes with its NUL */

/* A growing byte buffer; out of memory ends the program.  put() with d
 * NULL appends n zero bytes, room to write into. */
struct buf {
	uint8_t *p;
	size_t n, cap;
};

static void put(struct buf *b, const void *d, size_t n)
{
	if (n > b->cap - b->n) {
		size_t cap = b->cap ? b->cap : 4096;

		while (n > cap - b->n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p) {
			fprintf(stderr, PROG ": fatal: out of memory\n");
			exit(LETHE_EXIT_TEMP);
		}
		b->cap = cap;
	}
	if (d && n)
		memcpy(b->p + b->n, d, n);
	else if (n)
		memset(b->p + b->n, 0, n);
	b->n += n;
}

static void put_le(struct buf *b, uint32_t v, size_t bytes)
{
	uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};

	put(b, le, bytes);
}

static void die_line(size_t line, const char *why, const char *field)
{
	fprintf(stderr, PROG ": line %zu: %s: %s\n", line, why, field);
	exit(LETHE_EXIT_USAGE);
}

struct bank {
	uint16_t alg;
	const EVP_MD *md;
};

static struct bank banks[2];
static unsigned nbanks;

static void banks_set(const char *list, size_t line)
{
	if (!strcmp(list, "sha1,sha256")) {
		banks[0] = (struct bank){ALG_SHA1, EVP_sha1()};
		banks[1] = (struct bank){ALG_SHA256, EVP_sha256()};
		nbanks = 2;
	} else if (!strcmp(list, "sha256")) {
		banks[0] = (struct bank){ALG_SHA256, EVP_sha256()};
		nbanks = 1;
	} else {
		die_line(line, "banks must be sha1,sha256 or sha256", list);
	}
}

/* The TCG_PCR_EVENT that opens every crypto-agile log: EV_NO_ACTION on
 * PCR 0, a zero SHA-1 digest, the TCG_EfiSpecIDEvent naming the banks. */
static void specid_put(struct buf *log)
{
	static const uint8_t zero[20];
	static const uint8_t version[4] = {0, 2, 0, 2}; /* minor, major 2.0, errata, UINT64 */
	unsigned i;

	put_le(log, 0, 4);
	put_le(log, EV_NO_ACTION, 4);
	put(log, zero, sizeof zero);
	put_le(log, 16 + 4 + 4 + 4 + 4 * nbanks + 1, 4);
	put(log, "Spec ID Event03", 16);
	put_le(log, 0, 4); /* platformClass: client */
	put(log, version, sizeof version);
	put_le(log, nbanks, 4);
	for (i = 0; i < nbanks; i++) {
		put_le(log, banks[i].alg, 2);
		put_le(log, (uint32_t)EVP_MD_get_size(banks[i].md), 2);
	}
	put_le(log, 0, 1); /* no vendorInfo */
}

static void digest(const EVP_MD *md, const void *p, size_t n, uint8_t *out)
{
	if (!EVP_Digest(p, n, out, NULL, md, NULL)) {
		fprintf(stderr, PROG ": fatal: unable to hash\n");
		exit(LETHE_EXIT_TEMP);
	}
}

struct state {
	uint8_t pcr[PCRS][PCR_BYTES];
	uint32_t seen;
	struct buf log, data;
};

/* One "PCR TYPE DATA" line: the event into the log, the replay, the
 * extend line. */
static void event_line(struct state *s, char *pcr_s, char *type_s, char *data_s, size_t line)
{
	uint8_t d[EVP_MAX_MD_SIZE];
	unsigned long pcr, type;
	size_t i, len = strlen(data_s);
	char dhex[PCR_HEX_BYTES];

	if (!pcr_s[0] || strspn(pcr_s, "0123456789") != strlen(pcr_s) || strlen(pcr_s) > 2 ||
	    (pcr = strtoul(pcr_s, NULL, 10)) >= PCRS)
		die_line(line, "PCR must be decimal 0 to 23", pcr_s);
	if (strncmp(type_s, "0x", 2) || strlen(type_s) < 3 || strlen(type_s) > 10 ||
	    strspn(type_s + 2, "0123456789abcdefABCDEF") != strlen(type_s) - 2)
		die_line(line, "TYPE must be 0x and 1 to 8 hex digits", type_s);
	type = strtoul(type_s + 2, NULL, 16);
	s->data.n = 0;
	if (strcmp(data_s, "-")) {
		/* Reserve len / 2 bytes, then decode into them; no separator. */
		put(&s->data, NULL, len / 2);
		if (len % 2 || len / 2 > UINT32_MAX ||
		    !OPENSSL_hexstr2buf_ex(s->data.p, s->data.n, &s->data.n, data_s, '\0'))
			die_line(line, "DATA must be hex bytes or -", data_s);
	}
	put_le(&s->log, (uint32_t)pcr, 4);
	put_le(&s->log, (uint32_t)type, 4);
	put_le(&s->log, nbanks, 4);
	for (i = 0; i < nbanks; i++) {
		size_t size = (size_t)EVP_MD_get_size(banks[i].md);

		memset(d, 0, sizeof d);
		if (type != EV_NO_ACTION)
			digest(banks[i].md, s->data.p, s->data.n, d);
		put_le(&s->log, banks[i].alg, 2);
		put(&s->log, d, size);
		if (banks[i].alg == ALG_SHA256 && type != EV_NO_ACTION) {
			pcr_extend(s->pcr[pcr], d);
			pcr_hex(d, dhex);
			printf("extend %lu %s\n", pcr, dhex);
		}
	}
	put_le(&s->log, (uint32_t)s->data.n, 4);
	put(&s->log, s->data.p, s->data.n);
	/* tpm2-tools' replay: PCR 0 starts at the locality TPM2_Startup ran at. */
	if (type == EV_NO_ACTION && pcr == 0 && s->data.n == 17 && !memcmp(s->data.p, LOCALITY_SIG, 16))
		s->pcr[0][PCR_BYTES - 1] = s->data.p[16];
	s->seen |= 1u << pcr;
}

static int write_file(const char *path, const struct buf *b)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(b->p, 1, b->n, f) == b->n;
	return !fclose(f) && ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	static struct state s;
	char *text = NULL, *f[4], *save;
	size_t cap = 0, line = 0;
	ssize_t len;
	int events = 0, banks_given = 0, n, i;
	char phex[PCR_HEX_BYTES];

	if (argc != 2) {
		fprintf(stderr, "usage: " PROG " OUT < SPEC\n");
		return LETHE_EXIT_USAGE;
	}
	banks_set("sha1,sha256", 0);
	while ((len = getline(&text, &cap, stdin)) >= 0) {
		line++;
		if (len && text[len - 1] == '\n')
			text[--len] = 0;
		if (strlen(text) != (size_t)len)
			die_line(line, "NUL byte", "in the line");
		for (n = 0, save = NULL; n < 4 && (f[n] = strtok_r(n ? NULL : text, " \t", &save)); n++)
			;
		if (n == 0 || f[0][0] == '#')
			continue;
		if (!strcmp(f[0], "banks")) {
			if (events || banks_given++ || n != 2)
				die_line(line, "banks: one list, once, before the first event", f[0]);
			banks_set(f[1], line);
			continue;
		}
		if (n != 3)
			die_line(line, "want PCR TYPE DATA", f[0]);
		if (!events++)
			specid_put(&s.log);
		event_line(&s, f[0], f[1], f[2], line);
	}
	if (ferror(stdin)) {
		fprintf(stderr, PROG ": fatal: unable to read the spec\n");
		return LETHE_EXIT_TEMP;
	}
	if (!events)
		specid_put(&s.log);
	for (i = 0; i < PCRS; i++) {
		if (!(s.seen >> i & 1))
			continue;
		pcr_hex(s.pcr[i], phex);
		printf("pcr %d %s\n", i, phex);
	}
	if (write_file(argv[1], &s.log) || fflush(stdout)) {
		fprintf(stderr, PROG ": fatal: unable to write %s\n", argv[1]);
		return LETHE_EXIT_TEMP;
	}
	free(text);
	free(s.log.p);
	free(s.data.p);
	return LETHE_EXIT_OK;
}
