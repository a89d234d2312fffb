/* serve.c: the routes of activate.c and pull.c, served one request at a
 * time by fleetsrv's loop (srv_fcgi.h): an activation is a few
 * milliseconds of SQLite and a rename, done once per node; a quote is one
 * ECDSA verification and the replay of a log of some KiB, once per pull;
 * the gate is one SELECT.
 *
 * Requests are routed on DOCUMENT_URI, nginx's normalized path without the
 * query: in the gate's auth_request subrequest REQUEST_URI is the main
 * request's (/v1/node.json), DOCUMENT_URI the subrequest's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <fcgiapp.h>

#include "activate.h"
#include "pull.h"
#include "serve.h"
#include "srv_fcgi.h"

/* The request's body length: 0 and *len, or the status it answered (400
 * for no length, 413 over max). */
static int serve_length(FCGX_Request *r, long max, long *len)
{
	*len = srv_fcgi_length(r);
	if (*len < 0) {
		srv_fcgi_reply(r, 400, "content length required");
		return 400;
	}
	if (*len > max) {
		srv_fcgi_reply(r, 413, "body too large");
		return 413;
	}
	return 0;
}

/* POST /v1/activate.  The log line names the node and the answer, never
 * the secret. */
static void serve_activate(FCGX_Request *r, const struct serve_conf *conf)
{
	char body[ACTIVATE_BODY_MAX];
	struct activate_req req;
	struct activate_reply out = {400, "malformed body"};
	long len;

	memset(&req, 0, sizeof req);
	if (serve_length(r, ACTIVATE_BODY_MAX, &len))
		return;
	if (FCGX_GetStr(body, (int)len, r->in) != (int)len || activate_parse(body, (size_t)len, &req)) {
		fprintf(stderr, "attestd: activate: 400 malformed body\n");
		srv_fcgi_reply(r, 400, "malformed body");
		goto out;
	}
	activate_run(conf->db, conf->pending_dir, conf->certs_dir, &req, time(NULL), &out);
	fprintf(stderr, "attestd: activate %s: %d %s\n", req.node, out.status, out.reason);
	srv_fcgi_reply(r, out.status, out.reason);
out:
	explicit_bzero(body, sizeof body);
	explicit_bzero(&req, sizeof req);
}

/* The FastCGI parameter of LETHE_ATTEST_TOKEN_HEADER (X-Lethe-Attest). */
#define SERVE_TOKEN_PARAM "HTTP_X_LETHE_ATTEST"

/* POST /v1/attest/nonce: no body (no length, or 0). */
static void serve_nonce(FCGX_Request *r, const struct serve_conf *conf, const char *node, struct pull_reply *out)
{
	const char *cl = FCGX_GetParam("CONTENT_LENGTH", r->envp);

	if (cl && *cl && strcmp(cl, "0")) {
		out->status = 400;
		snprintf(out->log, sizeof out->log, "a nonce request has no body");
		srv_fcgi_reply(r, out->status, out->log);
		return;
	}
	pull_nonce(conf->db, node, time(NULL), out);
	srv_fcgi_reply(r, out->status, out->body);
}

/* POST /v1/attest: the body in a heap buffer (up to 350 KiB). */
static void serve_quote(FCGX_Request *r, const struct serve_conf *conf, const char *node, struct pull_reply *out)
{
	char *body = NULL;
	long len;

	out->status = serve_length(r, LETHE_ATTEST_QUOTE_BODY_MAX, &len);
	if (out->status) {
		snprintf(out->log, sizeof out->log, "%s", out->status == 413 ? "body too large" : "no content length");
		return;
	}
	body = malloc(len ? (size_t)len : 1);
	if (!body || FCGX_GetStr(body, (int)len, r->in) != (int)len) {
		out->status = body ? 400 : 500;
		snprintf(out->log, sizeof out->log, "%s", body ? "body shorter than its length" : "internal error");
		srv_fcgi_reply(r, out->status, out->log);
		goto out;
	}
	releases_refresh(conf->releases);
	pull_quote(conf->db, conf->releases, node, body, (size_t)len, time(NULL), out);
	srv_fcgi_reply(r, out->status, out->body);
out:
	free(body);
}

/* nginx's auth_request: the token is the header's; there is no body. */
static void serve_gate(FCGX_Request *r, const struct serve_conf *conf, const char *node, struct pull_reply *out)
{
	pull_gate(conf->db, node, FCGX_GetParam(SERVE_TOKEN_PARAM, r->envp), time(NULL), out);
	srv_fcgi_reply(r, out->status, out->body);
}

/* The routes of the attested pull: path, whether POST only, handler. */
static const struct {
	const char *path, *name;
	int post;
	void (*run)(FCGX_Request *, const struct serve_conf *, const char *, struct pull_reply *);
} serve_pull_routes[] = {
	{LETHE_ATTEST_NONCE_PATH, "nonce", 1, serve_nonce},
	{LETHE_ATTEST_QUOTE_PATH, "attest", 1, serve_quote},
	{LETHE_ATTEST_GATE_PATH, "gate", 0, serve_gate},
};

/* One request.  Every pull route logs one line: route, node, status,
 * reason and the microseconds it took; never a token (nonces are public). */
static void serve_one(FCGX_Request *r, const void *ctx)
{
	const struct serve_conf *conf = ctx;
	struct timespec t0, t1;
	const char *method = FCGX_GetParam("REQUEST_METHOD", r->envp);
	const char *uri = FCGX_GetParam("DOCUMENT_URI", r->envp);
	const char *node = FCGX_GetParam("LETHE_NODE", r->envp);
	struct pull_reply out;
	size_t i;

	memset(&out, 0, sizeof out);
	if (uri && !strcmp(uri, LETHE_ATTEST_ACTIVATE_PATH)) {
		if (!method || strcmp(method, "POST"))
			srv_fcgi_reply(r, 405, "method not allowed");
		else
			serve_activate(r, conf);
		return;
	}
	for (i = 0; i < sizeof serve_pull_routes / sizeof serve_pull_routes[0]; i++)
		if (uri && !strcmp(uri, serve_pull_routes[i].path))
			break;
	if (i == sizeof serve_pull_routes / sizeof serve_pull_routes[0]) {
		srv_fcgi_reply(r, 404, "not found");
		return;
	}
	/* The gate's method is the main request's (GET, HEAD): any goes. */
	if (serve_pull_routes[i].post && (!method || strcmp(method, "POST"))) {
		fprintf(stderr, "attestd: %s -: 405 method not allowed\n", serve_pull_routes[i].name);
		srv_fcgi_reply(r, 405, "method not allowed");
		return;
	}
	if (!node || attest_node_valid(node)) {
		fprintf(stderr, "attestd: %s -: 403 no verified node certificate\n", serve_pull_routes[i].name);
		srv_fcgi_reply(r, 403, "no verified node certificate");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	serve_pull_routes[i].run(r, conf, node, &out);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* the time attestd spent (parse, checks, SQLite, reply): what an
	 * operator sizes a verifier by (make bench-attest reads it) */
	fprintf(stderr, "attestd: %s %s: %d %s (%ld us)\n", serve_pull_routes[i].name, node, out.status, out.log,
		(long)((t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000));
	/* A pass's body held the token. */
	explicit_bzero(&out, sizeof out);
}

int serve_run(const struct serve_conf *conf)
{
	return srv_fcgi_run("attestd", conf->socket_path, serve_one, conf);
}
