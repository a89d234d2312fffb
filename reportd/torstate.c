/* torstate.c: torstate.h.  The header's numbers are big-endian (lethe_state.h);
 * the instances after it are the node's to check (lethe-state parses the
 * whole blob strictly before it trusts a byte). */
#include <stdio.h>
#include <string.h>

#include "torstate.h"

#define STATE_MAGIC_LEN (sizeof LETHE_STATE_MAGIC - 1)

static uint64_t state_u64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

int torstate_header(const unsigned char *p, size_t len, struct state_meta *meta)
{
	memset(meta, 0, sizeof *meta);
	if (len < LETHE_STATE_HEADER || memcmp(p, LETHE_STATE_MAGIC, STATE_MAGIC_LEN) != 0)
		return -1;
	meta->counter = state_u64(p + 40);
	meta->rollout = state_u64(p + 48);
	meta->instances = p[64];
	return 0;
}

int torstate_check(const unsigned char *p, size_t len, const char *node, struct state_meta *meta,
		struct reportd_err *err)
{
	static const char hex[] = "0123456789abcdef";
	char id[REPORTD_NODE_HEX + 1];
	size_t i;

	memset(meta, 0, sizeof *meta);
	if (len > LETHE_STATE_BLOB_MAX) {
		reportd_fail(err, "state: %zu bytes, more than %d", len, LETHE_STATE_BLOB_MAX);
		return 413;
	}
	if (torstate_header(p, len, meta) < 0) {
		reportd_fail(err, "state: not a state blob (%s and a %d-byte header)", LETHE_STATE_MAGIC,
			     LETHE_STATE_HEADER);
		return 400;
	}
	if (p[64] > LETHE_INSTANCES_MAX || p[65] || p[66] || p[67]) {
		reportd_fail(err, "state: header: more than %d instances, or reserved bytes not 0", LETHE_INSTANCES_MAX);
		return 400;
	}
	for (i = 0; i < REPORTD_NODE_HEX / 2; i++) {
		id[2 * i] = hex[p[8 + i] >> 4];
		id[2 * i + 1] = hex[p[8 + i] & 15];
	}
	id[REPORTD_NODE_HEX] = '\0';
	if (strcmp(id, node) != 0) {
		reportd_fail(err, "state: node is not this certificate's node");
		return 403;
	}
	return 0;
}
