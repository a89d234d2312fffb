/* mkcpio [-t EPOCH] -o OUT SPEC: a reproducible newc cpio writer.
 *
 * Reads SPEC (format in spec.h; "-" is stdin) and writes a newc archive to
 * OUT, through a temporary in OUT's directory that is renamed into place
 * only when complete.  EPOCH, or else $SOURCE_DATE_EPOCH (one is required,
 * decimal 0..4294967295), is every entry's mtime.  The archive's bytes
 * depend on the spec, the source files' contents and EPOCH only.
 *
 * Exit codes: 0 done; 100 usage, bad spec, bad source file; 111 system
 * error, or a source that changed size while read.
 *
 * This file only reads the command line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lethe_exit.h"

#include "mkcpio.h"

#define USAGE "mkcpio [-t EPOCH] -o OUT SPEC"
#define EPOCH_MAX 0xffffffffu  /* newc's mtime field: 8 hex digits */

static int usage(void)
{
	fprintf(stderr, "%s: usage: %s\n", MKCPIO_PROG, USAGE);
	return LETHE_EXIT_USAGE;
}

/* decimal digits only: no sign, no space, nothing a strtoul would forgive */
static int epoch_parse(char const *s, uint32_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > EPOCH_MAX)
			return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

int main(int argc, char **argv)
{
	char const *out = NULL, *epoch_arg = NULL, *epoch_from = "-t";
	uint32_t epoch;
	int c;

	opterr = 0;
	while ((c = getopt(argc, argv, "t:o:")) != -1) {
		switch (c) {
		case 't':
			epoch_arg = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return usage();
		}
	}
	if (!out || *out == '\0' || optind != argc - 1 || *argv[optind] == '\0')
		return usage();
	if (!epoch_arg) {
		/* a reproducible tool must not fall back to the current time */
		epoch_arg = getenv("SOURCE_DATE_EPOCH");
		epoch_from = "SOURCE_DATE_EPOCH";
		if (!epoch_arg || *epoch_arg == '\0') {
			fprintf(stderr, "%s: fatal: unable to choose a timestamp: "
				"give -t EPOCH or set SOURCE_DATE_EPOCH\n", MKCPIO_PROG);
			return LETHE_EXIT_USAGE;
		}
	}
	if (epoch_parse(epoch_arg, &epoch) < 0) {
		fprintf(stderr, "%s: fatal: unable to parse %s: want decimal 0..4294967295\n",
			MKCPIO_PROG, epoch_from);
		return LETHE_EXIT_USAGE;
	}
	return mkcpio_run(argv[optind], out, epoch);
}
