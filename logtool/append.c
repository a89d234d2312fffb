/* lethe-log append: new entries at the right edge of the tiles, then the
 * checkpoint, last.  Reads and writes only the right edge (the partial tile
 * of each level and the partial entry bundle): O(log n) files per append. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <sodium.h>

#include "lt.h"

#define APPEND_MAX 100000  /* files per run: their leaf hashes are kept */

struct edge {
	uint64_t idx;                     /* the tile this level is filling */
	unsigned n;                       /* hashes in it */
	int dirty;                        /* changed by this run */
	uint8_t h[TILE_W][TLOG_HASH];
};

static struct {
	const char *dir;
	struct edge lv[TILE_LEVELS];
	uint64_t bidx;                    /* entry bundle being filled */
	unsigned bn;
	size_t blen;
	int bdirty;
	uint8_t bundle[BUNDLE_MAX];
	uint8_t leaves[APPEND_MAX][TLOG_HASH];
} A;

static void tile_root(uint8_t (*h)[TLOG_HASH], unsigned n, uint8_t out[TLOG_HASH])
{
	static uint8_t buf[TILE_W / 2][TLOG_HASH];
	unsigned k;

	for (k = 0; k < n / 2; k++)
		tlog_node_hash(h[2 * k], h[2 * k + 1], buf[k]);
	for (n /= 2; n > 1; n /= 2)
		for (k = 0; k < n / 2; k++)
			tlog_node_hash(buf[2 * k], buf[2 * k + 1], buf[k]);
	memcpy(out, buf[0], TLOG_HASH);
}

static int write_tile(int level, uint64_t idx, unsigned w, const void *buf, size_t len)
{
	char path[LT_PATH_MAX], rel[128];

	lt_tile_path(rel, sizeof rel, level, idx, w);
	snprintf(path, sizeof path, "%s/%s", A.dir, rel);
	return lt_write_once(path, buf, len);
}

/* Adds a hash at LEVEL; a tile that fills is written and its root
 * carried up. */
static int push(unsigned level, const uint8_t h[TLOG_HASH])
{
	struct edge *e = &A.lv[level];
	uint8_t root[TLOG_HASH];
	int rc;

	if (level >= TILE_LEVELS)
		return lt_fail(LETHE_EXIT_USAGE, "the log is full");
	memcpy(e->h[e->n++], h, TLOG_HASH);
	e->dirty = 1;
	if (e->n < TILE_W)
		return 0;
	if ((rc = write_tile((int)level, e->idx, TILE_W, e->h, sizeof e->h)))
		return rc;
	tile_root(e->h, TILE_W, root);
	e->n = 0;
	e->dirty = 0;
	e->idx++;
	return push(level + 1, root);
}

static int add_entry(const uint8_t *p, size_t n, const uint8_t leaf[TLOG_HASH])
{
	int rc;

	A.bundle[A.blen] = (uint8_t)(n >> 8);
	A.bundle[A.blen + 1] = (uint8_t)n;
	memcpy(A.bundle + A.blen + 2, p, n);
	A.blen += 2 + n;
	A.bdirty = 1;
	if (++A.bn == TILE_W) {
		if ((rc = write_tile(-1, A.bidx, TILE_W, A.bundle, A.blen)))
			return rc;
		A.bidx++;
		A.bn = 0;
		A.blen = 0;
		A.bdirty = 0;
	}
	return push(0, leaf);
}

/* Reads FILE and checks it is an entry we may log. */
static int read_entry(const char *file, uint8_t *buf, size_t *n, uint8_t leaf[TLOG_HASH])
{
	struct tlog_record rec;
	char err[256];
	int rc;

	if ((rc = lt_read_file(file, buf, TLOG_RECORD_MAX, n, NULL)))
		return rc;
	if (tlog_record_parse(buf, *n, &rec, err, sizeof err))
		return lt_fail(LETHE_EXIT_USAGE, "%s: %s", file, err);
	tlog_leaf_hash(buf, *n, leaf);
	return 0;
}

/* The right edge of the tree of SIZE, from its tiles, into A. */
static int load_edge(struct lt_tree *t, uint64_t size)
{
	uint8_t entry[TLOG_RECORD_MAX];
	unsigned level, j;
	size_t n;
	int rc;

	for (level = 0; level < TILE_LEVELS; level++) {
		uint64_t count = level * TILE_H < 64 ? size >> (level * TILE_H) : 0;
		struct edge *e = &A.lv[level];

		e->idx = count / TILE_W;
		e->n = (unsigned)(count % TILE_W);
		for (j = 0; j < e->n; j++)
			if ((rc = lt_tree_hash(t, level * TILE_H, e->idx * TILE_W + j, e->h[j])))
				return rc;
	}
	A.bidx = size / TILE_W;
	A.bn = 0;
	A.blen = 0;
	for (j = 0; j < size % TILE_W; j++) {
		/* Checked against the level-0 tile as it is read. */
		if ((rc = lt_tree_entry(t, A.bidx * TILE_W + j, entry, sizeof entry, &n)))
			return rc;
		A.bundle[A.blen] = (uint8_t)(n >> 8);
		A.bundle[A.blen + 1] = (uint8_t)n;
		memcpy(A.bundle + A.blen + 2, entry, n);
		A.blen += 2 + n;
		A.bn++;
	}
	return 0;
}

