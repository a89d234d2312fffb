/* Fuzz target for initd's node.conf parser and the torrc comparison
 * (SIGHUP or restart).
 *
 * Checks that accepted values are within their documented ranges, that a
 * refusal always says why, and that a text compared with itself is SAME.
 * Built with -DLETHE_LIBFUZZER this is a libFuzzer target; otherwise
 * main() replays the files (or directories of files) named on the command
 * line. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lethe_exit.h"
#include "mem.h"
#include "nodeconf.h"

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
	struct nodeconf nc;
	struct nodeconf_error err;
	enum torrc_change c;
	size_t i, half = size / 2;

	fuzz_check(buf != NULL);
	memcpy(buf, data, size);
	if (nodeconf_parse(buf, size, &nc, &err) == 0) {
		fuzz_check(nc.refresh_s >= 60 && nc.refresh_s <= 86400);
		fuzz_check(nc.n >= 1 && nc.n <= NODECONF_INSTANCES_MAX);
		for (i = 0; i < nc.n; i++)
			fuzz_check(strlen(nc.name[i]) >= 1 && strlen(nc.name[i]) <= NODECONF_NAME_MAX);
		fuzz_check(nc.zram_size_mib == 0 || (nc.zram_size_mib >= 16 && nc.zram_size_mib <= 65536));
		/* forwarders exactly when forwarding, within the bound */
		fuzz_check(nc.nfwd <= LETHE_DNS_FORWARDERS_MAX &&
			(nc.dns == NODECONF_DNS_FORWARD) == (nc.nfwd > 0));
		/* what initd writes to /proc/sys and configures: checked again */
		fuzz_check(nc.nsys <= LETHE_SYSCTLS_MAX);
		for (i = 0; i < nc.nsys; i++) {
			struct lethe_sysctl_rule const *r = lethe_sysctl_rule(nc.sys[i].name);

			fuzz_check(r && !lethe_sysctl_value_check(r, nc.sys[i].value));
		}
		for (i = 0; i < nc.n; i++) {
			unsigned char a[16];
			unsigned prefix;
			size_t j;
			int fam;

			fuzz_check(nc.naddr[i] <= NODECONF_ADDRS_MAX);
			for (j = 0; j < nc.naddr[i]; j++)
				fuzz_check(nodeconf_addr_parse(nc.addr[i][j], &fam, a, &prefix) == 0);
		}
	} else {
		fuzz_check(err.what != NULL);
	}
	/* the two halves as old and new torrc; equal texts are always SAME */
	c = torrc_compare(buf, half, buf + half, size - half);
	fuzz_check(c == TORRC_SAME || c == TORRC_RELOAD || c == TORRC_RESTART);
	fuzz_check(torrc_compare(buf, size, buf, size) == TORRC_SAME);
	/* what initd reads besides: the torrc's own MaxMemInQueues, and
	 * /proc/meminfo and /proc/self/status lines */
	(void)mem_torrc_sets(buf, size, "MaxMemInQueues");
	{
		uint64_t kib;

		if (mem_parse_kb(buf, size, "MemTotal:", &kib) == 0)
			fuzz_check(kib < 10000000000000ull);
		(void)mem_parse_kb(buf, size, "VmRSS:", &kib);
	}
	free(buf);
	return 0;
}

#define FUZZ_NAME "fuzz_initd_nodeconf"
#include "../replay.h"
