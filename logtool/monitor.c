/* lethe-log monitor: is the log still the one this monitor saw, only
 * longer?  Two checkpoints that cannot both be true (same size, other root;
 * a tree that does not extend the saved one; a tree that shrank) are a split
 * view: said loudly, kept as evidence, exit 1. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <sodium.h>

#include "lt.h"

static void hex8(const uint8_t *h, char out[9])
{
	snprintf(out, 9, "%02x%02x%02x%02x", h[0], h[1], h[2], h[3]);
}

/* Both checkpoints kept in STATE: the one saved and the one seen. */
static void evidence(const char *state, const uint8_t *saved, size_t slen, const struct tlog_checkpoint *o,
		     const uint8_t *seen, size_t len, const struct tlog_checkpoint *n, char *where, size_t cap)
{
	char path[LT_PATH_MAX], a[9], b[9];

	hex8(o->root, a);
	hex8(n->root, b);
	snprintf(where, cap, "%s/evidence-%llu-%s-%llu-%s", state, (unsigned long long)o->size, a,
		 (unsigned long long)n->size, b);
	snprintf(path, sizeof path, "%s.saved", where);
	if (lt_write_atomic(path, saved, slen, 0644))
		lt_warn("the saved checkpoint could not be kept as evidence");
	snprintf(path, sizeof path, "%s.seen", where);
	if (lt_write_atomic(path, seen, len, 0644))
		lt_warn("the checkpoint seen could not be kept as evidence");
}

