/* A Merkle tree read through its tiles (C2SP tlog-tiles, height 8): any
 * complete subtree's hash comes from one tile, so a root or a proof costs a
 * few tiles per level, never the whole log. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "lt.h"

#define CACHE 32

struct tile {
	int valid;
	unsigned level, w;
	uint64_t n;
	uint8_t h[TILE_W][TLOG_HASH];
};

struct lt_tree {
	struct lt_src *src;
	uint64_t size;
	struct tile cache[CACHE];
	unsigned next;  /* round-robin victim */
	/* The last entry bundle read. */
	int bvalid;
	uint64_t bn;
	unsigned bw;
	size_t blen;
	uint8_t bundle[BUNDLE_MAX];
};

void lt_tile_path(char *out, size_t cap, int level, uint64_t n, unsigned w)
{
	unsigned g[8], k = 0;
	size_t o;

	if (level < 0)
		o = (size_t)snprintf(out, cap, "tile/entries/");
	else
		o = (size_t)snprintf(out, cap, "tile/%d/", level);
	do {
		g[k++] = (unsigned)(n % 1000);
		n /= 1000;
	} while (n);
	while (k-- > 1)
		o += (size_t)snprintf(out + o, cap - o, "x%03u/", g[k]);
	o += (size_t)snprintf(out + o, cap - o, "%03u", g[0]);
	if (w < TILE_W)
		snprintf(out + o, cap - o, ".p/%u", w);
}

int lt_tree_open(struct lt_tree **t, struct lt_src *s, uint64_t size)
{
	static struct lt_tree trees[2];  /* the monitor holds two at most */
	static unsigned used;
	struct lt_tree *x = &trees[used++ % 2];

	memset(x, 0, offsetof(struct lt_tree, bundle));
	x->src = s;
	x->size = size;
	*t = x;
	return 0;
}

void lt_tree_close(struct lt_tree *t)
{
	(void)t;
}

/* The tile (LEVEL, N) of this tree, whatever width the tree's size gives
 * it. */
static int tile_get(struct lt_tree *t, unsigned level, uint64_t n, struct tile **out)
{
	char rel[128];
	uint64_t count = t->size >> (TILE_H * level), w;
	size_t len, i;
	struct tile *x;
	int rc;

	if (n >= (count + TILE_W - 1) / TILE_W)
		return lt_fail(LETHE_EXIT_USAGE, "tile %u/%llu is beyond a tree of %llu", level,
			       (unsigned long long)n, (unsigned long long)t->size);
	w = count - n * TILE_W;
	if (w > TILE_W)
		w = TILE_W;
	for (i = 0; i < CACHE; i++)
		if (t->cache[i].valid && t->cache[i].level == level && t->cache[i].n == n) {
			*out = &t->cache[i];
			return 0;
		}
	x = &t->cache[t->next++ % CACHE];
	x->valid = 0;
	lt_tile_path(rel, sizeof rel, (int)level, n, (unsigned)w);
	if ((rc = lt_src_get(t->src, rel, (uint8_t *)x->h, sizeof x->h, &len)))
		return rc;
	if (len != w * TLOG_HASH)
		return lt_fail(LETHE_EXIT_REFUSED, "tile %s: %zu bytes, want %llu", rel, len,
			       (unsigned long long)(w * TLOG_HASH));
	x->valid = 1;
	x->level = level;
	x->n = n;
	x->w = (unsigned)w;
	*out = x;
	return 0;
}

