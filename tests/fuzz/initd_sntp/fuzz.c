/* Fuzz target for initd's SNTP reply parser, offset and agreement.
 *
 * Input: 8 bytes of the request's transmit timestamp, then the reply.
 * Checks that an accepted reply has a valid stratum and ordered
 * timestamps, and that a refusal says why and leaves the reply zeroed.
 * Built with -DLETHE_LIBFUZZER this is a libFuzzer target; otherwise
 * main() replays the files (or directories of files) named on the command
 * line. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lethe_exit.h"
#include "sntp.h"

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
	uint8_t *buf = malloc(size ? size : 1);
	struct sntp_reply r;
	char const *why;
	uint64_t xmit = 0;
	int64_t off[SNTP_SERVERS_MAX], m;
	size_t i;

	fuzz_check(buf != NULL);
	memcpy(buf, data, size);
	/* the first 8 bytes are the request's transmit timestamp, the rest
	 * the reply (so the originate check can pass) */
	for (i = 0; i < 8 && i < size; i++)
		xmit = xmit << 8 | buf[i];
	if (size >= 8 && sntp_parse(buf + 8, size - 8, xmit, &r, &why) == 0) {
		fuzz_check(why == NULL);
		fuzz_check(r.stratum >= 1 && r.stratum <= 15);
		fuzz_check(r.tx_ms >= r.rx_ms);
		for (i = 0; i < SNTP_SERVERS_MAX; i++)
			off[i] = sntp_offset_ms(r.rx_ms - (int64_t)i * 7, &r, r.tx_ms + (int64_t)i);
		if (sntp_agree(off, 1 + buf[8] % SNTP_SERVERS_MAX, 2000, &m) == 0)
			fuzz_check(m >= off[0]);
	} else if (size >= 8) {
		fuzz_check(why != NULL);
		fuzz_check(r.rx_ms == 0 && r.tx_ms == 0 && r.stratum == 0);
	}
	free(buf);
	return 0;
}

#define FUZZ_NAME "fuzz_initd_sntp"
#include "../replay.h"