static int split_view(const char *why, const struct tlog_checkpoint *o, const struct tlog_checkpoint *n,
		      const char *where)
{
	char a[45], b[45];

	sodium_bin2base64(a, sizeof a, o->root, TLOG_HASH, sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(b, sizeof b, n->root, TLOG_HASH, sodium_base64_VARIANT_ORIGINAL);
	fprintf(stderr,
		"%s: SPLIT VIEW: %s\n"
		"%s: SPLIT VIEW: saved: size %llu root %s\n"
		"%s: SPLIT VIEW: seen:  size %llu root %s\n"
		"%s: SPLIT VIEW: both are signed by the log key %s; they cannot both be true.\n"
		"%s: SPLIT VIEW: evidence kept in %s.saved and %s.seen: publish them.\n",
		PROG, why, PROG, (unsigned long long)o->size, a, PROG, (unsigned long long)n->size, b, PROG,
		n->origin, PROG, where, where);
	return LETHE_EXIT_REFUSED;
}

int cmd_monitor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pub", required_argument, NULL, 'p' },
		{ "state", required_argument, NULL, 's' },
		{ "cacert", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	static uint8_t proof[TLOG_PATH_MAX][TLOG_HASH], path[TLOG_PATH_MAX][TLOG_HASH];
	const char *pubfile = NULL, *state = NULL, *cacert = NULL;
	uint8_t saved[TLOG_NOTE_MAX], seen[TLOG_NOTE_MAX], root[TLOG_HASH], entry[TLOG_RECORD_MAX], leaf[TLOG_HASH];
	char file[LT_PATH_MAX], err[256], where[LT_PATH_MAX - 16];
	struct tlog_checkpoint o, n;
	struct tlog_record rec;
	struct tlog_vkey k;
	struct lt_src *src = NULL;
	struct lt_tree *t;
	size_t slen = 0, len, np, elen;
	uint64_t i;
	int c, rc, lock = -1, missing;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'p')
			pubfile = optarg;
		else if (c == 's')
			state = optarg;
		else if (c == 'c')
			cacert = optarg;
		else
			return LETHE_EXIT_USAGE;
	}
	if (!state || optind + 1 != argc)
		return lt_fail(LETHE_EXIT_USAGE, "usage: monitor --pub PUBFILE --state STATEDIR SOURCE [--cacert PEM]");
	if (strlen(state) > LT_PATH_MAX - 128)
		return lt_fail(LETHE_EXIT_USAGE, "path too long: %s", state);
	if ((rc = lt_load_vkey(pubfile, &k)) || (rc = lt_mkdirs(state)))
		return rc;
	/* One monitor run per state directory at a time. */
	snprintf(file, sizeof file, "%s/.lock", state);
	lock = open(file, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock < 0 || flock(lock, LOCK_EX))
		return lt_fail(LETHE_EXIT_TEMP, "unable to lock %s: %s", file, strerror(errno));

	snprintf(file, sizeof file, "%s/checkpoint", state);
	if ((rc = lt_read_file(file, saved, sizeof saved, &slen, &missing)))
		goto out;
	if (missing) {
		o.size = 0;
		crypto_hash_sha256(o.root, NULL, 0);
	} else if (tlog_checkpoint_open(&k, saved, slen, &o, err, sizeof err)) {
		rc = lt_fail(LETHE_EXIT_USAGE, "%s: %s (not a checkpoint of this log's key)", file, err);
		goto out;
	}
	if ((rc = lt_src_open(&src, argv[optind], cacert)) || (rc = lt_checkpoint_fetch(src, &k, seen, &len, &n)))
		goto out;
	if (missing)
		printf("first run: no saved checkpoint in %s; trusting the log on first use and checking its %llu entries\n",
		       state, (unsigned long long)n.size);

	if (n.size == o.size && sodium_memcmp(n.root, o.root, TLOG_HASH) == 0) {
		printf("unchanged size %llu\n", (unsigned long long)n.size);
		goto out;
	}
	if (n.size == o.size) {
		evidence(state, saved, slen, &o, seen, len, &n, where, sizeof where);
		rc = split_view("two checkpoints of the same size with different roots", &o, &n, where);
		goto out;
	}
	if (n.size < o.size) {
		evidence(state, saved, slen, &o, seen, len, &n, where, sizeof where);
		lt_fail(LETHE_EXIT_REFUSED, "tree shrank from %llu to %llu", (unsigned long long)o.size,
			(unsigned long long)n.size);
		rc = split_view("the log shows a smaller tree than it did", &o, &n, where);
		goto out;
	}

	/* Larger: the tiles must reproduce the new root, and the saved tree
	 * must be a prefix of it. */
	if ((rc = lt_tree_open(&t, src, n.size)) || (rc = lt_tree_root(t, n.size, root)))
		goto out;
	if (sodium_memcmp(root, n.root, TLOG_HASH) != 0) {
		rc = lt_fail(LETHE_EXIT_REFUSED, "the tiles do not reproduce the root of the checkpoint of size %llu",
			     (unsigned long long)n.size);
		goto out;
	}
	if ((rc = lt_tree_consistency(t, o.size, n.size, proof, &np)))
		goto out;
	if (tlog_consistency_verify(o.size, n.size, o.root, n.root, (const uint8_t (*)[TLOG_HASH])proof, np, err,
				    sizeof err)) {
		evidence(state, saved, slen, &o, seen, len, &n, where, sizeof where);
		snprintf(file, sizeof file, "the tree of size %llu does not extend the saved tree of size %llu (%s)",
			 (unsigned long long)n.size, (unsigned long long)o.size, err);
		rc = split_view(file, &o, &n, where);
		goto out;
	}
	/* Each new entry: its bundle matches its leaf hash, the leaf is
	 * included under the new root, and it is a release record. */
	for (i = o.size; i < n.size; i++) {
		if ((rc = lt_tree_entry(t, i, entry, sizeof entry, &elen)) ||
		    (rc = lt_tree_inclusion(t, i, n.size, path, &np)))
			goto out;
		tlog_leaf_hash(entry, elen, leaf);
		if (tlog_inclusion_verify(i, n.size, leaf, (const uint8_t (*)[TLOG_HASH])path, np, n.root, err,
					  sizeof err)) {
			rc = lt_fail(LETHE_EXIT_REFUSED, "entry %llu: inclusion: %s", (unsigned long long)i, err);
			goto out;
		}
		if (tlog_record_parse(entry, elen, &rec, err, sizeof err)) {
			rc = lt_fail(LETHE_EXIT_REFUSED, "entry %llu is not a release record: %s",
				     (unsigned long long)i, err);
			goto out;
		}
		printf("new %llu %s %s\n", (unsigned long long)i, rec.version, rec.commit);
	}
	/* Saved only once everything above held. */
	snprintf(file, sizeof file, "%s/checkpoint", state);
	if ((rc = lt_write_atomic(file, seen, len, 0644)))
		goto out;
	printf("verified size %llu (was %llu)\n", (unsigned long long)n.size, (unsigned long long)o.size);
out:
	lt_src_close(src);
	if (lock >= 0)
		close(lock);
	return rc;
}
