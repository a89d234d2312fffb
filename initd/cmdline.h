/* The kernel command line's lethe.* parameters, parsed strictly.
 *
 * Words are split as the kernel splits them: on spaces, tabs and newlines,
 * with double quotes grouping (and removed); "--" ends the kernel's part.
 * Words that do not start with "lethe." belong to the kernel or to others
 * and are ignored.  Every lethe.* word is checked in full: an unknown name,
 * a missing or malformed value, a value on a flag, or a name given twice is
 * reported as an error and leaves that setting at its default; nothing is
 * guessed.
 *
 *   lethe.config=https://...   node configuration URL (https only, printable,
 *                              1..CMDLINE_URL_MAX bytes)
 *   lethe.net=dhcp|static|none network mode (default dhcp)
 *   lethe.ip=A.B.C.D/P         static address and prefix (1..32)
 *   lethe.gw=A.B.C.D           static gateway
 *   lethe.dns=A.B.C.D          static resolver
 *   lethe.hostname=NAME        RFC 1123 name, 1..CMDLINE_HOST_MAX bytes
 *   lethe.ntp=H[,H...]         up to CMDLINE_NTP_MAX SNTP servers (IPv4
 *                              addresses or host names)
 *   lethe.netwait=SECONDS      link and lease deadline, 1..3600 (default 60)
 *   lethe.debug                more log lines
 *   lethe.rescue               a shell on the console, nothing unsealed
 *   lethe.pcrs=N[,N...]        the literal PCR set of tpmseal's authority
 *                              mode (provision and unseal): ascending
 *                              numbers 0..23 (default 7,13: stboot; QEMU
 *                              direct-boot tests use 7,9)
 *   lethe.offline              tor runs with DisableNetwork 1 (demos, tests:
 *                              the relay never touches the Tor network)
 *   lethe.testnet=A.B.C.D:OR:DIR:V3IDENT:FPR
 *                              tor joins a private test network instead of
 *                              the public one: TestingTorNetwork 1 and one
 *                              DirAuthority (IPv4 address, ORPort and DirPort
 *                              1..65535, v3 identity and RSA fingerprint: 40
 *                              hex digits each, kept in upper case).  Only the
 *                              operator's (signed, measured) command line can
 *                              say this; the config server never can.
 *
 * Cross checks: lethe.net=static needs lethe.ip; lethe.ip, lethe.gw and
 * lethe.dns need lethe.net=static; lethe.offline and lethe.testnet exclude
 * each other: that is an error, lethe.testnet is dropped and lethe.offline
 * kept (the safer reading: tor touches no network at all). */
#ifndef INITD_CMDLINE_H
#define INITD_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

#define CMDLINE_BYTES 4096     /* more than x86's COMMAND_LINE_SIZE (2048) */
#define CMDLINE_URL_MAX 512
#define CMDLINE_HOST_MAX 253
#define CMDLINE_NTP_MAX 4
#define CMDLINE_NETWAIT_MAX 3600
#define CMDLINE_NETWAIT_DEFAULT 60
#define CMDLINE_PCRS_MAX 63     /* "0,1,...,23" is 61 bytes */
#define CMDLINE_PCRS_DEFAULT "7,13"
#define CMDLINE_HEX_ID 40      /* a v3ident or an RSA fingerprint, hex digits */
#define CMDLINE_WORD_SHOWN 48  /* bytes of an offending word kept for the report */

enum cmdline_net {
	CMDLINE_NET_DHCP,
	CMDLINE_NET_STATIC,
	CMDLINE_NET_NONE,
};

struct cmdline {
	char config_url[CMDLINE_URL_MAX + 1];
	enum cmdline_net net;
	uint8_t ip[4];
	unsigned prefix;           /* 0: no lethe.ip */
	uint8_t gw[4];
	int has_gw;
	uint8_t dns[4];
	int has_dns;
	char hostname[CMDLINE_HOST_MAX + 1];
	char ntp[CMDLINE_NTP_MAX][CMDLINE_HOST_MAX + 1];
	size_t ntp_n;
	unsigned netwait_s;
	int debug;
	int rescue;
	char pcrs[CMDLINE_PCRS_MAX + 1]; /* validated: "N,N,..." ascending */
	int offline;
	int testnet;               /* lethe.testnet given and valid */
	uint8_t tn_ip[4];
	unsigned tn_orport, tn_dirport;
	char tn_v3ident[CMDLINE_HEX_ID + 1];
	char tn_fpr[CMDLINE_HEX_ID + 1];
};

struct cmdline_error {
	char word[CMDLINE_WORD_SHOWN + 1]; /* printable, cut if longer */
	char const *what;                  /* static string */
};

/* Parses len bytes of buf (not NUL-terminated; NUL bytes are errors).  c
 * gets the defaults first, then every valid parameter.  The first errs_max
 * errors go to errs.  Returns the number of errors (0: all good), which may
 * exceed errs_max; a line longer than CMDLINE_BYTES is one error and
 * nothing of it is used. */
size_t cmdline_parse(char const *buf, size_t len, struct cmdline *c,
	struct cmdline_error *errs, size_t errs_max);


#endif
