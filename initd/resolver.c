#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "file.h"
#include "lethe_dns.h"
#include "log.h"
#include "mem.h"
#include "resolver.h"

/* unbound's oom_score_adj: after the telemetry agent (500), before any tor
 * instance (100): without it exit lookups fail, without tor nothing runs. */
#define RESOLVER_OOM_ADJ 200
/* The network's resolvers, for "off" (udhcpc.script and lethe.dns write it). */
#define RESOLVER_NET_CONF "/etc/resolv.conf"

void resolver_init(struct resolver *r)
{
	memset(r, 0, sizeof *r);
	r->svc = SIZE_MAX;
}

/* snprintf onto buf at *at; -1 once it no longer fits. */
static int resolver_cat(char *buf, size_t n, size_t *at, char const *fmt, ...)
{
	va_list ap;
	int k;

	if (*at >= n)
		return -1;
	va_start(ap, fmt);
	k = vsnprintf(buf + *at, n - *at, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= n - *at) {
		*at = n;
		return -1;
	}
	*at += (size_t)k;
	return 0;
}

static uint64_t resolver_cache(uint64_t mem_kib)
{
	uint64_t cache = mem_kib * 1024u / 32u;

	return cache < RESOLVER_CACHE_MIN ? RESOLVER_CACHE_MIN
		: cache > RESOLVER_CACHE_MAX ? RESOLVER_CACHE_MAX : cache;
}

static unsigned resolver_threads(unsigned ncpu)
{
	return ncpu < 1 ? 1 : ncpu > RESOLVER_THREADS_MAX ? RESOLVER_THREADS_MAX : ncpu;
}

int resolver_render(char *buf, size_t n, uint64_t mem_kib, unsigned ncpu,
	struct nodeconf const *nc)
{
	uint64_t cache = resolver_cache(mem_kib), msg = cache / 3;
	unsigned threads = resolver_threads(ncpu), slabs = 1;
	size_t at = 0, k;

	/* slabs: a power of two, at least the threads (less lock contention) */
	while (slabs < threads)
		slabs <<= 1;
	resolver_cat(buf, n, &at,
		"# written by initd (docs/dns.md): this node's %llu MiB of RAM and %u CPUs,\n"
		"# the node document's dns object (resolver %s)\n"
		"server:\n"
		"\tnum-threads: %u\n"
		"\tmsg-cache-slabs: %u\n\trrset-cache-slabs: %u\n"
		"\tinfra-cache-slabs: %u\n\tkey-cache-slabs: %u\n"
		"\tmsg-cache-size: %llu\n\trrset-cache-size: %llu\n",
		(unsigned long long)(mem_kib / 1024u), ncpu, nodeconf_dns_name(nc->dns), threads,
		slabs, slabs, slabs, slabs, (unsigned long long)msg,
		(unsigned long long)(cache - msg));
	if (nc->dns == NODECONF_DNS_FORWARD) {
		/* every query goes to them; answers are still validated */
		resolver_cat(buf, n, &at, "forward-zone:\n\tname: \".\"\n\tforward-first: no\n");
		for (k = 0; k < nc->nfwd; k++)
			resolver_cat(buf, n, &at, "\tforward-addr: %s\n", nc->fwd[k]);
	}
	return at < n ? (int)at : -1;
}

/* The nameserver lines of net whose value is an IP literal, rendered. */
static size_t resolver_net(char *buf, size_t n, size_t *at, char const *net, size_t netlen)
{
	size_t b = 0, found = 0;

	while (b < netlen && found < RESOLVER_NET_SERVERS) {
		char const *nl = memchr(net + b, '\n', netlen - b);
		size_t e = nl ? (size_t)(nl - net) : netlen, vl;
		char ip[INET6_ADDRSTRLEN];
		unsigned char a[16];

		if (e - b > 11 && memcmp(net + b, "nameserver ", 11) == 0) {
			vl = e - b - 11;
			if (vl < sizeof ip) {
				memcpy(ip, net + b + 11, vl);
				ip[vl] = '\0';
				if ((inet_pton(AF_INET, ip, a) == 1 || inet_pton(AF_INET6, ip, a) == 1) &&
				    resolver_cat(buf, n, at, "nameserver %s\n", ip) == 0)
					found++;
			}
		}
		b = e + 1;
	}
	return found;
}

