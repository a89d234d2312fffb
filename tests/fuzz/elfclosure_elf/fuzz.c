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

#define FUZZ_NAME "fuzz_elfclosure_elf"
#include "../replay.h"
