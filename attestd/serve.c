/* serve.c: FastCGI transport for activate.c.  One request at a time: an
 * activation is a few milliseconds of SQLite and a rename, done once per
 * node.  SIGTERM is blocked except inside ppoll() on the listening socket,
 * so it can only arrive between requests and never interrupts one. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "activate.h"
#include "lethe_exit.h"
#include "serve.h"

static volatile sig_atomic_t serve_stop;

static void serve_on_signal(int sig)
{
	(void)sig;
	serve_stop = 1;
}

static void serve_reply(FCGX_Request *r, int status, const char *reason)
{
	const char *text = status == 200 ? "OK" : status == 400 ? "Bad Request" : status == 403 ? "Forbidden"
			 : status == 404 ? "Not Found" : status == 405 ? "Method Not Allowed"
			 : status == 413 ? "Payload Too Large" : "Internal Server Error";

	FCGX_FPrintF(r->out, "Status: %d %s\r\nContent-Type: text/plain\r\nCache-Control: no-store\r\n%s\r\n%s\n",
		     status, text, status == 405 ? "Allow: POST\r\n" : "", reason);
}

/* CONTENT_LENGTH as nginx sends it: decimal digits only, at most 7. */
static long serve_content_length(const char *s)
{
	long v = 0;
	size_t i;

	if (!s || !*s || strlen(s) > 7)
		return -1;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* One request.  The log line names the node and the answer, never the
 * secret. */
static void serve_one(FCGX_Request *r, const struct serve_conf *conf)
{
	const char *method = FCGX_GetParam("REQUEST_METHOD", r->envp);
	const char *uri = FCGX_GetParam("REQUEST_URI", r->envp);
	char body[ACTIVATE_BODY_MAX];
	struct activate_req req;
	struct activate_reply out = {400, "malformed body"};
	long len;

	memset(&req, 0, sizeof req);
	/* REQUEST_URI is the client's, query string included: only the exact
	 * path is ours. */
	if (!uri || strcmp(uri, LETHE_ATTEST_ACTIVATE_PATH)) {
		serve_reply(r, 404, "not found");
		return;
	}
	if (!method || strcmp(method, "POST")) {
		serve_reply(r, 405, "method not allowed");
		return;
	}
	len = serve_content_length(FCGX_GetParam("CONTENT_LENGTH", r->envp));
	if (len < 0) {
		serve_reply(r, 400, "content length required");
		return;
	}
	if (len > ACTIVATE_BODY_MAX) {
		serve_reply(r, 413, "body too large");
		return;
	}
	if (FCGX_GetStr(body, (int)len, r->in) != (int)len || activate_parse(body, (size_t)len, &req)) {
		fprintf(stderr, "attestd: activate: 400 malformed body\n");
		serve_reply(r, 400, "malformed body");
		goto out;
	}
	activate_run(conf->db, conf->pending_dir, conf->certs_dir, &req, time(NULL), &out);
	fprintf(stderr, "attestd: activate %s: %d %s\n", req.node, out.status, out.reason);
	serve_reply(r, out.status, out.reason);
out:
	explicit_bzero(body, sizeof body);
	explicit_bzero(&req, sizeof req);
}

int serve_run(const struct serve_conf *conf)
{
	struct sigaction sa;
	sigset_t block, during_poll;
	FCGX_Request r;
	int fd, rc = LETHE_EXIT_TEMP;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = serve_on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	if (sigprocmask(SIG_BLOCK, &block, &during_poll) || sigaction(SIGTERM, &sa, NULL) ||
	    sigaction(SIGINT, &sa, NULL) || signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		fprintf(stderr, "attestd: fatal: unable to set up signals: %s\n", strerror(errno));
		return rc;
	}
	sigdelset(&during_poll, SIGTERM);
	sigdelset(&during_poll, SIGINT);
	if (FCGX_Init()) {
		fprintf(stderr, "attestd: fatal: unable to initialise FastCGI\n");
		return rc;
	}
	/* A socket left by a killed attestd would make bind() fail. */
	(void)unlink(conf->socket_path);
	fd = FCGX_OpenSocket(conf->socket_path, 16);
	if (fd < 0) {
		fprintf(stderr, "attestd: fatal: unable to listen on %s\n", conf->socket_path);
		return rc;
	}
	/* nginx's workers run as another user: who may connect is decided by
	 * the socket's directory, which the operator keeps private. */
	if (chmod(conf->socket_path, 0666)) {
		fprintf(stderr, "attestd: fatal: unable to chmod %s: %s\n", conf->socket_path, strerror(errno));
		goto out;
	}
	if (FCGX_InitRequest(&r, fd, 0)) {
		fprintf(stderr, "attestd: fatal: unable to initialise a request\n");
		goto out;
	}
	fprintf(stderr, "attestd: serving on %s\n", conf->socket_path);
	while (!serve_stop) {
		struct pollfd p = {.fd = fd, .events = POLLIN};

		if (ppoll(&p, 1, NULL, &during_poll) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "attestd: fatal: unable to poll: %s\n", strerror(errno));
			goto out;
		}
		if (FCGX_Accept_r(&r) < 0)
			continue;
		serve_one(&r, conf);
		FCGX_Finish_r(&r);
	}
	fprintf(stderr, "attestd: stopping\n");
	rc = LETHE_EXIT_OK;
out:
	close(fd);
	(void)unlink(conf->socket_path);
	return rc;
}
