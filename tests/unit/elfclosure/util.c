/* Helpers of the elfclosure unit tests: an ELF image builder and temporary
 * trees. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "closure.h"
#include "elfclosure_test.h"
#include "lethe_exit.h"
#include "rootfs.h"

void fakeelf_put(unsigned char *p, uint64_t v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

size_t fakeelf_ph(const struct fakeelf_layout *lay, unsigned int i, size_t off)
{
	(void)lay;
	return FAKEELF_PHOFF + (size_t)i * sizeof(Elf64_Phdr) + off;
}

size_t fakeelf_dyn(const struct fakeelf_layout *lay, size_t i, size_t off)
{
	return lay->dyn_off + i * sizeof(Elf64_Dyn) + off;
}

/* Appends s to the string table being built; returns its offset. */
static size_t fakeelf_str(unsigned char *strtab, size_t *len, const char *s)
{
	size_t off = *len;

	memcpy(strtab + off, s, strlen(s) + 1);
	*len += strlen(s) + 1;
	return off;
}

static void fakeelf_phdr(unsigned char *b, unsigned int i, uint32_t type, uint64_t off,
			 uint64_t filesz)
{
	unsigned char *p = b + FAKEELF_PHOFF + (size_t)i * sizeof(Elf64_Phdr);

	fakeelf_put(p + offsetof(Elf64_Phdr, p_type), type, 4);
	fakeelf_put(p + offsetof(Elf64_Phdr, p_flags), PF_R, 4);
	fakeelf_put(p + offsetof(Elf64_Phdr, p_offset), off, 8);
	fakeelf_put(p + offsetof(Elf64_Phdr, p_vaddr), FAKEELF_VADDR + off, 8);
	fakeelf_put(p + offsetof(Elf64_Phdr, p_paddr), FAKEELF_VADDR + off, 8);
	fakeelf_put(p + offsetof(Elf64_Phdr, p_filesz), filesz, 8);
	fakeelf_put(p + offsetof(Elf64_Phdr, p_memsz), filesz, 8);
	fakeelf_put(p + offsetof(Elf64_Phdr, p_align), type == PT_LOAD ? 0x1000 : 8, 8);
}

unsigned char *fakeelf_build(const struct fakeelf_spec *spec, struct fakeelf_layout *lay)
{
	struct fakeelf_layout l = { 0 };
	unsigned char *b, *strtab;
	size_t strcap, strlen_ = 1, i, nd = 0, cap;
	uint64_t dyn[FAKEELF_NEEDED_MAX + 16][2];
	unsigned char cls = spec->class ? spec->class : ELFCLASS64;

	assert_true(spec->nneeded <= FAKEELF_NEEDED_MAX);
	strcap = 1;
	for (i = 0; i < spec->nneeded; i++)
		strcap += strlen(spec->needed[i]) + 1;
	strcap += spec->soname ? strlen(spec->soname) + 1 : 0;
	strcap += spec->rpath ? strlen(spec->rpath) + 1 : 0;
	strcap += spec->runpath ? strlen(spec->runpath) + 1 : 0;
	strtab = calloc(1, strcap);
	assert_non_null(strtab);

	for (i = 0; i < spec->nneeded; i++) {
		dyn[nd][0] = DT_NEEDED;
		dyn[nd++][1] = fakeelf_str(strtab, &strlen_, spec->needed[i]);
	}
	if (spec->soname) {
		dyn[nd][0] = DT_SONAME;
		dyn[nd++][1] = fakeelf_str(strtab, &strlen_, spec->soname);
	}
	if (spec->rpath) {
		dyn[nd][0] = DT_RPATH;
		dyn[nd++][1] = fakeelf_str(strtab, &strlen_, spec->rpath);
	}
	if (spec->runpath) {
		dyn[nd][0] = DT_RUNPATH;
		dyn[nd++][1] = fakeelf_str(strtab, &strlen_, spec->runpath);
	}
	if (spec->nodeflib) {
		dyn[nd][0] = DT_FLAGS_1;
		dyn[nd++][1] = DF_1_NODEFLIB;
	}
	l.interp_off = spec->interp ? 512 : 0;
	l.interp_len = spec->interp ? strlen(spec->interp) + 1 : 0;
	l.strtab_off = 1024 + l.interp_len;
	l.strsz = strlen_;
	dyn[nd][0] = DT_STRTAB;
	dyn[nd++][1] = FAKEELF_VADDR + l.strtab_off;
	dyn[nd][0] = DT_STRSZ;
	dyn[nd++][1] = l.strsz;
	dyn[nd][0] = DT_NULL;
	dyn[nd++][1] = 0;
	l.ndyn = nd;
	l.dyn_off = (l.strtab_off + l.strsz + 7) & ~(size_t)7;
	l.size = l.dyn_off + nd * sizeof(Elf64_Dyn);
	cap = l.size < 2048 ? 2048 : l.size;
	l.size = cap;

	b = calloc(1, cap);
	assert_non_null(b);
	memcpy(b, ELFMAG, SELFMAG);
	b[EI_CLASS] = cls;
	b[EI_DATA] = ELFDATA2LSB;
	b[EI_VERSION] = EV_CURRENT;
	fakeelf_put(b + offsetof(Elf64_Ehdr, e_type), spec->type ? spec->type : ET_DYN, 2);
	fakeelf_put(b + offsetof(Elf64_Ehdr, e_machine), spec->machine ? spec->machine : EM_X86_64, 2);
	fakeelf_put(b + offsetof(Elf64_Ehdr, e_version), EV_CURRENT, 4);
	if (cls != ELFCLASS64) {
		/* Only the identification and the machine matter to a reader
		 * that skips foreign files. */
		free(strtab);
		if (lay)
			*lay = l;
		return b;
	}
	fakeelf_put(b + offsetof(Elf64_Ehdr, e_phoff), FAKEELF_PHOFF, 8);
	fakeelf_put(b + offsetof(Elf64_Ehdr, e_ehsize), sizeof(Elf64_Ehdr), 2);
	fakeelf_put(b + offsetof(Elf64_Ehdr, e_phentsize), sizeof(Elf64_Phdr), 2);

	l.ph_load = l.phnum++;
	fakeelf_phdr(b, l.ph_load, PT_LOAD, 0, cap);
	if (!spec->no_dynamic) {
		l.ph_dynamic = l.phnum++;
		fakeelf_phdr(b, l.ph_dynamic, PT_DYNAMIC, l.dyn_off, nd * sizeof(Elf64_Dyn));
	}
	if (spec->interp) {
		l.ph_interp = l.phnum++;
		fakeelf_phdr(b, l.ph_interp, PT_INTERP, l.interp_off, l.interp_len);
		memcpy(b + l.interp_off, spec->interp, l.interp_len);
	}
	fakeelf_put(b + offsetof(Elf64_Ehdr, e_phnum), l.phnum, 2);
	memcpy(b + l.strtab_off, strtab, l.strsz);
	for (i = 0; i < nd; i++) {
		fakeelf_put(b + l.dyn_off + i * 16, dyn[i][0], 8);
		fakeelf_put(b + l.dyn_off + i * 16 + 8, dyn[i][1], 8);
	}
	free(strtab);
	if (lay)
		*lay = l;
	return b;
}

