#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <unistd.h>

#include "log.h"
#include "modules.h"
#include "zram.h"

int zram_swap_header(unsigned char *page, size_t page_size, uint64_t pages,
	unsigned char const uuid[16])
{
	uint32_t v[3];

	if (page_size < 4096 || page_size > 65536 || pages < 10 || pages - 1 > UINT32_MAX)
		return -1;
	memset(page, 0, page_size);
	/* union swap_header: 1024 boot bytes, then version, last_page,
	 * nr_badpages, the uuid, the volume label */
	v[0] = 1;
	v[1] = (uint32_t)(pages - 1);
	v[2] = 0;
	memcpy(page + 1024, v, sizeof v);
	memcpy(page + 1024 + sizeof v, uuid, 16);
	memcpy(page + 1024 + sizeof v + 16, "lethe-zram", 10);
	memcpy(page + page_size - 10, "SWAPSPACE2", 10);
	return 0;
}

static int zram_write(char const *dir, char const *file, char const *value)
{
	char path[256];
	size_t len = strlen(value);
	int fd, r = 0;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path)
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (write(fd, value, len) != (ssize_t)len)
		r = errno ? -errno : -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

int zram_setup(struct zram_paths const *p, char const *alg, uint64_t size_mib)
{
	static unsigned char page[65536];
	unsigned char uuid[16] = { 0 };
	char num[32];
	long ps = sysconf(_SC_PAGESIZE);
	uint64_t bytes = size_mib << 20;
	int fd, r;

	if (ps < 4096 || ps > 65536)
		ps = 4096;
	if (access(p->block, F_OK) < 0 && p->moddir)
		modules_load_name(p->moddir, "zram");
	if (access(p->block, F_OK) < 0) {
		log_warn("zram: no %s: %s", p->block, strerror(errno));
		return -ENODEV;
	}
	/* the algorithm's module is asked for through request_module, which
	 * has no modprobe to call here: load it first */
	if (strcmp(alg, "lzo-rle") != 0 && p->moddir)
		modules_load_name(p->moddir, alg);
	r = zram_write(p->block, "comp_algorithm", alg);
	if (r < 0)
		log_warn("zram: unable to select %s: %s; the kernel's default stays", alg,
			strerror(-r));
	snprintf(num, sizeof num, "%llu", (unsigned long long)bytes);
	r = zram_write(p->block, "disksize", num);
	if (r < 0) {
		log_warn("zram: unable to set its size to %llu MiB: %s", (unsigned long long)size_mib,
			strerror(-r));
		return r;
	}
	/* the uuid stays zero: nothing here reads it (the kernel does not) */
	if (zram_swap_header(page, (size_t)ps, bytes / (uint64_t)ps, uuid) < 0)
		return -EINVAL;
	fd = open(p->dev, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		r = -errno;
		log_warn("zram: unable to open %s: %s", p->dev, strerror(errno));
		return r;
	}
	r = write(fd, page, (size_t)ps) == ps ? 0 : (errno ? -errno : -EIO);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0) {
		log_warn("zram: unable to write the swap header: %s", strerror(-r));
		return r;
	}
	if (p->swapon && swapon(p->dev, SWAP_FLAG_PREFER |
	    ((ZRAM_SWAP_PRIO << SWAP_FLAG_PRIO_SHIFT) & SWAP_FLAG_PRIO_MASK)) < 0) {
		r = -errno;
		log_warn("zram: unable to swapon %s: %s", p->dev, strerror(errno));
		return r;
	}
	if (p->proc_sys) {
		if (zram_write(p->proc_sys, "vm/swappiness", ZRAM_SWAPPINESS) < 0 ||
		    zram_write(p->proc_sys, "vm/page-cluster", ZRAM_PAGE_CLUSTER) < 0)
			log_warn("zram: unable to set vm.swappiness/vm.page-cluster");
	}
	log_info("zram: %llu MiB swap, %s, priority %d", (unsigned long long)size_mib, alg,
		ZRAM_SWAP_PRIO);
	return 0;
}
