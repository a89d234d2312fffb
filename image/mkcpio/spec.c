/* Spec parsing: text in, a sorted and checked entry list out.
 *
 * Every input is bounded (line length, entry count, numeric ranges) because
 * the parser is fed files and fuzzed; every error names the line. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lethe_exit.h"

#include "path.h"
#include "spec.h"

#define SPEC_COLUMNS 6
#define SPEC_ECHO_MAX 64   /* bytes of a bad column quoted in a message */
#define SPEC_READ_BYTES 65536

struct field {
	char const *p;
	size_t len;
};

static int spec_source_dir(struct spec *, struct spec_entry *, struct field, char const **);
static int spec_source_file(struct spec *, struct spec_entry *, struct field, char const **);
static int spec_source_slink(struct spec *, struct spec_entry *, struct field, char const **);
static int spec_source_nod(struct spec *, struct spec_entry *, struct field, char const **);

/* pipe and sock are deliberately absent: the image has no use for them */
static struct {
	char const *name;
	enum spec_type type;
	int (*source)(struct spec *, struct spec_entry *, struct field, char const **);
} const spec_types[] = {
	{ "dir", SPEC_DIR, &spec_source_dir },
	{ "file", SPEC_FILE, &spec_source_file },
	{ "slink", SPEC_SLINK, &spec_source_slink },
	{ "nod", SPEC_NOD, &spec_source_nod },
};

void spec_init(struct spec *s, char const *name)
{
	memset(s, 0, offsetof(struct spec, line));
	s->name = name;
}

void spec_free(struct spec *s)
{
	free(s->entries);
	free(s->strings);
	s->entries = NULL;
	s->strings = NULL;
	s->n = s->cap = 0;
	s->strings_len = s->strings_cap = 0;
}

static void spec_fail(struct spec *s, struct diag *d, size_t line, char const *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void spec_fail(struct spec *s, struct diag *d, size_t line, char const *fmt, ...)
{
	char why[DIAG_MSG_BYTES];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	diag_set(d, LETHE_EXIT_USAGE, "unable to parse %s:%zu: %s", s->name, line, why);
	s->failed = 1;
}

static void spec_fail_nomem(struct spec *s, struct diag *d)
{
	diag_set(d, LETHE_EXIT_TEMP, "unable to allocate memory for %s: %s", s->name,
		 strerror(ENOMEM));
	s->failed = 1;
}

static int spec_echo_len(struct field f)
{
	return f.len > SPEC_ECHO_MAX ? SPEC_ECHO_MAX : (int)f.len;
}

static int spec_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int field_is(struct field f, char const *lit)
{
	size_t n = strlen(lit);

	return f.len == n && memcmp(f.p, lit, n) == 0;
}

/* spec_parse_uint accepts digits of base only (no sign, no space) and
 * refuses anything above max before it can overflow. */
static int spec_parse_uint(char const *p, size_t len, unsigned base, uint32_t max, uint32_t *out)
{
	uint32_t v = 0;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		/* bytes below '0' wrap around to huge values and fail too */
		unsigned digit = (unsigned)(unsigned char)p[i] - (unsigned)'0';

		if (digit >= base || digit > max || v > (max - digit) / base)
			return -1;
		v = v * base + digit;
	}
	*out = v;
	return 0;
}

/* spec_strdup copies p[0..len) and a NUL into the string arena; offsets,
 * not pointers, because the arena moves as it grows. */
static int spec_strdup(struct spec *s, char const *p, size_t len, size_t *off)
{
	size_t need = s->strings_len + len + 1;

	if (need > s->strings_cap) {
		size_t cap = s->strings_cap ? s->strings_cap : 4096;
		char *n;

		while (cap < need)
			cap *= 2;
		n = realloc(s->strings, cap);
		if (!n)
			return -1;
		s->strings = n;
		s->strings_cap = cap;
	}
	memcpy(s->strings + s->strings_len, p, len);
	s->strings[s->strings_len + len] = '\0';
	*off = s->strings_len;
	s->strings_len = need;
	return 0;
}

