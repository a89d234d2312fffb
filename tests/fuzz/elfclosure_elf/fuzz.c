/* Fuzz target for image/elfclosure/elf.c: elf_parse() on arbitrary bytes.
 *
 * Built with -DLETHE_LIBFUZZER it is a libFuzzer target; otherwise main()
 * replays files and directories of files given as arguments (or stdin), so
 * that every build runs the corpus. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "elf.h"
#include "lethe_exit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A result that breaks the parser's promises is a bug: crash loudly. */
static void fuzz_check(const struct elf_info *info, int r)
{
	size_t i;

	if (r != ELF_OK) {
		if (!info->why || info->needed || info->interp || info->soname || info->rpath ||
		    info->runpath || info->nneeded)
			abort();
		return;
	}
	if (info->nneeded > ELF_NEEDED_MAX || (info->nneeded && !info->needed))
		abort();
	for (i = 0; i < info->nneeded; i++)
		if (!info->needed[i][0] || strlen(info->needed[i]) > ELF_STRING_MAX)
			abort();
	if (info->interp && (!info->interp[0] || strlen(info->interp) > ELF_STRING_MAX))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: an over-read by one byte is caught by ASan. */
	unsigned char *copy = malloc(size ? size : 1);
	struct elf_info info;
	int r;

	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	r = elf_parse(copy, size, &info);
	fuzz_check(&info, r);
	if (r == ELF_OK)
		elf_info_free(&info);
	free(copy);
	return 0;
}

#ifndef LETHE_LIBFUZZER
#define PROG "fuzz_elfclosure_elf"
#define INPUT_MAX ((size_t)16 << 20)

static int replay_stream(FILE *f, const char *name)
{
	unsigned char *buf = malloc(INPUT_MAX);
	size_t n;

	if (!buf) {
		fprintf(stderr, PROG ": fatal: unable to allocate memory: %s\n", strerror(ENOMEM));
		return LETHE_EXIT_TEMP;
	}
	n = fread(buf, 1, INPUT_MAX, f);
	if (ferror(f)) {
		fprintf(stderr, PROG ": fatal: unable to read %s: %s\n", name, strerror(errno));
		free(buf);
		return LETHE_EXIT_TEMP;
	}
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return LETHE_EXIT_OK;
}

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	int r;

	if (!f) {
		fprintf(stderr, PROG ": fatal: unable to open %s: %s\n", path, strerror(errno));
		return LETHE_EXIT_TEMP;
	}
	r = replay_stream(f, path);
	fclose(f);
	return r;
}

static int replay_path(const char *path, size_t *count)
{
	struct dirent **ents;
	struct stat st;
	char *sub;
	int n, i, r = LETHE_EXIT_OK;

	if (stat(path, &st) < 0) {
		fprintf(stderr, PROG ": fatal: unable to stat %s: %s\n", path, strerror(errno));
		return LETHE_EXIT_TEMP;
	}
	if (!S_ISDIR(st.st_mode)) {
		++*count;
		return replay_file(path);
	}
	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, PROG ": fatal: unable to list %s: %s\n", path, strerror(errno));
		return LETHE_EXIT_TEMP;
	}
	for (i = 0; i < n; i++) {
		if (r == LETHE_EXIT_OK && ents[i]->d_name[0] != '.') {
			if (asprintf(&sub, "%s/%s", path, ents[i]->d_name) < 0) {
				r = LETHE_EXIT_TEMP;
			} else {
				r = replay_path(sub, count);
				free(sub);
			}
		}
		free(ents[i]);
	}
	free(ents);
	return r;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int i, r;

	if (argc < 2)
		return replay_stream(stdin, "stdin");
	for (i = 1; i < argc; i++) {
		r = replay_path(argv[i], &count);
		if (r != LETHE_EXIT_OK)
			return r;
	}
	fprintf(stderr, PROG ": %zu inputs replayed\n", count);
	return LETHE_EXIT_OK;
}
#endif
