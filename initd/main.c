/* initd: lethe's PID 1 (pid1.c: the boot sequence, the pipeline, the
 * shutdown; docs/initd.md).
 *
 * As PID 1 it takes no arguments: the kernel hands unknown command-line
 * words to init, so argv is not ours to parse.  Run otherwise, it refuses,
 * except for its own pipeline steps, which PID 1 runs as children of
 * itself ("--pull", "--seal": seal.h; "--sntp": sntp.h), the hidden test
 * entry points ("--supervise", "--supervise-tor": subreaper.h) and
 * "--version [-r FILE]", which host tests use to read a release file the
 * way PID 1 does. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lethe_exit.h"
#include "log.h"
#include "pid1.h"
#include "release.h"
#include "seal.h"
#include "sntp.h"
#include "subreaper.h"

static int main_version(char const *path)
{
	struct release rel;
	struct release_error err;
	int r = release_load(path, &rel, &err);

	if (r == -EINVAL) {
		if (err.line)
			log_fatal("unable to parse %s: line %zu: %s", path, err.line, err.what);
		else
			log_fatal("unable to parse %s: %s", path, err.what);
		return LETHE_EXIT_USAGE;
	}
	if (r < 0) {
		log_fatal("unable to read %s: %s", path, strerror(-r));
		return LETHE_EXIT_TEMP;
	}
	if (printf("%s\n", rel.version) < 0 || fflush(stdout) != 0) {
		log_fatal("unable to write to stdout: %s", strerror(errno));
		return LETHE_EXIT_TEMP;
	}
	return LETHE_EXIT_OK;
}

int main(int argc, char **argv)
{
	char const *release = RELEASE_PATH;
	int version = 0, i;

	if (getpid() == 1)
		pid1_run();
	/* Hidden: the supervisor as a child subreaper, for tests. */
	if (argc > 1 && strcmp(argv[1], "--supervise") == 0)
		return subreaper_main(argc - 1, argv + 1);
	/* PID 1's clock step runs initd itself as an SNTP client. */
	if (argc > 1 && strcmp(argv[1], "--sntp") == 0)
		return sntp_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "--supervise-tor") == 0)
		return subreaper_tor_main(argc - 1, argv + 1);
	/* PID 1's pipeline steps around configpull, tpmseal and tor (seal.h). */
	if (argc > 1 && strcmp(argv[1], "--pull") == 0)
		return seal_pull_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "--seal") == 0)
		return seal_main(argc - 1, argv + 1);

	/* "--version [-r FILE]" in either order; by hand, since getopt_long
	 * costs more of the size budget than this */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0)
			version = 1;
		else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
			release = argv[++i];
		else
			break;
	}
	if (!version || i != argc) {
		log_fatal("must run as PID 1");
		return LETHE_EXIT_USAGE;
	}
	return main_version(release);
}
