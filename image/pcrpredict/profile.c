/* Platform profile parser, see profile.h. */
#include <string.h>

#include "lethe_exit.h"
#include "profile.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Next whitespace-separated field of [*p, end); NULL at the end or at '#'. */
static const char *field(const char **p, const char *end, size_t *len)
{
	const char *s = *p;

	while (s < end && is_space(*s))
		s++;
	if (s == end || *s == '#') {
		*p = end;
		return NULL;
	}
	*p = s;
	while (*p < end && !is_space(**p))
		(*p)++;
	*len = (size_t)(*p - s);
	return s;
}

static int parse_line(const char *s, const char *end, unsigned lineno, struct profile *pr,
	struct tool_err *e)
{
	const char *f, *p = s;
	size_t len;
	unsigned pcr = 0, i;
	struct profile_pcr *d;
	uint8_t dg[PCR_BYTES];

	f = field(&p, end, &len);
	if (!f)
		return 0;
	if (len > 2)
		goto bad_pcr;
	for (i = 0; i < len; i++) {
		if (f[i] < '0' || f[i] > '9' || (len == 2 && f[0] == '0'))
			goto bad_pcr;
		pcr = pcr * 10 + (unsigned)(f[i] - '0');
	}
	if (pcr >= PROFILE_PCRS)
		goto bad_pcr;
	d = &pr->pcr[pcr];
	f = field(&p, end, &len);
	if (!f)
		return err_set(e, LETHE_EXIT_USAGE, "line %u: missing 'extend' or 'value'", lineno);
	if (len == 6 && !memcmp(f, "extend", 6)) {
		if (d->has_value)
			return err_set(e, LETHE_EXIT_USAGE, "line %u: PCR %u has a value already",
				lineno, pcr);
		if (d->nevents >= PROFILE_EVENTS_MAX)
			return err_set(e, LETHE_EXIT_USAGE, "line %u: over %u events for PCR %u",
				lineno, PROFILE_EVENTS_MAX, pcr);
		f = field(&p, end, &len);
		if (!f || pcr_parse_hex(f, len, dg) < 0)
			goto bad_hex;
		memcpy(d->events[d->nevents++], dg, PCR_BYTES);
	} else if (len == 5 && !memcmp(f, "value", 5)) {
		if (d->has_value || d->nevents)
			return err_set(e, LETHE_EXIT_USAGE, "line %u: PCR %u given twice", lineno, pcr);
		f = field(&p, end, &len);
		if (!f || pcr_parse_hex(f, len, dg) < 0)
			goto bad_hex;
		memcpy(d->value, dg, PCR_BYTES);
		d->has_value = 1;
	} else {
		return err_set(e, LETHE_EXIT_USAGE, "line %u: expected 'extend' or 'value'", lineno);
	}
	/* Anything after the digest is a comment (an event's description). */
	return 0;
bad_pcr:
	return err_set(e, LETHE_EXIT_USAGE, "line %u: PCR must be 0..%u", lineno, PROFILE_PCRS - 1);
bad_hex:
	return err_set(e, LETHE_EXIT_USAGE, "line %u: expected 64 hex digits", lineno);
}

int profile_parse(const char *text, size_t n, struct profile *pr, struct tool_err *e)
{
	const char *p = text, *end = text + n;
	unsigned lineno = 0;

	memset(pr, 0, sizeof *pr);
	if (n > PROFILE_BYTES_MAX)
		return err_set(e, LETHE_EXIT_USAGE, "over %u bytes", PROFILE_BYTES_MAX);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *q;
		const char *le = nl ? nl : end;
		int rc;

		lineno++;
		if ((size_t)(le - p) > PROFILE_LINE_MAX)
			return err_set(e, LETHE_EXIT_USAGE, "line %u: over %u bytes", lineno,
				PROFILE_LINE_MAX);
		for (q = p; q < le; q++)
			if ((unsigned char)*q < 0x20 && *q != '\t')
				return err_set(e, LETHE_EXIT_USAGE, "line %u: control character", lineno);
			else if ((unsigned char)*q >= 0x7f)
				return err_set(e, LETHE_EXIT_USAGE, "line %u: not ASCII", lineno);
		rc = parse_line(p, le, lineno, pr, e);
		if (rc)
			return rc;
		p = nl ? nl + 1 : end;
	}
	if (!lineno)
		return err_set(e, LETHE_EXIT_USAGE, "empty profile");
	return 0;
}

void profile_start(const struct profile *pr, unsigned pcr, uint8_t out[PCR_BYTES])
{
	const struct profile_pcr *d = &pr->pcr[pcr];
	unsigned i;

	if (d->has_value) {
		memcpy(out, d->value, PCR_BYTES);
		return;
	}
	memset(out, 0, PCR_BYTES);
	for (i = 0; i < d->nevents; i++)
		pcr_extend(out, d->events[i]);
}