int lt_tree_hash(struct lt_tree *t, unsigned h, uint64_t i, uint8_t out[TLOG_HASH])
{
	uint8_t buf[TILE_W / 2][TLOG_HASH];
	unsigned level = h / TILE_H, r = h % TILE_H, count = 1u << r, k;
	uint64_t first = i << r;
	struct tile *x = NULL;
	int rc;

	if (h >= 64 || (i + 1) > (t->size >> h))
		return lt_fail(LETHE_EXIT_USAGE, "subtree %u/%llu is beyond a tree of %llu", h,
			       (unsigned long long)i, (unsigned long long)t->size);
	if ((rc = tile_get(t, level, first / TILE_W, &x)))
		return rc;
	first %= TILE_W;
	if (first + count > x->w)
		return lt_fail(LETHE_EXIT_REFUSED, "tile %u/%llu too narrow", level, (unsigned long long)x->n);
	if (count == 1) {
		memcpy(out, x->h[first], TLOG_HASH);
		return 0;
	}
	/* A subtree below the tile's height: hash its leaves of this tile
	 * level up, pairwise. */
	for (k = 0; k < count / 2; k++)
		tlog_node_hash(x->h[first + 2 * k], x->h[first + 2 * k + 1], buf[k]);
	for (count /= 2; count > 1; count /= 2)
		for (k = 0; k < count / 2; k++)
			tlog_node_hash(buf[2 * k], buf[2 * k + 1], buf[k]);
	memcpy(out, buf[0], TLOG_HASH);
	return 0;
}

static uint64_t split(uint64_t n)
{
	uint64_t k = 1;

	while (k << 1 < n)
		k <<= 1;
	return k;
}

/* MTH(D[lo:hi]), hi > lo, as RFC 9162 2.1.1 recurses. */
static int subtree(struct lt_tree *t, uint64_t lo, uint64_t hi, uint8_t out[TLOG_HASH])
{
	uint8_t l[TLOG_HASH], r[TLOG_HASH];
	uint64_t n = hi - lo, k;
	int rc;

	if ((n & (n - 1)) == 0 && lo % n == 0) {
		unsigned h = 0;

		while ((1ull << h) < n)
			h++;
		return lt_tree_hash(t, h, lo >> h, out);
	}
	k = split(n);
	if ((rc = subtree(t, lo, lo + k, l)) || (rc = subtree(t, lo + k, hi, r)))
		return rc;
	tlog_node_hash(l, r, out);
	return 0;
}

int lt_tree_root(struct lt_tree *t, uint64_t n, uint8_t out[TLOG_HASH])
{
	if (n > t->size)
		return lt_fail(LETHE_EXIT_USAGE, "size %llu is beyond the tree's %llu", (unsigned long long)n,
			       (unsigned long long)t->size);
	if (n == 0) {
		crypto_hash_sha256(out, NULL, 0);
		return 0;
	}
	return subtree(t, 0, n, out);
}

static int path_rec(struct lt_tree *t, uint64_t m, uint64_t lo, uint64_t hi, uint8_t (*p)[TLOG_HASH],
		    size_t *len)
{
	uint64_t k;
	int rc;

	if (hi - lo <= 1)
		return 0;
	if (*len >= TLOG_PATH_MAX)
		return lt_fail(LETHE_EXIT_USAGE, "path over %d hashes", TLOG_PATH_MAX);
	k = split(hi - lo);
	if (m < k) {
		if ((rc = path_rec(t, m, lo, lo + k, p, len)))
			return rc;
		return subtree(t, lo + k, hi, p[(*len)++]);
	}
	if ((rc = path_rec(t, m - k, lo + k, hi, p, len)))
		return rc;
	return subtree(t, lo, lo + k, p[(*len)++]);
}

int lt_tree_inclusion(struct lt_tree *t, uint64_t index, uint64_t n, uint8_t (*path)[TLOG_HASH], size_t *len)
{
	*len = 0;
	if (index >= n || n > t->size)
		return lt_fail(LETHE_EXIT_USAGE, "no entry %llu in a tree of %llu", (unsigned long long)index,
			       (unsigned long long)n);
	return path_rec(t, index, 0, n, path, len);
}

