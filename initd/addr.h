/* The node document's per-instance addresses (node.conf
 * instance.NAME.addresses) on the relay's interface: multi-instance exits
 * need one address per instance, and tor binds its ORPort to it.  Set with
 * rtnetlink from PID 1 itself (one request and its ack: no child to wait
 * for, no shell). */
#ifndef INITD_ADDR_H
#define INITD_ADDR_H

#include <stddef.h>

#include "nodeconf.h"

#define ADDR_MAX (NODECONF_INSTANCES_MAX * NODECONF_ADDRS_MAX)

/* What lethe has added, so that an address the document drops is removed
 * (and only those: the DHCP or static address is not ours). */
struct addr_set {
	size_t n;
	struct addr_entry {
		int family;                  /* AF_INET, AF_INET6 */
		unsigned char a[16];
		unsigned prefix;
		char text[NODECONF_ADDR_MAX + 1];
	} e[ADDR_MAX];
};

/* Makes the addresses lethe holds on ifname those of nc's instances: adds
 * each new one (IPv6 without duplicate address detection, so that tor can
 * bind at once), removes each one no longer listed, and logs
 * "network: IF: address A for NAME" / "... removed".  Returns the number
 * of failures (each logged). */
int addr_apply(char const *ifname, struct nodeconf const *nc, struct addr_set *cur);

#endif
