/* lethe-log proof, verify, consistency, check-consistency, show: proofs
 * made from the tiles, and checked with the same code the node runs. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "lt.h"

static void put_b64(FILE *f, const uint8_t *p, size_t n)
{
	static char b64[TLOG_RECORD_MAX * 2];

	sodium_bin2base64(b64, sizeof b64, p, n, sodium_base64_VARIANT_ORIGINAL);
	fputs(b64, f);
}

/* The source, key and verified checkpoint every reading command starts
 * from; the tiles are checked to reproduce its root. */
static int open_log(const char *where, const char *pubfile, const char *cacert, struct tlog_vkey *k,
		    struct lt_src **src, struct tlog_checkpoint *cp, uint8_t *note, size_t *note_len,
		    struct lt_tree **t)
{
	uint8_t root[TLOG_HASH];
	int rc;

	if (!where)
		return lt_fail(LETHE_EXIT_USAGE, "--log DIR|URL is required");
	if ((rc = lt_load_vkey(pubfile, k)) || (rc = lt_src_open(src, where, cacert)) ||
	    (rc = lt_checkpoint_fetch(*src, k, note, note_len, cp)) || (rc = lt_tree_open(t, *src, cp->size)) ||
	    (rc = lt_tree_root(*t, cp->size, root)))
		return rc;
	if (sodium_memcmp(root, cp->root, TLOG_HASH) != 0)
		return lt_fail(LETHE_EXIT_REFUSED, "the tiles do not reproduce the checkpoint's root (size %llu)",
			       (unsigned long long)cp->size);
	return 0;
}

int cmd_proof(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log", required_argument, NULL, 'l' },
		{ "pub", required_argument, NULL, 'p' },
		{ "index", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	static char text[TLOG_PROOFS_FILE_MAX];
	static struct tlog_proof check[1];
	const char *dir = NULL, *pubfile = NULL, *outfile = NULL;
	uint8_t entry[TLOG_RECORD_MAX], note[TLOG_NOTE_MAX], path[TLOG_PATH_MAX][TLOG_HASH];
	struct tlog_checkpoint cp;
	struct tlog_vkey k;
	struct lt_src *src;
	struct lt_tree *t;
	uint64_t index = UINT64_MAX;
	size_t n, note_len, npath, i, count;
	char err[256];
	FILE *f;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'l')
			dir = optarg;
		else if (c == 'p')
			pubfile = optarg;
		else if (c == 'o')
			outfile = optarg;
		else if (c != 'i' || lt_parse_u64(optarg, &index))
			return lt_fail(LETHE_EXIT_USAGE, "usage: proof --log DIR --pub PUBFILE --index N [--out FILE]");
	}
	if (optind != argc || index == UINT64_MAX)
		return lt_fail(LETHE_EXIT_USAGE, "usage: proof --log DIR --pub PUBFILE --index N [--out FILE]");
	if ((rc = open_log(dir, pubfile, NULL, &k, &src, &cp, note, &note_len, &t)))
		return rc;
	if (index >= cp.size)
		return lt_fail(LETHE_EXIT_USAGE, "no entry %llu: the log has %llu", (unsigned long long)index,
			       (unsigned long long)cp.size);
	if ((rc = lt_tree_entry(t, index, entry, sizeof entry, &n)) ||
	    (rc = lt_tree_inclusion(t, index, cp.size, path, &npath)))
		return rc;
	f = fmemopen(text, sizeof text, "w");
	if (!f)
		return lt_fail(LETHE_EXIT_TEMP, "unable to open a memory stream");
	fputs("c2sp.org/tlog-proof@v1\nextra ", f);
	put_b64(f, entry, n);
	fprintf(f, "\nindex %llu\n", (unsigned long long)index);
	for (i = 0; i < npath; i++) {
		put_b64(f, path[i], TLOG_HASH);
		fputc('\n', f);
	}
	fputc('\n', f);
	fwrite(note, 1, note_len, f);
	n = (size_t)ftell(f);
	if (fclose(f) || n >= sizeof text)
		return lt_fail(LETHE_EXIT_USAGE, "proof over %zu bytes", sizeof text);
	/* What we hand out is checked as a node will check it. */
	if (tlog_proofs_verify(&k, (const uint8_t *)text, n, check, 1, &count, err, sizeof err))
		return lt_fail(LETHE_EXIT_REFUSED, "the proof made does not verify: %s", err);
	if (outfile)
		return lt_write_atomic(outfile, text, n, 0644);
	fwrite(text, 1, n, stdout);
	return 0;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pub", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	static uint8_t buf[TLOG_PROOFS_FILE_MAX];
	static struct tlog_proof out[TLOG_PROOFS_MAX];
	const char *pubfile = NULL;
	struct tlog_vkey k;
	size_t n, count, i;
	char err[256];
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'p')
			pubfile = optarg;
		else
			return LETHE_EXIT_USAGE;
	}
	if (optind + 1 != argc)
		return lt_fail(LETHE_EXIT_USAGE, "usage: verify --pub PUBFILE PROOFSFILE");
	if ((rc = lt_load_vkey(pubfile, &k)) || (rc = lt_read_file(argv[optind], buf, sizeof buf, &n, NULL)))
		return rc;
	if (tlog_proofs_verify(&k, buf, n, out, TLOG_PROOFS_MAX, &count, err, sizeof err))
		return lt_fail(LETHE_EXIT_REFUSED, "%s: %s", argv[optind], err);
	for (i = 0; i < count; i++)
		printf("ok %llu %s\n", (unsigned long long)out[i].index, out[i].rec.version);
	return 0;
}

