/* srv_fcgi.h: the FastCGI serve loop of a config-server daemon (attestd,
 * reportd) behind the reference nginx, and the two pieces of a request
 * every route needs: the body's length and the plain-text reply.  Routing
 * and what a route answers stay the program's. */
#ifndef FLEETSRV_SRV_FCGI_H
#define FLEETSRV_SRV_FCGI_H

#include <fcgiapp.h>

/* Answers one request; ctx is the program's, as srv_fcgi_run got it. */
typedef void (*srv_fcgi_fn)(FCGX_Request *r, const void *ctx);

/* Listens on socket_path (a stale socket replaced, the new one 0666: its
 * directory decides who may connect) and hands each request to fn, one
 * at a time, until SIGTERM or SIGINT; those are blocked except while
 * waiting for a connection, so one never interrupts a request.  prog
 * begins each line on stderr.  Returns the exit code: LETHE_EXIT_OK once
 * stopped, LETHE_EXIT_TEMP if it cannot serve. */
int srv_fcgi_run(const char *prog, const char *socket_path, srv_fcgi_fn fn, const void *ctx);

/* CONTENT_LENGTH as nginx sends it (decimal digits only, at most 7), or
 * -1 if it is missing or malformed. */
long srv_fcgi_length(FCGX_Request *r);

/* "Status: STATUS TEXT" and the text/plain body (one line), never cached;
 * 204 has no body, 405 names the one method (POST). */
void srv_fcgi_reply(FCGX_Request *r, int status, const char *body);

#endif
