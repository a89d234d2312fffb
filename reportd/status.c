/* status.c: the operator's view of db.c's rows (status.h).  The JSON was
 * checked when it came in (report.c); it is read again defensively all
 * the same, and every word printed stays one token. */
#include <string.h>

#include <jansson.h>

#include "db.h"
#include "status.h"

/* s as one token: printable non-space ASCII, '?' for anything else; "-"
 * for NULL or empty. */
static void status_word(FILE *out, const char *s)
{
	if (!s || !*s) {
		fputc('-', out);
		return;
	}
	for (; *s; s++)
		fputc(*s > 0x20 && *s < 0x7f ? *s : '?', out);
}

/* s in double quotes, '"' and '\' escaped, other bytes than printable
 * ASCII as '?'. */
static void status_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(reportd_printable((unsigned char)*s) ? *s : '?', out);
	}
	fputc('"', out);
}

static const char *status_string(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int status_line(void *ctx, const char *node, long long received, const char *json, struct reportd_err *err)
{
	FILE *out = ctx;
	json_t *r = json_loads(json, 0, NULL), *inst;
	const char *error;
	long long restarts = 0;
	size_t i, up = 0, n;

	if (!json_is_object(r)) {
		json_decref(r);
		return reportd_fail(err, "db: the report of %.64s is not a JSON object", node);
	}
	n = json_array_size(json_object_get(r, "instances"));
	for (i = 0; i < n; i++) {
		inst = json_array_get(json_object_get(r, "instances"), i);
		up += status_string(inst, "state") && !strcmp(status_string(inst, "state"), "up");
		restarts += json_integer_value(json_object_get(inst, "restarts"));
	}
	error = status_string(r, "stage_error");
	if (!error || !*error)
		error = status_string(r, "last_error");
	status_word(out, node);
	fputs(" image=", out);
	status_word(out, status_string(r, "image"));
	fprintf(out, " up=%zu/%zu restarts=%lld report=%lld stage=", up, n, restarts, received);
	status_word(out, status_string(r, "stage"));
	fputs(" unseal=", out);
	status_word(out, status_string(json_object_get(r, "unseal"), "result"));
	fprintf(out, " mismatch=%d error=", json_is_true(json_object_get(r, "image_mismatch")));
	status_quoted(out, error);
	fputc('\n', out);
	json_decref(r);
	return 0;
}

int status_print(sqlite3 *db, FILE *out, struct reportd_err *err)
{
	return db_each_newest(db, status_line, out, err);
}

struct status_report_ctx {
	FILE *out;
	long found;
};

static int status_report_line(void *ctx, const char *node, long long received, const char *json,
			      struct reportd_err *err)
{
	struct status_report_ctx *c = ctx;

	(void)node;
	(void)received;
	(void)err;
	/* report_check's compact JSON: one line */
	fprintf(c->out, "%s\n", json);
	c->found++;
	return 0;
}

int status_report(sqlite3 *db, const char *node, int history, FILE *out, long *found, struct reportd_err *err)
{
	struct status_report_ctx c = {out, 0};
	int rc = db_each_report(db, node, history, status_report_line, &c, err);

	*found = c.found;
	return rc;
}

static int status_log_line(void *ctx, const char *line, struct reportd_err *err)
{
	(void)err;
	fprintf(ctx, "%s\n", line);
	return 0;
}

int status_logs(sqlite3 *db, const char *node, long tail, FILE *out, struct reportd_err *err)
{
	return db_each_line(db, node, tail, status_log_line, out, err);
}
