/* Fuzz target for initd's node.conf parser and the torrc comparison
 * (SIGHUP or restart).
 *
 * Checks that accepted values are within their documented ranges, that a
 * refusal always says why, and that a text compared with itself is SAME.
 * Built with -DLETHE_LIBFUZZER this is a libFuzzer target; otherwise
 * main() replays the files (or directories of files) named on the command
 * line. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lethe_exit.h"
#include "nodeconf.h"

#define FUZZ_INPUT_MAX (1u << 16)

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size);

static void fuzz_check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	/* a private copy of exactly size bytes, so over-reads are caught */
	char *buf = malloc(size ? size : 1);
	struct nodeconf nc;
	struct nodeconf_error err;
	enum torrc_change c;
	size_t i, half = size / 2;

	fuzz_check(buf != NULL);
	memcpy(buf, data, size);
	if (nodeconf_parse(buf, size, &nc, &err) == 0) {
		fuzz_check(nc.refresh_s >= 60 && nc.refresh_s <= 86400);
		fuzz_check(nc.n >= 1 && nc.n <= NODECONF_INSTANCES_MAX);
		for (i = 0; i < nc.n; i++)
			fuzz_check(strlen(nc.name[i]) >= 1 && strlen(nc.name[i]) <= NODECONF_NAME_MAX);
		fuzz_check(!nc.zram || (nc.zram_size_mib >= 16 && nc.zram_size_mib <= 65536));
	} else {
		fuzz_check(err.what != NULL);
	}
	/* the two halves as old and new torrc; equal texts are always SAME */
	c = torrc_compare(buf, half, buf + half, size - half);
	fuzz_check(c == TORRC_SAME || c == TORRC_RELOAD || c == TORRC_RESTART);
	fuzz_check(torrc_compare(buf, size, buf, size) == TORRC_SAME);
	free(buf);
	return 0;
}

#ifndef LETHE_LIBFUZZER
static int fuzz_replay_file(char const *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	size_t n;

	if (!f) {
		fprintf(stderr, "fuzz_initd_nodeconf: fatal: unable to open %s\n", path);
		return -1;
	}
	buf = malloc(FUZZ_INPUT_MAX + 1);
	if (!buf) {
		fclose(f);
		fprintf(stderr, "fuzz_initd_nodeconf: fatal: unable to allocate memory\n");
		return -1;
	}
	n = fread(buf, 1, FUZZ_INPUT_MAX + 1, f);
	if (ferror(f) || n > FUZZ_INPUT_MAX) {
		fprintf(stderr, "fuzz_initd_nodeconf: fatal: unable to read %s: error or too large\n",
			path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

/* a file, or every regular file directly in a directory */
static int fuzz_replay(char const *path, size_t *count)
{
	struct dirent *de;
	DIR *d = opendir(path);
	int r = 0;

	if (!d) {
		(*count)++;
		return fuzz_replay_file(path);
	}
	while ((de = readdir(d))) {
		char sub[4096];

		if (de->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof sub, "%s/%s", path, de->d_name) >= (int)sizeof sub) {
			r = -1;
			continue;
		}
		(*count)++;
		if (fuzz_replay_file(sub) < 0)
			r = -1;
	}
	closedir(d);
	return r;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int i, r = 0;

	if (argc < 2) {
		fprintf(stderr, "fuzz_initd_nodeconf: usage: fuzz_initd_nodeconf FILE|DIR...\n");
		return LETHE_EXIT_USAGE;
	}
	for (i = 1; i < argc; i++)
		if (fuzz_replay(argv[i], &count) < 0)
			r = LETHE_EXIT_TEMP;
	fprintf(stderr, "fuzz_initd_nodeconf: replayed %zu inputs\n", count);
	return r;
}
#endif
