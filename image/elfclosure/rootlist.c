/* rootlist: root paths from arguments and --roots files (see rootlist.h). */
#include "rootlist.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lethe_exit.h"
#include "rootfs.h"

int rootlist_add(struct rootlist *rl, const char *path, char err[ROOTLIST_ERR_BYTES])
{
	char **v;
	size_t cap;

	if (rl->n == ROOTLIST_MAX) {
		snprintf(err, ROOTLIST_ERR_BYTES, "unable to add root %s: more than %d roots", path,
			 ROOTLIST_MAX);
		return LETHE_EXIT_USAGE;
	}
	if (rl->n == rl->cap) {
		cap = rl->cap ? rl->cap * 2 : 16;
		v = realloc(rl->v, cap * sizeof *v);
		if (!v)
			goto nomem;
		rl->v = v;
		rl->cap = cap;
	}
	rl->v[rl->n] = strdup(path);
	if (!rl->v[rl->n])
		goto nomem;
	rl->n++;
	return LETHE_EXIT_OK;
nomem:
	snprintf(err, ROOTLIST_ERR_BYTES, "unable to allocate memory: %s", strerror(ENOMEM));
	return LETHE_EXIT_TEMP;
}

static int rootlist_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

int rootlist_parse(struct rootlist *rl, const char *name, const char *text, size_t len,
		   char err[ROOTLIST_ERR_BYTES])
{
	char path[ROOTFS_PATH_MAX];
	size_t pos = 0, lineno = 0, b, e, n;
	const char *nl;
	int r;

	while (pos < len) {
		lineno++;
		nl = memchr(text + pos, '\n', len - pos);
		e = nl ? (size_t)(nl - text) : len;
		b = pos;
		pos = nl ? e + 1 : len;
		while (b < e && rootlist_blank(text[b]))
			b++;
		while (e > b && rootlist_blank(text[e - 1]))
			e--;
		if (b == e || text[b] == '#')
			continue;
		n = e - b;
		if (memchr(text + b, '\0', n)) {
			snprintf(err, ROOTLIST_ERR_BYTES, "unable to parse %s line %zu: NUL byte",
				 name, lineno);
			return LETHE_EXIT_USAGE;
		}
		if (n >= sizeof path) {
			snprintf(err, ROOTLIST_ERR_BYTES, "unable to parse %s line %zu: path too long",
				 name, lineno);
			return LETHE_EXIT_USAGE;
		}
		if (text[b] != '/') {
			snprintf(err, ROOTLIST_ERR_BYTES,
				 "unable to parse %s line %zu: not an absolute path", name, lineno);
			return LETHE_EXIT_USAGE;
		}
		memcpy(path, text + b, n);
		path[n] = '\0';
		r = rootlist_add(rl, path, err);
		if (r != LETHE_EXIT_OK)
			return r;
	}
	return LETHE_EXIT_OK;
}

int rootlist_read_file(struct rootlist *rl, const char *file, char err[ROOTLIST_ERR_BYTES])
{
	char *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int fd, r;

	fd = open(file, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		r = errno == ENOENT ? LETHE_EXIT_USAGE : LETHE_EXIT_TEMP;
		snprintf(err, ROOTLIST_ERR_BYTES, "unable to open %s: %s", file, strerror(errno));
		return r;
	}
	/* One byte more than allowed, to tell "at the cap" from "above it". */
	buf = malloc(ROOTLIST_FILE_MAX + 1);
	if (!buf) {
		snprintf(err, ROOTLIST_ERR_BYTES, "unable to allocate memory: %s", strerror(ENOMEM));
		r = LETHE_EXIT_TEMP;
		goto out;
	}
	while (got <= ROOTLIST_FILE_MAX) {
		n = read(fd, buf + got, ROOTLIST_FILE_MAX + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = errno == EISDIR ? LETHE_EXIT_USAGE : LETHE_EXIT_TEMP;
			snprintf(err, ROOTLIST_ERR_BYTES, "unable to read %s: %s", file, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > ROOTLIST_FILE_MAX) {
		snprintf(err, ROOTLIST_ERR_BYTES, "unable to read %s: larger than %zu bytes", file,
			 ROOTLIST_FILE_MAX);
		r = LETHE_EXIT_USAGE;
		goto out;
	}
	r = rootlist_parse(rl, file, buf, got, err);
out:
	free(buf);
	close(fd);
	return r;
}

void rootlist_free(struct rootlist *rl)
{
	size_t i;

	for (i = 0; i < rl->n; i++)
		free(rl->v[i]);
	free(rl->v);
	rl->v = NULL;
	rl->n = rl->cap = 0;
}
