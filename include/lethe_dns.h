/* The exit's own resolver (docs/dns.md): the contracts between the image's
 * unbound configuration, initd (which runs unbound and writes what depends
 * on the node), configpull (which validates the document's "dns" object and
 * renders tor's ServerDNSResolvConfFile) and the tests.  Defined here once. */
#ifndef LETHE_DNS_H
#define LETHE_DNS_H

#include "lethe_paths.h"

/* unbound, built lean from Debian's source (image/unbound), and its
 * configuration, part of the signed image: recursion from the root with
 * DNSSEC validation, loopback only (rootfs-overlay/etc/unbound). */
#define LETHE_UNBOUND_BIN "/usr/sbin/unbound"
#define LETHE_UNBOUND_DIR "/etc/unbound"
#define LETHE_UNBOUND_CONF LETHE_UNBOUND_DIR "/unbound.conf"

/* What depends on the node, written by initd before every start of unbound
 * (0644 root, in a 0755 directory): cache sizes from the node's RAM and,
 * when the document names forwarders, the forward zone.  The image's
 * unbound.conf includes it by this exact path (tests/image checks that). */
#define LETHE_UNBOUND_RUN LETHE_RUN "/unbound"
#define LETHE_UNBOUND_NODE_CONF LETHE_UNBOUND_RUN "/node.conf"

/* unbound starts as root (to bind port 53), then drops to this user itself
 * (rootfs-overlay/etc/passwd; no shell, no home); never a tor uid. */
#define LETHE_UNBOUND_USER "unbound"
#define LETHE_UNBOUND_UID 110
#define LETHE_UNBOUND_GID 110

/* Where it answers: loopback only, port 53 (tor's resolv.conf parser takes
 * no port).  The only client is tor, through the file below. */
#define LETHE_RESOLVER_ADDR4 "127.0.0.1"
#define LETHE_RESOLVER_ADDR6 "::1"
#define LETHE_RESOLVER_PORT 53

/* tor's ServerDNSResolvConfFile, in every rendered torrc (configpull), written
 * by initd before tor starts (0644 root): "nameserver 127.0.0.1" while the
 * resolver is on; with the document's "resolver": "off" the network's own
 * resolvers (a copy of /etc/resolv.conf, written from DHCP or lethe.dns).
 * Outside the 0711 LETHE_RUN, next to the torrc copies, because tor rereads
 * it on SIGHUP as its own user; immutable under tor's Sandbox, so its path
 * never changes. */
#define LETHE_TOR_RESOLV_CONF LETHE_TORRC_DIR "/resolv.conf"

/* The document's "dns" object (docs/config-schema.md) in node.conf:
 *   dns_resolver=recursive|forward|off     (default recursive)
 *   dns_forwarders=IP[ IP...]              (forward only; IP literals, at
 *                                           most LETHE_DNS_FORWARDERS_MAX,
 *                                           in inet_ntop's canonical form) */
#define LETHE_DNS_FORWARDERS_MAX 4
#define LETHE_DNS_RESOLVER_RECURSIVE "recursive"
#define LETHE_DNS_RESOLVER_FORWARD "forward"
#define LETHE_DNS_RESOLVER_OFF "off"

/* DirPortFrontPage: the document only turns it on ("DirPortFrontPage": 1);
 * the page is this file of the image, lethe's exit notice. */
#define LETHE_EXIT_NOTICE "/etc/lethe/exit-notice.html"

#endif
