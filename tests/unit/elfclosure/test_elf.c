/* elf.c on buffers: valid images, and damaged ones that must give an
 * error, never a read out of bounds (run under SAN=1 to be sure). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf.h"
#include "elfclosure_test.h"

static const char *const two_needed[] = { "liba.so.1", "libc.so.6" };

static const struct fakeelf_spec full = {
	.interp = "/lib64/ld-linux-x86-64.so.2",
	.soname = "libfull.so.1",
	.rpath = "/opt/r",
	.runpath = "$ORIGIN/../lib",
	.needed = two_needed,
	.nneeded = 2,
};

/* Parses an exact-size heap copy, so that ASan sees any over-read. */
static int parse(const unsigned char *b, size_t len, struct elf_info *info)
{
	unsigned char *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, b, len);
	r = elf_parse(copy, len, info);
	free(copy);
	if (r != ELF_OK) {
		assert_non_null(info->why);
		assert_null(info->needed);
		assert_null(info->interp);
	}
	return r;
}

/* Builds `full`, applies one damage, expects ELF_EBAD and a reason. */
static void expect_bad(unsigned char *b, size_t len, const char *why)
{
	struct elf_info info;

	assert_int_equal(parse(b, len, &info), ELF_EBAD);
	if (why)
		assert_string_equal(info.why, why);
	free(b);
}

static void test_elf_full(void **state)
{
	struct fakeelf_layout lay;
	unsigned char *b = fakeelf_build(&full, &lay);
	struct elf_info info;

	(void)state;
	assert_int_equal(parse(b, lay.size, &info), ELF_OK);
	assert_int_equal(info.type, ET_DYN);
	assert_true(info.dynamic);
	assert_false(info.nodeflib);
	assert_string_equal(info.interp, "/lib64/ld-linux-x86-64.so.2");
	assert_string_equal(info.soname, "libfull.so.1");
	assert_string_equal(info.rpath, "/opt/r");
	assert_string_equal(info.runpath, "$ORIGIN/../lib");
	assert_int_equal(info.nneeded, 2);
	assert_string_equal(info.needed[0], "liba.so.1");
	assert_string_equal(info.needed[1], "libc.so.6");
	elf_info_free(&info);
	free(b);
}

static void test_elf_static(void **state)
{
	struct fakeelf_spec s = { .type = ET_EXEC, .no_dynamic = 1 };
	struct fakeelf_layout lay;
	unsigned char *b = fakeelf_build(&s, &lay);
	struct elf_info info;

	(void)state;
	assert_int_equal(parse(b, lay.size, &info), ELF_OK);
	assert_false(info.dynamic);
	assert_null(info.interp);
	assert_int_equal(info.nneeded, 0);
	elf_info_free(&info);
	free(b);
}

static void test_elf_nodeflib(void **state)
{
	struct fakeelf_spec s = { .nodeflib = 1 };
	struct fakeelf_layout lay;
	unsigned char *b = fakeelf_build(&s, &lay);
	struct elf_info info;

	(void)state;
	assert_int_equal(parse(b, lay.size, &info), ELF_OK);
	assert_true(info.nodeflib);
	elf_info_free(&info);
	free(b);
}

static void test_elf_foreign(void **state)
{
	struct fakeelf_spec s32 = { .class = ELFCLASS32, .machine = EM_386 };
	struct fakeelf_spec arm = { .machine = EM_AARCH64 };
	struct fakeelf_layout lay;
	struct elf_info info;
	unsigned char *b;

	(void)state;
	b = fakeelf_build(&s32, &lay);
	assert_int_equal(parse(b, lay.size, &info), ELF_EOTHER);
	b[EI_CLASS] = ELFCLASS64;
	b[EI_DATA] = ELFDATA2MSB;
	assert_int_equal(parse(b, lay.size, &info), ELF_EOTHER);
	free(b);
	b = fakeelf_build(&arm, &lay);
	assert_int_equal(parse(b, lay.size, &info), ELF_EOTHER);
	free(b);
}

static void test_elf_not_elf(void **state)
{
	static const char text[] = "root:x:0:0:root:/root:/bin/sh\n";
	struct elf_info info;

	(void)state;
	assert_int_equal(parse((const unsigned char *)text, sizeof text - 1, &info), ELF_ENOTELF);
	assert_int_equal(parse((const unsigned char *)"", 0, &info), ELF_ENOTELF);
	assert_int_equal(parse((const unsigned char *)"\177EL", 3, &info), ELF_ENOTELF);
}