int cmd_append(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log", required_argument, NULL, 'l' },
		{ "key", required_argument, NULL, 'k' },
		{ "stats", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	static uint8_t entry[TLOG_RECORD_MAX];
	const char *keyfile = NULL;
	struct tlog_checkpoint cp;
	struct lt_skey *key = NULL;
	struct lt_tree *t;
	struct lt_src *src;
	char path[LT_PATH_MAX], note[TLOG_NOTE_MAX], err[256];
	uint8_t root[TLOG_HASH];
	size_t n, len;
	uint64_t size;
	int c, rc, lock = -1, missing, stats = 0, i, nfiles;

	A.dir = NULL;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'l')
			A.dir = optarg;
		else if (c == 'k')
			keyfile = optarg;
		else if (c == 's')
			stats = 1;
		else
			return LETHE_EXIT_USAGE;
	}
	nfiles = argc - optind;
	if (!A.dir || !keyfile || nfiles < 1)
		return lt_fail(LETHE_EXIT_USAGE, "usage: append --log DIR --key KEYFILE FILE...");
	if (nfiles > APPEND_MAX)
		return lt_fail(LETHE_EXIT_USAGE, "more than %d files in one append", APPEND_MAX);
	if (strlen(A.dir) > LT_PATH_MAX - 128)
		return lt_fail(LETHE_EXIT_USAGE, "path too long: %s", A.dir);
	if ((rc = lt_skey_load(keyfile, &key)))
		return rc;
	/* Every file checked before anything is written. */
	for (i = 0; i < nfiles; i++)
		if ((rc = read_entry(argv[optind + i], entry, &n, A.leaves[i])))
			goto out;

	if ((rc = lt_mkdirs(A.dir)))
		goto out;
	snprintf(path, sizeof path, "%s/.lock", A.dir);
	lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (lock < 0 || flock(lock, LOCK_EX)) {
		rc = lt_fail(LETHE_EXIT_TEMP, "unable to lock %s: %s", path, strerror(errno));
		goto out;
	}
	snprintf(path, sizeof path, "%s/checkpoint", A.dir);
	if ((rc = lt_read_file(path, (uint8_t *)note, sizeof note, &len, &missing)))
		goto out;
	lt_files_read += !missing;
	if (missing) {
		cp.size = 0;  /* a new log */
		crypto_hash_sha256(cp.root, NULL, 0);
	} else if (tlog_checkpoint_open(&key->v, (const uint8_t *)note, len, &cp, err, sizeof err)) {
		rc = lt_fail(LETHE_EXIT_REFUSED, "%s: %s", path, err);
		goto out;
	}
	size = cp.size;
	if ((rc = lt_src_open(&src, A.dir, NULL)) || (rc = lt_tree_open(&t, src, size)))
		goto out;
	if ((rc = lt_tree_root(t, size, root)))
		goto out;
	if (sodium_memcmp(root, cp.root, TLOG_HASH) != 0) {
		rc = lt_fail(LETHE_EXIT_REFUSED, "log directory inconsistent: the tiles do not reproduce the root of the checkpoint of size %llu",
			     (unsigned long long)size);
		goto out;
	}
	if ((rc = load_edge(t, size)))
		goto out;

	for (i = 0; i < nfiles; i++) {
		uint8_t leaf[TLOG_HASH];

		/* Read again: it must be what was checked. */
		if ((rc = read_entry(argv[optind + i], entry, &n, leaf)))
			goto out;
		if (memcmp(leaf, A.leaves[i], TLOG_HASH) != 0) {
			rc = lt_fail(LETHE_EXIT_USAGE, "%s changed while appending", argv[optind + i]);
			goto out;
		}
		if ((rc = add_entry(entry, n, leaf)))
			goto out;
		printf("appended %llu\n", (unsigned long long)(size + (uint64_t)i));
	}
	size += (uint64_t)nfiles;
	for (i = 0; i < TILE_LEVELS; i++)
		if (A.lv[i].dirty && A.lv[i].n > 0 &&
		    (rc = write_tile(i, A.lv[i].idx, A.lv[i].n, A.lv[i].h, A.lv[i].n * (size_t)TLOG_HASH)))
			goto out;
	if (A.bdirty && A.bn > 0 && (rc = write_tile(-1, A.bidx, A.bn, A.bundle, A.blen)))
		goto out;

	/* The root from the tiles just written, not from memory: what a
	 * reader will compute is what gets signed. */
	if ((rc = lt_tree_open(&t, src, size)) || (rc = lt_tree_root(t, size, root)))
		goto out;
	if ((rc = lt_checkpoint_sign(key, size, root, note, sizeof note, &len)))
		goto out;
	/* Every tile durable before the checkpoint that names them. */
	if (syncfs(lock)) {
		rc = lt_fail(LETHE_EXIT_TEMP, "unable to sync %s: %s", A.dir, strerror(errno));
		goto out;
	}
	snprintf(path, sizeof path, "%s/checkpoint", A.dir);
	if ((rc = lt_write_atomic(path, note, len, 0644)))
		goto out;
	printf("size %llu\n", (unsigned long long)size);
	if (stats)
		fprintf(stderr, "%s: files read %lu, written %lu\n", PROG, lt_files_read, lt_files_written);
out:
	if (lock >= 0)
		close(lock);
	lt_skey_free(key);
	return rc;
}
