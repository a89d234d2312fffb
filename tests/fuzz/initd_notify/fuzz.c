/* Fuzz target for initd's sd_notify datagram parser and the allocator
 * check of /proc/PID/maps text.
 *
 * Checks that a parse is all or nothing (a refused datagram leaves the
 * message zeroed), that accepted values are within their documented
 * ranges, and that the status text is printable and bounded.  Built with
 * -DLETHE_LIBFUZZER this is a libFuzzer target; otherwise main() replays
 * the files (or directories of files) named on the command line. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "lethe_exit.h"
#include "notify.h"

#define FUZZ_INPUT_MAX (1u << 16)

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size);

static void fuzz_check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	/* a private copy of exactly size bytes, so over-reads are caught */
	char *buf = malloc(size ? size : 1);
	struct notify_msg m, zero;
	enum alloc_kind k;
	size_t i, n;

	fuzz_check(buf != NULL);
	memcpy(buf, data, size);
	memset(&zero, 0, sizeof zero);
	if (notify_parse(buf, size, &m) < 0) {
		fuzz_check(memcmp(&m, &zero, sizeof m) == 0);
	} else {
		fuzz_check(size > 0 && size <= NOTIFY_MSG_MAX);
		fuzz_check((m.flags & ~(unsigned)(NOTIFY_READY | NOTIFY_STOPPING | NOTIFY_WATCHDOG |
			NOTIFY_RELOADING)) == 0);
		fuzz_check(m.mainpid >= 0 && m.mainpid <= 4194304);
		fuzz_check(m.extend_usec <= 3600000000u);
		n = strnlen(m.status, sizeof m.status);
		fuzz_check(n <= NOTIFY_STATUS_MAX);
		for (i = 0; i < n; i++)
			fuzz_check(m.status[i] >= 0x20 && m.status[i] < 0x7f);
	}
	k = alloc_from_maps(buf, size);
	fuzz_check(k == ALLOC_GLIBC || k == ALLOC_JEMALLOC || k == ALLOC_MIMALLOC);
	free(buf);
	return 0;
}

#define FUZZ_NAME "fuzz_initd_notify"
#include "../replay.h"
