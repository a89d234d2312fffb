/* Fuzz harness for the signed-note verifier-key parser (/etc/lethe/log.pub,
 * read by tpmseal on the node): whatever it accepts has a valid name, and
 * its key id is the one computed from the name and key, so that the
 * parsed key renders back to the same line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tlog.h"

#define FUZZ_NAME "fuzz_tlog_vkey"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[TLOG_NAME_MAX + 64];
	struct tlog_vkey k;
	uint8_t raw[33];
	char err[256], b64[64];
	size_t n;

	if (sodium_init() < 0)
		abort();
	if (tlog_vkey_parse((const char *)data, size, &k, err, sizeof err)) {
		if (strlen(err) == 0)
			abort();
		return 0;
	}
	if (!tlog_name_ok(k.name, strlen(k.name)))
		abort();
	raw[0] = 0x01;
	memcpy(raw + 1, k.pub, 32);
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
	n = (size_t)snprintf(line, sizeof line, "%s+%02x%02x%02x%02x+%s", k.name, k.id[0], k.id[1], k.id[2],
			     k.id[3], b64);
	/* one spelling: the line, with or without its final newline */
	if (!(size == n || (size == n + 1 && data[n] == '\n')) || memcmp(line, data, n) != 0)
		abort();
	return 0;
}

#include "../replay.h"
