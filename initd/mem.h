/* Memory and CPU sizing of the tor instances, as pure functions over
 * bounded text (unit-tested): MemTotal from /proc/meminfo, the
 * per-instance MaxMemInQueues lethe appends to a torrc that does not set
 * it (docs/performance.md), the instances' CPU sets, and the zram size. */
#ifndef INITD_MEM_H
#define INITD_MEM_H

#include <stddef.h>
#include <stdint.h>

#define MEM_MEMINFO_BYTES 8192
#define MEM_MIB ((uint64_t)1 << 20)
/* MaxMemInQueues bounds, MiB (tor's "MB" is 2^20 bytes) */
#define MEM_QUEUES_MIN_MIB 256u
#define MEM_QUEUES_MAX_MIB 8192u
/* what the kernel, initd and the helpers keep, out of MemTotal */
#define MEM_RESERVE_MIB 1024u

/* The value of the "KEY: N kB" line of /proc/meminfo or /proc/PID/status
 * text (key with its colon: "MemTotal:", "VmRSS:"), in KiB.  Returns 0, or
 * -1 when the line is missing or malformed (key, spaces or tabs, 1..13
 * digits, " kB"). */
int mem_parse_kb(char const *text, size_t len, char const *key, uint64_t *kib);

/* (total - MEM_RESERVE_MIB) / n / 2, clamped to [MEM_QUEUES_MIN_MIB,
 * MEM_QUEUES_MAX_MIB]; in MiB.  n 0 counts as 1. */
uint32_t mem_queues_mib(uint64_t total_kib, unsigned n);

/* Nonzero when the torrc text sets option name (tor's rules: the first
 * word of a line, case-insensitive, an optional '+' or '/' before it). */
int mem_torrc_sets(char const *text, size_t len, char const *name);

/* The CPU set of instance k of n on a machine with cores CPUs (the first
 * 64): round-robin, core c goes to instance c % n, so the sets are
 * disjoint; 0 (no pinning) unless cores >= 2 * n. */
uint64_t mem_cpus(unsigned k, unsigned n, unsigned cores);

/* The zram disk size in MiB: want, or with want 0 (auto) a quarter of
 * MemTotal; at least 16 MiB, at most MemTotal. */
uint64_t mem_zram_mib(uint64_t total_kib, uint32_t want_mib);

#endif