char *tu_mkdtemp(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir;

	assert_true(asprintf(&dir, "%s/elfclosure-test.XXXXXX", tmp && *tmp ? tmp : "/tmp") > 0);
	assert_non_null(mkdtemp(dir));
	return dir;
}

static int tu_rm1(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

void tu_rmrf(const char *dir)
{
	assert_int_equal(nftw(dir, tu_rm1, 16, FTW_DEPTH | FTW_PHYS), 0);
}

void tu_mkdirs(const char *path)
{
	char buf[4096];
	size_t i, n = strlen(path);

	assert_true(n < sizeof buf);
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) < 0)
			assert_int_equal(errno, EEXIST);
		buf[i] = path[i];
	}
}

void tu_write(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

void tu_write_fake(const char *path, const struct fakeelf_spec *spec)
{
	struct fakeelf_layout lay;
	unsigned char *b = fakeelf_build(spec, &lay);

	tu_write(path, b, lay.size);
	free(b);
}

void tu_symlink(const char *target, const char *path)
{
	assert_int_equal(symlink(target, path), 0);
}

void tu_copy(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in = open(from, O_RDONLY | O_CLOEXEC);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);

	assert_true(in >= 0);
	assert_true(out >= 0);
	while ((n = read(in, buf, sizeof buf)) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	assert_int_equal(n, 0);
	close(in);
	assert_int_equal(close(out), 0);
}

char *tu_path(const char *a, const char *b)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", a, b) > 0);
	return p;
}

static char *tu_slurp(int fd)
{
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;

	assert_true(lseek(fd, 0, SEEK_SET) == 0);
	for (;;) {
		buf = realloc(buf, len + 4097);
		assert_non_null(buf);
		n = read(fd, buf + len, 4096);
		assert_true(n >= 0);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

int tu_run(const char *const argv[], char **out, char **err)
{
	FILE *fo = tmpfile(), *fe = tmpfile();
	int status;
	pid_t pid;

	assert_non_null(fo);
	assert_non_null(fe);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (dup2(fileno(fo), 1) < 0 || dup2(fileno(fe), 2) < 0)
			_exit(127);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (out)
		*out = tu_slurp(fileno(fo));
	if (err)
		*err = tu_slurp(fileno(fe));
	fclose(fo);
	fclose(fe);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

int tu_closure(const char *rootdir, const char *const *roots, size_t nroots, int why,
	       const char *const *libdirs, size_t nlibdirs, char **out, char err[1024])
{
	struct rootfs fs;
	struct closure *c;
	size_t i, len = 0;
	FILE *f;
	int r = LETHE_EXIT_OK;

	*out = NULL;
	err[0] = '\0';
	assert_int_equal(rootfs_open(&fs, rootdir), 0);
	c = closure_new(&fs, libdirs, nlibdirs);
	assert_non_null(c);
	for (i = 0; i < nroots && r == LETHE_EXIT_OK; i++)
		r = closure_add_root(c, roots[i], err);
	if (r == LETHE_EXIT_OK) {
		f = open_memstream(out, &len);
		assert_non_null(f);
		assert_int_equal(closure_write(c, f, why), 0);
		assert_int_equal(fclose(f), 0);
	}
	closure_free(c);
	rootfs_close(&fs);
	return r;
}
