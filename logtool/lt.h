/* lethe-log: the transparency log's writer, prover and monitor
 * (docs/transparency.md "lethe-log").  Shared declarations of its files. */
#ifndef LOGTOOL_LT_H
#define LOGTOOL_LT_H

#include <stddef.h>
#include <stdint.h>

#include "lethe_exit.h"
#include "tlog.h"

#define PROG "lethe-log"
#define TILE_H 8                 /* tile height: 2^8 hashes per tile */
#define TILE_W 256
#define TILE_LEVELS 8            /* 256^8 = 2^64 leaves */
#define BUNDLE_MAX (TILE_W * (2 + TLOG_RECORD_MAX))
#define LT_PATH_MAX 4096

/* Prints "lethe-log: fatal: ..." (code 1: "lethe-log: refused: ...") and
 * returns CODE, so a failure is one statement: return lt_fail(...). */
int lt_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Log files (checkpoint, tiles, bundles) read and written so far: the
 * bench prints them per append. */
extern unsigned long lt_files_read, lt_files_written;

/* Reads all of PATH (at most cap bytes, else 100 "too large"); 0 or an
 * exit code.  ENOENT is reported as *missing = 1 with 0 returned when
 * missing is not NULL. */
int lt_read_file(const char *path, uint8_t *buf, size_t cap, size_t *len, int *missing);
/* Writes PATH atomically: a temporary file next to it, fsync, rename. */
int lt_write_atomic(const char *path, const void *buf, size_t len, int mode);
/* Writes PATH once: if it exists with the same bytes, nothing is done;
 * with other bytes, 1 "log directory inconsistent".  Creates parents. */
int lt_write_once(const char *path, const void *buf, size_t len);
int lt_mkdirs(const char *dir);
int lt_parse_u64(const char *s, uint64_t *v);
int lt_load_vkey(const char *path, struct tlog_vkey *k);

/* Where a log is read from: a directory or an https:// URL prefix. */
struct lt_src;
int lt_src_open(struct lt_src **s, const char *where, const char *cacert);
void lt_src_close(struct lt_src *s);
/* Fetches the file at REL (e.g. "tile/0/000") into buf; 0, or 1 when the
 * log lacks it (ENOENT, HTTP 404: a signed checkpoint names it), or 111. */
int lt_src_get(struct lt_src *s, const char *rel, uint8_t *buf, size_t cap, size_t *len);

/* A tree of SIZE leaves read through its tiles (tlog-tiles, height 8),
 * with a small cache: what a proof needs is read once. */
struct lt_tree;
int lt_tree_open(struct lt_tree **t, struct lt_src *s, uint64_t size);
void lt_tree_close(struct lt_tree *t);
/* The RFC 9162 root of the first N leaves (N <= size). */
int lt_tree_root(struct lt_tree *t, uint64_t n, uint8_t out[TLOG_HASH]);
/* The hash of the complete subtree of 2^h leaves starting at leaf i << h. */
int lt_tree_hash(struct lt_tree *t, unsigned h, uint64_t i, uint8_t out[TLOG_HASH]);
/* RFC 9162 PATH(index, D[0:n]) and PROOF(m, D[0:n]). */
int lt_tree_inclusion(struct lt_tree *t, uint64_t index, uint64_t n, uint8_t (*path)[TLOG_HASH], size_t *len);
int lt_tree_consistency(struct lt_tree *t, uint64_t m, uint64_t n, uint8_t (*proof)[TLOG_HASH], size_t *len);
/* Entry INDEX from its bundle, checked against the level-0 tile's leaf
 * hash: 1 when they differ. */
int lt_tree_entry(struct lt_tree *t, uint64_t index, uint8_t *buf, size_t cap, size_t *len);
/* The relative path of a tile: level L ("entries" when L < 0), number N,
 * width W (256: a full tile). */
void lt_tile_path(char *out, size_t cap, int level, uint64_t n, unsigned w);

/* Signing keys (the Go sumdb/note private key format). */
struct lt_skey {
	struct tlog_vkey v;
	uint8_t sk[64];   /* mlocked, wiped by lt_skey_free */
};
int lt_skey_load(const char *path, struct lt_skey **k);
void lt_skey_free(struct lt_skey *k);
/* A checkpoint note for (size, root) signed by K into out. */
int lt_checkpoint_sign(const struct lt_skey *k, uint64_t size, const uint8_t root[TLOG_HASH], char *out,
		       size_t cap, size_t *len);

/* The checkpoint at the top of SRC, opened with K. */
int lt_checkpoint_fetch(struct lt_src *s, const struct tlog_vkey *k, uint8_t *note, size_t *len,
			struct tlog_checkpoint *cp);

int cmd_keygen(int argc, char **argv);
int cmd_append(int argc, char **argv);
int cmd_proof(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_consistency(int argc, char **argv);
int cmd_check_consistency(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_show(int argc, char **argv);

#endif
