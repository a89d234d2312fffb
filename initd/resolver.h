/* The exit's own resolver (docs/dns.md, include/lethe_dns.h): unbound as a
 * supervised service, started after the first configpull (its settings
 * come from the node document) and so before tor, restarted with tor's
 * backoff when it dies; the two files that depend on the node; and what a
 * re-pull that changed the document's "dns" object does to both.
 *
 *   LETHE_UNBOUND_NODE_CONF   cache sizes and threads from this node's RAM
 *                             and CPUs, the forward zone (resolver_render)
 *   LETHE_TOR_RESOLV_CONF     tor's ServerDNSResolvConfFile: 127.0.0.1, or
 *                             with "off" the network's own resolvers
 *                             (resolver_tor_render)
 *
 * Nothing falls back: while unbound is down, tor's lookups go to
 * 127.0.0.1 and fail (its exit streams fail closed), and the console says
 * why.  Only the document's explicit "off" points tor elsewhere. */
#ifndef INITD_RESOLVER_H
#define INITD_RESOLVER_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "nodeconf.h"

/* LETHE_UNBOUND_NODE_CONF's size bound (the forward zone is at most four
 * lines of an address each). */
#define RESOLVER_CONF_MAX 1024
/* /etc/resolv.conf as read for "off": bounded; only its nameserver lines
 * are kept, at most this many (libevent's evdns reads three). */
#define RESOLVER_NET_MAX 4096
#define RESOLVER_NET_SERVERS 3

/* The cache, from the node's RAM: a thirty-second of it, at least 16 MiB
 * and at most 1 GiB, a third for messages and two thirds for RRsets
 * (unbound's own advice: rrset-cache-size twice msg-cache-size). */
#define RESOLVER_CACHE_MIN (16ull << 20)
#define RESOLVER_CACHE_MAX (1ull << 30)
#define RESOLVER_THREADS_MAX 8

struct resolver {
	size_t svc;                    /* the loop's "unbound", SIZE_MAX: not added */
	int have;                      /* the files were written once */
	int restarting;                /* SIGTERMed for new settings: its exit is no failure */
	enum nodeconf_dns dns;         /* what they say */
	size_t nfwd;
	char fwd[LETHE_DNS_FORWARDERS_MAX][NODECONF_DNS_IP_MAX + 1];
	char tor_conf[RESOLVER_NET_MAX]; /* tor's resolv.conf as written */
};

void resolver_init(struct resolver *r);

/* The text of LETHE_UNBOUND_NODE_CONF for a node of mem_kib KiB and ncpu
 * CPUs under nc's dns settings.  Returns its length, or -1 when it does
 * not fit in n bytes (NUL included). */
int resolver_render(char *buf, size_t n, uint64_t mem_kib, unsigned ncpu,
	struct nodeconf const *nc);

/* The text of tor's resolv.conf: "nameserver 127.0.0.1" unless nc says
 * "off"; then the nameserver lines of net (netlen bytes of the network's
 * /etc/resolv.conf), each an IP literal, at most RESOLVER_NET_SERVERS.
 * With none left, 127.0.0.1 again: nothing answers there, so tor's
 * lookups fail (fail closed) and *none is set for the console.  Returns
 * the length, or -1 when it does not fit. */
int resolver_tor_render(char *buf, size_t n, struct nodeconf const *nc, char const *net,
	size_t netlen, int *none);

/* After the first configpull (first) and every re-pull that changed
 * node.conf (PID 1 only): writes both files when what they say changed,
 * adds the service "unbound" (argv: unbound -d -c LETHE_UNBOUND_CONF) the
 * first time the resolver is on, restarts it when its settings changed,
 * stops it for "off" and starts it again when it is back on.  Returns 1
 * when tor's resolv.conf changed after this boot's first write (the tor
 * instances need a SIGHUP to read it again), else 0. */
int resolver_apply(struct resolver *r, struct loop *l, struct nodeconf const *nc, int first);

/* The loop's events for the service: its deaths are said on the console
 * with what they mean for the exit. */
void resolver_event(struct resolver *r, struct loop *l, enum loop_hook_event ev, int st);

#endif
