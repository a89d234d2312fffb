#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"

/* rtnetlink's ABI (linux/netlink.h, linux/rtnetlink.h, linux/if_addr.h),
 * spelled out because musl ships no kernel headers; stable since 2.2. */
struct addr_nlmsghdr {
	uint32_t len;
	uint16_t type, flags;
	uint32_t seq, pid;
};
struct addr_ifaddrmsg {
	uint8_t family, prefixlen, flags, scope;
	uint32_t index;
};
struct addr_rtattr {
	uint16_t len, type;
};
struct addr_sockaddr_nl {
	sa_family_t family;
	unsigned short pad;
	uint32_t pid, groups;
};
enum {
	ADDR_NLMSG_ERROR = 2, ADDR_RTM_NEWADDR = 20, ADDR_RTM_DELADDR = 21,
	ADDR_NLM_F_REQUEST = 1, ADDR_NLM_F_ACK = 4, ADDR_NLM_F_REPLACE = 0x100,
	ADDR_NLM_F_CREATE = 0x400, ADDR_IFA_ADDRESS = 1, ADDR_IFA_LOCAL = 2,
	ADDR_IFA_F_NODAD = 0x02, ADDR_NETLINK_ROUTE = 0,
};

struct addr_req {
	struct addr_nlmsghdr h;
	struct addr_ifaddrmsg m;
	struct addr_rtattr a1;
	unsigned char v1[16];
	struct addr_rtattr a2;
	unsigned char v2[16];
};

/* One RTM_NEWADDR or RTM_DELADDR and its ack: 0 or a negative errno. */
static int addr_request(int fd, int type, unsigned index, struct addr_entry const *e, uint32_t seq)
{
	struct addr_req q;
	struct addr_sockaddr_nl k = { .family = AF_NETLINK };
	size_t alen = e->family == AF_INET ? 4 : 16;
	union {
		struct addr_nlmsghdr h;
		unsigned char b[512];
	} ack;
	ssize_t n;
	int err;

	memset(&q, 0, sizeof q);
	q.m.family = (uint8_t)e->family;
	q.m.prefixlen = (uint8_t)e->prefix;
	q.m.flags = e->family == AF_INET6 ? ADDR_IFA_F_NODAD : 0;
	q.m.index = index;
	/* IFA_LOCAL and IFA_ADDRESS both the address: not point-to-point */
	q.a1.len = (uint16_t)(sizeof q.a1 + alen);
	q.a1.type = ADDR_IFA_LOCAL;
	memcpy(q.v1, e->a, alen);
	q.a2.len = q.a1.len;
	q.a2.type = ADDR_IFA_ADDRESS;
	memcpy(q.v2, e->a, alen);
	/* the attributes are 4-aligned: 4 + 4 or 4 + 16 bytes each */
	memmove((unsigned char *)&q.a1 + sizeof q.a1 + alen, &q.a2, sizeof q.a2 + alen);
	q.h.len = (uint32_t)(sizeof q.h + sizeof q.m + 2 * (sizeof q.a1 + alen));
	q.h.type = (uint16_t)type;
	q.h.flags = ADDR_NLM_F_REQUEST | ADDR_NLM_F_ACK |
		(type == ADDR_RTM_NEWADDR ? ADDR_NLM_F_CREATE | ADDR_NLM_F_REPLACE : 0);
	q.h.seq = seq;
	if (sendto(fd, &q, q.h.len, 0, (struct sockaddr *)&k, sizeof k) < 0)
		return -errno;
	for (;;) {
		n = recv(fd, &ack, sizeof ack, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if ((size_t)n < sizeof ack.h + sizeof err || ack.h.seq != seq)
			continue;
		if (ack.h.type != ADDR_NLMSG_ERROR)
			continue;
		memcpy(&err, ack.b + sizeof ack.h, sizeof err);
		return err;
	}
}

static int addr_same(struct addr_entry const *x, struct addr_entry const *y)
{
	return x->family == y->family && x->prefix == y->prefix &&
		memcmp(x->a, y->a, x->family == AF_INET ? 4 : 16) == 0;
}

int addr_apply(char const *ifname, struct nodeconf const *nc, struct addr_set *cur)
{
	static struct addr_set want;
	static char const *owner[ADDR_MAX];
	struct addr_sockaddr_nl me = { .family = AF_NETLINK };
	struct timeval tv = { 2, 0 };
	unsigned index = if_nametoindex(ifname);
	size_t i, j, k;
	uint32_t seq = 1;
	int fd, r, failed = 0;

	want.n = 0;
	for (i = 0; i < nc->n && i < NODECONF_INSTANCES_MAX; i++)
		for (j = 0; j < nc->naddr[i] && j < NODECONF_ADDRS_MAX; j++) {
			struct addr_entry *e = &want.e[want.n];

			if (nodeconf_addr_parse(nc->addr[i][j], &e->family, e->a, &e->prefix) < 0)
				continue; /* nodeconf_parse took only good ones */
			snprintf(e->text, sizeof e->text, "%s", nc->addr[i][j]);
			owner[want.n++] = nc->name[i];
		}
	if (want.n == 0 && cur->n == 0)
		return 0;
	if (index == 0) {
		log_warn("network: %s: no such interface: %zu address(es) of the node document "
			"not configured", ifname, want.n);
		return (int)want.n;
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, ADDR_NETLINK_ROUTE);
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof me) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) {
		log_warn("network: unable to open rtnetlink: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return (int)(want.n + cur->n);
	}
	for (k = 0; k < cur->n; ) {
		for (i = 0; i < want.n && !addr_same(&cur->e[k], &want.e[i]); i++)
			;
		if (i < want.n) {
			k++;
			continue;
		}
		r = addr_request(fd, ADDR_RTM_DELADDR, index, &cur->e[k], seq++);
		if (r < 0 && r != -EADDRNOTAVAIL) {
			log_warn("network: %s: unable to remove address %s: %s", ifname, cur->e[k].text,
				strerror(-r));
			failed++;
		} else {
			log_info("network: %s: address %s removed (no longer in the node document)",
				ifname, cur->e[k].text);
		}
		cur->e[k] = cur->e[--cur->n];
	}
	for (i = 0; i < want.n; i++) {
		for (k = 0; k < cur->n && !addr_same(&cur->e[k], &want.e[i]); k++)
			;
		if (k < cur->n)
			continue;
		r = addr_request(fd, ADDR_RTM_NEWADDR, index, &want.e[i], seq++);
		if (r < 0) {
			log_warn("network: %s: unable to add address %s for %s: %s", ifname,
				want.e[i].text, owner[i], strerror(-r));
			failed++;
			continue;
		}
		log_info("network: %s: address %s for %s", ifname, want.e[i].text, owner[i]);
		if (cur->n < ADDR_MAX)
			cur->e[cur->n++] = want.e[i];
	}
	close(fd);
	return failed;
}
