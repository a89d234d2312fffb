/* tlog: the verifying half of lethe's transparency log (docs/transparency.md),
 * shared by the node (tpmseal: is this approval's image in the log?) and the
 * operator's and monitors' tool (logtool: lethe-log).  No I/O, no heap: every
 * function works on caller buffers with fixed bounds; SHA-256 and Ed25519
 * are libsodium's, base64 decoding libsodium's behind our own alphabet check
 * (tlog_b64_decode: libsodium reads a byte with the high bit set as its low
 * seven bits).  attestd decodes its enrollment bundle with it too.
 *
 * Formats, all C2SP or RFC 9162 unless marked lethe:
 *   Merkle tree     RFC 9162 2.1: leaf SHA-256(0x00 || entry), node
 *                   SHA-256(0x01 || left || right)
 *   verifier key    signed-note vkey "<name>+<8 hex id>+<base64(0x01 || pub)>",
 *                   Ed25519 only; id = SHA-256(name || "\n" || 0x01 || pub)[:4]
 *   checkpoint      tlog-checkpoint in a signed-note: origin, size, base64 root,
 *                   optional extension lines; blank line; "— name base64(id||sig)"
 *   proof           tlog-proof@v1 ("c2sp.org/tlog-proof@v1", "extra <base64
 *                   entry>", "index N", hashes, blank line, checkpoint); a proofs
 *                   file is such proofs back to back (lethe)
 *   entry           lethe-release/v1 record (lethe), canonical text, below */
#ifndef TLOG_TLOG_H
#define TLOG_TLOG_H

#include <stddef.h>
#include <stdint.h>

#define TLOG_HASH 32
#define TLOG_NAME_MAX 128          /* key name / origin bytes */
#define TLOG_NOTE_MAX 4096         /* a checkpoint note, signatures included */
#define TLOG_NOTE_SIGS_MAX 16      /* signature lines a note may carry */
#define TLOG_PATH_MAX 63           /* hashes in an inclusion or consistency proof */
#define TLOG_RECORD_MAX 4096       /* one entry (a release record) */
#define TLOG_RECORD_PCRS_MAX 32    /* pcr lines in a record: 32 fit in TLOG_RECORD_MAX */
#define TLOG_PROOFS_MAX 16         /* proofs in one proofs file */
#define TLOG_PROOFS_FILE_MAX ((size_t)64 << 10)
#define TLOG_VERSION_MAX 64
#define TLOG_BOOTPATH_MAX 16

/* The record's sha256 lines, in their canonical order. */
enum tlog_artifact {
	TLOG_ZIP,          /* out/lethe.zip */
	TLOG_DESCRIPTOR,   /* out/lethe.unsigned.json */
	TLOG_KERNEL,       /* out/vmlinuz */
	TLOG_INITRAMFS,    /* out/initramfs.cpio.zst */
	TLOG_UKI,          /* out/lethe.efi */
	TLOG_MANIFEST,     /* out/manifest.txt */
	TLOG_ARTIFACTS
};
extern const char *const tlog_artifact_names[TLOG_ARTIFACTS]; /* "zip", "descriptor", ... */

struct tlog_vkey {
	char name[TLOG_NAME_MAX + 1];
	uint8_t id[4];
	uint8_t pub[32];
};

struct tlog_checkpoint {
	char origin[TLOG_NAME_MAX + 1];
	uint64_t size;
	uint8_t root[TLOG_HASH];
};

struct tlog_pcr {
	char path[TLOG_BOOTPATH_MAX + 1];   /* [a-z0-9]{1,16}: uefi, stboot, qemu */
	uint8_t index;                      /* 0..23 */
	uint8_t value[TLOG_HASH];
};

struct tlog_record {
	char version[TLOG_VERSION_MAX + 1]; /* [A-Za-z0-9._+~-]{1,64} */
	char commit[41];                    /* 40 lowercase hex */
	uint64_t source_date_epoch;
	int has_epoch;                      /* 0: "approval-epoch none" (v1 approvals) */
	uint64_t epoch;
	uint8_t sha256[TLOG_ARTIFACTS][TLOG_HASH];
	size_t npcrs;                       /* 1..TLOG_RECORD_PCRS_MAX, sorted by (path, index) */
	struct tlog_pcr pcr[TLOG_RECORD_PCRS_MAX];
};

