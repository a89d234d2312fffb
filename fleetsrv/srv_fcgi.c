/* srv_fcgi.c: the serve loop and reply of srv_fcgi.h.  One request at a
 * time: every route of attestd and reportd is a parse and a few SQLite
 * statements.  SIGTERM is blocked except inside ppoll() on the listening
 * socket, so it can only arrive between requests and never interrupts
 * one. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lethe_exit.h"
#include "srv_fcgi.h"

static volatile sig_atomic_t srv_fcgi_stop;

static void srv_fcgi_on_signal(int sig)
{
	(void)sig;
	srv_fcgi_stop = 1;
}

long srv_fcgi_length(FCGX_Request *r)
{
	const char *s = FCGX_GetParam("CONTENT_LENGTH", r->envp);
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

void srv_fcgi_reply(FCGX_Request *r, int status, const char *body)
{
	const char *text = status == 200 ? "OK" : status == 204 ? "No Content" : status == 400 ? "Bad Request"
			 : status == 403 ? "Forbidden" : status == 404 ? "Not Found"
			 : status == 405 ? "Method Not Allowed" : status == 413 ? "Payload Too Large"
			 : "Internal Server Error";

	/* 204 has no body (the gate's yes, a report kept). */
	FCGX_FPrintF(r->out, "Status: %d %s\r\nContent-Type: text/plain\r\nCache-Control: no-store\r\n%s\r\n%s%s",
		     status, text, status == 405 ? "Allow: POST\r\n" : "", status == 204 ? "" : body,
		     status == 204 ? "" : "\n");
}

/* SIGTERM and SIGINT set srv_fcgi_stop and are blocked; *during_poll is
 * the mask that lets them in.  SIGPIPE is ignored: a client gone mid-reply
 * is a failed write, not the end of the daemon. */
static int srv_fcgi_signals(sigset_t *during_poll)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = srv_fcgi_on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	if (sigprocmask(SIG_BLOCK, &block, during_poll) || sigaction(SIGTERM, &sa, NULL) ||
	    sigaction(SIGINT, &sa, NULL) || signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return -1;
	sigdelset(during_poll, SIGTERM);
	sigdelset(during_poll, SIGINT);
	return 0;
}

int srv_fcgi_run(const char *prog, const char *socket_path, srv_fcgi_fn fn, const void *ctx)
{
	sigset_t during_poll;
	FCGX_Request r;
	int fd, rc = LETHE_EXIT_TEMP;

	if (srv_fcgi_signals(&during_poll)) {
		fprintf(stderr, "%s: fatal: unable to set up signals: %s\n", prog, strerror(errno));
		return rc;
	}
	if (FCGX_Init()) {
		fprintf(stderr, "%s: fatal: unable to initialise FastCGI\n", prog);
		return rc;
	}
	/* A socket left by a killed daemon would make bind() fail. */
	(void)unlink(socket_path);
	fd = FCGX_OpenSocket(socket_path, 16);
	if (fd < 0) {
		fprintf(stderr, "%s: fatal: unable to listen on %s\n", prog, socket_path);
		return rc;
	}
	/* nginx's workers run as another user: who may connect is decided by
	 * the socket's directory, which the operator keeps private. */
	if (chmod(socket_path, 0666)) {
		fprintf(stderr, "%s: fatal: unable to chmod %s: %s\n", prog, socket_path, strerror(errno));
		goto out;
	}
	if (FCGX_InitRequest(&r, fd, 0)) {
		fprintf(stderr, "%s: fatal: unable to initialise a request\n", prog);
		goto out;
	}
	fprintf(stderr, "%s: serving on %s\n", prog, socket_path);
	while (!srv_fcgi_stop) {
		struct pollfd p = {.fd = fd, .events = POLLIN};

		if (ppoll(&p, 1, NULL, &during_poll) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: fatal: unable to poll: %s\n", prog, strerror(errno));
			goto out;
		}
		if (FCGX_Accept_r(&r) < 0)
			continue;
		fn(&r, ctx);
		FCGX_Finish_r(&r);
	}
	fprintf(stderr, "%s: stopping\n", prog);
	rc = LETHE_EXIT_OK;
out:
	close(fd);
	(void)unlink(socket_path);
	return rc;
}