/* Every prefix of a valid image is refused: the PT_LOAD covers the whole
 * file, so any cut is a truncation. */
static void test_elf_truncated_everywhere(void **state)
{
	struct fakeelf_layout lay;
	unsigned char *b = fakeelf_build(&full, &lay);
	struct elf_info info;
	size_t n;
	int r;

	(void)state;
	for (n = 0; n < lay.size; n++) {
		r = parse(b, n, &info);
		assert_true(r == ELF_EBAD || r == ELF_ENOTELF);
	}
	free(b);
}

static void test_elf_header_damage(void **state)
{
	struct fakeelf_layout lay;
	unsigned char *b;

	(void)state;
	b = fakeelf_build(&full, &lay);
	expect_bad(b, 63, "file too short for an ELF header");

	b = fakeelf_build(&full, &lay);
	fakeelf_put(b + offsetof(Elf64_Ehdr, e_type), ET_REL, 2);
	expect_bad(b, lay.size, "not an executable or shared object");

	b = fakeelf_build(&full, &lay);
	b[EI_VERSION] = 2;
	expect_bad(b, lay.size, "unknown ELF version");

	b = fakeelf_build(&full, &lay);
	fakeelf_put(b + offsetof(Elf64_Ehdr, e_phentsize), 32, 2);
	expect_bad(b, lay.size, "bad program header size");
}

static void test_elf_phdr_bounds(void **state)
{
	struct fakeelf_layout lay;
	unsigned char *b;

	(void)state;
	b = fakeelf_build(&full, &lay);
	fakeelf_put(b + offsetof(Elf64_Ehdr, e_phoff), lay.size, 8);
	expect_bad(b, lay.size, "program headers beyond end of file");

	b = fakeelf_build(&full, &lay);
	fakeelf_put(b + offsetof(Elf64_Ehdr, e_phoff), UINT64_MAX - 16, 8);
	expect_bad(b, lay.size, "program headers beyond end of file");

	b = fakeelf_build(&full, &lay);
	fakeelf_put(b + offsetof(Elf64_Ehdr, e_phnum), 0xfffe, 2);
	expect_bad(b, lay.size, "program headers beyond end of file");

	b = fakeelf_build(&full, &lay);
	fakeelf_put(b + offsetof(Elf64_Ehdr, e_phnum), PN_XNUM, 2);
	expect_bad(b, lay.size, "extended program header count");
}

static void test_elf_segment_bounds(void **state)
{
	struct fakeelf_layout lay;
	unsigned char *b;

	(void)state;
	b = fakeelf_build(&full, &lay);
	fakeelf_put(b + fakeelf_ph(&lay, lay.ph_load, offsetof(Elf64_Phdr, p_offset)),
		    UINT64_MAX - 8, 8);
	expect_bad(b, lay.size, "PT_LOAD beyond end of file");

	b = fakeelf_build(&full, &lay);
	fakeelf_put(b + fakeelf_ph(&lay, lay.ph_load, offsetof(Elf64_Phdr, p_memsz)), 16, 8);
	expect_bad(b, lay.size, "bad PT_LOAD sizes");

	b = fakeelf_build(&full, &lay);
	fakeelf_put(b + fakeelf_ph(&lay, lay.ph_dynamic, offsetof(Elf64_Phdr, p_filesz)),
		    UINT64_MAX, 8);
	expect_bad(b, lay.size, "PT_DYNAMIC beyond end of file");

	b = fakeelf_build(&full, &lay);
	fakeelf_put(b + fakeelf_ph(&lay, lay.ph_interp, offsetof(Elf64_Phdr, p_offset)),
		    lay.size - 4, 8);
	expect_bad(b, lay.size, "PT_INTERP beyond end of file");

	/* two PT_DYNAMIC: turn the interp header into a second one */
	b = fakeelf_build(&full, &lay);
	fakeelf_put(b + fakeelf_ph(&lay, lay.ph_interp, offsetof(Elf64_Phdr, p_type)), PT_DYNAMIC, 4);
	expect_bad(b, lay.size, "more than one PT_DYNAMIC");

	b = fakeelf_build(&full, &lay);
	fakeelf_put(b + fakeelf_ph(&lay, lay.ph_dynamic, offsetof(Elf64_Phdr, p_type)), PT_INTERP, 4);
	expect_bad(b, lay.size, "more than one PT_INTERP");
}

