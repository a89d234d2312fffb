/* What lethe-state reads of node.conf (configpull renders it, initd
 * follows it): the node id and the instances in their order, which gives
 * each its key directory (KEYS/I) and its uid (LETHE_TOR_UID + I). */
#ifndef STATE_CONF_H
#define STATE_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "blob.h"

struct conf {
	uint8_t node[BLOB_NODE];
	char node_hex[2 * BLOB_NODE + 1];  /* lowercase */
	size_t n;                          /* 1..LETHE_INSTANCES_MAX */
	char name[LETHE_INSTANCES_MAX][LETHE_INSTANCE_NAME_MAX + 1];
};

/* Parses node.conf TEXT (LEN bytes): the first `node=` line (64 hex
 * digits) and the first `instances=` line (1..8 unique names, one space
 * apart); other lines are not ours.  0, or -1 with a one-line reason. */
int conf_parse(const char *text, size_t len, struct conf *c, char *why, size_t whylen);

/* Reads DIR/node.conf (at most STATE_NODECONF_MAX bytes, never through
 * a symlink) and parses it.  0, or -1 with a reason. */
int conf_load(const char *dir, struct conf *c, char *why, size_t whylen);

/* The index of NAME in C, or -1. */
int conf_find(const struct conf *c, const char *name);

/* S (64 hex digits, either case) into OUT; 0 or -1. */
int conf_hex32(const char *s, size_t len, uint8_t out[BLOB_NODE]);

#endif
