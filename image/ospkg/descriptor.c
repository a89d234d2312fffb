/* Descriptor JSON reader and writer, see descriptor.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "lethe_exit.h"
#include "b64.h"
#include "descriptor.h"
#include "gojson.h"

void descriptor_free(struct descriptor *d)
{
	size_t i;

	for (i = 0; i < d->count; i++) {
		free(d->cert[i].p);
		free(d->sig[i].p);
	}
	free(d->url);
	memset(d, 0, sizeof *d);
}

static int is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int descriptor_url_check(const char *url, size_t n, struct tool_err *e)
{
	size_t i, colon = n;

	if (n > DESC_URL_MAX)
		return err_set(e, LETHE_EXIT_USAGE, "os_pkg_url is longer than %u bytes", DESC_URL_MAX);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)url[i];

		if (c <= 0x20 || c >= 0x7f)
			return err_set(e, LETHE_EXIT_USAGE,
				"os_pkg_url has byte 0x%02x at offset %zu (only printable ASCII without spaces)",
				c, i);
		if (c == '%' && (n - i < 3 || !is_hex((unsigned char)url[i + 1]) ||
			!is_hex((unsigned char)url[i + 2])))
			return err_set(e, LETHE_EXIT_USAGE, "os_pkg_url has a malformed %%-escape at offset %zu", i);
	}
	/* RFC 3986 section 4.2: a ':' before the first '/', '?' or '#' ends a
	 * scheme; without one the reference is relative and stboot resolves it
	 * against the descriptor's own URL. */
	for (i = 0; i < n; i++) {
		if (url[i] == '/' || url[i] == '?' || url[i] == '#')
			break;
		if (url[i] == ':') {
			colon = i;
			break;
		}
	}
	if (colon == n)
		return 0;
	if (!(colon == 4 && !strncasecmp(url, "http", 4)) &&
	    !(colon == 5 && !strncasecmp(url, "https", 5))) {
		for (i = 0; i < colon; i++)
			if (!is_alpha((unsigned char)url[i]) &&
			    !(i && ((url[i] >= '0' && url[i] <= '9') || url[i] == '+' ||
				    url[i] == '-' || url[i] == '.')))
				return err_set(e, LETHE_EXIT_USAGE,
					"os_pkg_url has a colon in its first path segment");
		return err_set(e, LETHE_EXIT_USAGE, "os_pkg_url scheme is not http or https");
	}
	if (n - colon < 4 || url[colon + 1] != '/' || url[colon + 2] != '/' ||
	    url[colon + 3] == '/' || url[colon + 3] == '?' || url[colon + 3] == '#')
		return err_set(e, LETHE_EXIT_USAGE, "os_pkg_url has no host");
	return 0;
}

int descriptor_init(struct descriptor *d, const char *url, struct tool_err *e)
{
	int rc;

	memset(d, 0, sizeof *d);
	rc = descriptor_url_check(url, strlen(url), e);
	if (rc)
		return rc;
	d->url = strdup(url);
	if (!d->url)
		return err_sys(e, ENOMEM, "unable to build descriptor");
	return 0;
}

static int blob_dup(struct desc_blob *b, const uint8_t *p, size_t n)
{
	b->p = malloc(n ? n : 1);
	if (!b->p)
		return -1;
	if (n)
		memcpy(b->p, p, n);
	b->n = n;
	return 0;
}

int descriptor_add(struct descriptor *d, const uint8_t *cert, size_t cn, const uint8_t *sig,
	size_t sn, struct tool_err *e)
{
	struct desc_blob c, s;

	if (d->count >= DESC_MAX_SIGS)
		return err_set(e, LETHE_EXIT_USAGE, "descriptor already has %u signatures",
			DESC_MAX_SIGS);
	if (blob_dup(&c, cert, cn) < 0)
		return err_sys(e, ENOMEM, "unable to add signature");
	if (blob_dup(&s, sig, sn) < 0) {
		free(c.p);
		return err_sys(e, ENOMEM, "unable to add signature");
	}
	d->cert[d->count] = c;
	d->sig[d->count] = s;
	d->count++;
	return 0;
}

/* Decodes the "certificates" or "signatures" value: null or an array of
 * base64 strings.  Fills out[0..*count). */
static int parse_b64_array(json_t *v, const char *key, struct desc_blob *out, size_t *count,
	struct tool_err *e)
{
	size_t i, n;