/* SUBPROOF(m, D[lo:hi], b), RFC 9162 2.1.4.1. */
static int subproof(struct lt_tree *t, uint64_t m, uint64_t lo, uint64_t hi, int b, uint8_t (*p)[TLOG_HASH],
		    size_t *len)
{
	uint64_t k, n = hi - lo;
	int rc;

	if (*len >= TLOG_PATH_MAX)
		return lt_fail(LETHE_EXIT_USAGE, "proof over %d hashes", TLOG_PATH_MAX);
	if (m == n)
		return b ? 0 : subtree(t, lo, hi, p[(*len)++]);
	k = split(n);
	if (m <= k) {
		if ((rc = subproof(t, m, lo, lo + k, b, p, len)))
			return rc;
		return subtree(t, lo + k, hi, p[(*len)++]);
	}
	if ((rc = subproof(t, m - k, lo + k, hi, 0, p, len)))
		return rc;
	return subtree(t, lo, lo + k, p[(*len)++]);
}

int lt_tree_consistency(struct lt_tree *t, uint64_t m, uint64_t n, uint8_t (*proof)[TLOG_HASH], size_t *len)
{
	*len = 0;
	if (m > n || n > t->size)
		return lt_fail(LETHE_EXIT_USAGE, "no consistency proof from %llu to %llu in a tree of %llu",
			       (unsigned long long)m, (unsigned long long)n, (unsigned long long)t->size);
	if (m == 0 || m == n)
		return 0;
	return subproof(t, m, 0, n, 1, proof, len);
}

int lt_tree_entry(struct lt_tree *t, uint64_t index, uint8_t *buf, size_t cap, size_t *len)
{
	uint8_t leaf[TLOG_HASH], want[TLOG_HASH];
	uint64_t n = index / TILE_W, w;
	char rel[128];
	size_t off = 0, elen = 0;
	unsigned k;
	int rc;

	if (index >= t->size)
		return lt_fail(LETHE_EXIT_USAGE, "no entry %llu in a tree of %llu", (unsigned long long)index,
			       (unsigned long long)t->size);
	w = t->size - n * TILE_W;
	if (w > TILE_W)
		w = TILE_W;
	lt_tile_path(rel, sizeof rel, -1, n, (unsigned)w);
	if (!t->bvalid || t->bn != n || t->bw != w) {
		t->bvalid = 0;
		if ((rc = lt_src_get(t->src, rel, t->bundle, sizeof t->bundle, &t->blen)))
			return rc;
		t->bvalid = 1;
		t->bn = n;
		t->bw = (unsigned)w;
	}
	/* Walk the whole bundle: W entries exactly, nothing after. */
	for (k = 0; k < w; k++) {
		size_t l;

		if (t->blen - off < 2)
			return lt_fail(LETHE_EXIT_REFUSED, "entry bundle %s: truncated at entry %u", rel, k);
		l = (size_t)t->bundle[off] << 8 | t->bundle[off + 1];
		if (l > t->blen - off - 2 || l > TLOG_RECORD_MAX)
			return lt_fail(LETHE_EXIT_REFUSED, "entry bundle %s: entry %u is too long", rel, k);
		if (k == index % TILE_W) {
			if (l > cap)
				return lt_fail(LETHE_EXIT_REFUSED, "entry %llu: over %zu bytes",
					       (unsigned long long)index, cap);
			memcpy(buf, t->bundle + off + 2, l);
			elen = l;
		}
		off += 2 + l;
	}
	if (off != t->blen)
		return lt_fail(LETHE_EXIT_REFUSED, "entry bundle %s: %zu bytes after its %llu entries", rel,
			       t->blen - off, (unsigned long long)w);
	tlog_leaf_hash(buf, elen, leaf);
	if ((rc = lt_tree_hash(t, 0, index, want)))
		return rc;
	if (sodium_memcmp(leaf, want, TLOG_HASH) != 0)
		return lt_fail(LETHE_EXIT_REFUSED, "entry %llu (in %s) does not match its leaf hash in the level-0 tile",
			       (unsigned long long)index, rel);
	*len = elen;
	return 0;
}