static int spec_source_dir(struct spec *s, struct spec_entry *e, struct field f, char const **why)
{
	(void)s;
	(void)e;
	if (!field_is(f, "-")) {
		*why = "dir source must be -";
		return -1;
	}
	return 0;
}

static int spec_source_file(struct spec *s, struct spec_entry *e, struct field f, char const **why)
{
	if (field_is(f, "-")) {
		*why = "file source must be a host path, not -";
		return -1;
	}
	if (spec_strdup(s, f.p, f.len, &e->source_off) < 0)
		return -2;
	e->source_len = f.len;
	return 0;
}

static int spec_source_slink(struct spec *s, struct spec_entry *e, struct field f, char const **why)
{
	(void)why;
	if (spec_strdup(s, f.p, f.len, &e->source_off) < 0)
		return -2;
	e->source_len = f.len;
	return 0;
}

/* "c,MAJ,MIN" or "b,MAJ,MIN", decimal */
static int spec_source_nod(struct spec *s, struct spec_entry *e, struct field f, char const **why)
{
	char const *comma;
	size_t majlen;

	(void)s;
	*why = "nod source must be c,MAJOR,MINOR or b,MAJOR,MINOR (major <= 4095, minor <= 1048575)";
	if (f.len < 2 || (f.p[0] != 'c' && f.p[0] != 'b') || f.p[1] != ',')
		return -1;
	e->blockdev = f.p[0] == 'b';
	comma = memchr(f.p + 2, ',', f.len - 2);
	if (!comma)
		return -1;
	majlen = (size_t)(comma - (f.p + 2));
	if (spec_parse_uint(f.p + 2, majlen, 10, SPEC_MAJOR_MAX, &e->rmajor) < 0)
		return -1;
	if (spec_parse_uint(comma + 1, f.len - 2 - majlen - 1, 10, SPEC_MINOR_MAX, &e->rminor) < 0)
		return -1;
	return 0;
}

static int spec_grow_entries(struct spec *s)
{
	struct spec_entry *n;
	size_t cap;

	if (s->n < s->cap)
		return 0;
	cap = s->cap ? s->cap * 2 : 256;
	if (cap > SPEC_ENTRIES_MAX)
		cap = SPEC_ENTRIES_MAX;
	n = realloc(s->entries, cap * sizeof *n);
	if (!n)
		return -1;
	s->entries = n;
	s->cap = cap;
	return 0;
}