	*count = 0;
	if (json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return err_set(e, LETHE_EXIT_USAGE, "descriptor %s is neither null nor an array", key);
	n = json_array_size(v);
	if (n > DESC_MAX_SIGS)
		return err_set(e, LETHE_EXIT_USAGE, "descriptor %s has %zu entries (at most %u)",
			key, n, DESC_MAX_SIGS);
	for (i = 0; i < n; i++) {
		json_t *s = json_array_get(v, i);

		if (!json_is_string(s))
			return err_set(e, LETHE_EXIT_USAGE, "descriptor %s[%zu] is not a string", key, i);
		if (b64_decode(json_string_value(s), json_string_length(s), &out[i].p,
			&out[i].n) < 0) {
			if (errno == ENOMEM)
				return err_sys(e, errno, "unable to decode descriptor %s[%zu]", key, i);
			return err_set(e, LETHE_EXIT_USAGE,
				"descriptor %s[%zu] is not canonical padded standard base64", key, i);
		}
		*count = i + 1;
	}
	return 0;
}

int descriptor_parse(const uint8_t *p, size_t n, struct descriptor *d, struct tool_err *e)
{
	struct desc_blob *certs = NULL, *sigs = NULL;
	size_t ncert = 0, nsig = 0, i;
	json_t *root, *v, *jv = NULL, *ju = NULL, *jc = NULL, *js = NULL;
	json_error_t jerr;
	const char *key;
	int rc = 0;

	memset(d, 0, sizeof *d);
	if (n > DESC_MAX_BYTES)
		return err_set(e, LETHE_EXIT_USAGE, "descriptor is larger than %u bytes",
			DESC_MAX_BYTES);
	root = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return err_set(e, LETHE_EXIT_USAGE, "descriptor is not JSON: line %d column %d: %s",
			jerr.line, jerr.column, jerr.text);
	if (!json_is_object(root)) {
		rc = err_set(e, LETHE_EXIT_USAGE, "descriptor is not a JSON object");
		goto out;
	}
	json_object_foreach(root, key, v) {
		if (!strcmp(key, "version")) {
			jv = v;
		} else if (!strcmp(key, "os_pkg_url")) {
			ju = v;
		} else if (!strcmp(key, "certificates")) {
			jc = v;
		} else if (!strcmp(key, "signatures")) {
			js = v;
		} else {
			char q[80];

			rc = err_set(e, LETHE_EXIT_USAGE, "descriptor has unknown key \"%s\"",
				err_quote(q, sizeof q, key, strlen(key)));
			goto out;
		}
	}
	if (!jv || !ju || !jc || !js) {
		rc = err_set(e, LETHE_EXIT_USAGE, "descriptor lacks \"%s\"",
			!jv ? "version" : !ju ? "os_pkg_url" : !jc ? "certificates" : "signatures");
		goto out;
	}
	if (!json_is_integer(jv) || json_integer_value(jv) != DESC_VERSION) {
		rc = err_set(e, LETHE_EXIT_USAGE, "descriptor version is not the integer 1");
		goto out;
	}
	if (!json_is_string(ju)) {
		rc = err_set(e, LETHE_EXIT_USAGE, "descriptor os_pkg_url is not a string");
		goto out;
	}
	rc = descriptor_url_check(json_string_value(ju), json_string_length(ju), e);
	if (rc)
		goto out;
	certs = calloc(DESC_MAX_SIGS, sizeof *certs);
	sigs = calloc(DESC_MAX_SIGS, sizeof *sigs);
	if (!certs || !sigs) {
		rc = err_sys(e, ENOMEM, "unable to parse descriptor");
		goto out;
	}
	rc = parse_b64_array(jc, "certificates", certs, &ncert, e);
	if (!rc)
		rc = parse_b64_array(js, "signatures", sigs, &nsig, e);
	if (rc)
		goto out;
	if (ncert != nsig) {
		rc = err_set(e, LETHE_EXIT_USAGE,
			"descriptor has %zu certificates but %zu signatures", ncert, nsig);
		goto out;
	}
	d->url = strdup(json_string_value(ju));
	if (!d->url) {
		rc = err_sys(e, ENOMEM, "unable to parse descriptor");
		goto out;
	}
	for (i = 0; i < ncert; i++) {
		d->cert[i] = certs[i];
		d->sig[i] = sigs[i];
	}
	d->count = ncert;
	ncert = nsig = 0;
out:
	for (i = 0; certs && i < ncert; i++)
		free(certs[i].p);
	for (i = 0; sigs && i < nsig; i++)
		free(sigs[i].p);
	free(certs);
	free(sigs);
	json_decref(root);
	return rc;
}

static int render_array(struct buf *out, const char *key, const struct desc_blob *b,
	size_t n, int last)
{
	size_t i;

	if (buf_puts(out, "  \"") < 0 || buf_puts(out, key) < 0 || buf_puts(out, "\": ") < 0)
		return -1;
	if (!n) {
		if (buf_puts(out, "null") < 0)
			return -1;
	} else {
		if (buf_puts(out, "[\n") < 0)
			return -1;
		for (i = 0; i < n; i++) {
			if (buf_puts(out, "    \"") < 0 || b64_encode(b[i].p, b[i].n, out) < 0 ||
			    buf_puts(out, i + 1 < n ? "\",\n" : "\"\n") < 0)
				return -1;
		}
		if (buf_puts(out, "  ]") < 0)
			return -1;
	}
	return buf_puts(out, last ? "\n" : ",\n");
}

int descriptor_render(const struct descriptor *d, struct buf *out, struct tool_err *e)
{
	size_t mark = out->len;
	const char *url = d->url ? d->url : "";

	if (buf_puts(out, "{\n  \"version\": 1,\n  \"os_pkg_url\": ") < 0)
		goto nomem;
	if (gojson_append_string(out, (const uint8_t *)url, strlen(url)) < 0) {
		out->len = mark;
		if (errno == EILSEQ)
			return err_set(e, LETHE_EXIT_USAGE, "os_pkg_url is not valid UTF-8");
		return err_sys(e, errno, "unable to render descriptor");
	}
	if (buf_puts(out, ",\n") < 0 ||
	    render_array(out, "certificates", d->cert, d->count, 0) < 0 ||
	    render_array(out, "signatures", d->sig, d->count, 1) < 0 || buf_puts(out, "}\n") < 0)
		goto nomem;
	return 0;
nomem:
	out->len = mark;
	return err_sys(e, ENOMEM, "unable to render descriptor");
}
