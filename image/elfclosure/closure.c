/* closure: the worklist, the search order and the output set (see closure.h). */
#include "closure.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "elf.h"
#include "lethe_exit.h"

#define NONE SIZE_MAX

const char *const closure_default_libdirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64",
	"/usr/lib64", "/lib", "/usr/lib",
};
const size_t closure_ndefault_libdirs =
	sizeof closure_default_libdirs / sizeof closure_default_libdirs[0];

/* A string-keyed hash map (FNV-1a, linear probing); keys are copied. */
struct strmap_slot {
	char *key;
	size_t val;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap;
	size_t n;
};

static size_t strmap_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return (size_t)h;
}

static struct strmap_slot *strmap_slot(const struct strmap *m, const char *key)
{
	size_t i = strmap_hash(key) & (m->cap - 1);

	while (m->slots[i].key && strcmp(m->slots[i].key, key) != 0)
		i = (i + 1) & (m->cap - 1);
	return &m->slots[i];
}

static int strmap_get(const struct strmap *m, const char *key, size_t *val)
{
	struct strmap_slot *s;

	if (!m->cap)
		return 0;
	s = strmap_slot(m, key);
	if (!s->key)
		return 0;
	*val = s->val;
	return 1;
}

static int strmap_grow(struct strmap *m)
{
	struct strmap old = *m;
	size_t i;

	m->cap = old.cap ? old.cap * 2 : 64;
	m->slots = calloc(m->cap, sizeof *m->slots);
	if (!m->slots) {
		*m = old;
		return -1;
	}
	for (i = 0; i < old.cap; i++)
		if (old.slots[i].key)
			*strmap_slot(m, old.slots[i].key) = old.slots[i];
	free(old.slots);
	return 0;
}

/* Adds key -> val unless key is present.  Returns 1 if added, 0 if it was
 * there already, -1 when out of memory. */
static int strmap_add(struct strmap *m, const char *key, size_t val)
{
	struct strmap_slot *s;

	if ((m->n + 1) * 2 > m->cap && strmap_grow(m) < 0)
		return -1;
	s = strmap_slot(m, key);
	if (s->key)
		return 0;
	s->key = strdup(key);
	if (!s->key)
		return -1;
	s->val = val;
	m->n++;
	return 1;
}

static void strmap_free(struct strmap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	memset(m, 0, sizeof *m);
}

/* One parsed file, shared by all roots.  Foreign objects (status
 * ELF_EOTHER) are kept too, so a skipped candidate is read once. */
struct closure_obj {
	char *path;
	int status;
	struct elf_info info;
};

/* One object loaded for the root being walked. */
struct closure_node {
	size_t obj;
	char *origin;
	size_t parent;   /* whose DT_NEEDED loaded it; NONE for the root and its interpreter */
};

struct closure_line {
	char *path;      /* sort key */
	char *text;
};

struct closure_lines {
	struct closure_line *v;
	size_t n;
	size_t cap;
	struct strmap seen;
};

struct closure {
	const struct rootfs *fs;
	char **libdirs;
	size_t nlibdirs;

	struct closure_obj *objs;
	size_t nobjs;
	size_t capobjs;
	struct strmap objmap;            /* resolved path -> objs[] */

	struct closure_lines out;        /* file and slink lines */
	struct closure_lines why;        /* needs and interp lines */

	/* The root being walked. */
	struct closure_node *nodes;
	size_t nnodes;
	size_t capnodes;
	struct strmap names;             /* DT_NEEDED or DT_SONAME -> nodes[] */
	struct strmap loaded;            /* resolved path -> nodes[] */
	struct rootfs_links links;       /* followed during the current lookup */
	char *err;
};

static int closure_fail(struct closure *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int closure_fail(struct closure *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, CLOSURE_ERR_BYTES, fmt, ap);
	va_end(ap);
	return code;
}

static int closure_nomem(struct closure *c)
{
	return closure_fail(c, LETHE_EXIT_TEMP, "unable to allocate memory: %s", strerror(ENOMEM));
}

/* Paths and names end up in line-oriented, space-separated files (our
 * output, the cpio spec): refuse whatever would split or forge a line. */
