/* The replay driver shared by every fuzz harness.
 *
 * A harness defines LLVMFuzzerTestOneInput() and FUZZ_NAME, then includes
 * this file last.  Built with -DLETHE_LIBFUZZER, libFuzzer supplies main();
 * otherwise this main() replays each file given (a directory: its files in
 * sorted order, so a failure names the same input everywhere) or stdin, so
 * `make fuzz-replay` runs every corpus in normal and sanitizer builds.  Each
 * input is handed over in a heap buffer of exactly its size: an over-read
 * past the end is caught by ASan, as under libFuzzer. */
#ifndef LETHE_FUZZ_REPLAY_H
#define LETHE_FUZZ_REPLAY_H

#ifndef LETHE_LIBFUZZER
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef FUZZ_MAX_BYTES
#define FUZZ_MAX_BYTES (1u << 20)
#endif

static unsigned long replay_count;

static void replay_buf(const uint8_t *data, size_t n)
{
	uint8_t *copy = malloc(n ? n : 1);

	if (!copy)
		abort();
	memcpy(copy, data, n);
	LLVMFuzzerTestOneInput(copy, n);
	free(copy);
	replay_count++;
}

static int replay_file(const char *path)
{
	static uint8_t buf[FUZZ_MAX_BYTES + 1];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		fprintf(stderr, "%s: fatal: unable to open %s\n", FUZZ_NAME, path);
		return -1;
	}
	n = fread(buf, 1, sizeof buf, f);
	if (ferror(f) || n > FUZZ_MAX_BYTES) {
		fprintf(stderr, "%s: fatal: unable to replay %s: read error or over %u bytes\n",
			FUZZ_NAME, path, (unsigned)FUZZ_MAX_BYTES);
		fclose(f);
		return -1;
	}
	fclose(f);
	replay_buf(buf, n);
	return 0;
}

static int replay_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_path(const char *path)
{
	struct dirent *de;
	struct stat st;
	char **names = NULL;
	size_t n = 0, i;
	int rc = 0;
	DIR *d;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "%s: fatal: unable to stat %s\n", FUZZ_NAME, path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	d = opendir(path);
	if (!d) {
		fprintf(stderr, "%s: fatal: unable to open %s\n", FUZZ_NAME, path);
		return -1;
	}
	while ((de = readdir(d))) {
		char **grown;

		if (de->d_name[0] == '.')
			continue;
		grown = realloc(names, (n + 1) * sizeof *names);
		if (!grown || asprintf(&grown[n], "%s/%s", path, de->d_name) < 0)
			abort();
		names = grown;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, replay_cmp);
	for (i = 0; i < n; i++) {
		if (!rc && replay_path(names[i]) < 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	static uint8_t in[FUZZ_MAX_BYTES];
	int i;

	if (argc < 2) {
		replay_buf(in, fread(in, 1, sizeof in, stdin));
		return 0;
	}
	for (i = 1; i < argc; i++)
		if (replay_path(argv[i]) < 0)
			return 111;
	printf("%s: %lu inputs replayed\n", FUZZ_NAME, replay_count);
	return 0;
}
#endif

#endif