/* spec_line parses one line (without its newline) numbered s->lineno. */
static int spec_line(struct spec *s, char const *p, size_t len, struct diag *d)
{
	struct field f[SPEC_COLUMNS];
	struct spec_entry *e;
	char const *why = NULL;
	size_t i, start, nf = 0, t;
	int r;

	if (memchr(p, '\0', len)) {
		spec_fail(s, d, s->lineno, "NUL byte in line");
		return -1;
	}
	for (i = 0; i < len && spec_is_blank(p[i]); i++)
		;
	/* comments may hold any text (UTF-8 prose); entries may not */
	if (i == len || p[i] == '#')
		return 0;
	for (; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (!spec_is_blank(p[i]) && (c < 0x21 || c > 0x7e)) {
			spec_fail(s, d, s->lineno, "invalid byte 0x%02x at offset %zu", c, i);
			return -1;
		}
	}
	for (i = 0; i < len;) {
		while (i < len && spec_is_blank(p[i]))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && !spec_is_blank(p[i]))
			i++;
		if (nf == SPEC_COLUMNS) {
			spec_fail(s, d, s->lineno, "more than %d columns", SPEC_COLUMNS);
			return -1;
		}
		f[nf].p = p + start;
		f[nf].len = i - start;
		nf++;
	}
	if (nf != SPEC_COLUMNS) {
		spec_fail(s, d, s->lineno, "expected %d columns (type path mode uid gid source), found %zu",
			  SPEC_COLUMNS, nf);
		return -1;
	}

	for (t = 0; t < sizeof spec_types / sizeof spec_types[0]; t++)
		if (field_is(f[0], spec_types[t].name))
			break;
	if (t == sizeof spec_types / sizeof spec_types[0]) {
		spec_fail(s, d, s->lineno, "unknown type %.*s", spec_echo_len(f[0]), f[0].p);
		return -1;
	}
	why = path_check(f[1].p, f[1].len);
	if (why) {
		spec_fail(s, d, s->lineno, "bad path %.*s: %s", spec_echo_len(f[1]), f[1].p, why);
		return -1;
	}
	if (s->n == SPEC_ENTRIES_MAX) {
		spec_fail(s, d, s->lineno, "more than %d entries", SPEC_ENTRIES_MAX);
		return -1;
	}
	if (spec_grow_entries(s) < 0) {
		spec_fail_nomem(s, d);
		return -1;
	}
	e = &s->entries[s->n];
	memset(e, 0, sizeof *e);
	e->type = spec_types[t].type;
	e->line = s->lineno;
	if (spec_parse_uint(f[2].p, f[2].len, 8, SPEC_MODE_MAX, &e->mode) < 0) {
		spec_fail(s, d, s->lineno, "bad mode %.*s: want octal permission bits <= 07777",
			  spec_echo_len(f[2]), f[2].p);
		return -1;
	}
	if (spec_parse_uint(f[3].p, f[3].len, 10, SPEC_ID_MAX, &e->uid) < 0) {
		spec_fail(s, d, s->lineno, "bad uid %.*s: want decimal 0..65535",
			  spec_echo_len(f[3]), f[3].p);
		return -1;
	}
	if (spec_parse_uint(f[4].p, f[4].len, 10, SPEC_ID_MAX, &e->gid) < 0) {
		spec_fail(s, d, s->lineno, "bad gid %.*s: want decimal 0..65535",
			  spec_echo_len(f[4]), f[4].p);
		return -1;
	}
	r = spec_types[t].source(s, e, f[5], &why);
	if (r == -2) {
		spec_fail_nomem(s, d);
		return -1;
	}
	if (r < 0) {
		spec_fail(s, d, s->lineno, "bad source %.*s: %s", spec_echo_len(f[5]), f[5].p, why);
		return -1;
	}
	if (spec_strdup(s, f[1].p, f[1].len, &e->path_off) < 0) {
		spec_fail_nomem(s, d);
		return -1;
	}
	e->path_len = f[1].len;
	s->n++;
	return 0;
}

int spec_feed(struct spec *s, char const *data, size_t len, struct diag *d)
{
	if (s->failed || s->finished) {
		diag_set(d, LETHE_EXIT_USAGE, "unable to parse %s: spec already %s", s->name,
			 s->failed ? "failed" : "finished");
		return -1;
	}
	while (len > 0) {
		char const *nl = memchr(data, '\n', len);
		size_t take = nl ? (size_t)(nl - data) : len;

		if (take > SPEC_LINE_MAX - s->line_len) {
			spec_fail(s, d, s->lineno + 1, "line longer than %d bytes", SPEC_LINE_MAX);
			return -1;
		}
		if (!nl) {
			memcpy(s->line + s->line_len, data, take);
			s->line_len += take;
			break;
		}
		s->lineno++;
		if (s->line_len == 0) {
			/* a whole line in the caller's buffer: parse it in place */
			if (spec_line(s, data, take, d) < 0)
				return -1;
		} else {
			memcpy(s->line + s->line_len, data, take);
			if (spec_line(s, s->line, s->line_len + take, d) < 0)
				return -1;
			s->line_len = 0;
		}
		data += take + 1;
		len -= take + 1;
	}
	return 0;
}