static void test_elf_interp_damage(void **state)
{
	struct fakeelf_layout lay;
	unsigned char *b;

	(void)state;
	b = fakeelf_build(&full, &lay);
	b[lay.interp_off + lay.interp_len - 1] = 'x';
	expect_bad(b, lay.size, "PT_INTERP not a terminated string");

	b = fakeelf_build(&full, &lay);
	b[lay.interp_off] = '\0';
	expect_bad(b, lay.size, "empty PT_INTERP");
}

static void test_elf_strtab_outside_load(void **state)
{
	struct fakeelf_layout lay;
	unsigned char *b;
	size_t i;

	(void)state;
	/* find the DT_STRTAB entry and point it past the only PT_LOAD */
	b = fakeelf_build(&full, &lay);
	for (i = 0; i < lay.ndyn; i++)
		if (b[fakeelf_dyn(&lay, i, 0)] == DT_STRTAB)
			fakeelf_put(b + fakeelf_dyn(&lay, i, 8), FAKEELF_VADDR + lay.size, 8);
	expect_bad(b, lay.size, "DT_STRTAB outside any PT_LOAD segment");

	b = fakeelf_build(&full, &lay);
	for (i = 0; i < lay.ndyn; i++)
		if (b[fakeelf_dyn(&lay, i, 0)] == DT_STRTAB)
			fakeelf_put(b + fakeelf_dyn(&lay, i, 8), 0x10, 8);
	expect_bad(b, lay.size, "DT_STRTAB outside any PT_LOAD segment");

	/* a DT_STRSZ that runs past the segment */
	b = fakeelf_build(&full, &lay);
	for (i = 0; i < lay.ndyn; i++)
		if (b[fakeelf_dyn(&lay, i, 0)] == DT_STRSZ)
			fakeelf_put(b + fakeelf_dyn(&lay, i, 8), UINT64_MAX, 8);
	expect_bad(b, lay.size, "DT_STRTAB outside any PT_LOAD segment");

	/* no DT_STRSZ at all */
	b = fakeelf_build(&full, &lay);
	for (i = 0; i < lay.ndyn; i++)
		if (b[fakeelf_dyn(&lay, i, 0)] == DT_STRSZ)
			b[fakeelf_dyn(&lay, i, 0)] = DT_DEBUG;
	expect_bad(b, lay.size, "DT_STRTAB or DT_STRSZ missing");
}

static void test_elf_strings(void **state)
{
	struct fakeelf_layout lay;
	unsigned char *b;
	size_t i;

	(void)state;
	/* a DT_NEEDED offset beyond DT_STRSZ */
	b = fakeelf_build(&full, &lay);
	fakeelf_put(b + fakeelf_dyn(&lay, 0, 8), lay.strsz, 8);
	expect_bad(b, lay.size, "string offset beyond DT_STRSZ");

	/* shrink DT_STRSZ so that the last string loses its NUL */
	b = fakeelf_build(&full, &lay);
	for (i = 0; i < lay.ndyn; i++)
		if (b[fakeelf_dyn(&lay, i, 0)] == DT_STRSZ)
			fakeelf_put(b + fakeelf_dyn(&lay, i, 8), lay.strsz - 1, 8);
	expect_bad(b, lay.size, "unterminated string");

	/* an empty DT_NEEDED (offset 0 is the table's leading NUL) */
	b = fakeelf_build(&full, &lay);
	fakeelf_put(b + fakeelf_dyn(&lay, 1, 8), 0, 8);
	expect_bad(b, lay.size, "empty DT_NEEDED");

	/* duplicates of single-valued tags */
	b = fakeelf_build(&full, &lay);
	fakeelf_put(b + fakeelf_dyn(&lay, 0, 0), DT_SONAME, 8);
	expect_bad(b, lay.size, "duplicate string dynamic tag");
}

static void test_elf_long_string(void **state)
{
	char *name = malloc(ELF_STRING_MAX + 2);
	const char *needed[1];
	struct fakeelf_spec s = { .needed = needed, .nneeded = 1 };
	struct fakeelf_layout lay;
	struct elf_info info;
	unsigned char *b;

	(void)state;
	assert_non_null(name);
	needed[0] = name;
	memset(name, 'a', ELF_STRING_MAX);
	name[ELF_STRING_MAX] = '\0';
	b = fakeelf_build(&s, &lay);
	assert_int_equal(parse(b, lay.size, &info), ELF_OK);
	assert_int_equal(strlen(info.needed[0]), ELF_STRING_MAX);
	elf_info_free(&info);
	free(b);

	memset(name, 'a', ELF_STRING_MAX + 1);
	name[ELF_STRING_MAX + 1] = '\0';
	b = fakeelf_build(&s, &lay);
	expect_bad(b, lay.size, "string too long");
	free(name);
}

