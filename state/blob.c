/* blob.c: the blob's bytes (blob.h; the table is in include/lethe_state.h).
 * The additional data of each instance is the whole header and the
 * instance's own name, so a changed counter, rollout, time, node or name
 * makes every tag fail, and no instance can be moved under another's
 * name. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "blob.h"

#define BLOB_MAGIC_LEN (sizeof LETHE_STATE_MAGIC - 1)
#define BLOB_AD_MAX (LETHE_STATE_HEADER + 1 + LETHE_INSTANCE_NAME_MAX)

_Static_assert(BLOB_MAGIC_LEN == 8, "the magic is 8 bytes");
_Static_assert(LETHE_STATE_HEADER == BLOB_MAGIC_LEN + BLOB_NODE + 3 * 8 + 4, "the header of lethe_state.h");
_Static_assert(LETHE_STATE_BLOB_MAX ==
		       LETHE_STATE_HEADER + LETHE_INSTANCES_MAX * (BLOB_ENTRY_FIXED + LETHE_INSTANCE_NAME_MAX + BLOB_CLEN_MAX),
	       "the largest blob: every instance at its largest");
_Static_assert(LETHE_INSTANCES_MAX <= 255 && LETHE_INSTANCE_NAME_MAX <= 255, "one byte each");

static void blob_put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static void blob_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint64_t blob_get64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t blob_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int blob_name_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > LETHE_INSTANCE_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

/* HEADER || nlen || name: what instance NAME's tag covers besides its
 * ciphertext.  Its length. */
static size_t blob_ad(const uint8_t *header, const char *name, size_t nlen, uint8_t ad[BLOB_AD_MAX])
{
	memcpy(ad, header, LETHE_STATE_HEADER);
	ad[LETHE_STATE_HEADER] = (uint8_t)nlen;
	memcpy(ad + LETHE_STATE_HEADER + 1, name, nlen);
	return LETHE_STATE_HEADER + 1 + nlen;
}

size_t blob_size(const struct blob_in *in, size_t n)
{
	size_t i, len = LETHE_STATE_HEADER;

	if (n > LETHE_INSTANCES_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		size_t nlen = strnlen(in[i].name, LETHE_INSTANCE_NAME_MAX + 1);

		if (nlen > LETHE_INSTANCE_NAME_MAX || in[i].len > LETHE_STATE_FILE_MAX)
			return 0;
		len += BLOB_ENTRY_FIXED + nlen + in[i].len + BLOB_TAG;
	}
	return len;
}

