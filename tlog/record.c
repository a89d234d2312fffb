/* The lethe-release/v1 entry (docs/transparency.md "The entry"): one
 * canonical spelling, so that two parties who agree on the values agree on
 * the bytes, hence on the leaf hash. */
#include <string.h>

#include "tlog.h"
#include "tlog_int.h"

const char *const tlog_artifact_names[TLOG_ARTIFACTS] = {
	"zip", "descriptor", "kernel", "initramfs", "uki", "manifest",
};

struct cursor {
	const char *p;     /* the current line */
	size_t len;        /* its length, '\n' excluded */
	const char *next;  /* the line after */
	const char *end;
	unsigned line;     /* 1-based, for messages */
};

/* Advances to the next line; -1 with a message when there is none or it
 * lacks its '\n'. */
static int next_line(struct cursor *c, char *err, size_t errlen)
{
	const char *nl;

	c->line++;
	if (c->next >= c->end)
		return tlog_fail(err, errlen, "record line %u: missing", c->line);
	nl = memchr(c->next, '\n', (size_t)(c->end - c->next));
	if (!nl)
		return tlog_fail(err, errlen, "record line %u: missing final newline", c->line);
	c->p = c->next;
	c->len = (size_t)(nl - c->next);
	c->next = nl + 1;
	return 0;
}

/* Consumes the literal WORD at the start of the line's rest. */
static int take(const char **s, const char *e, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(e - *s) < n || memcmp(*s, word, n) != 0)
		return -1;
	*s += n;
	return 0;
}

/* The token up to the next space or the end of the line. */
static size_t token(const char *s, const char *e)
{
	const char *sp = memchr(s, ' ', (size_t)(e - s));

	return sp ? (size_t)(sp - s) : (size_t)(e - s);
}

static int hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;  /* uppercase is another spelling: refused */
}

static int lowerhex(const char *s, size_t n, size_t want)
{
	size_t i;

	if (n != want)
		return 0;
	for (i = 0; i < n; i++)
		if (hexdigit(s[i]) < 0)
			return 0;
	return 1;
}

static int hex32(const char *s, size_t n, uint8_t out[TLOG_HASH])
{
	size_t i;

	if (!lowerhex(s, n, 2 * TLOG_HASH))
		return -1;
	for (i = 0; i < TLOG_HASH; i++)
		out[i] = (uint8_t)(hexdigit(s[2 * i]) << 4 | hexdigit(s[2 * i + 1]));
	return 0;
}

static int version_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > TLOG_VERSION_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      (c && strchr("._+~-", c))))
			return 0;
	}
	return 1;
}

static int path_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > TLOG_BOOTPATH_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

static int pcr_parse(struct cursor *c, struct tlog_pcr *pcr, char *err, size_t errlen)
{
	const char *s = c->p, *e = c->p + c->len;
	uint64_t idx;
	size_t n;

	if (take(&s, e, "pcr "))
		return tlog_fail(err, errlen, "record line %u: want \"pcr PATH N HEX\"", c->line);
	n = token(s, e);
	if (!path_ok(s, n))
		return tlog_fail(err, errlen, "record line %u: boot path is not 1..%d of [a-z0-9]",
				 c->line, TLOG_BOOTPATH_MAX);
	memcpy(pcr->path, s, n);
	pcr->path[n] = 0;
	s += n;
	if (take(&s, e, " "))
		return tlog_fail(err, errlen, "record line %u: want \"pcr PATH N HEX\"", c->line);
	n = token(s, e);
	if (tlog_u64_parse(s, n, &idx) || idx > 23)
		return tlog_fail(err, errlen, "record line %u: PCR number is not 0..23 in canonical decimal",
				 c->line);
	pcr->index = (uint8_t)idx;
	s += n;
	if (take(&s, e, " ") || hex32(s, (size_t)(e - s), pcr->value))
		return tlog_fail(err, errlen, "record line %u: PCR value is not 64 lowercase hex", c->line);
	return 0;
}