static int spec_entry_cmp(void const *a, void const *b)
{
	struct spec_entry const *x = a;
	struct spec_entry const *y = b;
	int c = path_cmp(x->path, y->path);

	if (c != 0)
		return c;
	/* the line breaks ties, so duplicates sort the same on every libc */
	return (x->line > y->line) - (x->line < y->line);
}

/* spec_find looks path up among the sorted, duplicate-free entries. */
static struct spec_entry const *spec_find(struct spec const *s, char const *path)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = path_cmp(path, s->entries[mid].path);

		if (c == 0)
			return &s->entries[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* spec_check_duplicates reports the duplicate with the lowest line. */
static int spec_check_duplicates(struct spec *s, struct diag *d)
{
	struct spec_entry const *bad = NULL, *first = NULL;
	size_t i, run = 0;

	for (i = 1; i < s->n; i++) {
		if (strcmp(s->entries[i].path, s->entries[run].path) != 0) {
			run = i;
			continue;
		}
		if (!bad || s->entries[i].line < bad->line) {
			bad = &s->entries[i];
			first = &s->entries[run];
		}
	}
	if (!bad)
		return 0;
	spec_fail(s, d, bad->line, "duplicate path %s (first at line %zu)", bad->path, first->line);
	return -1;
}

/* spec_check_parents: the kernel does not create missing directories, and
 * we never invent them, so each parent must be a dir entry of its own. */
static int spec_check_parents(struct spec *s, struct diag *d)
{
	struct spec_entry const *bad = NULL, *parent = NULL;
	char want[PATH_BYTES_MAX + 1];
	size_t i;

	for (i = 0; i < s->n; i++) {
		struct spec_entry const *e = &s->entries[i];
		size_t plen = path_parent_len(e->path, e->path_len);
		struct spec_entry const *p;

		if (plen == 0 || (bad && e->line > bad->line))
			continue;
		memcpy(want, e->path, plen);
		want[plen] = '\0';
		p = spec_find(s, want);
		if (p && p->type == SPEC_DIR)
			continue;
		bad = e;
		parent = p;
	}
	if (!bad)
		return 0;
	if (parent)
		spec_fail(s, d, bad->line, "parent of %s is not a dir entry (line %zu)", bad->path,
			  parent->line);
	else
		spec_fail(s, d, bad->line, "parent of %s is not in the spec", bad->path);
	return -1;
}

int spec_finish(struct spec *s, struct diag *d)
{
	size_t i;

	if (s->finished)
		return 0;
	if (s->failed) {
		diag_set(d, LETHE_EXIT_USAGE, "unable to parse %s: spec already failed", s->name);
		return -1;
	}
	if (s->line_len > 0) {
		s->lineno++;
		if (spec_line(s, s->line, s->line_len, d) < 0)
			return -1;
		s->line_len = 0;
	}
	for (i = 0; i < s->n; i++) {
		struct spec_entry *e = &s->entries[i];

		e->path = s->strings + e->path_off;
		e->source = e->source_len ? s->strings + e->source_off : NULL;
	}
	if (s->n > 1)
		qsort(s->entries, s->n, sizeof s->entries[0], &spec_entry_cmp);
	if (spec_check_duplicates(s, d) < 0 || spec_check_parents(s, d) < 0)
		return -1;
	s->finished = 1;
	return 0;
}

int spec_parse_buf(struct spec *s, char const *buf, size_t len, struct diag *d)
{
	if (spec_feed(s, buf, len, d) < 0)
		return -1;
	return spec_finish(s, d);
}

int spec_read(struct spec *s, FILE *f, struct diag *d)
{
	char buf[SPEC_READ_BYTES];
	size_t n;

	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		if (spec_feed(s, buf, n, d) < 0)
			return -1;
	if (ferror(f)) {
		diag_set(d, LETHE_EXIT_TEMP, "unable to read %s: %s", s->name, strerror(errno));
		s->failed = 1;
		return -1;
	}
	return spec_finish(s, d);
}
