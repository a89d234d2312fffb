/* PE/COFF parsing and Authenticode, see pe.h.  Every offset read from the
 * file is checked against the file size before use. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "lethe_exit.h"
#include "pe.h"

#define PE_MAGIC32 0x10bu
#define PE_MAGIC64 0x20bu
#define PE_DIR_SECURITY 4u

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* [off, off + len) lies inside n bytes, without overflow. */
static int in_range(size_t n, size_t off, size_t len)
{
	return off <= n && len <= n - off;
}

int pe_parse(const uint8_t *p, size_t n, struct pe_image *pe, struct tool_err *e)
{
	size_t coff, opt, dd, sectab, i;
	uint16_t nsec, optsize, magic;
	uint32_t ndirs;

	memset(pe, 0, sizeof *pe);
	pe->p = p;
	pe->n = n;
	if (n < 0x40 || p[0] != 'M' || p[1] != 'Z')
		return err_set(e, LETHE_EXIT_USAGE, "not a PE image: no MZ header");
	coff = le32(p + 0x3c);
	if (!in_range(n, coff, 24) || memcmp(p + coff, "PE\0\0", 4))
		return err_set(e, LETHE_EXIT_USAGE, "not a PE image: no PE signature");
	nsec = le16(p + coff + 6);
	optsize = le16(p + coff + 20);
	opt = coff + 24;
	if (nsec == 0 || nsec > PE_SECTIONS_MAX)
		return err_set(e, LETHE_EXIT_USAGE, "bad PE image: %u sections (1..%u)",
			(unsigned)nsec, PE_SECTIONS_MAX);
	if (!in_range(n, opt, optsize) || optsize < 2)
		return err_set(e, LETHE_EXIT_USAGE, "bad PE image: optional header out of the file");
	magic = le16(p + opt);
	if (magic == PE_MAGIC32)
		dd = 96;
	else if (magic == PE_MAGIC64)
		dd = 112;
	else
		return err_set(e, LETHE_EXIT_USAGE, "bad PE image: optional header magic 0x%x",
			(unsigned)magic);
	if (optsize < dd)
		return err_set(e, LETHE_EXIT_USAGE, "bad PE image: optional header too short");
	pe->csum_off = opt + 64;
	pe->hdr_size = le32(p + opt + 60);
	ndirs = le32(p + opt + dd - 4);
	if (ndirs > 16 || dd + (size_t)ndirs * 8 > optsize)
		return err_set(e, LETHE_EXIT_USAGE, "bad PE image: %u data directories",
			(unsigned)ndirs);
	if (ndirs > PE_DIR_SECURITY) {
		pe->certdir_off = opt + dd + PE_DIR_SECURITY * 8;
		pe->cert_size = le32(p + pe->certdir_off + 4);
	}
	sectab = opt + optsize;
	if (!in_range(n, sectab, (size_t)nsec * 40))
		return err_set(e, LETHE_EXIT_USAGE, "bad PE image: section table out of the file");
	if (pe->hdr_size < sectab + (size_t)nsec * 40 || pe->hdr_size > n)
		return err_set(e, LETHE_EXIT_USAGE, "bad PE image: SizeOfHeaders %u",
			(unsigned)pe->hdr_size);
	for (i = 0; i < nsec; i++) {
		const uint8_t *s = p + sectab + i * 40;
		struct pe_section *d = &pe->sec[i];

		memcpy(d->name, s, 8);
		d->name[8] = 0;
		d->vsize = le32(s + 8);
		d->vaddr = le32(s + 12);
		d->raw_size = le32(s + 16);
		d->raw_off = le32(s + 20);
		if (d->raw_size && !in_range(n, d->raw_off, d->raw_size))
			return err_set(e, LETHE_EXIT_USAGE, "bad PE image: section %u data out of the file",
				(unsigned)i);
	}
	pe->nsec = nsec;
	return 0;
}

static int cmp_raw_off(const void *a, const void *b)
{
	const struct pe_section *x = *(const struct pe_section *const *)a;
	const struct pe_section *y = *(const struct pe_section *const *)b;

	return x->raw_off < y->raw_off ? -1 : x->raw_off > y->raw_off;
}

int pe_authenticode(const struct pe_image *pe, uint8_t out[PCR_BYTES], struct tool_err *e)
{
	const struct pe_section *order[PE_SECTIONS_MAX];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t sum, i;
	int ok, rc = LETHE_EXIT_TEMP;

	if (!md)
		return err_set(e, LETHE_EXIT_TEMP, "unable to hash: out of memory");
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
		EVP_DigestUpdate(md, pe->p, pe->csum_off);
	if (pe->certdir_off)
		ok = ok && EVP_DigestUpdate(md, pe->p + pe->csum_off + 4,
				pe->certdir_off - (pe->csum_off + 4)) &&
			EVP_DigestUpdate(md, pe->p + pe->certdir_off + 8,
				pe->hdr_size - (pe->certdir_off + 8));
	else
		ok = ok && EVP_DigestUpdate(md, pe->p + pe->csum_off + 4,
			pe->hdr_size - (pe->csum_off + 4));
	/* Sections in file order, as the firmware sorts them. */
	for (i = 0; i < pe->nsec; i++)
		order[i] = &pe->sec[i];
	qsort(order, pe->nsec, sizeof order[0], cmp_raw_off);
	sum = pe->hdr_size;
	for (i = 0; i < pe->nsec && ok; i++) {
		if (!order[i]->raw_size)
			continue;
		ok = EVP_DigestUpdate(md, pe->p + order[i]->raw_off, order[i]->raw_size);
		sum += order[i]->raw_size;
	}
	/* Trailing data, minus the certificate table (edk2's
	 * MeasurePeImageAndExtend does the same arithmetic). */
	if (ok && pe->n > sum) {
		if (pe->n - sum < pe->cert_size) {
			rc = err_set(e, LETHE_EXIT_USAGE,
				"bad PE image: certificate table larger than the trailing data");
			goto out;
		}
		ok = EVP_DigestUpdate(md, pe->p + sum, pe->n - sum - pe->cert_size);
	}
	if (ok && sum > pe->n) {
		rc = err_set(e, LETHE_EXIT_USAGE, "bad PE image: sections overlap or exceed the file");
		goto out;
	}
	ok = ok && EVP_DigestFinal_ex(md, out, NULL);
	if (!ok) {
		rc = err_set(e, LETHE_EXIT_TEMP, "unable to hash: OpenSSL failed");
		goto out;
	}
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	return rc;
}

const struct pe_section *pe_section_find(const struct pe_image *pe, const char *name)
{
	unsigned i;

	for (i = 0; i < pe->nsec; i++)
		if (!strcmp(pe->sec[i].name, name))
			return &pe->sec[i];
	return NULL;
}

int pe_section_copy(const struct pe_image *pe, const struct pe_section *s, uint8_t **out,
	size_t *len, struct tool_err *e)
{
	*out = NULL;
	*len = 0;
	if (!s->vsize)
		return 0;
	/* The loader would zero-fill the rest; objcopy's sections never need
	 * it, and refusing bounds our memory by the file's size. */
	if (s->vsize > s->raw_size)
		return err_set(e, LETHE_EXIT_USAGE,
			"section %s: VirtualSize %u beyond its %u bytes in the file", s->name,
			(unsigned)s->vsize, (unsigned)s->raw_size);
	*out = malloc(s->vsize);
	if (!*out)
		return err_set(e, LETHE_EXIT_TEMP, "unable to copy section %s: out of memory", s->name);
	memcpy(*out, pe->p + s->raw_off, s->vsize);
	*len = s->vsize;
	return 0;
}
