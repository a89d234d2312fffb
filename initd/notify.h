/* The sd_notify datagram protocol, as tor speaks it (tor.md 5.3), parsed
 * without libsystemd: newline-separated KEY=VALUE assignments in one
 * datagram on the instance's NOTIFY_SOCKET.  Unknown keys are ignored (the
 * protocol's rule); known keys with a malformed value, NUL bytes, lines
 * without '=' and oversized datagrams make the whole message invalid, so a
 * confused or hostile sender cannot half-apply one. */
#ifndef INITD_NOTIFY_H
#define INITD_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#define NOTIFY_MSG_MAX 4096
#define NOTIFY_STATUS_MAX 127

enum notify_flag {
	NOTIFY_READY = 1u << 0,
	NOTIFY_STOPPING = 1u << 1,
	NOTIFY_WATCHDOG = 1u << 2,
	NOTIFY_RELOADING = 1u << 3,
};

struct notify_msg {
	unsigned flags;
	long mainpid;               /* 0: not given */
	uint64_t extend_usec;       /* EXTEND_TIMEOUT_USEC, 0: not given */
	char status[NOTIFY_STATUS_MAX + 1]; /* printable, cut */
};

/* Returns 0 with m filled, or -1 (m is then all zero). */
int notify_parse(char const *buf, size_t len, struct notify_msg *m);

#endif
