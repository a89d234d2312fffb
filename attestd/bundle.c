/* bundle.c: splitting an enrollment's text into its attest-* fields.  The
 * rest of the enrollment (node id, CSR) is scripts/fleet's business and is
 * skipped here; an attest-* line we do not know is refused, so that a newer
 * node cannot slip in evidence this verifier silently ignores. */
#include <string.h>

#include "tlog.h"
#include "bundle.h"

#define PREFIX "attest-"

static const struct {
	const char *name;
	size_t off, cap;
} fields[BUNDLE_FIELDS] = {
	[BUNDLE_EK_CERT] = {LETHE_ATTEST_LINE_EK_CERT, offsetof(struct bundle, ek_cert), ATTESTD_EKCERT_MAX},
	[BUNDLE_EK_PUBLIC] = {LETHE_ATTEST_LINE_EK_PUBLIC, offsetof(struct bundle, ek_public), sizeof(TPM2B_PUBLIC)},
	[BUNDLE_AK_PUBLIC] = {LETHE_ATTEST_LINE_AK_PUBLIC, offsetof(struct bundle, ak_public), sizeof(TPM2B_PUBLIC)},
	[BUNDLE_TLS_PUBLIC] = {LETHE_ATTEST_LINE_TLS_PUBLIC, offsetof(struct bundle, tls_public), sizeof(TPM2B_PUBLIC)},
	[BUNDLE_CERTIFY] = {LETHE_ATTEST_LINE_CERTIFY, offsetof(struct bundle, certify), sizeof(TPM2B_ATTEST)},
	[BUNDLE_CERTIFY_SIG] = {LETHE_ATTEST_LINE_CERTIFY_SIG, offsetof(struct bundle, certify_sig), sizeof(TPMT_SIGNATURE)},
};

const char *bundle_field_name(enum bundle_field f)
{
	return fields[f].name;
}

const uint8_t *bundle_field_bytes(const struct bundle *b, enum bundle_field f)
{
	return (const uint8_t *)b + fields[f].off;
}

/* One attest-* line (without its newline): the name, ": ", the value. */
static int bundle_line(const char *line, size_t n, struct bundle *b, uint8_t seen[BUNDLE_FIELDS],
		       struct attest_err *err)
{
	const char *sep = memchr(line, ':', n);
	size_t name_len;
	int f;

	if (!sep || (size_t)(sep - line) + 2 > n || sep[1] != ' ')
		return attest_fail(err, "bundle: malformed attest line (want 'attest-NAME: BASE64')");
	name_len = (size_t)(sep - line);
	for (f = 0; f < BUNDLE_FIELDS; f++)
		if (strlen(fields[f].name) == name_len && !memcmp(fields[f].name, line, name_len))
			break;
	if (f == BUNDLE_FIELDS)
		return attest_fail(err, "bundle: unknown line %.*s", (int)(name_len > 40 ? 40 : name_len), line);
	if (seen[f])
		return attest_fail(err, "bundle: %s given twice", fields[f].name);
	seen[f] = 1;
	if (tlog_b64_decode(sep + 2, n - name_len - 2, (uint8_t *)b + fields[f].off, fields[f].cap, &b->len[f]))
		return attest_fail(err, "bundle: %s is not base64 of at most %zu bytes", fields[f].name,
				   fields[f].cap);
	return 0;
}

int bundle_parse(const char *text, size_t len, struct bundle *b, struct attest_err *err)
{
	uint8_t seen[BUNDLE_FIELDS] = {0};
	size_t pos = 0;
	int f;

	memset(b->len, 0, sizeof b->len);
	if (len > ATTESTD_BUNDLE_MAX)
		return attest_fail(err, "bundle: larger than %d bytes", ATTESTD_BUNDLE_MAX);
	if (memchr(text, '\0', len))
		return attest_fail(err, "bundle: contains a NUL byte");
	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;

		pos += n + (nl ? 1 : 0);
		if (n && line[n - 1] == '\r')
			n--;
		if (n < strlen(PREFIX) || memcmp(line, PREFIX, strlen(PREFIX)))
			continue;
		if (bundle_line(line, n, b, seen, err))
			return -1;
	}
	for (f = 0; f < BUNDLE_FIELDS; f++)
		if (!seen[f])
			return attest_fail(err, "bundle: no %s line", fields[f].name);
	return 0;
}