int tlog_record_parse(const uint8_t *p, size_t n, struct tlog_record *r, char *err, size_t errlen)
{
	struct cursor c = { .next = (const char *)p, .end = (const char *)p + n };
	const char *s, *e;
	uint64_t v;
	size_t i;

	if (n > TLOG_RECORD_MAX)
		return tlog_fail(err, errlen, "record: over %d bytes", TLOG_RECORD_MAX);
	/* Every byte is printable ASCII or '\n': a CR, a tab or a NUL fails
	 * here, before any line is looked at. */
	for (i = 0; i < n; i++)
		if ((p[i] < ' ' && p[i] != '\n') || p[i] > '~') {
			for (c.line = 1; c.next < (const char *)p + i; c.next++)
				c.line += *c.next == '\n';
			return tlog_fail(err, errlen, "record line %u: byte 0x%02x is not printable ASCII",
					 c.line, p[i]);
		}
	memset(r, 0, sizeof *r);

	if (next_line(&c, err, errlen))
		return -1;
	if (c.len != strlen("lethe-release/v1") || memcmp(c.p, "lethe-release/v1", c.len))
		return tlog_fail(err, errlen, "record line 1: not \"lethe-release/v1\"");

	if (next_line(&c, err, errlen))
		return -1;
	s = c.p;
	e = c.p + c.len;
	if (take(&s, e, "version ") || !version_ok(s, (size_t)(e - s)))
		return tlog_fail(err, errlen, "record line 2: want \"version V\", V 1..%d of [A-Za-z0-9._+~-]",
				 TLOG_VERSION_MAX);
	memcpy(r->version, s, (size_t)(e - s));

	if (next_line(&c, err, errlen))
		return -1;
	s = c.p;
	e = c.p + c.len;
	if (take(&s, e, "commit ") || !lowerhex(s, (size_t)(e - s), 40))
		return tlog_fail(err, errlen, "record line 3: want \"commit\" and 40 lowercase hex");
	memcpy(r->commit, s, 40);

	if (next_line(&c, err, errlen))
		return -1;
	s = c.p;
	e = c.p + c.len;
	if (take(&s, e, "source-date-epoch ") || tlog_u64_parse(s, (size_t)(e - s), &r->source_date_epoch))
		return tlog_fail(err, errlen, "record line 4: want \"source-date-epoch N\", canonical decimal");

	if (next_line(&c, err, errlen))
		return -1;
	s = c.p;
	e = c.p + c.len;
	if (take(&s, e, "approval-epoch "))
		return tlog_fail(err, errlen, "record line 5: want \"approval-epoch N\" or \"approval-epoch none\"");
	if (e - s == 4 && memcmp(s, "none", 4) == 0) {
		r->has_epoch = 0;
	} else if (tlog_u64_parse(s, (size_t)(e - s), &v) == 0) {
		r->has_epoch = 1;
		r->epoch = v;
	} else {
		return tlog_fail(err, errlen, "record line 5: want \"approval-epoch N\" or \"approval-epoch none\"");
	}

	for (i = 0; i < TLOG_ARTIFACTS; i++) {
		if (next_line(&c, err, errlen))
			return -1;
		s = c.p;
		e = c.p + c.len;
		if (take(&s, e, "sha256 ") || take(&s, e, tlog_artifact_names[i]) || take(&s, e, " ") ||
		    hex32(s, (size_t)(e - s), r->sha256[i]))
			return tlog_fail(err, errlen, "record line %u: want \"sha256 %s\" and 64 lowercase hex",
					 c.line, tlog_artifact_names[i]);
	}

	while (c.next < c.end) {
		struct tlog_pcr *pcr;

		if (r->npcrs == TLOG_RECORD_PCRS_MAX)
			return tlog_fail(err, errlen, "record line %u: more than %d pcr lines", c.line + 1,
					 TLOG_RECORD_PCRS_MAX);
		if (next_line(&c, err, errlen))
			return -1;
		pcr = &r->pcr[r->npcrs];
		if (pcr_parse(&c, pcr, err, errlen))
			return -1;
		if (r->npcrs > 0) {
			const struct tlog_pcr *prev = &r->pcr[r->npcrs - 1];
			int cmp = strcmp(prev->path, pcr->path);

			if (cmp > 0 || (cmp == 0 && prev->index > pcr->index))
				return tlog_fail(err, errlen, "record line %u: pcr lines not sorted by path then number",
						 c.line);
			if (cmp == 0 && prev->index == pcr->index)
				return tlog_fail(err, errlen, "record line %u: duplicate pcr %s %u", c.line,
						 pcr->path, pcr->index);
		}
		r->npcrs++;
	}
	if (r->npcrs == 0)
		return tlog_fail(err, errlen, "record line %u: no pcr line", c.line + 1);
	return 0;
}
