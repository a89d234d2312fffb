/* Shared helpers of the elfclosure unit tests. */
#ifndef ELFCLOSURE_TEST_H
#define ELFCLOSURE_TEST_H

#include <stddef.h>
#include <stdint.h>

/* A minimal ELF image built in memory: one PT_LOAD over the whole file at
 * FAKEELF_VADDR (so file offsets and addresses differ), a PT_DYNAMIC and,
 * when interp is set, a PT_INTERP. */
#define FAKEELF_VADDR 0x10000u
#define FAKEELF_PHOFF 64u
#define FAKEELF_NEEDED_MAX 2048

struct fakeelf_spec {
	unsigned char class;         /* 0 means ELFCLASS64 */
	uint16_t machine;            /* 0 means EM_X86_64 */
	uint16_t type;               /* 0 means ET_DYN */
	int no_dynamic;              /* leave out PT_DYNAMIC (a static program) */
	const char *interp;
	const char *soname;
	const char *rpath;
	const char *runpath;
	const char *const *needed;
	size_t nneeded;
	int nodeflib;
};

/* Where things are in a built image, for tests that damage it. */
struct fakeelf_layout {
	size_t size;
	size_t interp_off;           /* 0 when there is no interp */
	size_t interp_len;           /* with the NUL */
	size_t strtab_off;
	size_t strsz;
	size_t dyn_off;
	size_t ndyn;                 /* entries, with the DT_NULL */
	unsigned int phnum;
	unsigned int ph_load, ph_dynamic, ph_interp; /* indexes */
};

/* Returns a malloc'd image (free it) and fills *lay when not NULL. */
unsigned char *fakeelf_build(const struct fakeelf_spec *spec, struct fakeelf_layout *lay);
void fakeelf_put(unsigned char *p, uint64_t v, size_t n);   /* little-endian store */
/* Offset of field `off` in program header i / dynamic entry i. */
size_t fakeelf_ph(const struct fakeelf_layout *lay, unsigned int i, size_t off);
size_t fakeelf_dyn(const struct fakeelf_layout *lay, size_t i, size_t off);

/* Temporary trees and processes; every helper fails the test on error. */
char *tu_mkdtemp(void);                                     /* free() it */
void tu_rmrf(const char *dir);
void tu_mkdirs(const char *path);
void tu_write(const char *path, const void *buf, size_t len);
void tu_write_fake(const char *path, const struct fakeelf_spec *spec);
void tu_symlink(const char *target, const char *path);
void tu_copy(const char *from, const char *to);
char *tu_path(const char *a, const char *b);                /* a/b, free() it */
/* Runs argv; returns the exit status; captures stdout and stderr (NUL
 * terminated, free() them) when the pointers are not NULL. */
int tu_run(const char *const argv[], char **out, char **err);

/* elfclosure in-process: returns the exit code, *out the output (free it),
 * err the message. */
int tu_closure(const char *rootdir, const char *const *roots, size_t nroots, int why,
	       const char *const *libdirs, size_t nlibdirs, char **out, char err[1024]);

int test_elf_run(void);
int test_rootfs_run(void);
int test_rootlist_run(void);
int test_closure_run(void);

#endif
