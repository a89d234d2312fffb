/* pubinfo: render and strictly parse the public record (format in
 * pubinfo.h).  No secrets pass through here. */
#include <string.h>

#include <sodium.h>

#include "pubinfo.h"

static const uint8_t pubinfo_magic[4] = { 'L', 'T', 'P', 'I' };

int pubinfo_from_bundle(const struct bundle *b, uint8_t mode, uint32_t mask, struct pubinfo *pi)
{
	struct keydir_ids ids[TPMSEAL_MAX_INSTANCES];
	char fam[TORKEY_ED_ID_B64];
	size_t bin;
	unsigned i;

	memset(pi, 0, sizeof *pi);
	if (keydir_identities(b, ids, fam))
		return -1;
	pi->mode = mode;
	pi->mask = mode == 1 ? mask : 0;
	pi->count = b->count;
	for (i = 0; i < b->count; i++) {
		if (sodium_hex2bin(pi->rsa[i], 20, ids[i].rsa, 40, NULL, &bin, NULL) || bin != 20 ||
		    torkey_ed_public(b->inst[i].ed, pi->ed[i]))
			return -1;
	}
	if (b->has_family) {
		pi->has_family = 1;
		memcpy(pi->family_name, b->family_name, sizeof pi->family_name);
		if (torkey_ed_public(b->family, pi->family))
			return -1;
	}
	return 0;
}

size_t pubinfo_render(const struct pubinfo *pi, uint8_t *out, size_t cap)
{
	size_t len = 12 + pi->count * 52u, off = 12, nlen = 0;
	unsigned i;

	if (pi->count < 1 || pi->count > TPMSEAL_MAX_INSTANCES || (pi->mode != 1 && pi->mode != 2))
		return 0;
	if (pi->has_family) {
		if (!bundle_name_ok(pi->family_name))
			return 0;
		nlen = strlen(pi->family_name);
		len += 1 + nlen + 32;
	}
	if (len > cap)
		return 0;
	memcpy(out, pubinfo_magic, 4);
	out[4] = 1;
	out[5] = pi->mode;
	out[6] = (uint8_t)pi->count;
	out[7] = pi->has_family ? 1 : 0;
	out[8] = (uint8_t)(pi->mask >> 24);
	out[9] = (uint8_t)(pi->mask >> 16);
	out[10] = (uint8_t)(pi->mask >> 8);
	out[11] = (uint8_t)pi->mask;
	for (i = 0; i < pi->count; i++) {
		memcpy(out + off, pi->rsa[i], 20);
		memcpy(out + off + 20, pi->ed[i], 32);
		off += 52;
	}
	if (pi->has_family) {
		out[off++] = (uint8_t)nlen;
		memcpy(out + off, pi->family_name, nlen);
		off += nlen;
		memcpy(out + off, pi->family, 32);
	}
	return len;
}

int pubinfo_parse(const uint8_t *p, size_t n, struct pubinfo *pi)
{
	size_t off = 12, nlen;
	unsigned i;

	memset(pi, 0, sizeof *pi);
	if (n < 12 || n > PUBINFO_MAX_BYTES || memcmp(p, pubinfo_magic, 4) || p[4] != 1 ||
	    (p[5] != 1 && p[5] != 2) || p[6] < 1 || p[6] > TPMSEAL_MAX_INSTANCES || (p[7] & ~1u))
		goto fail;
	pi->mode = p[5];
	pi->count = p[6];
	pi->has_family = p[7] & 1;
	pi->mask = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
	if ((pi->mode == 1) != (pi->mask != 0) || pi->mask >> 24)
		goto fail;
	if (n - off < pi->count * 52u)
		goto fail;
	for (i = 0; i < pi->count; i++) {
		memcpy(pi->rsa[i], p + off, 20);
		memcpy(pi->ed[i], p + off + 20, 32);
		off += 52;
	}
	if (pi->has_family) {
		if (off >= n)
			goto fail;
		nlen = p[off++];
		if (nlen > BUNDLE_NAME_MAX || n - off < nlen + 32)
			goto fail;
		memcpy(pi->family_name, p + off, nlen);
		pi->family_name[nlen] = '\0';
		if (!bundle_name_ok(pi->family_name) || strlen(pi->family_name) != nlen)
			goto fail;
		off += nlen;
		memcpy(pi->family, p + off, 32);
		off += 32;
	}
	if (off != n)
		goto fail;
	return 0;
fail:
	memset(pi, 0, sizeof *pi);
	return -1;
}

void pubinfo_ids(const struct pubinfo *pi, unsigned i, struct keydir_ids *ids)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned k;

	for (k = 0; k < 20; k++) {
		ids->rsa[2 * k] = hex[pi->rsa[i][k] >> 4];
		ids->rsa[2 * k + 1] = hex[pi->rsa[i][k] & 15];
	}
	ids->rsa[40] = '\0';
	torkey_ed_id(pi->ed[i], ids->ed);
}
