/* bundle: marshal and strictly parse the sealed payload (format in bundle.h).
 * The parser is fed whatever the NV index holds, so it trusts no byte: every
 * length is bounded before use and the record must end exactly where its
 * header says. */
#include <string.h>

#include <sodium.h>

#include "bundle.h"

static const uint8_t bundle_magic[4] = { 'L', 'T', 'S', 'B' };
#define BUNDLE_VERSION 1
#define BUNDLE_FLAG_FAMILY 0x01

struct bundle *bundle_new(void)
{
	struct bundle *b;

	if (sodium_init() < 0)
		return NULL;
	b = sodium_malloc(sizeof *b);
	if (b)
		sodium_memzero(b, sizeof *b);
	return b;
}

void bundle_free(struct bundle *b)
{
	if (b)
		sodium_free(b);  /* wipes before unmapping */
}

int bundle_name_ok(const char *name)
{
	size_t i, n = strnlen(name, BUNDLE_NAME_MAX + 1);

	if (n == 0 || n > BUNDLE_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* A prime field: 1..BUNDLE_PRIME_MAX bytes, no leading zero byte, so each
 * key has exactly one encoding and re-marshalling is byte-identical. */
static int bundle_prime_ok(const uint8_t *v, size_t n)
{
	return n >= 1 && n <= BUNDLE_PRIME_MAX && v[0] != 0;
}

static int bundle_valid(const struct bundle *b)
{
	unsigned i;

	if (b->count < 1 || b->count > TPMSEAL_MAX_INSTANCES)
		return 0;
	for (i = 0; i < b->count; i++)
		if (!bundle_prime_ok(b->inst[i].p, b->inst[i].plen) ||
		    !bundle_prime_ok(b->inst[i].q, b->inst[i].qlen))
			return 0;
	if (b->has_family && !bundle_name_ok(b->family_name))
		return 0;
	return 1;
}

size_t bundle_marshal(const struct bundle *b, uint8_t *out, size_t cap)
{
	size_t len = BUNDLE_HEADER_BYTES, off, nlen = 0;
	unsigned i;

	if (!bundle_valid(b))
		return 0;
	for (i = 0; i < b->count; i++)
		len += 2u + b->inst[i].plen + b->inst[i].qlen + BUNDLE_ED_BYTES;
	if (b->has_family) {
		nlen = strlen(b->family_name);
		len += 1u + nlen + BUNDLE_ED_BYTES;
	}
	len += BUNDLE_MAC_BYTES;
	if (len > cap || len > BUNDLE_MAX_BYTES)
		return 0;

	memcpy(out, bundle_magic, 4);
	out[4] = BUNDLE_VERSION;
	out[5] = b->has_family ? BUNDLE_FLAG_FAMILY : 0;
	out[6] = (uint8_t)b->count;
	out[7] = 0;
	out[8] = (uint8_t)(len >> 8);
	out[9] = (uint8_t)len;
	out[10] = out[11] = 0;
	off = BUNDLE_HEADER_BYTES;
	for (i = 0; i < b->count; i++) {
		const struct bundle_instance *in = &b->inst[i];
		out[off++] = in->plen;
		memcpy(out + off, in->p, in->plen);
		off += in->plen;
		out[off++] = in->qlen;
		memcpy(out + off, in->q, in->qlen);
		off += in->qlen;
		memcpy(out + off, in->ed, BUNDLE_ED_BYTES);
		off += BUNDLE_ED_BYTES;
	}
	if (b->has_family) {
		out[off++] = (uint8_t)nlen;
		memcpy(out + off, b->family_name, nlen);
		off += nlen;
		memcpy(out + off, b->family, BUNDLE_ED_BYTES);
		off += BUNDLE_ED_BYTES;
	}
	crypto_generichash(out + off, BUNDLE_MAC_BYTES, out, off, NULL, 0);
	return len;
}

size_t bundle_peek_length(const uint8_t *p, size_t n)
{
	size_t len;

	if (n < BUNDLE_HEADER_BYTES || memcmp(p, bundle_magic, 4) || p[4] != BUNDLE_VERSION)
		return 0;
	len = (size_t)p[8] << 8 | p[9];
	if (len < BUNDLE_HEADER_BYTES + BUNDLE_MAC_BYTES || len > BUNDLE_MAX_BYTES)
		return 0;
	return len;
}

/* Takes n bytes at *off from a record whose checked body ends at end. */
static int bundle_take(const uint8_t *p, size_t end, size_t *off, void *dst, size_t n)
{
	if (n > end - *off)
		return -1;
	memcpy(dst, p + *off, n);
	*off += n;
	return 0;
}

int bundle_unmarshal(const uint8_t *p, size_t n, struct bundle *b)
{
	uint8_t mac[BUNDLE_MAC_BYTES], u8;
	size_t len, end, off = BUNDLE_HEADER_BYTES;
	unsigned i;

	sodium_memzero(b, sizeof *b);
	len = bundle_peek_length(p, n);
	if (len == 0 || len != n)
		goto fail;
	if ((p[5] & ~BUNDLE_FLAG_FAMILY) || p[7] || p[10] || p[11])
		goto fail;
	if (p[6] < 1 || p[6] > TPMSEAL_MAX_INSTANCES)
		goto fail;
	end = len - BUNDLE_MAC_BYTES;
	crypto_generichash(mac, sizeof mac, p, end, NULL, 0);
	if (sodium_memcmp(mac, p + end, sizeof mac))
		goto fail;

	b->count = p[6];
	b->has_family = p[5] & BUNDLE_FLAG_FAMILY;
	for (i = 0; i < b->count; i++) {
		struct bundle_instance *in = &b->inst[i];
		if (bundle_take(p, end, &off, &u8, 1) || u8 > BUNDLE_PRIME_MAX)
			goto fail;
		in->plen = u8;
		if (bundle_take(p, end, &off, in->p, u8) ||
		    bundle_take(p, end, &off, &u8, 1) || u8 > BUNDLE_PRIME_MAX)
			goto fail;
		in->qlen = u8;
		if (bundle_take(p, end, &off, in->q, u8) ||
		    bundle_take(p, end, &off, in->ed, BUNDLE_ED_BYTES))
			goto fail;
	}
	if (b->has_family) {
		if (bundle_take(p, end, &off, &u8, 1) || u8 > BUNDLE_NAME_MAX ||
		    bundle_take(p, end, &off, b->family_name, u8))
			goto fail;
		b->family_name[u8] = '\0';
		if (strlen(b->family_name) != u8)
			goto fail;
		if (bundle_take(p, end, &off, b->family, BUNDLE_ED_BYTES))
			goto fail;
	}
	if (off != end || !bundle_valid(b))
		goto fail;
	return 0;
fail:
	sodium_memzero(b, sizeof *b);
	return -1;
}