static int closure_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return 0;
	return 1;
}

/* Resolution failures that mean "nothing here": keep searching. */
static int closure_absent(int r)
{
	return r == -ENOENT || r == -ENOTDIR;
}

/* Bad input from the tree is 100, the system failing us is 111. */
static int closure_errno_code(int r)
{
	switch (-r) {
	case ENOENT: case ENOTDIR: case ELOOP: case ENAMETOOLONG: case EINVAL: case EFBIG:
	case EISDIR:
		return LETHE_EXIT_USAGE;
	default:
		return LETHE_EXIT_TEMP;
	}
}

static int closure_lines_add(struct closure *c, struct closure_lines *l, const char *path,
			     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int closure_lines_add(struct closure *c, struct closure_lines *l, const char *path,
			     const char *fmt, ...)
{
	struct closure_line *v;
	char *text = NULL;
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return closure_nomem(c);
	r = strmap_add(&l->seen, text, 0);
	if (r <= 0) {
		free(text);
		return r < 0 ? closure_nomem(c) : LETHE_EXIT_OK;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;

		v = realloc(l->v, cap * sizeof *v);
		if (!v) {
			free(text);
			return closure_nomem(c);
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].text = text;
	l->v[l->n].path = strdup(path);
	if (!l->v[l->n].path) {
		free(text);
		return closure_nomem(c);
	}
	l->n++;
	return LETHE_EXIT_OK;
}

static void closure_lines_free(struct closure_lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].text);
	}
	free(l->v);
	strmap_free(&l->seen);
	memset(l, 0, sizeof *l);
}

/* Moves the links of the lookup that succeeded into the output. */
static int closure_commit_links(struct closure *c)
{
	size_t i;
	int r = LETHE_EXIT_OK;

	for (i = 0; i < c->links.n && r == LETHE_EXIT_OK; i++) {
		const struct rootfs_link *k = &c->links.v[i];

		if (!closure_safe(k->path) || !closure_safe(k->target))
			r = closure_fail(c, LETHE_EXIT_USAGE,
					 "unable to use symlink %s: unsafe character in its name or target",
					 closure_safe(k->path) ? k->path : "(unprintable)");
		else
			r = closure_lines_add(c, &c->out, k->path, "slink %s %s", k->path, k->target);
	}
	rootfs_links_truncate(&c->links, 0);
	return r;
}

/* Reads and parses the file at a resolved path, once per run.  *obj is set
 * for ELF_OK and ELF_EOTHER; any other outcome is an error naming `shown`
 * (the path as the user or the search would call it). */
static int closure_load(struct closure *c, const char *shown, const char *resolved, mode_t mode,
			size_t *obj)
{
	struct closure_obj *o;
	unsigned char *buf = NULL;
	size_t len = 0;
	int r;

	if (strmap_get(&c->objmap, resolved, obj))
		return LETHE_EXIT_OK;
	if (!S_ISREG(mode))
		return closure_fail(c, LETHE_EXIT_USAGE, "unable to load %s: not a regular file", shown);
	if (c->nobjs == CLOSURE_OBJECTS_MAX)
		return closure_fail(c, LETHE_EXIT_USAGE, "unable to load %s: more than %d objects",
				    shown, CLOSURE_OBJECTS_MAX);
	if (c->nobjs == c->capobjs) {
		size_t cap = c->capobjs ? c->capobjs * 2 : 64;

		o = realloc(c->objs, cap * sizeof *o);
		if (!o)
			return closure_nomem(c);
		c->objs = o;
		c->capobjs = cap;
	}
	r = rootfs_read(c->fs, resolved, &buf, &len);
	if (r < 0)
		return closure_fail(c, closure_errno_code(r), "unable to read %s: %s", shown,
				    r == -EINVAL ? "not a regular file" : strerror(-r));
	o = &c->objs[c->nobjs];
	o->status = elf_parse(buf, len, &o->info);
	free(buf);
	if (o->status == ELF_ENOMEM)
		return closure_nomem(c);
	if (o->status != ELF_OK && o->status != ELF_EOTHER) {
		if (strcmp(shown, resolved) != 0)
			return closure_fail(c, LETHE_EXIT_USAGE, "unable to load %s (%s): %s", shown,
					    resolved, o->info.why);
		return closure_fail(c, LETHE_EXIT_USAGE, "unable to load %s: %s", shown, o->info.why);
	}
	o->path = strdup(resolved);
	if (!o->path) {
		elf_info_free(&o->info);
		return closure_nomem(c);
	}
	if (strmap_add(&c->objmap, resolved, c->nobjs) < 0) {
		free(o->path);
		elf_info_free(&o->info);
		return closure_nomem(c);
	}
	*obj = c->nobjs++;
	return LETHE_EXIT_OK;
}

