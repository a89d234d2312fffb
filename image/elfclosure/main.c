/* elfclosure: list the files (and the symlinks leading to them) that a set
 * of programs in a staging root needs at run time: the programs, their
 * ELF interpreter and, transitively, every DT_NEEDED shared object.
 *
 * Nothing is executed and nothing outside the root is looked at. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "closure.h"
#include "lethe_exit.h"
#include "rootfs.h"
#include "rootlist.h"

#define PROG "elfclosure"
#define USAGE PROG " --root DIR [--libdir PATH]... [--roots FILE]... [--why] [ROOT_PATH...]"
#define LIBDIRS_MAX 64
#define ROOTFILES_MAX 64

static void die_usage(const char *why)
{
	if (why)
		fprintf(stderr, PROG ": fatal: %s\n", why);
	fprintf(stderr, PROG ": usage: " USAGE "\n");
	exit(LETHE_EXIT_USAGE);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "libdir", required_argument, NULL, 'L' },
		{ "roots", required_argument, NULL, 'f' },
		{ "why", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *libdirs[LIBDIRS_MAX], *rootfiles[ROOTFILES_MAX], *rootdir = NULL;
	size_t nlibdirs = 0, nrootfiles = 0, i;
	struct rootfs fs = { -1 };
	struct rootlist roots = { 0 };
	struct closure *c = NULL;
	char err[CLOSURE_ERR_BYTES > ROOTLIST_ERR_BYTES ? CLOSURE_ERR_BYTES : ROOTLIST_ERR_BYTES];
	int why = 0, opt, r;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (rootdir)
				die_usage("--root given twice");
			rootdir = optarg;
			break;
		case 'L':
			if (nlibdirs == LIBDIRS_MAX)
				die_usage("too many --libdir");
			if (optarg[0] != '/' || strlen(optarg) >= ROOTFS_PATH_MAX)
				die_usage("--libdir needs an absolute in-root path");
			libdirs[nlibdirs++] = optarg;
			break;
		case 'f':
			if (nrootfiles == ROOTFILES_MAX)
				die_usage("too many --roots");
			rootfiles[nrootfiles++] = optarg;
			break;
		case 'w':
			why = 1;
			break;
		case 'h':
			printf("usage: " USAGE "\n");
			return LETHE_EXIT_OK;
		default:
			die_usage("unknown option or missing argument");
		}
	}
	if (!rootdir)
		die_usage("--root is required");

	for (i = 0; i < nrootfiles; i++) {
		r = rootlist_read_file(&roots, rootfiles[i], err);
		if (r != LETHE_EXIT_OK)
			goto out;
	}
	for (; optind < argc; optind++) {
		r = rootlist_add(&roots, argv[optind], err);
		if (r != LETHE_EXIT_OK)
			goto out;
	}
	if (roots.n == 0)
		die_usage("no ROOT_PATH given");

	r = rootfs_open(&fs, rootdir);
	if (r < 0) {
		snprintf(err, sizeof err, "unable to open %s: %s", rootdir, strerror(-r));
		r = r == -ENOENT || r == -ENOTDIR ? LETHE_EXIT_USAGE : LETHE_EXIT_TEMP;
		goto out;
	}
	c = closure_new(&fs, nlibdirs ? libdirs : NULL, nlibdirs);
	if (!c) {
		snprintf(err, sizeof err, "unable to allocate memory: %s", strerror(ENOMEM));
		r = LETHE_EXIT_TEMP;
		goto out;
	}
	for (i = 0; i < roots.n; i++) {
		r = closure_add_root(c, roots.v[i], err);
		if (r != LETHE_EXIT_OK)
			goto out;
	}
	/* Everything is known before the first byte goes out: a failure above
	 * leaves stdout empty rather than half a list. */
	if (closure_write(c, stdout, why) < 0 || fflush(stdout) == EOF || ferror(stdout)) {
		snprintf(err, sizeof err, "unable to write to stdout: %s", strerror(errno));
		r = LETHE_EXIT_TEMP;
		goto out;
	}
	r = LETHE_EXIT_OK;
out:
	if (r != LETHE_EXIT_OK)
		fprintf(stderr, PROG ": fatal: %s\n", err);
	closure_free(c);
	rootfs_close(&fs);
	rootlist_free(&roots);
	return r;
}
