/* manifest.json writer and parser, see manifest.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lethe_exit.h"
#include "gojson.h"
#include "manifest.h"

/* Appends "  \"key\": <string>" with Go escaping. */
static int render_field(struct buf *out, const char *key, const char *val, size_t max,
	int last, struct tool_err *e)
{
	size_t n = strlen(val);

	if (n > max)
		return err_set(e, LETHE_EXIT_USAGE, "%s is longer than %zu bytes", key, max);
	if (buf_puts(out, "  \"") < 0 || buf_puts(out, key) < 0 || buf_puts(out, "\": ") < 0)
		goto nomem;
	if (gojson_append_string(out, (const uint8_t *)val, n) < 0) {
		if (errno == EILSEQ)
			return err_set(e, LETHE_EXIT_USAGE, "%s is not valid UTF-8", key);
		goto nomem;
	}
	if (buf_puts(out, last ? "\n" : ",\n") < 0)
		goto nomem;
	return 0;
nomem:
	return err_sys(e, ENOMEM, "unable to render manifest");
}

int manifest_render(const struct manifest *m, struct buf *out, struct tool_err *e)
{
	size_t mark = out->len;
	int rc;

	if (buf_puts(out, "{\n  \"version\": 1,\n") < 0) {
		rc = err_sys(e, ENOMEM, "unable to render manifest");
		goto fail;
	}
	rc = render_field(out, "label", m->label, MANIFEST_LABEL_MAX, 0, e);
	if (!rc)
		rc = render_field(out, "kernel", m->kernel, ZIP_NAME_MAX, 0, e);
	if (!rc)
		rc = render_field(out, "initramfs", m->initramfs, ZIP_NAME_MAX, 0, e);
	if (!rc)
		rc = render_field(out, "cmdline", m->cmdline, MANIFEST_CMDLINE_MAX, 1, e);
	if (!rc && buf_putc(out, '}') < 0)
		rc = err_sys(e, ENOMEM, "unable to render manifest");
	if (!rc)
		return 0;
fail:
	out->len = mark;
	return rc;
}

void manifest_free(struct manifest *m)
{
	free(m->label);
	free(m->kernel);
	free(m->initramfs);
	free(m->cmdline);
	memset(m, 0, sizeof *m);
}

/* Copies the string value v of key into *dst, checking type and limits. */
static int take_string(json_t *v, const char *key, size_t max, int nonempty, char **dst,
	struct tool_err *e)
{
	size_t n;

	if (!json_is_string(v))
		return err_set(e, LETHE_EXIT_USAGE, "manifest %s is not a string", key);
	n = json_string_length(v);
	if (n > max)
		return err_set(e, LETHE_EXIT_USAGE, "manifest %s is longer than %zu bytes", key, max);
	if (nonempty && n == 0)
		return err_set(e, LETHE_EXIT_USAGE, "manifest %s is empty", key);
	free(*dst);
	*dst = malloc(n + 1);
	if (!*dst)
		return err_sys(e, ENOMEM, "unable to parse manifest");
	/* jansson refuses \u0000 unless JSON_ALLOW_NUL, so n is strlen too. */
	memcpy(*dst, json_string_value(v), n + 1);
	return 0;
}

int manifest_parse(const uint8_t *p, size_t n, struct manifest *m, struct tool_err *e)
{
	json_error_t jerr;
	json_t *root, *v;
	const char *key;
	int rc = 0, have_version = 0;

	memset(m, 0, sizeof *m);
	if (n > MANIFEST_MAX_BYTES)
		return err_set(e, LETHE_EXIT_USAGE, "manifest is larger than %u bytes",
			MANIFEST_MAX_BYTES);
	root = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return err_set(e, LETHE_EXIT_USAGE, "manifest is not JSON: line %d column %d: %s",
			jerr.line, jerr.column, jerr.text);
	if (!json_is_object(root)) {
		rc = err_set(e, LETHE_EXIT_USAGE, "manifest is not a JSON object");
		goto out;
	}
	json_object_foreach(root, key, v) {
		if (!strcmp(key, "version")) {
			if (!json_is_integer(v) || json_integer_value(v) != MANIFEST_VERSION) {
				rc = err_set(e, LETHE_EXIT_USAGE, "manifest version is not the integer 1");
				goto out;
			}
			have_version = 1;
		} else if (!strcmp(key, "label")) {
			rc = take_string(v, key, MANIFEST_LABEL_MAX, 0, &m->label, e);
		} else if (!strcmp(key, "kernel")) {
			rc = take_string(v, key, ZIP_NAME_MAX, 1, &m->kernel, e);
		} else if (!strcmp(key, "initramfs")) {
			rc = take_string(v, key, ZIP_NAME_MAX, 1, &m->initramfs, e);
		} else if (!strcmp(key, "cmdline")) {
			rc = take_string(v, key, MANIFEST_CMDLINE_MAX, 0, &m->cmdline, e);
		} else {
			char q[80];

			rc = err_set(e, LETHE_EXIT_USAGE, "manifest has unknown key \"%s\"",
				err_quote(q, sizeof q, key, strlen(key)));
		}
		if (rc)
			goto out;
	}
	if (!have_version)
		rc = err_set(e, LETHE_EXIT_USAGE, "manifest has no version");
	else if (!m->kernel)
		rc = err_set(e, LETHE_EXIT_USAGE, "manifest has no kernel");
	else if (!m->initramfs)
		rc = err_set(e, LETHE_EXIT_USAGE, "manifest has no initramfs");
	if (rc)
		goto out;
	if (!m->label && !(m->label = strdup("")))
		rc = err_sys(e, ENOMEM, "unable to parse manifest");
	else if (!m->cmdline && !(m->cmdline = strdup("")))
		rc = err_sys(e, ENOMEM, "unable to parse manifest");
out:
	json_decref(root);
	if (rc)
		manifest_free(m);
	return rc;
}

/* The entry the manifest names must be a non-empty file: stboot refuses
 * to boot an empty kernel or initramfs. */
static int check_boot_file(const struct zip_archive *za, const char *key, const char *name,
	struct tool_err *e)
{
	const struct zip_entry *ent = zip_find(za, name);
	char q[80];

	if (!ent)
		return err_set(e, LETHE_EXIT_USAGE, "manifest %s \"%s\" is not in the archive", key,
			err_quote(q, sizeof q, name, strlen(name)));
	if (ent->is_dir || ent->size == 0)
		return err_set(e, LETHE_EXIT_USAGE, "manifest %s \"%s\" is %s", key, ent->name,
			ent->is_dir ? "a directory" : "empty");
	return 0;
}

int manifest_check_archive(const uint8_t *buf, const struct zip_archive *za,
	struct manifest *m, struct tool_err *e)
{
	const struct zip_entry *ent = zip_find(za, MANIFEST_NAME);
	int rc;

	memset(m, 0, sizeof *m);
	if (!ent)
		return err_set(e, LETHE_EXIT_USAGE, "archive has no %s", MANIFEST_NAME);
	rc = manifest_parse(buf + ent->data_off, ent->size, m, e);
	if (rc)
		return rc;
	rc = check_boot_file(za, "kernel", m->kernel, e);
	if (!rc)
		rc = check_boot_file(za, "initramfs", m->initramfs, e);
	if (rc)
		manifest_free(m);
	return rc;
}
