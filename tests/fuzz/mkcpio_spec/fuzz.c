/* Fuzz target for the mkcpio spec parser.
 *
 * Each input is parsed twice, whole and in pieces whose sizes come from the
 * input itself, and the two results must agree; an accepted spec must come
 * out sorted, duplicate-free and with every parent a dir.  Built with
 * -DLETHE_LIBFUZZER this is a libFuzzer target; otherwise main() replays
 * the files (or directories of files) named on the command line. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lethe_exit.h"
#include "path.h"
#include "spec.h"

#define FUZZ_INPUT_MAX (1u << 20)  /* replay: larger files are not inputs */

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size);

static void fuzz_check(int ok)
{
	if (!ok)
		abort();
}

static void fuzz_check_sorted(struct spec const *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		struct spec_entry const *e = &s->entries[i];
		size_t plen = path_parent_len(e->path, e->path_len);

		fuzz_check(strlen(e->path) == e->path_len);
		fuzz_check(path_check(e->path, e->path_len) == NULL);
		fuzz_check(e->mode <= SPEC_MODE_MAX && e->uid <= SPEC_ID_MAX && e->gid <= SPEC_ID_MAX);
		fuzz_check((e->source != NULL) == (e->type == SPEC_FILE || e->type == SPEC_SLINK));
		if (i > 0)
			fuzz_check(path_cmp(s->entries[i - 1].path, e->path) < 0);
		if (plen > 0) {
			/* the parent is an earlier entry, and a dir */
			size_t j;

			for (j = i; j-- > 0;)
				if (s->entries[j].path_len == plen
				    && memcmp(s->entries[j].path, e->path, plen) == 0)
					break;
			fuzz_check(j < i && s->entries[j].type == SPEC_DIR);
		}
	}
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	/* a private copy of exactly size bytes, so over-reads are caught */
	char *buf = malloc(size ? size : 1);
	struct spec *whole = malloc(sizeof *whole), *part = malloc(sizeof *part);
	struct diag dw = { 0 }, dp = { 0 };
	size_t off = 0, step = 1, i;
	int rw, rp = 0;

	fuzz_check(buf && whole && part);
	memcpy(buf, data, size);

	spec_init(whole, "fuzz");
	rw = spec_parse_buf(whole, buf, size, &dw);

	spec_init(part, "fuzz");
	while (off < size && rp == 0) {
		size_t n = size - off < step ? size - off : step;

		rp = spec_feed(part, buf + off, n, &dp);
		off += n;
		step = (size_t)(unsigned char)buf[off - 1] % 97 + 1;
	}
	if (rp == 0)
		rp = spec_finish(part, &dp);

	fuzz_check(rw == rp && dw.code == dp.code && strcmp(dw.msg, dp.msg) == 0);
	if (rw == 0) {
		fuzz_check(dw.code == 0 && whole->n == part->n);
		fuzz_check_sorted(whole);
		for (i = 0; i < whole->n; i++) {
			struct spec_entry const *a = &whole->entries[i], *b = &part->entries[i];

			fuzz_check(strcmp(a->path, b->path) == 0 && a->line == b->line);
			fuzz_check(a->type == b->type && a->mode == b->mode && a->uid == b->uid);
			fuzz_check(a->gid == b->gid && a->rmajor == b->rmajor && a->rminor == b->rminor);
			fuzz_check(a->blockdev == b->blockdev && a->source_len == b->source_len);
			fuzz_check(!a->source || memcmp(a->source, b->source, a->source_len + 1) == 0);
		}
	} else {
		/* failures are permanent input errors (100) unless memory ran out */
		fuzz_check(dw.code == LETHE_EXIT_USAGE || dw.code == LETHE_EXIT_TEMP);
		fuzz_check(dw.msg[0] != '\0' && strchr(dw.msg, '\n') == NULL);
	}
	spec_free(whole);
	spec_free(part);
	free(whole);
	free(part);
	free(buf);
	return 0;
}

#define FUZZ_NAME "fuzz_mkcpio_spec"
#include "../replay.h"
