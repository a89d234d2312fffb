/* releases.h: the releases a quote may match.  They are the records of the
 * fleet's proofs file (FLEET/logproofs, what nginx serves at /v1/logproofs:
 * tlog-proof@v1 proofs back to back, docs/transparency.md), each proof
 * verified with the transparency log's key, so that a node passes only on
 * an image the public log holds.  The file is re-read whenever it changes,
 * so publishing a release needs no restart.  Anything wrong with the key or
 * the proofs refuses every quote (fail closed), with the reason. */
#ifndef ATTESTD_RELEASES_H
#define ATTESTD_RELEASES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "attestd.h"
#include "tlog.h"

#define RELEASES_KEY_MAX 1024 /* a vkey line: name, id and key, ~100 bytes */

/* What a file was when it was last read: a change in any field re-reads it;
 * err is stat's errno (0 if it exists), so a file still missing is not
 * re-read on every quote. */
struct releases_stamp {
	int err;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct releases {
	const char *key_path, *proofs_path;  /* NULL: serve has no log, every quote is refused */
	int tried;                           /* a load was attempted */
	struct releases_stamp key_stamp, proofs_stamp;
	char why[ATTESTD_REASON_MAX + 1];     /* "": rec[0..n) is the verified set; else why there is none */
	size_t n;
	struct tlog_record rec[TLOG_PROOFS_MAX];
};

/* The release a quote matched: its version and boot path. */
struct releases_match {
	char version[TLOG_VERSION_MAX + 1];
	char path[TLOG_BOOTPATH_MAX + 1];
};

/* Sets the files (both NULL: no log) and an empty, refusing set; nothing
 * is read until releases_refresh. */
void releases_init(struct releases *r, const char *key_path, const char *proofs_path);

/* Re-reads the key and the proofs if either file changed since the last
 * read (or was never read), and logs one line on stderr saying what was
 * loaded or why nothing was. */
void releases_refresh(struct releases *r);

/* Verifies the proofs P[0..N) with the vkey line KEY[0..KEY_LEN) and makes
 * their records the set; on failure the set is empty and r->why (also in
 * err) says why.  0 or -1. */
int releases_load(struct releases *r, const char *key, size_t key_len, const uint8_t *p, size_t n,
		  struct attest_err *err);

/* The first release (file order), and the first boot path in it, whose
 * every pcr line names a PCR of LETHE_ATTEST_QUOTE_PCRS whose value in
 * PCR[index] equals the line's.  0 and *m, or -1 with "no matching
 * release: ..." in err, naming the closest path and the PCRs that differ
 * (or why there is no set). */
int releases_match(const struct releases *r, const uint8_t pcr[ATTESTD_PCRS][32], struct releases_match *m,
		   struct attest_err *err);

#endif
