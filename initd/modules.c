#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "file.h"
#include "log.h"
#include "modules.h"

static int modules_space(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* The next field of line [*p, end): start and length, *p moved past it. */
static size_t modules_field(char const **p, char const *end, char const **f)
{
	char const *s = *p;

	while (s < end && modules_space(*s))
		s++;
	*f = s;
	while (s < end && !modules_space(*s))
		s++;
	*p = s;
	return (size_t)(s - *f);
}

/* One pattern element at *p against c: 1 and *p moved past it, or 0. */
static int modules_glob_one(char const **pp, char c)
{
	char const *p = *pp, *q;
	int neg, hit = 0, first = 1;

	if (*p == '?') {
		*pp = p + 1;
		return 1;
	}
	if (*p == '[') {
		q = p + 1;
		neg = *q == '!' || *q == '^';
		q += neg;
		for (;; first = 0) {
			char lo, hi;

			if (*q == '\0')
				goto literal; /* no closing ']': a plain '[' */
			if (*q == ']' && !first)
				break;
			lo = *q;
			if (lo == '\\' && q[1])
				lo = *++q;
			hi = lo;
			if (q[1] == '-' && q[2] && q[2] != ']') {
				q += 2;
				hi = *q;
				if (hi == '\\' && q[1])
					hi = *++q;
			}
			q++;
			if ((unsigned char)c >= (unsigned char)lo && (unsigned char)c <= (unsigned char)hi)
				hit = 1;
		}
		if (hit == neg)
			return 0;
		*pp = q + 1;
		return 1;
	}
	if (*p == '\\' && p[1])
		p++;
literal:
	if (*p != c)
		return 0;
	*pp = p + 1;
	return 1;
}

int modules_glob(char const *p, char const *s)
{
	char const *star_p = NULL, *star_s = NULL;

	for (;;) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (!*p)
				return 1;
			star_p = p;
			star_s = s;
			continue;
		}
		if (!*s)
			return !*p;
		if (*p && modules_glob_one(&p, *s)) {
			s++;
			continue;
		}
		/* the last '*' takes one more character; earlier ones never
		 * need to: the classic single-backtrack glob */
		if (!star_p)
			return 0;
		p = star_p;
		s = ++star_s;
	}
}

size_t modules_alias_match(char const *text, size_t len, char const *modalias,
	void (*cb)(char const *name, size_t name_len, void *ctx), void *ctx)
{
	char const *p = text, *end = text + len;
	size_t n = 0;

	while (p < end) {
		char const *nl = memchr(p, '\n', (size_t)(end - p));
		char const *le = nl ? nl : end, *kw, *pat, *name;
		size_t kwl, patl, namel;
		char patbuf[512];

		kwl = modules_field(&p, le, &kw);
		patl = modules_field(&p, le, &pat);
		namel = modules_field(&p, le, &name);
		p = le + 1;
		if (kwl != 5 || memcmp(kw, "alias", 5) != 0 || patl == 0 ||
		    patl >= sizeof patbuf || namel == 0 || namel > MODULES_NAME_MAX)
			continue;
		memcpy(patbuf, pat, patl);
		patbuf[patl] = '\0';
		if (modules_glob(patbuf, modalias)) {
			cb(name, namel, ctx);
			n++;
		}
	}
	return n;
}

static int modules_same_name(char const *a, size_t alen, char const *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return 0;
	}
	return 1;
}

/* The module name of a path: the basename up to ".ko". */
static void modules_path_name(char const *path, size_t len, char const **name, size_t *name_len)
{
	char const *base = path, *p;

	for (p = path; p < path + len; p++)
		if (*p == '/')
			base = p + 1;
	for (p = base; p + 3 <= path + len; p++)
		if (memcmp(p, ".ko", 3) == 0)
			break;
	*name = base;
	*name_len = p + 3 <= path + len ? (size_t)(p - base) : (size_t)(path + len - base);
}

int modules_dep_find(char const *text, size_t len, char const *name, size_t name_len,
	char const **path, size_t *path_len, char const **deps, size_t *deps_len)
{
	char const *p = text, *end = text + len;

	while (p < end) {
		char const *nl = memchr(p, '\n', (size_t)(end - p));
		char const *le = nl ? nl : end;
		char const *colon = memchr(p, ':', (size_t)(le - p));
		char const *mn;
		size_t mnl;

		if (colon && colon > p) {
			modules_path_name(p, (size_t)(colon - p), &mn, &mnl);
			if (modules_same_name(mn, mnl, name, name_len)) {
				char const *d = colon + 1;

				while (d < le && modules_space(*d))
					d++;
				*path = p;
				*path_len = (size_t)(colon - p);
				*deps = d;
				*deps_len = (size_t)(le - d);
				return 0;
			}
		}
		p = le + 1;
	}
	return -1;
}

struct modules_ctx {
	char const *moddir;
	char *dep;
	size_t dep_len;
	int debug;
	size_t n_loaded;
	char loaded[MODULES_LOADED_MAX][MODULES_NAME_MAX + 1];
	int loaded_now;
};

static int modules_is_loaded(struct modules_ctx *c, char const *name, size_t len)
{
	size_t i;

	for (i = 0; i < c->n_loaded; i++)
		if (modules_same_name(c->loaded[i], strlen(c->loaded[i]), name, len))
			return 1;
	return 0;
}

static void modules_mark(struct modules_ctx *c, char const *name, size_t len)
{
	if (c->n_loaded == MODULES_LOADED_MAX || len > MODULES_NAME_MAX)
		return;
	memcpy(c->loaded[c->n_loaded], name, len);
	c->loaded[c->n_loaded++][len] = '\0';
}

