/* SHA-256 PCR arithmetic, see pcr.h. */
#include <string.h>

#include <openssl/sha.h>

#include "pcr.h"

void pcr_sha256(const void *p, size_t n, uint8_t out[PCR_BYTES])
{
	SHA256(p, n, out);
}

void pcr_extend(uint8_t pcr[PCR_BYTES], const uint8_t digest[PCR_BYTES])
{
	uint8_t buf[2 * PCR_BYTES];

	memcpy(buf, pcr, PCR_BYTES);
	memcpy(buf + PCR_BYTES, digest, PCR_BYTES);
	SHA256(buf, sizeof buf, pcr);
}

void pcr_measure(uint8_t pcr[PCR_BYTES], const void *data, size_t n)
{
	uint8_t d[PCR_BYTES];

	pcr_sha256(data, n, d);
	pcr_extend(pcr, d);
}

void pcr_hex(const uint8_t d[PCR_BYTES], char out[PCR_HEX_BYTES])
{
	static const char x[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < PCR_BYTES; i++) {
		out[2 * i] = x[d[i] >> 4];
		out[2 * i + 1] = x[d[i] & 15];
	}
	out[2 * PCR_BYTES] = 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int pcr_parse_hex(const char *s, size_t n, uint8_t out[PCR_BYTES])
{
	size_t i;

	if (n != 2 * PCR_BYTES)
		return -1;
	for (i = 0; i < PCR_BYTES; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
