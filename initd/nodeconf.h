/* What initd reads from configpull's output: node.conf (key=value lines,
 * written last as the commit point) and the rendered torrc files, compared
 * to decide between SIGHUP and a restart.  node.conf has one parser, this
 * one, for every part of initd (the tor instances, the tpmseal step, the
 * node's sysctls and addresses).  Pure functions over bounded buffers: fed
 * files, so fuzzed (tests/fuzz/initd_nodeconf). */
#ifndef INITD_NODECONF_H
#define INITD_NODECONF_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "lethe_dns.h"
#include "lethe_paths.h"
#include "lethe_sysctl.h"

#define NODECONF_BYTES_MAX 65536
#define NODECONF_INSTANCES_MAX LETHE_INSTANCES_MAX
#define NODECONF_NAME_MAX LETHE_INSTANCE_NAME_MAX
/* per instance, as configpull's schema: at most 8 "IP" or "IP/prefix" */
#define NODECONF_ADDRS_MAX 8
#define NODECONF_ADDR_MAX 43     /* an IPv6 address (39) and "/128" */
#define NODECONF_FP_HEX 40
#define NODECONF_ED_B64 43
#define NODECONF_IMAGE_VERSION_MAX 64 /* configpull's bound on image.version */
#define TORRC_BYTES_MAX 65536
#define TORRC_LINES_MAX 512

/* the document's "dns" object (lethe_dns.h, docs/dns.md) */
enum nodeconf_dns {
	NODECONF_DNS_RECURSIVE, /* the default, and a node.conf from before it */
	NODECONF_DNS_FORWARD,
	NODECONF_DNS_OFF,
};
#define NODECONF_DNS_IP_MAX 45    /* INET6_ADDRSTRLEN - 1 */

enum nodeconf_alloc {
	NODECONF_ALLOC_GLIBC,
	NODECONF_ALLOC_JEMALLOC,
	NODECONF_ALLOC_MIMALLOC,
};

struct nodeconf_sysctl {
	char name[LETHE_SYSCTL_NAME_MAX + 1];
	char value[LETHE_SYSCTL_VALUE_MAX + 1];
};

struct nodeconf {
	uint32_t refresh_s;          /* 60..86400 */
	enum nodeconf_alloc alloc;
	int zram;                    /* 0/1 */
	uint32_t zram_size_mib;      /* 16..65536, 0: auto (a quarter of RAM) */
	char zram_algorithm[8];      /* zstd, lz4, lzo-rle */
	int provision;               /* 0/1: tpmseal may mint identities */
	int family;                  /* 0/1: the instances share a family key */
	size_t n;                    /* instances, 1..8 */
	char name[NODECONF_INSTANCES_MAX][NODECONF_NAME_MAX + 1];
	/* per instance: the pinned identity ("" none: any), its addresses */
	char fp[NODECONF_INSTANCES_MAX][NODECONF_FP_HEX + 1];
	char ed[NODECONF_INSTANCES_MAX][NODECONF_ED_B64 + 1];
	size_t naddr[NODECONF_INSTANCES_MAX];
	char addr[NODECONF_INSTANCES_MAX][NODECONF_ADDRS_MAX][NODECONF_ADDR_MAX + 1];
	/* the document's image object (optional keys: a node.conf from before
	 * rollouts has none): the release the fleet wants this node on, the
	 * rollout's number and the window of the day (UTC) it may reboot in */
	char image_version[NODECONF_IMAGE_VERSION_MAX + 1]; /* "" none */
	uint64_t image_epoch;        /* 0: none */
	uint32_t image_rollout;      /* 0: none */
	int window;                  /* 1: window_start/window_end are set */
	uint16_t window_start, window_end; /* minutes of the day, start != end */
	/* the resolver: dns_resolver, dns_forwarders (optional keys: absent
	 * means recursive with none); forwarders only with forward, 1..4 */
	enum nodeconf_dns dns;
	size_t nfwd;
	char fwd[LETHE_DNS_FORWARDERS_MAX][NODECONF_DNS_IP_MAX + 1];
	/* sysctl.NAME=VALUE lines, each on the shared allowlist */
	size_t nsys;
	struct nodeconf_sysctl sys[LETHE_SYSCTLS_MAX];
};

struct nodeconf_error {
	size_t line;                 /* 1-based, 0: the file as a whole */
	char const *what;
};

/* Parses node.conf text.  Keys initd does not use are skipped; the ones it
 * uses must be present once and valid (image_version, image_epoch,
 * image_rollout, image_window, dns_resolver and dns_forwarders may be
 * absent: at most once, valid; forwarders exactly when the resolver
 * forwards, each an IP literal in inet_ntop's form, no two alike); instance.NAME.* lines must name an
 * instance of the instances= line before them; every sysctl.* line must
 * pass the shared allowlist (lethe_sysctl.h).  Returns 0, or -EINVAL with
 * *err. */
int nodeconf_parse(char const *text, size_t len, struct nodeconf *nc,
	struct nodeconf_error *err);

/* Parses an "IP" or "IP/prefix" of an addresses list: family (AF_INET,
 * AF_INET6), the address (4 or 16 bytes into addr) and the prefix (32 or
 * 128 when absent).  Returns 0 or -EINVAL. */
int nodeconf_addr_parse(char const *s, int *family, unsigned char addr[16], unsigned *prefix);

/* "HH:MM-HH:MM" (exactly that, 00-23:00-59, start != end) into minutes of
 * the day.  Returns 0 or -EINVAL. */
int nodeconf_window_parse(char const *s, size_t len, uint16_t *start, uint16_t *end);

/* 1 if minute m of the day (0..1439) is inside [start, end), which wraps
 * past midnight when end < start. */
int nodeconf_window_in(uint16_t start, uint16_t end, unsigned m);

char const *nodeconf_dns_name(enum nodeconf_dns d);

/* The library LD_PRELOADs for an allocator (NULL for glibc), basename. */
char const *nodeconf_alloc_lib(enum nodeconf_alloc a);
char const *nodeconf_alloc_name(enum nodeconf_alloc a);
/* The allocator alloc_from_maps() should then report. */
enum alloc_kind nodeconf_alloc_kind(enum nodeconf_alloc a);

enum torrc_change {
	TORRC_SAME,     /* byte for byte */
	TORRC_RELOAD,   /* only options from the reload list changed: SIGHUP */
	TORRC_RESTART,  /* anything else, or too big to compare: restart */
};

/* Compares two torrc texts option by option (the lines of one option
 * name, in order).  Changes limited to options tor applies on SIGHUP even
 * under Sandbox 1 (nickname, contact, bandwidth, exit policy, family and
 * the like: torrc_reloadable()) mean RELOAD; anything else RESTART. */
enum torrc_change torrc_compare(char const *a, size_t alen, char const *b, size_t blen);

/* 1 if option name (len bytes, case-insensitive as in tor) is on the list. */
int torrc_reloadable(char const *name, size_t len);

#endif