int blob_build(const struct blob_head *h, const struct blob_in *in, size_t n, uint8_t *out, size_t cap,
	       size_t *len, char *why, size_t whylen)
{
	uint8_t ad[BLOB_AD_MAX];
	size_t i, j, off, total = blob_size(in, n);

	*len = 0;
	if (n > LETHE_INSTANCES_MAX) {
		snprintf(why, whylen, "%zu instances, at most %d", n, LETHE_INSTANCES_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		size_t nlen = strnlen(in[i].name, LETHE_INSTANCE_NAME_MAX + 1);

		if (!blob_name_valid(in[i].name, nlen)) {
			snprintf(why, whylen, "instance %zu: not a name of 1-%d of [a-z0-9]", i, LETHE_INSTANCE_NAME_MAX);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(in[i].name, in[j].name) == 0) {
				snprintf(why, whylen, "instance %s: twice", in[i].name);
				return -1;
			}
		if (in[i].len > LETHE_STATE_FILE_MAX) {
			snprintf(why, whylen, "instance %s: %zu bytes of state, at most %d", in[i].name, in[i].len,
				 LETHE_STATE_FILE_MAX);
			return -1;
		}
	}
	if (total == 0 || total > cap) {
		snprintf(why, whylen, "the blob would be %zu bytes, the buffer holds %zu", total, cap);
		return -1;
	}
	memcpy(out, LETHE_STATE_MAGIC, BLOB_MAGIC_LEN);
	memcpy(out + 8, h->node, BLOB_NODE);
	blob_put64(out + 40, h->counter);
	blob_put64(out + 48, h->rollout);
	blob_put64(out + 56, h->time);
	out[64] = (uint8_t)n;
	out[65] = out[66] = out[67] = 0;
	off = LETHE_STATE_HEADER;
	for (i = 0; i < n; i++) {
		size_t nlen = strlen(in[i].name), adlen = blob_ad(out, in[i].name, nlen, ad);
		unsigned long long clen = 0;
		uint8_t *nonce, *c;

		out[off++] = (uint8_t)nlen;
		memcpy(out + off, in[i].name, nlen);
		off += nlen;
		blob_put32(out + off, (uint32_t)(in[i].len + BLOB_TAG));
		off += 4;
		nonce = out + off;
		/* random per save: a key encrypts many saves, a 192-bit nonce
		 * never repeats by chance */
		randombytes_buf(nonce, BLOB_NONCE);
		off += BLOB_NONCE;
		c = out + off;
		if (crypto_aead_xchacha20poly1305_ietf_encrypt(c, &clen, in[i].plain, in[i].len, ad, adlen, NULL, nonce,
							       in[i].key) != 0 ||
		    clen != in[i].len + BLOB_TAG) {
			sodium_memzero(out, off);
			snprintf(why, whylen, "instance %s: unable to encrypt", in[i].name);
			return -1;
		}
		off += (size_t)clen;
	}
	*len = off;
	return 0;
}

int blob_parse(const uint8_t *p, size_t len, struct blob *b, char *why, size_t whylen)
{
	size_t i, j, off, count;

	memset(b, 0, sizeof *b);
	if (len < LETHE_STATE_HEADER) {
		snprintf(why, whylen, "%zu bytes, shorter than the %d-byte header", len, LETHE_STATE_HEADER);
		return -1;
	}
	if (len > LETHE_STATE_BLOB_MAX) {
		snprintf(why, whylen, "%zu bytes, more than %d", len, LETHE_STATE_BLOB_MAX);
		return -1;
	}
	if (memcmp(p, LETHE_STATE_MAGIC, BLOB_MAGIC_LEN) != 0) {
		snprintf(why, whylen, "not a state blob (no %s magic)", LETHE_STATE_MAGIC);
		return -1;
	}
	count = p[64];
	if (count > LETHE_INSTANCES_MAX) {
		snprintf(why, whylen, "%zu instances, at most %d", count, LETHE_INSTANCES_MAX);
		return -1;
	}
	if (p[65] || p[66] || p[67]) {
		snprintf(why, whylen, "reserved header bytes are not 0");
		return -1;
	}
	memcpy(b->h.node, p + 8, BLOB_NODE);
	b->h.counter = blob_get64(p + 40);
	b->h.rollout = blob_get64(p + 48);
	b->h.time = blob_get64(p + 56);
	b->raw = p;
	off = LETHE_STATE_HEADER;
	for (i = 0; i < count; i++) {
		struct blob_inst *in = &b->inst[i];
		size_t nlen;
		uint32_t clen;

		if (len - off < 1) {
			snprintf(why, whylen, "instance %zu: cut short", i);
			return -1;
		}
		nlen = p[off++];
		if (len - off < nlen || !blob_name_valid((const char *)p + off, nlen)) {
			snprintf(why, whylen, "instance %zu: not a name of 1-%d of [a-z0-9]", i, LETHE_INSTANCE_NAME_MAX);
			return -1;
		}
		memcpy(in->name, p + off, nlen);
		in->name[nlen] = '\0';
		off += nlen;
		for (j = 0; j < i; j++)
			if (strcmp(in->name, b->inst[j].name) == 0) {
				snprintf(why, whylen, "instance %s: twice", in->name);
				return -1;
			}
		if (len - off < 4 + BLOB_NONCE) {
			snprintf(why, whylen, "instance %s: cut short", in->name);
			return -1;
		}
		clen = blob_get32(p + off);
		off += 4;
		if (clen < BLOB_CLEN_MIN || clen > BLOB_CLEN_MAX) {
			snprintf(why, whylen, "instance %s: %lu bytes of ciphertext, not %d-%d", in->name,
				 (unsigned long)clen, BLOB_CLEN_MIN, BLOB_CLEN_MAX);
			return -1;
		}
		in->nonce = p + off;
		off += BLOB_NONCE;
		if (len - off < clen) {
			snprintf(why, whylen, "instance %s: cut short", in->name);
			return -1;
		}
		in->c = p + off;
		in->clen = clen;
		off += clen;
	}
	if (off != len) {
		snprintf(why, whylen, "%zu bytes after the last instance", len - off);
		return -1;
	}
	b->n = count;
	return 0;
}

int blob_open(const struct blob *b, size_t i, const uint8_t key[BLOB_KEY], uint8_t *out, size_t cap,
	      size_t *len)
{
	const struct blob_inst *in;
	uint8_t ad[BLOB_AD_MAX];
	unsigned long long mlen = 0;
	size_t adlen;

	*len = 0;
	if (i >= b->n)
		return -1;
	in = &b->inst[i];
	if (in->clen < BLOB_TAG || in->clen - BLOB_TAG > cap)
		return -1;
	adlen = blob_ad(b->raw, in->name, strlen(in->name), ad);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &mlen, NULL, in->c, in->clen, ad, adlen, in->nonce,
						       key) != 0) {
		sodium_memzero(out, in->clen - BLOB_TAG);
		return -1;
	}
	*len = (size_t)mlen;
	return 0;
}
