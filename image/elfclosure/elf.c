/* elf: bounded parsing of one x86-64 ELF image held in memory.
 *
 * Fields are read byte by byte as little-endian, so the parser does not
 * depend on the host's byte order or on the buffer's alignment.  The checks
 * follow what glibc's ld.so and the kernel refuse, plus stricter ones where
 * a lenient reading would let a damaged file through unnoticed (every
 * PT_LOAD must lie inside the file, so a truncated library is caught). */
#include "elf.h"

#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct elf_image {
	const unsigned char *buf;
	size_t len;
	uint64_t phoff;
	unsigned int phnum;
};

struct elf_phdr {
	uint32_t type;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t filesz;
	uint64_t memsz;
};

struct elf_strtab {
	const unsigned char *base;
	uint64_t size;
};

static uint64_t elf_le(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

static int elf_fail(struct elf_info *info, int status, const char *why)
{
	elf_info_free(info);
	info->why = why;
	return status;
}

/* True when [off, off+size) lies inside a buffer of len bytes. */
static int elf_in_file(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

static void elf_read_phdr(const struct elf_image *img, unsigned int i, struct elf_phdr *ph)
{
	const unsigned char *p = img->buf + img->phoff + (uint64_t)i * sizeof(Elf64_Phdr);

	ph->type = (uint32_t)elf_le(p + offsetof(Elf64_Phdr, p_type), 4);
	ph->offset = elf_le(p + offsetof(Elf64_Phdr, p_offset), 8);
	ph->vaddr = elf_le(p + offsetof(Elf64_Phdr, p_vaddr), 8);
	ph->filesz = elf_le(p + offsetof(Elf64_Phdr, p_filesz), 8);
	ph->memsz = elf_le(p + offsetof(Elf64_Phdr, p_memsz), 8);
}

/* DT_STRTAB holds a virtual address: find the PT_LOAD whose file-backed
 * part contains the whole table and turn it into a file offset. */
static int elf_map_strtab(const struct elf_image *img, uint64_t addr, uint64_t size,
			  struct elf_strtab *st)
{
	struct elf_phdr ph;
	unsigned int i;

	for (i = 0; i < img->phnum; i++) {
		elf_read_phdr(img, i, &ph);
		if (ph.type != PT_LOAD || addr < ph.vaddr || addr - ph.vaddr >= ph.filesz)
			continue;
		if (size > ph.filesz - (addr - ph.vaddr))
			return -1;
		st->base = img->buf + ph.offset + (addr - ph.vaddr);
		st->size = size;
		return 0;
	}
	return -1;
}

/* Copies the NUL-terminated string at off in the string table. */
static int elf_strtab_dup(const struct elf_strtab *st, uint64_t off, char **out, const char **why)
{
	const unsigned char *s, *nul;
	uint64_t room;

	if (off >= st->size) {
		*why = "string offset beyond DT_STRSZ";
		return ELF_EBAD;
	}
	s = st->base + off;
	room = st->size - off;
	if (room > ELF_STRING_MAX + 1)
		room = ELF_STRING_MAX + 1;
	nul = memchr(s, 0, (size_t)room);
	if (!nul) {
		*why = room > ELF_STRING_MAX ? "string too long" : "unterminated string";
		return ELF_EBAD;
	}
	*out = strdup((const char *)s);
	if (!*out) {
		*why = "out of memory";
		return ELF_ENOMEM;
	}
	return ELF_OK;
}

static int elf_check_header(struct elf_image *img, struct elf_info *info)
{
	const unsigned char *b = img->buf;
	unsigned int phentsize;

	if (img->len < SELFMAG || memcmp(b, ELFMAG, SELFMAG) != 0)
		return elf_fail(info, ELF_ENOTELF, "not an ELF file");
	/* ld.so reads a native header before looking at the class: a file too
	 * short for one is refused outright, not skipped as foreign. */
	if (img->len < sizeof(Elf64_Ehdr))
		return elf_fail(info, ELF_EBAD, "file too short for an ELF header");
	if (b[EI_CLASS] != ELFCLASS64 || b[EI_DATA] != ELFDATA2LSB)
		return elf_fail(info, ELF_EOTHER, "not a 64-bit little-endian ELF file");
	if (elf_le(b + offsetof(Elf64_Ehdr, e_machine), 2) != EM_X86_64)
		return elf_fail(info, ELF_EOTHER, "not an x86-64 ELF file");
	if (b[EI_VERSION] != EV_CURRENT || elf_le(b + offsetof(Elf64_Ehdr, e_version), 4) != EV_CURRENT)
		return elf_fail(info, ELF_EBAD, "unknown ELF version");
	info->type = (unsigned int)elf_le(b + offsetof(Elf64_Ehdr, e_type), 2);
	if (info->type != ET_EXEC && info->type != ET_DYN)
		return elf_fail(info, ELF_EBAD, "not an executable or shared object");

	img->phoff = elf_le(b + offsetof(Elf64_Ehdr, e_phoff), 8);
	img->phnum = (unsigned int)elf_le(b + offsetof(Elf64_Ehdr, e_phnum), 2);
	phentsize = (unsigned int)elf_le(b + offsetof(Elf64_Ehdr, e_phentsize), 2);
	if (img->phnum == PN_XNUM)
		return elf_fail(info, ELF_EBAD, "extended program header count");
	if (img->phnum == 0)
		return ELF_OK;
	if (phentsize != sizeof(Elf64_Phdr))
		return elf_fail(info, ELF_EBAD, "bad program header size");
	if (!elf_in_file(img->phoff, (uint64_t)img->phnum * sizeof(Elf64_Phdr), img->len))
		return elf_fail(info, ELF_EBAD, "program headers beyond end of file");
	return ELF_OK;
}

static int elf_read_interp(const struct elf_image *img, const struct elf_phdr *ph,
			   struct elf_info *info)
{
	const unsigned char *s = img->buf + ph->offset;
	size_t n;

	/* The kernel insists that PT_INTERP ends in a NUL; so do we. */
	if (ph->filesz < 2 || s[ph->filesz - 1] != '\0')
		return elf_fail(info, ELF_EBAD, "PT_INTERP not a terminated string");
	n = strlen((const char *)s);
	if (n == 0)
		return elf_fail(info, ELF_EBAD, "empty PT_INTERP");
	if (n > ELF_STRING_MAX)
		return elf_fail(info, ELF_EBAD, "PT_INTERP too long");
	info->interp = strdup((const char *)s);
	if (!info->interp)
		return elf_fail(info, ELF_ENOMEM, "out of memory");
	return ELF_OK;
}

/* The string-valued dynamic tags we keep; one of each at most. */
struct elf_dynstr {
	int64_t tag;
	int seen;
	uint64_t off;
};

static int elf_read_dynamic(const struct elf_image *img, const struct elf_phdr *dyn,
			    struct elf_info *info)
{
	struct elf_dynstr tags[] = {
		{ DT_SONAME, 0, 0 }, { DT_RPATH, 0, 0 }, { DT_RUNPATH, 0, 0 },
	};
	char **dest[] = { &info->soname, &info->rpath, &info->runpath };
	uint64_t needed[ELF_NEEDED_MAX];
	uint64_t strtab = 0, strsz = 0, count, i;
	int have_strtab = 0, have_strsz = 0, r;
	size_t nneeded = 0, k;
	struct elf_strtab st;
	const char *why = NULL;

	count = dyn->filesz / sizeof(Elf64_Dyn);
	for (i = 0; i < count; i++) {
		const unsigned char *p = img->buf + dyn->offset + i * sizeof(Elf64_Dyn);
		int64_t tag = (int64_t)elf_le(p + offsetof(Elf64_Dyn, d_tag), 8);
		uint64_t val = elf_le(p + offsetof(Elf64_Dyn, d_un), 8);

		if (tag == DT_NULL)
			break;
		switch (tag) {
		case DT_NEEDED:
			if (nneeded == ELF_NEEDED_MAX)
				return elf_fail(info, ELF_EBAD, "too many DT_NEEDED entries");
			needed[nneeded++] = val;
			break;
		case DT_STRTAB:
			if (have_strtab++)
				return elf_fail(info, ELF_EBAD, "duplicate DT_STRTAB");
			strtab = val;
			break;
		case DT_STRSZ:
			if (have_strsz++)
				return elf_fail(info, ELF_EBAD, "duplicate DT_STRSZ");
			strsz = val;
			break;
		case DT_FLAGS_1:
			info->nodeflib = (val & DF_1_NODEFLIB) != 0;
			break;
		default:
			for (k = 0; k < sizeof tags / sizeof tags[0]; k++) {
				if (tags[k].tag != tag)
					continue;
				if (tags[k].seen++)
					return elf_fail(info, ELF_EBAD, "duplicate string dynamic tag");
				tags[k].off = val;
			}
			break;
		}
	}

	if (nneeded == 0 && !tags[0].seen && !tags[1].seen && !tags[2].seen)
		return ELF_OK;
	if (!have_strtab || !have_strsz)
		return elf_fail(info, ELF_EBAD, "DT_STRTAB or DT_STRSZ missing");
	if (elf_map_strtab(img, strtab, strsz, &st) < 0)
		return elf_fail(info, ELF_EBAD, "DT_STRTAB outside any PT_LOAD segment");

	for (k = 0; k < sizeof tags / sizeof tags[0]; k++) {
		if (!tags[k].seen)
			continue;
		r = elf_strtab_dup(&st, tags[k].off, dest[k], &why);
		if (r < 0)
			return elf_fail(info, r, why);
	}
	if (nneeded) {
		info->needed = calloc(nneeded, sizeof *info->needed);
		if (!info->needed)
			return elf_fail(info, ELF_ENOMEM, "out of memory");
	}
	for (k = 0; k < nneeded; k++) {
		r = elf_strtab_dup(&st, needed[k], &info->needed[k], &why);
		if (r < 0)
			return elf_fail(info, r, why);
		info->nneeded++;
		if (info->needed[k][0] == '\0')
			return elf_fail(info, ELF_EBAD, "empty DT_NEEDED");
	}
	return ELF_OK;
}

int elf_parse(const unsigned char *buf, size_t len, struct elf_info *info)
{
	struct elf_image img = { buf, len, 0, 0 };
	struct elf_phdr ph, interp = { 0 }, dyn = { 0 };
	int have_interp = 0, r;
	unsigned int i;

	memset(info, 0, sizeof *info);
	r = elf_check_header(&img, info);
	if (r < 0)
		return r;

	for (i = 0; i < img.phnum; i++) {
		elf_read_phdr(&img, i, &ph);
		switch (ph.type) {
		case PT_LOAD:
			if (!elf_in_file(ph.offset, ph.filesz, len))
				return elf_fail(info, ELF_EBAD, "PT_LOAD beyond end of file");
			if (ph.filesz > ph.memsz || ph.vaddr > UINT64_MAX - ph.memsz)
				return elf_fail(info, ELF_EBAD, "bad PT_LOAD sizes");
			break;
		case PT_INTERP:
			if (have_interp++)
				return elf_fail(info, ELF_EBAD, "more than one PT_INTERP");
			if (!elf_in_file(ph.offset, ph.filesz, len))
				return elf_fail(info, ELF_EBAD, "PT_INTERP beyond end of file");
			interp = ph;
			break;
		case PT_DYNAMIC:
			if (info->dynamic++)
				return elf_fail(info, ELF_EBAD, "more than one PT_DYNAMIC");
			if (!elf_in_file(ph.offset, ph.filesz, len))
				return elf_fail(info, ELF_EBAD, "PT_DYNAMIC beyond end of file");
			dyn = ph;
			break;
		default:
			break;
		}
	}

	/* Read after the loop, so that the PT_LOAD checks cover every segment
	 * before a string table is looked up in one of them. */
	if (have_interp) {
		r = elf_read_interp(&img, &interp, info);
		if (r < 0)
			return r;
	}
	if (info->dynamic) {
		r = elf_read_dynamic(&img, &dyn, info);
		if (r < 0)
			return r;
	}
	return ELF_OK;
}

void elf_info_free(struct elf_info *info)
{
	size_t i;

	for (i = 0; i < info->nneeded; i++)
		free(info->needed[i]);
	free(info->needed);
	free(info->interp);
	free(info->soname);
	free(info->rpath);
	free(info->runpath);
	memset(info, 0, sizeof *info);
}
