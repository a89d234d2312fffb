/* Replay driver shared by the tpmseal fuzz harnesses: without
 * -DLETHE_LIBFUZZER, main() feeds each file (directories: their files in
 * sorted order, so a failure names the same input everywhere) or stdin to
 * fuzz_one().  Include it after defining fuzz_one and FUZZ_NAME. */
#ifndef TPMSEAL_REPLAY_H
#define TPMSEAL_REPLAY_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FUZZ_MAX_BYTES 65536

#ifdef LETHE_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one(data, size);
	return 0;
}
#else
static unsigned long replayed;

static int replay_file(const char *path)
{
	static uint8_t buf[FUZZ_MAX_BYTES + 1];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		perror(path);
		return -1;
	}
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	if (n > FUZZ_MAX_BYTES) {
		fprintf(stderr, "%s: fatal: unable to replay %s: larger than %u bytes\n", FUZZ_NAME, path,
			FUZZ_MAX_BYTES);
		return -1;
	}
	fuzz_one(buf, n);
	replayed++;
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
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	d = opendir(path);
	if (!d) {
		perror(path);
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
	int i;

	if (argc < 2) {
		static uint8_t buf[FUZZ_MAX_BYTES];
		size_t n = fread(buf, 1, sizeof buf, stdin);
		fuzz_one(buf, n);
		return 0;
	}
	for (i = 1; i < argc; i++)
		if (replay_path(argv[i]) < 0)
			return 111;
	printf("%s: %lu inputs replayed\n", FUZZ_NAME, replayed);
	return 0;
}
#endif

#endif