int cmd_consistency(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log", required_argument, NULL, 'l' },
		{ "pub", required_argument, NULL, 'p' },
		{ "old", required_argument, NULL, 'o' },
		{ "new", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *pubfile = NULL;
	uint8_t note[TLOG_NOTE_MAX], proof[TLOG_PATH_MAX][TLOG_HASH];
	uint64_t old = UINT64_MAX, new = UINT64_MAX;
	struct tlog_checkpoint cp;
	struct tlog_vkey k;
	struct lt_src *src;
	struct lt_tree *t;
	size_t note_len, n, i;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'l')
			dir = optarg;
		else if (c == 'p')
			pubfile = optarg;
		else if (!((c == 'o' && !lt_parse_u64(optarg, &old)) || (c == 'n' && !lt_parse_u64(optarg, &new))))
			return LETHE_EXIT_USAGE;
	}
	if (optind != argc || old == UINT64_MAX)
		return lt_fail(LETHE_EXIT_USAGE, "usage: consistency --log DIR --pub PUBFILE --old M [--new N]");
	if ((rc = open_log(dir, pubfile, NULL, &k, &src, &cp, note, &note_len, &t)))
		return rc;
	if (new == UINT64_MAX)
		new = cp.size;
	if (old > new || new > cp.size)
		return lt_fail(LETHE_EXIT_USAGE, "want M <= N <= %llu", (unsigned long long)cp.size);
	if ((rc = lt_tree_consistency(t, old, new, proof, &n)))
		return rc;
	for (i = 0; i < n; i++) {
		put_b64(stdout, proof[i], TLOG_HASH);
		putchar('\n');
	}
	return 0;
}

/* A file of base64 hash lines (at most TLOG_PATH_MAX). */
static int read_hashes(const char *file, uint8_t (*h)[TLOG_HASH], size_t *n)
{
	static char buf[TLOG_PATH_MAX * 46 + 1];
	size_t len, rl;
	char *line, *save = NULL;
	int rc;

	if ((rc = lt_read_file(file, (uint8_t *)buf, sizeof buf - 1, &len, NULL)))
		return rc;
	buf[len] = 0;
	if (len && buf[len - 1] != '\n')
		return lt_fail(LETHE_EXIT_USAGE, "%s: no final newline", file);
	*n = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* tlog's strict decoder: one spelling per hash, as the node reads it */
		if (*n == TLOG_PATH_MAX || tlog_b64_decode(line, strlen(line), h[*n], TLOG_HASH, &rl) ||
		    rl != TLOG_HASH)
			return lt_fail(LETHE_EXIT_USAGE, "%s: hash %zu is not base64 of 32 bytes", file, *n + 1);
		(*n)++;
	}
	return 0;
}

