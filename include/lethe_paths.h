/* The contracts between lethe's programs on the relay: every path under
 * /run/lethe, the install paths one program runs another from, the tor
 * instance limits and user layout.  Defined here once; initd, configpull
 * and tpmseal include this header instead of spelling a literal.  Who
 * writes and who reads each path: docs/architecture.md ("/run/lethe"). */
#ifndef LETHE_PATHS_H
#define LETHE_PATHS_H

/* 0711, made by initd: tor, once it is its own user, reaches its keys
 * under it, and lists nothing. */
#define LETHE_RUN "/run/lethe"
/* tpmseal unseal --out: KEYDIR/I/keys per instance I, 0700 uid 100+I */
#define LETHE_KEYDIR LETHE_RUN "/keys"
/* configpull's output directory (02750 root:debian-tor): node.conf,
 * torrc.NAME, approvals, logproofs, etag */
#define LETHE_CONFDIR LETHE_RUN "/config"
#define LETHE_NODECONF LETHE_CONFDIR "/node.conf"
/* configpull (GET /v1/approvals, /v1/logproofs) -> tpmseal unseal/advance */
#define LETHE_APPROVALS_NAME "approvals"
#define LETHE_APPROVALS LETHE_CONFDIR "/" LETHE_APPROVALS_NAME
#define LETHE_LOGPROOFS_NAME "logproofs"
#define LETHE_LOGPROOFS LETHE_CONFDIR "/" LETHE_LOGPROOFS_NAME
/* configpull -> lethe-telemetry (docs/observability.md): the ETag of the
 * document in place, and the newest attestation's outcome, one line:
 * "attested", "off" (the server does not attest pulls) or "refused" */
#define LETHE_ETAG_NAME "etag"
#define LETHE_ATTESTATION_NAME "attestation"
/* configpull: the node certificate the fleet CA signed (enroll, pull) */
#define LETHE_NODE_CERT LETHE_RUN "/node.pem"
/* initd: once per boot, configpull enroll has printed the CSR */
#define LETHE_ENROLLED LETHE_RUN "/enrolled"
/* initd: the sd_notify socket's directory, 0750 root:debian-tor */
#define LETHE_NOTIFY_DIR LETHE_RUN "/notify"
/* initd: the DHCP client's script, 0700 (image files are 0644) */
#define LETHE_UDHCPC_SCRIPT LETHE_RUN "/udhcpc.script"
/* initd: the torrc copies tor runs from and rereads on SIGHUP after
 * dropping root: outside the 0711 LETHE_RUN, 0755 */
#define LETHE_TORRC_DIR "/run/lethe-tor"
/* DataDirectory base: DIR/NAME, 0700, the instance's user */
#define LETHE_TOR_DATA "/var/lib/tor"

/* Read-only parts of the image. */
#define LETHE_RELEASE "/etc/lethe-release"
#define LETHE_POLICY_PUB "/etc/lethe/policy.pub"
/* the transparency log's verifier key (docs/transparency.md): in every
 * authorized-mode image, next to policy.pub */
#define LETHE_LOG_PUB "/etc/lethe/log.pub"
#define LETHE_FLEET_CA "/etc/lethe/fleet-ca.pem"
#define LETHE_UDHCPC_SCRIPT_SRC "/etc/udhcpc.script"
#define LETHE_LIBDIR "/usr/lib/x86_64-linux-gnu"
#define LETHE_TOR_BIN "/usr/bin/tor"
#define LETHE_TPMSEAL_BIN "/usr/bin/tpmseal"
#define LETHE_CONFIGPULL_BIN "/usr/bin/configpull"
#define LETHE_SH_BIN "/usr/bin/sh"
#define LETHE_UDHCPC_BIN "/usr/bin/udhcpc"

/* tor instances: at most 8 per node, named by 1..16 of [a-z0-9].  Instance
 * I (0-based, in the document's order) runs as uid LETHE_TOR_UID + I
 * (rootfs-overlay/etc/passwd: debian-tor, debian-tor1..7), group
 * LETHE_TOR_GID (debian-tor), so one instance cannot read another's keys. */
#define LETHE_INSTANCES_MAX 8
#define LETHE_INSTANCE_NAME_MAX 16
#define LETHE_TOR_UID 100
#define LETHE_TOR_GID 100
#define LETHE_TOR_GROUP "debian-tor"

/* The TCTI configuration string (e.g. "device:/dev/tpmrm0" or
 * "swtpm:port=2321") for configpull and tpmseal, from the environment of
 * tests and operators; on the relay it is unset and both use the kernel's
 * resource manager. */
#define LETHE_TCTI_ENV "LETHE_TCTI"

#endif
