/* torrc through an allowlist: which options the config server may set, the
 * syntax of each value, and the options lethe sets itself. */
#ifndef CONFIGPULL_TORRC_H
#define CONFIGPULL_TORRC_H

#include <jansson.h>

#include "err.h"
#include "sbuf.h"

#define TORRC_VALUE_MAX 1024   /* bytes in one option value */
#define TORRC_VALUES_MAX 32    /* values of one repeatable option */
#define TORRC_OPTIONS_MAX 64   /* options in one instance */

/* Where lethe puts an instance's state: each path gets "/<instance>". */
struct torrc_paths {
	const char *user;      /* User */
	const char *data_base; /* DataDirectory and CacheDirectory */
	const char *key_base;  /* KeyDirectory and FamilyKeyDirectory (tmpfs, from tpmseal) */
};

/* Checks one instance's "torrc" object: every option allowed, every value
 * well formed, the set coherent.  FAMILY is the document's family switch.
 * WHERE names the object in messages.  1 ok, 0 with ERR set. */
int torrc_check(const json_t *torrc, int family, const char *where, struct cp_err *err);

/* Renders a checked instance to OUT: lethe's own options first, then the
 * server's in allowlist order (deterministic whatever the JSON order).
 * INDEX is the instance's position in the document: its keys are where
 * `tpmseal unseal --out KEYS` puts instance INDEX, KEYS/INDEX/keys.
 * ADDRESSES is the instance's "addresses" list (or NULL): an exit with an
 * IPv6 address there or in its torrc gets IPv6Exit 1 unless the torrc
 * sets IPv6Exit.  1 ok, 0 on overflow. */
int torrc_render(const char *instance, size_t index, const json_t *torrc, const json_t *addresses,
		 int family, const struct torrc_paths *paths, struct sbuf *out);

/* One listening port of an instance (an ORPort, DirPort or MetricsPort
 * line), to find two that would bind the same address and port. */
struct torrc_bind {
	int fam;                /* 0: no address (every address), 4 or 6 */
	unsigned char addr[16];
	unsigned port;          /* 1-65535 ("auto" lines are left out) */
	const char *option;     /* ORPort, DirPort, MetricsPort */
	size_t idx;             /* the line's position in the option's list */
};

/* ORPort and DirPort lists, and one MetricsPort. */
#define TORRC_BINDS_MAX (2 * TORRC_VALUES_MAX + 1)

/* The listening ports of a checked instance's torrc into OUT (room for
 * TORRC_BINDS_MAX).  Returns how many. */
size_t torrc_binds(const json_t *torrc, struct torrc_bind *out);

/* Whether A and B would bind the same port: same port and the same address,
 * or either without an address. */
int torrc_binds_clash(const struct torrc_bind *a, const struct torrc_bind *b);

/* Why NAME is refused, or NULL if it is on the allowlist.  For tests. */
const char *torrc_refusal(const char *name);

/* With on nonzero, a loopback ORPort or Address is accepted: configpull
 * --testnet, for a private Tor network on the host's loopback (initd passes
 * it only with lethe.testnet, the operator's word on the measured kernel
 * command line).  Off by default: a relay's ORPort must be reachable. */
void torrc_allow_loopback(int on);

#endif
