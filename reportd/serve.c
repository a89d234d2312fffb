/* serve.c: the routes nginx passes POST /v1/report and POST /v1/logs to,
 * served one request at a time by fleetsrv's loop (srv_fcgi.h): a report
 * is a parse and one SQLite transaction; a log batch at most 64 KiB of
 * lines.
 *
 * Routed on DOCUMENT_URI, nginx's normalized path without the query.  The
 * node is LETHE_NODE, which nginx sets from the verified client
 * certificate, never from the request.  One line on stderr per request:
 * "reportd: ROUTE NODE: STATUS REASON", never the body. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <fcgiapp.h>

#include "db.h"
#include "logs.h"
#include "report.h"
#include "serve.h"
#include "srv_fcgi.h"

/* What a request came to: its status and a one-line reason. */
struct serve_answer {
	int status;
	char reason[sizeof(struct reportd_err)];
};

static int serve_set(struct serve_answer *a, int status, const char *reason)
{
	a->status = status;
	snprintf(a->reason, sizeof a->reason, "%s", reason);
	return status;
}

static void serve_reply(FCGX_Request *r, const struct serve_answer *a)
{
	/* A database error's detail is for the log, not for the node. */
	srv_fcgi_reply(r, a->status, a->status == 500 ? "internal error" : a->reason);
}

/* The body, at most max bytes, into buf (max bytes): 0 and *len, or the
 * status of the answer. */
static int serve_body(FCGX_Request *r, char *buf, long max, long *len, struct serve_answer *a)
{
	*len = srv_fcgi_length(r);
	if (*len < 0)
		return serve_set(a, 400, "content length required");
	if (*len > max)
		return serve_set(a, 413, "body too large");
	if (FCGX_GetStr(buf, (int)*len, r->in) != (int)*len)
		return serve_set(a, 400, "body shorter than its length");
	return 0;
}

/* The buffer of a request's body: one request at a time. */
static char serve_buf[LETHE_LOGS_BATCH_MAX > LETHE_REPORT_MAX ? LETHE_LOGS_BATCH_MAX : LETHE_REPORT_MAX];

/* POST /v1/report. */
static void serve_report(FCGX_Request *r, const struct serve_conf *conf, const char *node, struct serve_answer *a)
{
	struct reportd_err err = {{0}};
	struct report_meta meta;
	char *json = NULL;
	long len;
	long long newest_seq = 0;
	int kept = 0;

	if (serve_body(r, serve_buf, LETHE_REPORT_MAX, &len, a))
		return;
	if (report_check(serve_buf, (size_t)len, &meta, &json, &err)) {
		serve_set(a, 400, err.msg);
		goto out;
	}
	if (strcmp(meta.node, node)) {
		serve_set(a, 403, "report: node is not this certificate's node");
		goto out;
	}
	if (db_report_add(conf->db, &meta, json, time(NULL), &kept, &newest_seq, &err)) {
		serve_set(a, 500, err.msg);
		goto out;
	}
	a->status = 204;
	if (kept)
		snprintf(a->reason, sizeof a->reason, "kept seq %lld", meta.seq);
	else
		snprintf(a->reason, sizeof a->reason, "not kept: seq %lld of this boot is not after %lld", meta.seq,
			 newest_seq);
out:
	free(json);
}

/* POST /v1/logs. */
static void serve_logs(FCGX_Request *r, const struct serve_conf *conf, const char *node, struct serve_answer *a)
{
	struct reportd_err err = {{0}};
	size_t lines;
	long len;

	if (serve_body(r, serve_buf, LETHE_LOGS_BATCH_MAX, &len, a))
		return;
	if (logs_check(serve_buf, (size_t)len, &lines, &err)) {
		serve_set(a, 400, err.msg);
		return;
	}
	if (db_logs_add(conf->db, node, serve_buf, (size_t)len, time(NULL), &err)) {
		serve_set(a, 500, err.msg);
		return;
	}
	a->status = 204;
	snprintf(a->reason, sizeof a->reason, "kept %zu lines", lines);
}

static const struct {
	const char *path, *name;
	void (*run)(FCGX_Request *, const struct serve_conf *, const char *, struct serve_answer *);
} serve_routes[] = {
	{LETHE_REPORT_PATH, "report", serve_report},
	{LETHE_LOGS_PATH, "logs", serve_logs},
};

static void serve_one(FCGX_Request *r, const void *ctx)
{
	const struct serve_conf *conf = ctx;
	const char *method = FCGX_GetParam("REQUEST_METHOD", r->envp);
	const char *uri = FCGX_GetParam("DOCUMENT_URI", r->envp);
	const char *node = FCGX_GetParam("LETHE_NODE", r->envp);
	struct serve_answer a = {0, ""};
	char where[REPORTD_NODE_HEX + 1] = "-";
	size_t i, n = sizeof serve_routes / sizeof serve_routes[0];

	for (i = 0; i < n; i++)
		if (uri && !strcmp(uri, serve_routes[i].path))
			break;
	if (i == n)
		serve_set(&a, 404, "not found");
	else if (!method || strcmp(method, "POST"))
		serve_set(&a, 405, "method not allowed");
	else if (!node || reportd_node_valid(node))
		serve_set(&a, 403, "no verified node certificate");
	else {
		memcpy(where, node, sizeof where);
		serve_routes[i].run(r, conf, node, &a);
	}
	fprintf(stderr, "reportd: %s %s: %d %s\n", i < n ? serve_routes[i].name : "-", where, a.status, a.reason);
	serve_reply(r, &a);
}

int serve_run(const struct serve_conf *conf)
{
	return srv_fcgi_run("reportd", conf->socket_path, serve_one, conf);
}
