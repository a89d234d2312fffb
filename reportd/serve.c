/* serve.c: the routes nginx passes POST /v1/report, POST /v1/logs and
 * GET or PUT /v1/state to, served one request at a time by fleetsrv's loop
 * (srv_fcgi.h): a report is a parse and one SQLite transaction; a log
 * batch at most 64 KiB of lines; a state blob at most
 * LETHE_STATE_BLOB_MAX bytes, kept or answered whole.
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
#include "torstate.h"

/* What a request came to: its status and a one-line reason; sent when
 * the route wrote its reply itself (a state blob). */
struct serve_answer {
	int status;
	int sent;
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

/* The buffer of a request's body, or of a state blob answered: one
 * request at a time. */
#define SERVE_MAX2(a, b) ((a) > (b) ? (a) : (b))
static char serve_buf[SERVE_MAX2(SERVE_MAX2(LETHE_LOGS_BATCH_MAX, LETHE_REPORT_MAX), LETHE_STATE_BLOB_MAX)];

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

/* PUT /v1/state: the node's blob replaces the one kept.  reportd checks
 * what it can read, the header (torstate.h); the rest is ciphertext. */
static void serve_state_put(FCGX_Request *r, const struct serve_conf *conf, const char *node, struct serve_answer *a)
{
	struct reportd_err err = {{0}};
	struct state_meta meta;
	long len;
	int st;

	if (serve_body(r, serve_buf, LETHE_STATE_BLOB_MAX, &len, a))
		return;
	st = torstate_check((const unsigned char *)serve_buf, (size_t)len, node, &meta, &err);
	if (st) {
		serve_set(a, st, err.msg);
		return;
	}
	if (db_state_put(conf->db, node, serve_buf, (size_t)len, &meta, time(NULL), &err)) {
		serve_set(a, 500, err.msg);
		return;
	}
	a->status = 204;
	snprintf(a->reason, sizeof a->reason, "kept counter %llu, %ld bytes", (unsigned long long)meta.counter, len);
}

/* GET /v1/state: the node's blob as it was PUT, or 404. */
static void serve_state_get(FCGX_Request *r, const struct serve_conf *conf, const char *node, struct serve_answer *a)
{
	struct reportd_err err = {{0}};
	size_t len = 0;
	int found = db_state_get(conf->db, node, serve_buf, sizeof serve_buf, &len, &err);

	if (found < 0) {
		serve_set(a, 500, err.msg);
		return;
	}
	if (!found) {
		serve_set(a, 404, "no state kept for this node");
		return;
	}
	/* libfcgi's own printf knows no %zu */
	FCGX_FPrintF(r->out,
		     "Status: 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %lu\r\n"
		     "Cache-Control: no-store\r\n\r\n",
		     (unsigned long)len);
	FCGX_PutStr(serve_buf, (int)len, r->out);
	a->status = 200;
	a->sent = 1;
	snprintf(a->reason, sizeof a->reason, "sent %zu bytes", len);
}

static void serve_state(FCGX_Request *r, const struct serve_conf *conf, const char *node, struct serve_answer *a)
{
	const char *method = FCGX_GetParam("REQUEST_METHOD", r->envp);

	if (!strcmp(method, "PUT"))
		serve_state_put(r, conf, node, a);
	else
		serve_state_get(r, conf, node, a);
}

/* methods: the ones the route answers, space-separated; allow: the same
 * for a 405's Allow header. */
static const struct {
	const char *path, *name, *methods, *allow;
	void (*run)(FCGX_Request *, const struct serve_conf *, const char *, struct serve_answer *);
} serve_routes[] = {
	{LETHE_REPORT_PATH, "report", "POST", "POST", serve_report},
	{LETHE_LOGS_PATH, "logs", "POST", "POST", serve_logs},
	{LETHE_STATE_PATH, "state", "GET PUT", "GET, PUT", serve_state},
};

/* 1 if METHOD is one of the words of METHODS. */
static int serve_method_ok(const char *method, const char *methods)
{
	size_t n = method ? strlen(method) : 0;
	const char *p = methods;

	while (n && (p = strstr(p, method))) {
		if ((p == methods || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return 1;
		p += n;
	}
	return 0;
}

static void serve_one(FCGX_Request *r, const void *ctx)
{
	const struct serve_conf *conf = ctx;
	const char *method = FCGX_GetParam("REQUEST_METHOD", r->envp);
	const char *uri = FCGX_GetParam("DOCUMENT_URI", r->envp);
	const char *node = FCGX_GetParam("LETHE_NODE", r->envp);
	struct serve_answer a = {0, 0, ""};
	char where[REPORTD_NODE_HEX + 1] = "-";
	size_t i, n = sizeof serve_routes / sizeof serve_routes[0];

	for (i = 0; i < n; i++)
		if (uri && !strcmp(uri, serve_routes[i].path))
			break;
	if (i == n)
		serve_set(&a, 404, "not found");
	else if (!serve_method_ok(method, serve_routes[i].methods))
		serve_set(&a, 405, "method not allowed");
	else if (!node || reportd_node_valid(node))
		serve_set(&a, 403, "no verified node certificate");
	else {
		memcpy(where, node, sizeof where);
		serve_routes[i].run(r, conf, node, &a);
	}
	fprintf(stderr, "reportd: %s %s: %d %s\n", i < n ? serve_routes[i].name : "-", where, a.status, a.reason);
	/* fleetsrv's 405 names POST alone */
	if (a.status == 405 && i < n && strcmp(serve_routes[i].methods, "POST"))
		FCGX_FPrintF(r->out,
			     "Status: 405 Method Not Allowed\r\nContent-Type: text/plain\r\nCache-Control: no-store\r\n"
			     "Allow: %s\r\n\r\n%s\n",
			     serve_routes[i].allow, a.reason);
	else if (!a.sent)
		serve_reply(r, &a);
}

int serve_run(const struct serve_conf *conf)
{
	return srv_fcgi_run("reportd", conf->socket_path, serve_one, conf);
}