/* Loads one module file (relative path in moddir); 0 also when it is
 * already in the kernel. */
static int modules_insert(struct modules_ctx *c, char const *rel, size_t rel_len)
{
	char path[512];
	int fd, r = 0;

	if ((size_t)snprintf(path, sizeof path, "%s/%.*s", c->moddir, (int)rel_len, rel) >=
	    sizeof path)
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
		r = -errno;
	close(fd);
	return r;
}

static void modules_load(struct modules_ctx *c, char const *name, size_t len)
{
	char const *path, *deps, *d;
	size_t path_len, deps_len, i;
	char const *starts[32];
	size_t lens[32], n = 0;
	int r;

	if (modules_is_loaded(c, name, len))
		return;
	/* marked first: a failure is reported once, not at every device */
	modules_mark(c, name, len);
	if (modules_dep_find(c->dep, c->dep_len, name, len, &path, &path_len, &deps, &deps_len) < 0) {
		log_warn("module %.*s: not in modules.dep", (int)len, name);
		return;
	}
	for (d = deps; d < deps + deps_len && n < 32;) {
		char const *f;
		size_t fl = modules_field(&d, deps + deps_len, &f);

		if (fl == 0)
			break;
		starts[n] = f;
		lens[n++] = fl;
	}
	/* modprobe's order: the last dependency first */
	for (i = n; i-- > 0;) {
		char const *dn;
		size_t dnl;

		modules_path_name(starts[i], lens[i], &dn, &dnl);
		if (modules_is_loaded(c, dn, dnl))
			continue;
		modules_mark(c, dn, dnl);
		r = modules_insert(c, starts[i], lens[i]);
		if (r < 0)
			log_warn("unable to load module %.*s: %s", (int)dnl, dn, strerror(-r));
	}
	r = modules_insert(c, path, path_len);
	if (r < 0) {
		log_warn("unable to load module %.*s: %s", (int)len, name, strerror(-r));
		return;
	}
	c->loaded_now++;
	log_info("module %.*s loaded", (int)len, name);
}

static void modules_cb(char const *name, size_t len, void *ctx)
{
	modules_load(ctx, name, len);
}

static char *modules_read(char const *dir, char const *file, size_t *len)
{
	char path[512];
	char *buf;
	long n;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path)
		return NULL;
	buf = malloc(MODULES_FILE_BYTES);
	n = buf ? file_read(path, buf, MODULES_FILE_BYTES) : -ENOMEM;
	if (n < 0) {
		log_warn("unable to read %s: %s", path, strerror((int)-n));
		free(buf);
		return NULL;
	}
	*len = (size_t)n;
	return buf;
}

/* The modalias of every entry of dir (a bus's devices, or a class). */
static void modules_scan(struct modules_ctx *c, char const *dir, char const *alias, size_t alias_len)
{
	char path[512];
	struct dirent *d;
	DIR *devs = opendir(dir);

	if (!devs)
		return;
	while ((d = readdir(devs))) {
		char ma[256];
		ssize_t n;
		int fd;

		if (d->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s/modalias", dir, d->d_name) >= sizeof path)
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, ma, sizeof ma - 1);
		close(fd);
		if (n <= 0)
			continue;
		while (n > 0 && (ma[n - 1] == '\n' || ma[n - 1] == '\0'))
			n--;
		ma[n] = '\0';
		if (n > 0)
			modules_alias_match(alias, alias_len, ma, modules_cb, c);
	}
	closedir(devs);
}

/* One pass over /sys/bus/ * /devices/ * /modalias, and the input class
 * (input devices are a class, not a bus: the power button's evdev). */
static void modules_pass(struct modules_ctx *c, char const *sys, char const *alias, size_t alias_len)
{
	char path[512];
	DIR *buses;
	struct dirent *b;

	snprintf(path, sizeof path, "%s/bus", sys);
	buses = opendir(path);
	if (buses) {
		while ((b = readdir(buses))) {
			if (b->d_name[0] == '.' ||
			    (size_t)snprintf(path, sizeof path, "%s/bus/%s/devices", sys, b->d_name) >=
			    sizeof path)
				continue;
			modules_scan(c, path, alias, alias_len);
		}
		closedir(buses);
	}
	if ((size_t)snprintf(path, sizeof path, "%s/class/input", sys) < sizeof path)
		modules_scan(c, path, alias, alias_len);
}

int modules_coldplug(char const *sys, char const *moddir, int debug)
{
	static struct modules_ctx c;
	char *alias;
	size_t alias_len = 0;
	int pass, total = 0;

	memset(&c, 0, sizeof c);
	c.moddir = moddir;
	c.debug = debug;
	alias = modules_read(moddir, "modules.alias", &alias_len);
	if (!alias)
		return -1;
	c.dep = modules_read(moddir, "modules.dep", &c.dep_len);
	if (!c.dep) {
		free(alias);
		return -1;
	}
	for (pass = 0; pass < MODULES_PASSES; pass++) {
		c.loaded_now = 0;
		modules_pass(&c, sys, alias, alias_len);
		total += c.loaded_now;
		if (c.loaded_now == 0)
			break;
		/* a freshly loaded bus driver registers its devices
		 * synchronously for virtio and PCI; a new pass sees them */
	}
	free(alias);
	free(c.dep);
	return total;
}

int modules_load_name(char const *moddir, char const *name)
{
	static struct modules_ctx c;

	memset(&c, 0, sizeof c);
	c.moddir = moddir;
	if (strlen(name) > MODULES_NAME_MAX)
		return -1;
	c.dep = modules_read(moddir, "modules.dep", &c.dep_len);
	if (!c.dep)
		return -1;
	modules_load(&c, name, strlen(name));
	free(c.dep);
	return c.loaded_now;
}
