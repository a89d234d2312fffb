/* What the node says about itself, read when a report or a metrics push is
 * made: /proc, /sys, the status file, configpull's outputs, the release
 * file, tor's fingerprints.  Every read is bounded and every value checked
 * against the report's bounds; what cannot be read is marked absent (the
 * report leaves it out rather than send a made-up value). */
#ifndef TELEMETRY_PROBE_H
#define TELEMETRY_PROBE_H

#include <stddef.h>
#include <sys/types.h>

#include "status.h"
#include "telemetry.h"

#define PROBE_VERSION_MAX 64
#define PROBE_ETAG_MAX 128

/* Where to read: the relay's paths by default (main.c). */
struct probe_paths {
	const char *status;   /* initd's status file */
	const char *conf_dir; /* configpull's outputs: node.conf, etag, attestation */
	const char *release;  /* LETHE_VERSION, LETHE_EPOCH */
	const char *data_dir; /* tor's DataDirectory base: NAME/fingerprint */
	const char *proc;     /* /proc */
	const char *sys;      /* /sys */
};

struct probe {
	int have_boot_id, have_uptime, have_image, have_wanted, have_mem, have_psi;
	char boot_id[37];
	long long uptime_s;
	char image[PROBE_VERSION_MAX + 1];
	long long epoch;                          /* LETHE_EPOCH, 0: unknown */
	char image_wanted[PROBE_VERSION_MAX + 1]; /* "": node.conf has no hint */
	char attestation[16];
	char etag[PROBE_ETAG_MAX + 1];
	long long mem_total_kib, mem_available_kib, swap_total_kib, swap_free_kib;
	double psi_some_avg10, psi_full_avg10;
	long long zram_disksize, zram_orig, zram_compr; /* 0 without zram */
	char fingerprint[LETHE_INSTANCES_MAX][41];      /* "": none yet */
	long long rss_kib[LETHE_INSTANCES_MAX];          /* 0: not up */
};

/* Reads FILE into BUF (at most CAP - 1 bytes, then a NUL): the length, or
 * -1 (errno set).  Bounded: a longer file reads as its first CAP - 1 bytes. */
ssize_t probe_read(const char *path, char *buf, size_t cap);

/* The status file at PATH into ST: 1 read, 0 absent, -1 refused (WHY). */
int probe_status(const char *path, struct status *st, char *why, size_t whylen);

/* Everything else, for the instances of ST. */
void probe_node(const struct probe_paths *pp, const struct status *st, struct probe *p);

/* configpull's newest attestation outcome (LETHE_ATTESTATION_NAME in
 * CONF_DIR): "attested", "refused", "off", else "unknown". */
void probe_attestation(const char *conf_dir, char out[16]);

/* The agent's own resident set (/proc/self/status VmRSS), KiB; 0 unknown. */
long long probe_self_rss_kib(void);

/* Parsers of the files above, for the unit tests. */
int probe_parse_meminfo(const char *text, struct probe *p);
int probe_parse_psi(const char *text, double *some, double *full);
long long probe_parse_vmrss(const char *text);
int probe_parse_fingerprint(const char *text, char out[41]);
int probe_version_chars(const char *s, size_t n);
long long probe_parse_epoch(const char *release);

#endif