static void test_elf_needed_cap(void **state)
{
	static const char *needed[ELF_NEEDED_MAX + 1];
	struct fakeelf_spec s = { .needed = needed };
	struct fakeelf_layout lay;
	struct elf_info info;
	unsigned char *b;
	size_t i;

	(void)state;
	for (i = 0; i <= ELF_NEEDED_MAX; i++)
		needed[i] = "libx.so.1";
	s.nneeded = ELF_NEEDED_MAX;
	b = fakeelf_build(&s, &lay);
	assert_int_equal(parse(b, lay.size, &info), ELF_OK);
	assert_int_equal(info.nneeded, ELF_NEEDED_MAX);
	elf_info_free(&info);
	free(b);

	s.nneeded = ELF_NEEDED_MAX + 1;
	b = fakeelf_build(&s, &lay);
	expect_bad(b, lay.size, "too many DT_NEEDED entries");
}

/* A dynamic segment without DT_NULL ends at the segment's end. */
static void test_elf_no_dt_null(void **state)
{
	struct fakeelf_layout lay;
	unsigned char *b = fakeelf_build(&full, &lay);
	struct elf_info info;

	(void)state;
	fakeelf_put(b + fakeelf_ph(&lay, lay.ph_dynamic, offsetof(Elf64_Phdr, p_filesz)),
		    (lay.ndyn - 1) * sizeof(Elf64_Dyn), 8);
	assert_int_equal(parse(b, lay.size, &info), ELF_OK);
	assert_int_equal(info.nneeded, 2);
	elf_info_free(&info);
	free(b);
}

/* Random byte damage: any result is fine, a crash or over-read is not. */
static void test_elf_random_damage(void **state)
{
	struct fakeelf_layout lay;
	unsigned char *b = fakeelf_build(&full, &lay);
	unsigned char *m = malloc(lay.size);
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	struct elf_info info;
	int round, k;

	(void)state;
	assert_non_null(m);
	for (round = 0; round < 20000; round++) {
		memcpy(m, b, lay.size);
		for (k = 0; k < 1 + round % 8; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* mostly the headers and tables, where the offsets are */
			m[(x >> 8) % (round % 2 ? 256 : lay.size)] = (unsigned char)x;
		}
		if (parse(m, lay.size, &info) == ELF_OK)
			elf_info_free(&info);
	}
	free(m);
	free(b);
}

/* The host's own libc, as a real-world image. */
static void test_elf_host_libc(void **state)
{
	const char *path = "/lib/x86_64-linux-gnu/libc.so.6";
	struct elf_info info;
	unsigned char *b;
	struct stat st;
	int fd;

	(void)state;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		skip();
	assert_int_equal(fstat(fd, &st), 0);
	b = malloc((size_t)st.st_size);
	assert_non_null(b);
	assert_int_equal(read(fd, b, (size_t)st.st_size), st.st_size);
	close(fd);
	assert_int_equal(parse(b, (size_t)st.st_size, &info), ELF_OK);
	assert_string_equal(info.soname, "libc.so.6");
	assert_int_equal(info.nneeded, 1);
	assert_string_equal(info.needed[0], "ld-linux-x86-64.so.2");
	elf_info_free(&info);
	free(b);
}

int test_elf_run(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_full),
		cmocka_unit_test(test_elf_static),
		cmocka_unit_test(test_elf_nodeflib),
		cmocka_unit_test(test_elf_foreign),
		cmocka_unit_test(test_elf_not_elf),
		cmocka_unit_test(test_elf_truncated_everywhere),
		cmocka_unit_test(test_elf_header_damage),
		cmocka_unit_test(test_elf_phdr_bounds),
		cmocka_unit_test(test_elf_segment_bounds),
		cmocka_unit_test(test_elf_interp_damage),
		cmocka_unit_test(test_elf_strtab_outside_load),
		cmocka_unit_test(test_elf_strings),
		cmocka_unit_test(test_elf_long_string),
		cmocka_unit_test(test_elf_needed_cap),
		cmocka_unit_test(test_elf_no_dt_null),
		cmocka_unit_test(test_elf_random_damage),
		cmocka_unit_test(test_elf_host_libc),
	};

	return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