int cmd_check_consistency(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pub", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t note[TLOG_NOTE_MAX], proof[TLOG_PATH_MAX][TLOG_HASH];
	struct tlog_checkpoint a, b;
	const char *pubfile = NULL;
	struct tlog_vkey k;
	char err[256];
	size_t len, n = 0;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'p')
			pubfile = optarg;
		else
			return LETHE_EXIT_USAGE;
	}
	if (optind + 3 != argc)
		return lt_fail(LETHE_EXIT_USAGE,
			       "usage: check-consistency --pub PUBFILE OLD_CHECKPOINT NEW_CHECKPOINT PROOFFILE");
	if ((rc = lt_load_vkey(pubfile, &k)))
		return rc;
	if ((rc = lt_read_file(argv[optind], note, sizeof note, &len, NULL)))
		return rc;
	if (tlog_checkpoint_open(&k, note, len, &a, err, sizeof err))
		return lt_fail(LETHE_EXIT_REFUSED, "%s: %s", argv[optind], err);
	if ((rc = lt_read_file(argv[optind + 1], note, sizeof note, &len, NULL)))
		return rc;
	if (tlog_checkpoint_open(&k, note, len, &b, err, sizeof err))
		return lt_fail(LETHE_EXIT_REFUSED, "%s: %s", argv[optind + 1], err);
	if ((rc = read_hashes(argv[optind + 2], proof, &n)))
		return rc;
	if (tlog_consistency_verify(a.size, b.size, a.root, b.root, (const uint8_t (*)[TLOG_HASH])proof, n, err,
				    sizeof err))
		return lt_fail(LETHE_EXIT_REFUSED, "inconsistent: %llu -> %llu: %s", (unsigned long long)a.size,
			       (unsigned long long)b.size, err);
	printf("consistent %llu %llu\n", (unsigned long long)a.size, (unsigned long long)b.size);
	return 0;
}

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log", required_argument, NULL, 'l' },
		{ "pub", required_argument, NULL, 'p' },
		{ "index", required_argument, NULL, 'i' },
		{ "version", required_argument, NULL, 'v' },
		{ "cacert", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *where = NULL, *pubfile = NULL, *version = NULL, *cacert = NULL;
	uint8_t entry[TLOG_RECORD_MAX], note[TLOG_NOTE_MAX], path[TLOG_PATH_MAX][TLOG_HASH], leaf[TLOG_HASH];
	uint64_t index = UINT64_MAX, i;
	struct tlog_checkpoint cp;
	struct tlog_record rec;
	struct tlog_vkey k;
	struct lt_src *src;
	struct lt_tree *t;
	size_t note_len, n, npath;
	char err[256];
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'l')
			where = optarg;
		else if (c == 'p')
			pubfile = optarg;
		else if (c == 'v')
			version = optarg;
		else if (c == 'c')
			cacert = optarg;
		else if (c != 'i' || lt_parse_u64(optarg, &index))
			return LETHE_EXIT_USAGE;
	}
	if (optind != argc || (index == UINT64_MAX) == !version)
		return lt_fail(LETHE_EXIT_USAGE,
			       "usage: show --log DIR|URL --pub PUBFILE (--index N | --version V) [--cacert PEM]");
	if ((rc = open_log(where, pubfile, cacert, &k, &src, &cp, note, &note_len, &t)))
		return rc;
	if (version) {
		/* The last entry of that version: a release logged again
		 * (a fixed record) supersedes the earlier one. */
		for (i = 0; i < cp.size; i++) {
			if ((rc = lt_tree_entry(t, i, entry, sizeof entry, &n)))
				return rc;
			if (tlog_record_parse(entry, n, &rec, err, sizeof err))
				return lt_fail(LETHE_EXIT_REFUSED, "entry %llu: %s", (unsigned long long)i, err);
			if (strcmp(rec.version, version) == 0)
				index = i;
		}
		if (index == UINT64_MAX)
			return lt_fail(LETHE_EXIT_REFUSED, "no entry of version %s in the log of %llu", version,
				       (unsigned long long)cp.size);
	}
	if (index >= cp.size)
		return lt_fail(LETHE_EXIT_USAGE, "no entry %llu: the log has %llu", (unsigned long long)index,
			       (unsigned long long)cp.size);
	if ((rc = lt_tree_entry(t, index, entry, sizeof entry, &n)) ||
	    (rc = lt_tree_inclusion(t, index, cp.size, path, &npath)))
		return rc;
	tlog_leaf_hash(entry, n, leaf);
	if (tlog_inclusion_verify(index, cp.size, leaf, (const uint8_t (*)[TLOG_HASH])path, npath, cp.root, err,
				  sizeof err))
		return lt_fail(LETHE_EXIT_REFUSED, "entry %llu: inclusion: %s", (unsigned long long)index, err);
	if (tlog_record_parse(entry, n, &rec, err, sizeof err))
		return lt_fail(LETHE_EXIT_REFUSED, "entry %llu: %s", (unsigned long long)index, err);
	fwrite(entry, 1, n, stdout);
	/* where it is, for make publish (which proves an entry already logged
	 * instead of appending it twice) and for people */
	fprintf(stderr, "lethe-log: entry %llu of %llu\n", (unsigned long long)index,
		(unsigned long long)cp.size);
	return fflush(stdout) == 0 ? 0 : lt_fail(LETHE_EXIT_TEMP, "unable to write the entry");
}