/* A verified proof: the record it proves, where, and the checkpoint. */
struct tlog_proof {
	uint64_t index;
	struct tlog_checkpoint cp;
	struct tlog_record rec;
};

/* Every function that can fail returns 0 on success and -1 with a one-line
 * reason in err (NUL-terminated, never longer than errlen - 1; errlen > 0). */

void tlog_leaf_hash(const uint8_t *entry, size_t n, uint8_t out[TLOG_HASH]);
void tlog_node_hash(const uint8_t left[TLOG_HASH], const uint8_t right[TLOG_HASH],
		    uint8_t out[TLOG_HASH]);

/* RFC 9162 2.1.3.2: LEAF is entry INDEX of the tree of SIZE whose root is
 * ROOT, by the N hashes of PATH (leaf's sibling first). */
int tlog_inclusion_verify(uint64_t index, uint64_t size, const uint8_t leaf[TLOG_HASH],
			  const uint8_t (*path)[TLOG_HASH], size_t n, const uint8_t root[TLOG_HASH],
			  char *err, size_t errlen);
/* RFC 9162 2.1.4.2: the tree of OLD_SIZE with OLD_ROOT is a prefix of the
 * tree of NEW_SIZE with NEW_ROOT, by the N hashes of PROOF. */
int tlog_consistency_verify(uint64_t old_size, uint64_t new_size, const uint8_t old_root[TLOG_HASH],
			    const uint8_t new_root[TLOG_HASH], const uint8_t (*proof)[TLOG_HASH],
			    size_t n, char *err, size_t errlen);

/* Strict standard base64 (RFC 4648 section 4: padding required, no
 * whitespace, zero pad bits, so every byte string has one accepted
 * spelling) of S[0..n) into OUT; 0 and *len, or -1 when malformed or over
 * CAP.  Also attestd's decoder for the enrollment bundle. */
int tlog_b64_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *len);

/* A signed-note key or signer name: 1..TLOG_NAME_MAX bytes, printable
 * ASCII, no space and no '+'.  1 if S[0..n) is one. */
int tlog_name_ok(const char *s, size_t n);

/* One vkey line (a final "\n" allowed, nothing else). */
int tlog_vkey_parse(const char *s, size_t n, struct tlog_vkey *k, char *err, size_t errlen);

/* Opens a signed note (C2SP signed-note): a signature line with K's name
 * and id must verify over the text (lines of other signers are ignored,
 * but counted against TLOG_NOTE_SIGS_MAX); *TEXT_LEN is then the length of
 * the text, NOTE[0..*text_len), its final '\n' included. */
int tlog_note_open(const struct tlog_vkey *k, const uint8_t *note, size_t n, size_t *text_len,
		   char *err, size_t errlen);

/* Opens a signed checkpoint note: a signature line with K's name and id
 * must verify over the note's text (any other signer's lines are ignored,
 * as C2SP says, but counted against TLOG_NOTE_SIGS_MAX); the origin must
 * equal K's name; then the body is parsed (extension lines allowed,
 * ignored). */
int tlog_checkpoint_open(const struct tlog_vkey *k, const uint8_t *note, size_t n,
			 struct tlog_checkpoint *cp, char *err, size_t errlen);

/* Parses one lethe-release/v1 record, refusing anything not canonical
 * (docs/transparency.md "The entry"). */
int tlog_record_parse(const uint8_t *p, size_t n, struct tlog_record *r, char *err, size_t errlen);

/* Parses and verifies a proofs file (tlog-proof@v1 proofs back to back,
 * each with "extra" = the entry): each proof's checkpoint signed by K,
 * its entry a valid record, included at its index.  On success OUT[0..*count)
 * hold them.  Any bad proof fails the whole file (err names it: "proof 2:
 * ..."); so does an empty file, or more proofs than CAP. */
int tlog_proofs_verify(const struct tlog_vkey *k, const uint8_t *p, size_t n,
		       struct tlog_proof *out, size_t cap, size_t *count, char *err, size_t errlen);

#endif
