/* lethe-state's own numbers and the options every command shares (the
 * contract with initd, reportd and the docs is include/lethe_state.h). */
#ifndef STATE_H
#define STATE_H

#include <sys/types.h>

#include "fetch.h"
#include "lethe_state.h"

#define PROG "lethe-state"

/* Requests to the config server: one GET or one PUT of at most
 * LETHE_STATE_BLOB_MAX; initd retries a failed run, so no retries here. */
#define STATE_CONNECT_TIMEOUT_S 10
#define STATE_TIMEOUT_S 60
/* What is kept of a server's answer: its first line, for the console. */
#define STATE_REPLY_MAX 256
/* RUN/result's REASON (include/lethe_state.h) */
#define STATE_REASON_MAX 200
/* node.conf as configpull renders it: far below this */
#define STATE_NODECONF_MAX 65536

struct state_opts {
	struct fetch_opts fo;   /* ca, cert, key | handle, tcti, timeouts */
	const char *conf_dir;   /* node.conf */
	const char *keys_dir;   /* KEYS/I/keys/ed25519_master_id_secret_key */
	const char *data_dir;   /* DATA/NAME/state */
	const char *run_dir;    /* result, saved, rollout */
	unsigned nv;            /* the counter's NV index */
	int chown;              /* state files and DataDirectories to the instance's uid */
	const char *url;        /* the node document's URL: requests go to its origin */
};

/* One line on stderr, "lethe-state: " first: never a key byte, never a
 * byte of plaintext state. */
void state_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A reason into WHY (WHYLEN bytes), cut to fit: paths in reasons may be
 * long, a reason is one line for the console. */
void state_why(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