int resolver_tor_render(char *buf, size_t n, struct nodeconf const *nc, char const *net,
	size_t netlen, int *none)
{
	size_t at = 0;

	*none = 0;
	/* the same text for recursive and forward (tor asks unbound either
	 * way): only a switch to or from off changes it, and so SIGHUPs tor */
	resolver_cat(buf, n, &at, "# written by initd (docs/dns.md): tor's resolvers\n");
	if (nc->dns == NODECONF_DNS_OFF && resolver_net(buf, n, &at, net, netlen) > 0)
		return at < n ? (int)at : -1;
	*none = nc->dns == NODECONF_DNS_OFF;
	resolver_cat(buf, n, &at, "nameserver %s\n", LETHE_RESOLVER_ADDR4);
	return at < n ? (int)at : -1;
}

/* This node's RAM and CPUs, for the cache. */
static void resolver_node(uint64_t *kib, unsigned *ncpu)
{
	char buf[MEM_MEMINFO_BYTES];
	long n = file_read_head("/proc/meminfo", buf, sizeof buf);
	cpu_set_t set;

	if (n < 0 || mem_parse_kb(buf, (size_t)n, "MemTotal:", kib) < 0)
		*kib = 0;
	*ncpu = sched_getaffinity(0, sizeof set, &set) == 0 ? (unsigned)CPU_COUNT(&set) : 1;
}

static int resolver_same(struct resolver const *r, struct nodeconf const *nc)
{
	size_t k;

	if (r->dns != nc->dns || r->nfwd != nc->nfwd)
		return 0;
	for (k = 0; k < nc->nfwd; k++)
		if (strcmp(r->fwd[k], nc->fwd[k]) != 0)
			return 0;
	return 1;
}

/* tor's resolv.conf; 1 when its text changed since the last write.
 * *none: "off", and the network named no resolver. */
static int resolver_tor_write(struct resolver *r, struct nodeconf const *nc, int *none)
{
	static char net[RESOLVER_NET_MAX];
	char text[RESOLVER_NET_MAX];
	long nl = 0;
	int len, e;

	if (nc->dns == NODECONF_DNS_OFF) {
		nl = file_read_head(RESOLVER_NET_CONF, net, sizeof net);
		if (nl < 0)
			nl = 0;
	}
	len = resolver_tor_render(text, sizeof text, nc, net, (size_t)nl, none);
	if (len < 0)
		return 0;
	if (r->have && strcmp(text, r->tor_conf) == 0)
		return 0;
	e = file_write(LETHE_TOR_RESOLV_CONF, text, (size_t)len, 0644);
	if (e < 0) {
		/* tor's own copy stays; a tor without it refuses to start */
		log_warn("dns: unable to write %s: %s", LETHE_TOR_RESOLV_CONF, strerror(-e));
		return 0;
	}
	memcpy(r->tor_conf, text, (size_t)len + 1);
	return 1;
}

static int resolver_conf_write(struct nodeconf const *nc)
{
	char text[RESOLVER_CONF_MAX];
	uint64_t kib;
	unsigned ncpu;
	int len, e;

	resolver_node(&kib, &ncpu);
	len = resolver_render(text, sizeof text, kib, ncpu, nc);
	if (len < 0)
		return -ENOSPC;
	if (mkdir(LETHE_UNBOUND_RUN, 0755) < 0 && errno != EEXIST)
		return -errno;
	e = file_write(LETHE_UNBOUND_NODE_CONF, text, (size_t)len, 0644);
	if (e == 0)
		log_info("dns: resolver %s, %u thread(s), cache %llu MiB%s", nodeconf_dns_name(nc->dns),
			resolver_threads(ncpu), (unsigned long long)(resolver_cache(kib) >> 20),
			nc->dns == NODECONF_DNS_FORWARD ? ", forwarding to the node document's servers" : "");
	return e;
}