static int closure_name(struct closure *c, const char *name, size_t node)
{
	if (name && strmap_add(&c->names, name, node) < 0)
		return closure_nomem(c);
	return LETHE_EXIT_OK;
}

/* Makes obj a node of the current root (once), records its file line and
 * its names.  *node is set to the node. */
static int closure_node_add(struct closure *c, size_t obj, const char *origin, size_t parent,
			    const char *name, size_t *node)
{
	const struct closure_obj *o = &c->objs[obj];
	struct closure_node *n;
	int r;

	if (!strmap_get(&c->loaded, o->path, node)) {
		if (!closure_safe(o->path))
			return closure_fail(c, LETHE_EXIT_USAGE,
					    "unable to list a file: unsafe character in its path");
		if (c->nnodes == c->capnodes) {
			size_t cap = c->capnodes ? c->capnodes * 2 : 64;

			n = realloc(c->nodes, cap * sizeof *n);
			if (!n)
				return closure_nomem(c);
			c->nodes = n;
			c->capnodes = cap;
		}
		n = &c->nodes[c->nnodes];
		n->obj = obj;
		n->parent = parent;
		n->origin = strdup(origin);
		if (!n->origin)
			return closure_nomem(c);
		if (strmap_add(&c->loaded, o->path, c->nnodes) < 0) {
			free(n->origin);
			return closure_nomem(c);
		}
		*node = c->nnodes++;
		r = closure_name(c, o->info.soname, *node);
		if (r != LETHE_EXIT_OK)
			return r;
		r = closure_lines_add(c, &c->out, o->path, "file %s", o->path);
		if (r != LETHE_EXIT_OK)
			return r;
	}
	return closure_name(c, name, *node);
}

/* dirname() of a resolved path, into out (ROOTFS_PATH_MAX bytes). */
static void closure_dirname(const char *path, char *out)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (n == 0) {
		strcpy(out, "/");
		return;
	}
	memcpy(out, path, n);
	out[n] = '\0';
}

