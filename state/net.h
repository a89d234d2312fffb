/* The blob's one request per run over the node's mTLS channel: configpull's
 * client (fetch.h: the fleet CA alone, TLS >= 1.2, the node key in the TPM
 * or a key file), to LETHE_STATE_PATH on the node document's origin. */
#ifndef STATE_NET_H
#define STATE_NET_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

struct net {
	struct fetch_client cl;
	char url[1024];
	long status;                          /* HTTP status, 0: none */
	char reply[STATE_REPLY_MAX + 1];      /* a refusal's first line */
};

/* The client of O (its key loaded: a TPM connection held until
 * net_close) and the URL.  0, or -1 with a reason. */
int net_open(struct net *n, const struct state_opts *o, char *why, size_t whylen);
void net_close(struct net *n);

/* PUT the LEN bytes at BLOB.  0 when the server kept it (2xx), else -1
 * with a reason (N->status 0: the server was not reached). */
int net_put(struct net *n, const struct state_opts *o, const uint8_t *blob, size_t len, char *why, size_t whylen);

/* GET into BUF (CAP bytes).  0 with *LEN for 200 or 404 (N->status
 * says which), else -1 with a reason: not reached, another status, a body
 * over CAP (*TOO_BIG 1: the server's fault, not the network's). */
int net_get(struct net *n, const struct state_opts *o, uint8_t *buf, size_t cap, size_t *len, int *too_big,
	    char *why, size_t whylen);

#endif
