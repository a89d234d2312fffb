/* elf: what the dynamic loader needs to know about one ELF image.
 *
 * elf_parse() reads an in-memory copy of a file and never touches the
 * file system, so tests and the fuzz harness feed it buffers directly.
 * Every offset, size and count is checked against the buffer length before
 * use; a truncated or hostile image gives an error, never a read out of
 * bounds. */
#ifndef ELFCLOSURE_ELF_H
#define ELFCLOSURE_ELF_H

#include <stddef.h>

#define ELF_NEEDED_MAX 1024      /* DT_NEEDED entries per object */
#define ELF_STRING_MAX 4095      /* longest name or search path we accept */

enum elf_status {
	ELF_OK = 0,
	ELF_ENOTELF = -1,        /* no ELF magic: not an ELF file at all */
	ELF_EOTHER = -2,         /* an ELF file for another class, byte order or machine */
	ELF_EBAD = -3,           /* claims to be x86-64 ELF but is malformed */
	ELF_ENOMEM = -4,
};

struct elf_info {
	unsigned int type;       /* ET_EXEC or ET_DYN */
	int dynamic;             /* has a PT_DYNAMIC segment */
	int nodeflib;            /* DF_1_NODEFLIB: skip the default directories */
	char *interp;            /* PT_INTERP, or NULL */
	char *soname;            /* DT_SONAME, or NULL */
	char *rpath;             /* DT_RPATH, or NULL (kept even if runpath is set) */
	char *runpath;           /* DT_RUNPATH, or NULL */
	char **needed;           /* DT_NEEDED in file order */
	size_t nneeded;
	const char *why;         /* after a failure: static text saying why */
};

/* Parses the len bytes at buf as an x86-64 ELF executable or shared object.
 * Returns ELF_OK and fills *info (release with elf_info_free), or a negative
 * elf_status with info->why set and nothing else to release. */
int elf_parse(const unsigned char *buf, size_t len, struct elf_info *info);
void elf_info_free(struct elf_info *info);

#endif
