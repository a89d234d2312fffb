/* torstate.h: the sealed tor state blobs nodes PUT to /v1/state
 * (include/lethe_state.h, docs/torstate.md).  reportd keeps each node's
 * newest blob as bytes: it cannot read the instances' state (encrypted
 * under keys only the node's unsealed identities give), and checks only
 * what it can, the plaintext header: the magic, the size, and that the
 * node id is the certificate's, so that no node overwrites another's. */
#ifndef REPORTD_TORSTATE_H
#define REPORTD_TORSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "lethe_state.h"
#include "reportd.h"

/* What the header says, for `reportd state`. */
struct state_meta {
	uint64_t counter;
	uint64_t rollout;
	size_t instances;
};

/* The header of the LEN bytes at P into META: 0, or -1 when they do not
 * start with a blob's header (too short, another magic). */
int torstate_header(const unsigned char *p, size_t len, struct state_meta *meta);

/* Checks the LEN bytes at P as node NODE's blob (NODE: 64 lowercase hex).
 * 0 with META; or the HTTP status of the refusal, 400 (not a blob: too
 * short, another magic, too many instances) or 403 (another node's), with
 * a one-line reason. */
int torstate_check(const unsigned char *p, size_t len, const char *node, struct state_meta *meta,
		struct reportd_err *err);

#endif
