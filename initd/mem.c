#include <string.h>
#include <strings.h>

#include "mem.h"

int mem_parse_kb(char const *text, size_t len, char const *key, uint64_t *kib)
{
	size_t klen = strlen(key), b = 0;

	while (b < len) {
		char const *nl = memchr(text + b, '\n', len - b);
		size_t e = nl ? (size_t)(nl - text) : len, i = b + klen, d;
		uint64_t v = 0;

		if (e - b >= klen && memcmp(text + b, key, klen) == 0) {
			while (i < e && (text[i] == ' ' || text[i] == '\t'))
				i++;
			for (d = i; i < e && text[i] >= '0' && text[i] <= '9' && i - d < 13; i++)
				v = v * 10 + (uint64_t)(text[i] - '0');
			if (i == d || e - i != 3 || memcmp(text + i, " kB", 3) != 0)
				return -1;
			*kib = v;
			return 0;
		}
		b = e + 1;
	}
	return -1;
}

uint32_t mem_queues_mib(uint64_t total_kib, unsigned n)
{
	uint64_t mib = total_kib / 1024u, q;

	if (n == 0)
		n = 1;
	q = mib > MEM_RESERVE_MIB ? (mib - MEM_RESERVE_MIB) / n / 2u : 0;
	if (q < MEM_QUEUES_MIN_MIB)
		q = MEM_QUEUES_MIN_MIB;
	if (q > MEM_QUEUES_MAX_MIB)
		q = MEM_QUEUES_MAX_MIB;
	return (uint32_t)q;
}

int mem_torrc_sets(char const *text, size_t len, char const *name)
{
	size_t nlen = strlen(name), b = 0;

	while (b < len) {
		char const *nl = memchr(text + b, '\n', len - b);
		size_t e = nl ? (size_t)(nl - text) : len, i = b;

		while (i < e && (text[i] == ' ' || text[i] == '\t'))
			i++;
		if (i < e && (text[i] == '+' || text[i] == '/'))
			i++;
		if (e - i >= nlen && strncasecmp(text + i, name, nlen) == 0 &&
		    (e - i == nlen || text[i + nlen] == ' ' || text[i + nlen] == '\t' ||
		     text[i + nlen] == '\r'))
			return 1;
		b = e + 1;
	}
	return 0;
}

uint64_t mem_cpus(unsigned k, unsigned n, unsigned cores)
{
	uint64_t set = 0;
	unsigned c;

	if (n == 0 || k >= n || cores < 2u * n)
		return 0;
	for (c = k; c < cores && c < 64; c += n)
		set |= (uint64_t)1 << c;
	return set;
}

uint64_t mem_zram_mib(uint64_t total_kib, uint32_t want_mib)
{
	uint64_t total = total_kib / 1024u, z = want_mib ? want_mib : total / 4u;

	if (z > total)
		z = total;
	if (z < 16)
		z = 16;
	return z;
}