static int resolver_add(struct resolver *r, struct loop *l)
{
	static char *argv[] = { LETHE_UNBOUND_BIN, "-d", "-c", LETHE_UNBOUND_CONF, NULL };
	struct super_params p = {
		.min_ms = 1000, .max_ms = 60000, .stable_ms = 60000, .stop_ms = 5000,
		.kill_ms = 2000, .crash_n = 5, .crash_window_ms = 300000,
	};
	int e = loop_add(l, "unbound", argv, &p);

	if (e < 0)
		return e;
	r->svc = l->n - 1;
	l->svc[r->svc].oom_adj = RESOLVER_OOM_ADJ;
	return 0;
}

int resolver_apply(struct resolver *r, struct loop *l, struct nodeconf const *nc, int first)
{
	int changed = first || !r->have || !resolver_same(r, nc), tor_changed, e, was_on, none;
	size_t k;

	tor_changed = resolver_tor_write(r, nc, &none) && !first;
	if (!changed)
		return tor_changed;
	was_on = r->have && r->dns != NODECONF_DNS_OFF;
	r->have = 1;
	r->dns = nc->dns;
	r->nfwd = nc->nfwd;
	for (k = 0; k < nc->nfwd; k++)
		memcpy(r->fwd[k], nc->fwd[k], sizeof r->fwd[k]);
	if (nc->dns == NODECONF_DNS_OFF) {
		if (none)
			log_warn("dns: resolver off (node document), and the network names no "
				"resolver in %s: tor's exit lookups fail", RESOLVER_NET_CONF);
		else
			log_warn("dns: resolver off (node document): tor resolves through the "
				"network's resolvers, without DNSSEC validation");
		if (r->svc != SIZE_MAX)
			loop_stop(l, r->svc);
		return tor_changed;
	}
	e = resolver_conf_write(nc);
	if (e < 0) {
		/* unbound would start without its node part: the include fails */
		log_warn("dns: unable to write %s: %s; unbound keeps its settings",
			LETHE_UNBOUND_NODE_CONF, strerror(-e));
		return tor_changed;
	}
	if (r->svc == SIZE_MAX) {
		e = resolver_add(r, l);
		if (e < 0)
			log_warn("dns: unable to add unbound: %s; tor's exit lookups fail",
				strerror(-e));
	} else if (!was_on) {
		loop_resume(l, r->svc);
	} else if (l->svc[r->svc].sv.state == SUPER_UP) {
		/* its settings are read at start: SIGTERM, then the backoff's start */
		log_info("dns: resolver settings changed: restarting unbound");
		r->restarting = 1;
		kill(l->svc[r->svc].sv.pid, SIGTERM);
	}
	return tor_changed;
}

void resolver_event(struct resolver *r, struct loop *l, enum loop_hook_event ev, int st)
{
	struct super_svc const *s = &l->svc[r->svc].sv;

	if (ev == LOOP_HOOK_SPAWN && s->spawns > 0)
		log_info("dns: starting unbound again (run %llu)", (unsigned long long)s->spawns + 1);
	if (ev != LOOP_HOOK_EXIT)
		return;
	if (r->restarting) {
		r->restarting = 0;
		log_info("dns: unbound stopped for its new settings; it starts again in %u ms",
			s->last_delay_ms);
		return;
	}
	if (WIFSIGNALED(st))
		log_warn("dns: unbound killed by signal %d: tor's exit lookups fail until it is "
			"back (in %u ms)", WTERMSIG(st), s->last_delay_ms);
	else
		log_warn("dns: unbound exited %d: tor's exit lookups fail until it is back (in %u ms)",
			WIFEXITED(st) ? WEXITSTATUS(st) : -1, s->last_delay_ms);
}
