/* PE/COFF images as UEFI firmware loads them: a bounded header parser, the
 * Authenticode SHA-256 the firmware extends into PCR 4, and section access
 * for what systemd-stub measures. */
#ifndef PCRPREDICT_PE_H
#define PCRPREDICT_PE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "pcr.h"

/* The PE/COFF specification's limit ("the Windows loader limits the
 * number of sections to 96"). */
#define PE_SECTIONS_MAX 96u

struct pe_section {
	char name[9];         /* NUL-terminated, at most 8 bytes */
	uint32_t vsize;       /* VirtualSize: bytes the loader maps */
	uint32_t vaddr;
	uint32_t raw_size;    /* SizeOfRawData: bytes in the file */
	uint32_t raw_off;     /* PointerToRawData */
};

struct pe_image {
	const uint8_t *p;     /* not owned */
	size_t n;
	size_t csum_off;      /* OptionalHeader.CheckSum */
	size_t certdir_off;   /* DataDirectory[SECURITY], 0: there is none */
	uint32_t cert_size;
	uint32_t hdr_size;    /* SizeOfHeaders */
	unsigned nsec;
	struct pe_section sec[PE_SECTIONS_MAX];
};

/* Parses and bounds-checks the headers of the n-byte image at p (which
 * must outlive pe).  Returns 0 or LETHE_EXIT_USAGE with e set. */
int pe_parse(const uint8_t *p, size_t n, struct pe_image *pe, struct tool_err *e);

/* The Authenticode digest as UEFI firmware computes it (PE/COFF spec,
 * "Calculating the PE Image Hash"; what pesign -h prints): headers without
 * the checksum and the certificate table entry, sections in file order,
 * then any trailing data except the certificate table. */
int pe_authenticode(const struct pe_image *pe, uint8_t out[PCR_BYTES], struct tool_err *e);

/* The section called name, or NULL. */
const struct pe_section *pe_section_find(const struct pe_image *pe, const char *name);

/* The section as the loader maps it: its first VirtualSize bytes.  A
 * section whose VirtualSize exceeds its bytes in the file is refused (the
 * loader would zero-fill; UKI sections never need that).  *out is
 * malloc'ed (the caller frees it); VirtualSize 0 gives NULL, 0. */
int pe_section_copy(const struct pe_image *pe, const struct pe_section *s, uint8_t **out,
	size_t *len, struct tool_err *e);

#endif
