/* Atomic replacement of the output: mkstemp, fsync, rename. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lethe_exit.h"

#include "outfile.h"

#define OUTFILE_TEMPLATE ".mkcpio.XXXXXX"

static int const outfile_signals[OUTFILE_SIGNALS] = { SIGHUP, SIGINT, SIGTERM };

/* the temporary to remove if a signal ends us; one output per process */
static char *volatile outfile_pending;

static void outfile_on_signal(int sig)
{
	char *p = outfile_pending;

	if (p)
		unlink(p);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void outfile_trap(struct outfile *f)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = &outfile_on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < OUTFILE_SIGNALS; i++)
		sigaction(outfile_signals[i], &sa, &f->old[i]);
}

static void outfile_untrap(struct outfile *f)
{
	size_t i;

	outfile_pending = NULL;
	for (i = 0; i < OUTFILE_SIGNALS; i++)
		sigaction(outfile_signals[i], &f->old[i], NULL);
}

int outfile_open(struct outfile *f, char const *path, struct diag *d)
{
	char const *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	mode_t mask;

	f->fd = -1;
	f->path = path;
	f->tmp = malloc(dirlen + sizeof OUTFILE_TEMPLATE);
	if (!f->tmp) {
		diag_set(d, LETHE_EXIT_TEMP, "unable to allocate memory: %s", strerror(errno));
		return -1;
	}
	memcpy(f->tmp, path, dirlen);
	memcpy(f->tmp + dirlen, OUTFILE_TEMPLATE, sizeof OUTFILE_TEMPLATE);
	mask = umask(0);
	umask(mask);
	f->mode = 0666 & ~mask;
	outfile_trap(f);
	f->fd = mkostemp(f->tmp, O_CLOEXEC);
	if (f->fd < 0) {
		diag_set(d, diag_errno_code(errno), "unable to create a temporary file for %s: %s",
			 path, strerror(errno));
		outfile_untrap(f);
		free(f->tmp);
		f->tmp = NULL;
		return -1;
	}
	outfile_pending = f->tmp;
	return 0;
}

int outfile_commit(struct outfile *f, struct diag *d)
{
	int fd = f->fd;

	/* mkstemp made it 0600; the archive is no secret */
	if (fchmod(fd, f->mode) < 0) {
		diag_set(d, LETHE_EXIT_TEMP, "unable to chmod %s: %s", f->tmp, strerror(errno));
		goto fail;
	}
	if (fsync(fd) < 0) {
		diag_set(d, LETHE_EXIT_TEMP, "unable to fsync %s: %s", f->tmp, strerror(errno));
		goto fail;
	}
	f->fd = -1;
	if (close(fd) < 0) {
		diag_set(d, LETHE_EXIT_TEMP, "unable to close %s: %s", f->tmp, strerror(errno));
		goto fail;
	}
	if (rename(f->tmp, f->path) < 0) {
		diag_set(d, diag_errno_code(errno), "unable to rename %s to %s: %s", f->tmp, f->path,
			 strerror(errno));
		goto fail;
	}
	outfile_untrap(f);
	free(f->tmp);
	f->tmp = NULL;
	return 0;
fail:
	outfile_abort(f);
	return -1;
}

void outfile_abort(struct outfile *f)
{
	if (f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
	}
	if (f->tmp) {
		unlink(f->tmp);
		outfile_untrap(f);
		free(f->tmp);
		f->tmp = NULL;
	}
}
