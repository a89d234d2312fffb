/* Fuzz target for initd's sd_notify datagram parser and the allocator
 * check of /proc/PID/maps text.
 *
 * Checks that a parse is all or nothing (a refused datagram leaves the
 * message zeroed), that accepted values are within their documented
 * ranges, and that the status text is printable and bounded.  Built with
 * -DLETHE_LIBFUZZER this is a libFuzzer target; otherwise main() replays
 * the files (or directories of files) named on the command line. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "lethe_exit.h"
#include "notify.h"

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
	struct notify_msg m, zero;
	enum alloc_kind k;
	size_t i, n;

	fuzz_check(buf != NULL);
	memcpy(buf, data, size);
	memset(&zero, 0, sizeof zero);
	if (notify_parse(buf, size, &m) < 0) {
		fuzz_check(memcmp(&m, &zero, sizeof m) == 0);
	} else {
		fuzz_check(size > 0 && size <= NOTIFY_MSG_MAX);
		fuzz_check((m.flags & ~(unsigned)(NOTIFY_READY | NOTIFY_STOPPING | NOTIFY_WATCHDOG |
			NOTIFY_RELOADING)) == 0);
		fuzz_check(m.mainpid >= 0 && m.mainpid <= 4194304);
		fuzz_check(m.extend_usec <= 3600000000u);
		n = strnlen(m.status, sizeof m.status);
		fuzz_check(n <= NOTIFY_STATUS_MAX);
		for (i = 0; i < n; i++)
			fuzz_check(m.status[i] >= 0x20 && m.status[i] < 0x7f);
	}
	k = alloc_from_maps(buf, size);
	fuzz_check(k == ALLOC_GLIBC || k == ALLOC_JEMALLOC || k == ALLOC_MIMALLOC);
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
		fprintf(stderr, "fuzz_initd_notify: fatal: unable to open %s\n", path);
		return -1;
	}
	buf = malloc(FUZZ_INPUT_MAX + 1);
	if (!buf) {
		fclose(f);
		fprintf(stderr, "fuzz_initd_notify: fatal: unable to allocate memory\n");
		return -1;
	}
	n = fread(buf, 1, FUZZ_INPUT_MAX + 1, f);
	if (ferror(f) || n > FUZZ_INPUT_MAX) {
		fprintf(stderr, "fuzz_initd_notify: fatal: unable to read %s: error or too large\n",
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
		fprintf(stderr, "fuzz_initd_notify: usage: fuzz_initd_notify FILE|DIR...\n");
		return LETHE_EXIT_USAGE;
	}
	for (i = 1; i < argc; i++)
		if (fuzz_replay(argv[i], &count) < 0)
			r = LETHE_EXIT_TEMP;
	fprintf(stderr, "fuzz_initd_notify: replayed %zu inputs\n", count);
	return r;
}
#endif