/* Appends s[0..n) to out at *len, bounded by ROOTFS_PATH_MAX. */
static int closure_append(char *out, size_t *len, const char *s, size_t n)
{
	if (*len + n >= ROOTFS_PATH_MAX)
		return -1;
	memcpy(out + *len, s, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

/* Expands one DT_RPATH/DT_RUNPATH element: $ORIGIN and ${ORIGIN} become
 * origin; any other dynamic string token is refused, and so is a relative
 * result (ld.so would search the working directory). */
static int closure_expand(struct closure *c, const char *elem, size_t elen, const char *origin,
			  const char *what, size_t node, char *out)
{
	const char *obj = c->objs[c->nodes[node].obj].path;
	size_t len = 0, i = 0, tok;

	out[0] = '\0';
	while (i < elen) {
		if (elem[i] != '$') {
			if (closure_append(out, &len, elem + i, 1) < 0)
				goto toolong;
			i++;
			continue;
		}
		tok = 0;
		if (elen - i >= 7 && memcmp(elem + i, "$ORIGIN", 7) == 0 &&
		    (elen - i == 7 || !(elem[i + 7] == '_' || (elem[i + 7] >= '0' && elem[i + 7] <= '9') ||
				       (elem[i + 7] >= 'A' && elem[i + 7] <= 'Z') ||
				       (elem[i + 7] >= 'a' && elem[i + 7] <= 'z'))))
			tok = 7;
		else if (elen - i >= 9 && memcmp(elem + i, "${ORIGIN}", 9) == 0)
			tok = 9;
		if (!tok)
			return closure_fail(c, LETHE_EXIT_USAGE,
					    "unable to use %s of %s: unsupported dynamic string token",
					    what, obj);
		if (closure_append(out, &len, origin, strlen(origin)) < 0)
			goto toolong;
		i += tok;
	}
	if (out[0] != '/')
		return closure_fail(c, LETHE_EXIT_USAGE,
				    "unable to use %s of %s: empty or relative directory", what, obj);
	return LETHE_EXIT_OK;
toolong:
	return closure_fail(c, LETHE_EXIT_USAGE, "unable to use %s of %s: %s", what, obj,
			    strerror(ENAMETOOLONG));
}

/* The outcome of trying one directory. */
enum { TRY_FOUND, TRY_NEXT };

/* Looks for name in the in-root directory dir for node `from`.  On
 * TRY_FOUND, *found is the node.  Other return values are exit codes. */
static int closure_try(struct closure *c, const char *dir, const char *name, size_t from,
		       size_t *found)
{
	char cand[ROOTFS_PATH_MAX], resolved[ROOTFS_PATH_MAX], origin[ROOTFS_PATH_MAX];
	size_t len = 0, obj;
	mode_t mode;
	int r;

	if (closure_append(cand, &len, dir, strlen(dir)) < 0 || closure_append(cand, &len, "/", 1) < 0 ||
	    closure_append(cand, &len, name, strlen(name)) < 0)
		return closure_fail(c, LETHE_EXIT_USAGE, "unable to search %s for %s: %s", dir, name,
				    strerror(ENAMETOOLONG));
	rootfs_links_truncate(&c->links, 0);
	r = rootfs_resolve(c->fs, cand, resolved, &mode, &c->links);
	if (closure_absent(r))
		return TRY_NEXT;
	if (r < 0)
		return closure_fail(c, closure_errno_code(r), "unable to resolve %s: %s", cand,
				    strerror(-r));
	r = closure_load(c, cand, resolved, mode, &obj);
	if (r != LETHE_EXIT_OK)
		return r;
	if (c->objs[obj].status != ELF_OK) {
		rootfs_links_truncate(&c->links, 0);
		return TRY_NEXT;
	}
	r = closure_commit_links(c);
	if (r != LETHE_EXIT_OK)
		return r;
	/* ld.so's $ORIGIN is the directory it found the object in, as it
	 * spelt it; resolving that directory gives what the kernel would. */
	r = rootfs_resolve(c->fs, dir, origin, &mode, NULL);
	if (r < 0)
		return closure_fail(c, closure_errno_code(r), "unable to resolve %s: %s", dir,
				    strerror(-r));
	r = closure_node_add(c, obj, origin, from, name, found);
	return r == LETHE_EXIT_OK ? TRY_FOUND : r;
}

/* Tries each element of a colon-separated search path list. */
static int closure_try_list(struct closure *c, const char *list, const char *what, size_t owner,
			    const char *name, size_t from, size_t *found)
{
	char dir[ROOTFS_PATH_MAX];
	const char *p = list, *end;
	int r;

	for (;;) {
		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		r = closure_expand(c, p, (size_t)(end - p), c->nodes[owner].origin, what, owner, dir);
		if (r != LETHE_EXIT_OK)
			return r;
		r = closure_try(c, dir, name, from, found);
		if (r != TRY_NEXT || !*end)
			return r;
		p = end + 1;
	}
}

static int closure_search(struct closure *c, size_t from, const char *name, size_t *found)
{
	/* Copies: a load below may move objs[]; the strings stay put. */
	const char *runpath = c->objs[c->nodes[from].obj].info.runpath;
	int nodeflib = c->objs[c->nodes[from].obj].info.nodeflib;
	int did_root = 0;
	size_t l, i;
	int r;

	if (!runpath) {
		/* The loader chain ends at the root, except for the interpreter;
		 * ld.so always tries the program's DT_RPATH last. */
		for (l = from; ; l = c->nodes[l].parent) {
			const char *rpath, *lrunpath;

			if (l == NONE) {
				if (did_root)
					break;
				l = 0;
			}
			did_root |= l == 0;
			rpath = c->objs[c->nodes[l].obj].info.rpath;
			lrunpath = c->objs[c->nodes[l].obj].info.runpath;
			if (rpath && !lrunpath) {
				r = closure_try_list(c, rpath, "DT_RPATH", l, name, from, found);
				if (r != TRY_NEXT)
					return r;
			}
			if (l == 0)
				break;
		}
	} else {
		r = closure_try_list(c, runpath, "DT_RUNPATH", from, name, from, found);
		if (r != TRY_NEXT)
			return r;
	}
	if (!nodeflib) {
		for (i = 0; i < c->nlibdirs; i++) {
			r = closure_try(c, c->libdirs[i], name, from, found);
			if (r != TRY_NEXT)
				return r;
		}
	}
	return closure_fail(c, LETHE_EXIT_USAGE, "unable to find %s needed by %s", name,
			    c->objs[c->nodes[from].obj].path);
}

static int closure_needed(struct closure *c, size_t from)
{
	const struct closure_obj *o = &c->objs[c->nodes[from].obj];
	const char *name;
	size_t i, found;
	int r;

	for (i = 0; i < o->info.nneeded; i++) {
		name = o->info.needed[i];
		if (!closure_safe(name))
			return closure_fail(c, LETHE_EXIT_USAGE,
					    "unable to use a DT_NEEDED of %s: unsafe character in name",
					    o->path);
		if (strchr(name, '/'))
			return closure_fail(c, LETHE_EXIT_USAGE,
					    "unable to search for %s needed by %s: a path, not a name",
					    name, o->path);
		if (!strmap_get(&c->names, name, &found)) {
			r = closure_search(c, from, name, &found);
			if (r != TRY_FOUND)
				return r;
			o = &c->objs[c->nodes[from].obj];  /* objs may have moved */
		}
		r = closure_lines_add(c, &c->why, o->path, "needs %s %s -> %s", o->path, name,
				      c->objs[c->nodes[found].obj].path);
		if (r != LETHE_EXIT_OK)
			return r;
	}
	return LETHE_EXIT_OK;
}

static int closure_interp(struct closure *c, size_t root)
{
	char resolved[ROOTFS_PATH_MAX], origin[ROOTFS_PATH_MAX];
	const char *interp = c->objs[c->nodes[root].obj].info.interp;
	const char *prog = c->objs[c->nodes[root].obj].path;
	size_t obj, node;
	mode_t mode;
	int r;

	if (!closure_safe(interp) || interp[0] != '/')
		return closure_fail(c, LETHE_EXIT_USAGE,
				    "unable to use PT_INTERP of %s: not a plain absolute path", prog);
	rootfs_links_truncate(&c->links, 0);
	r = rootfs_resolve(c->fs, interp, resolved, &mode, &c->links);
	if (closure_absent(r))
		return closure_fail(c, LETHE_EXIT_USAGE, "unable to find interpreter %s needed by %s",
				    interp, prog);
	if (r < 0)
		return closure_fail(c, closure_errno_code(r), "unable to resolve %s: %s", interp,
				    strerror(-r));
	r = closure_load(c, interp, resolved, mode, &obj);
	if (r != LETHE_EXIT_OK)
		return r;
	prog = c->objs[c->nodes[root].obj].path;
	interp = c->objs[c->nodes[root].obj].info.interp;
	if (c->objs[obj].status != ELF_OK)
		return closure_fail(c, LETHE_EXIT_USAGE, "unable to load %s: %s", interp,
				    c->objs[obj].info.why);
	r = closure_commit_links(c);
	if (r != LETHE_EXIT_OK)
		return r;
	closure_dirname(resolved, origin);
	/* ld.so knows itself by its PT_INTERP path and its soname. */
	r = closure_node_add(c, obj, origin, NONE, interp, &node);
	if (r != LETHE_EXIT_OK)
		return r;
	return closure_lines_add(c, &c->why, prog, "interp %s %s -> %s", prog, interp, resolved);
}

static void closure_reset_root(struct closure *c)
{
	size_t i;

	for (i = 0; i < c->nnodes; i++)
		free(c->nodes[i].origin);
	c->nnodes = 0;
	strmap_free(&c->names);
	strmap_free(&c->loaded);
	rootfs_links_truncate(&c->links, 0);
}

int closure_add_root(struct closure *c, const char *path, char err[CLOSURE_ERR_BYTES])
{
	char resolved[ROOTFS_PATH_MAX], origin[ROOTFS_PATH_MAX];
	size_t obj, node, i;
	mode_t mode;
	int r;

	c->err = err;
	err[0] = '\0';
	closure_reset_root(c);
	if (!closure_safe(path) || path[0] != '/') {
		r = closure_fail(c, LETHE_EXIT_USAGE,
				 "unable to use root %s: not a plain absolute path",
				 closure_safe(path) ? path : "(unprintable)");
		goto out;
	}
	r = rootfs_resolve(c->fs, path, resolved, &mode, &c->links);
	if (r < 0) {
		r = closure_fail(c, closure_errno_code(r), "unable to resolve %s: %s", path,
				 strerror(-r));
		goto out;
	}
	r = closure_load(c, path, resolved, mode, &obj);
	if (r != LETHE_EXIT_OK)
		goto out;
	if (c->objs[obj].status != ELF_OK) {
		r = closure_fail(c, LETHE_EXIT_USAGE, "unable to load %s: %s", path,
				 c->objs[obj].info.why);
		goto out;
	}
	r = closure_commit_links(c);
	if (r != LETHE_EXIT_OK)
		goto out;
	/* A program's $ORIGIN comes from /proc/self/exe: its resolved path. */
	closure_dirname(resolved, origin);
	r = closure_node_add(c, obj, origin, NONE, NULL, &node);
	if (r != LETHE_EXIT_OK)
		goto out;
	if (c->objs[obj].info.interp) {
		r = closure_interp(c, node);
		if (r != LETHE_EXIT_OK)
			goto out;
	}
	/* Breadth first, like ld.so: nodes grows while we walk it. */
	for (i = 0; i < c->nnodes; i++) {
		r = closure_needed(c, i);
		if (r != LETHE_EXIT_OK)
			goto out;
	}
	r = LETHE_EXIT_OK;
out:
	closure_reset_root(c);
	c->err = NULL;
	return r;
}

struct closure *closure_new(const struct rootfs *fs, const char *const *libdirs, size_t nlibdirs)
{
	struct closure *c;
	size_t i;

	if (!libdirs) {
		libdirs = closure_default_libdirs;
		nlibdirs = closure_ndefault_libdirs;
	}
	c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->fs = fs;
	c->libdirs = calloc(nlibdirs ? nlibdirs : 1, sizeof *c->libdirs);
	if (!c->libdirs)
		goto fail;
	for (i = 0; i < nlibdirs; i++) {
		c->libdirs[i] = strdup(libdirs[i]);
		if (!c->libdirs[i])
			goto fail;
		c->nlibdirs++;
	}
	return c;
fail:
	closure_free(c);
	return NULL;
}

void closure_free(struct closure *c)
{
	size_t i;

	if (!c)
		return;
	closure_reset_root(c);
	free(c->nodes);
	rootfs_links_free(&c->links);
	for (i = 0; i < c->nlibdirs; i++)
		free(c->libdirs[i]);
	free(c->libdirs);
	for (i = 0; i < c->nobjs; i++) {
		free(c->objs[i].path);
		elf_info_free(&c->objs[i].info);
	}
	free(c->objs);
	strmap_free(&c->objmap);
	closure_lines_free(&c->out);
	closure_lines_free(&c->why);
	free(c);
}

static int closure_line_cmp(const void *a, const void *b)
{
	const struct closure_line *x = a, *y = b;
	int r = strcmp(x->path, y->path);

	return r ? r : strcmp(x->text, y->text);
}

int closure_write(struct closure *c, FILE *out, int why)
{
	const struct closure_lines *l = why ? &c->why : &c->out;
	size_t i;

	/* The order lines were found in depends on the roots' order; the
	 * output must not. */
	if (l->n)
		qsort(l->v, l->n, sizeof *l->v, closure_line_cmp);
	for (i = 0; i < l->n; i++)
		if (fprintf(out, "%s\n", l->v[i].text) < 0)
			return -1;
	return 0;
}
