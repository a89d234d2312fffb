/* Network bring-up pieces that run inside PID 1: loopback, the host name
 * and the choice of interface.  DHCP itself is busybox udhcpc, run by the
 * boot pipeline as a step with a deadline (pid1.c, pipeline.h), with the
 * script /etc/udhcpc.script from rootfs-overlay. */
#ifndef INITD_NET_H
#define INITD_NET_H

#include <stddef.h>

#define NET_IFNAME_MAX 15

#define NET_SCRIPT_BYTES 16384

/* Sets IFF_UP on ifname ("lo", "eth0").  Returns 0 or a negative errno. */
int net_link_up(char const *ifname);

/* The image's files are all 0644 (image/plan.sh), but udhcpc executes its
 * script: copy src to dst (new, 0700, O_EXCL|O_NOFOLLOW, at most
 * NET_SCRIPT_BYTES).  Returns 0 (also when dst exists) or a negative errno. */
int net_install_script(char const *src, char const *dst);

/* The first (by name) Ethernet interface in sys/class/net, into name
 * (NET_IFNAME_MAX + 1 bytes).  Returns 0, or -ENODEV when there is none. */
int net_pick_interface(char const *sys, char *name);

/* After the first lease: keeps it alive.  The boot pipeline's DHCP step
 * (`udhcpc -q`, done after the first lease) is followed by a supervised
 * `udhcpc -f` on the same interface (static storage) and script, which
 * renews at T1 and rebinds as the lease says; LETHE_DHCP_RENEW=1 in its
 * environment tells the script to keep the address in place (no flush at
 * start or on a renewal of the same address).  Returns 0 or a negative
 * errno. */
struct loop;
int net_renew_add(struct loop *l, char const *ifname, char const *script);

#endif
