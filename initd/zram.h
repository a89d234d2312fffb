/* Compressed swap in RAM (zram), when node.conf asks for it (the default:
 * a quarter of RAM, zstd; docs/performance.md): the module, the
 * algorithm, the size, a swap header written here (busybox in the image
 * has no mkswap) and swapon(2).  Applied once, after the first successful
 * configpull; every failure is logged and never fatal. */
#ifndef INITD_ZRAM_H
#define INITD_ZRAM_H

#include <stddef.h>
#include <stdint.h>

#define ZRAM_SWAP_PRIO 100
/* with zram, swapping is cheap (compression, no disk): as willing to swap
 * anonymous pages as to drop caches; no readahead clusters */
#define ZRAM_SWAPPINESS "100"
#define ZRAM_PAGE_CLUSTER "0"

struct zram_paths {
	char const *block;   /* /sys/block/zram0 */
	char const *dev;     /* /dev/zram0 */
	char const *moddir;  /* /usr/lib/modules/<release>, NULL: load nothing */
	char const *proc_sys;/* /proc/sys, NULL: leave the vm sysctls */
	int swapon;          /* 0 in tests */
};

/* A version-1 swap header ("SWAPSPACE2" at the page's end) for a device of
 * pages pages into page (page_size bytes, 4096..65536).  Returns 0, or -1
 * when pages < 10 or pages - 1 does not fit 32 bits. */
int zram_swap_header(unsigned char *page, size_t page_size, uint64_t pages,
	unsigned char const uuid[16]);

/* Sets zram up as described above.  Returns 0 or a negative errno. */
int zram_setup(struct zram_paths const *p, char const *alg, uint64_t size_mib);

#endif
