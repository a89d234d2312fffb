/* Archive bytes: a golden archive reasoned out by hand from the format,
 * then order, fields, padding, names and independence from host metadata,
 * read back with the independent reader in test_util.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lethe_exit.h"
#include "mkcpio.h"

#include "test_util.h"
#include "tests.h"

#define EPOCH 1700000000u /* 0x6553F100 */

/* build writes text as dir/spec, runs mkcpio on it and returns the archive */
static unsigned char *build(char const *dir, char const *text, uint32_t epoch, size_t *len)
{
	char spec[TU_PATH_BYTES], out[TU_PATH_BYTES];

	strcpy(spec, tu_path(dir, "spec"));
	strcpy(out, tu_path(dir, "out.cpio"));
	tu_write_str(spec, text);
	assert_int_equal(mkcpio_run(spec, out, epoch), LETHE_EXIT_OK);
	return tu_read(out, len);
}

/* Each header: magic, then ino mode uid gid nlink mtime filesize devmajor
 * devminor rdevmajor rdevminor namesize check as 8 upper-case hex digits.
 * Offsets in the comments are where each record ends, after padding. */
static char const golden[] =
	/* bin -> usr/bin: ino 1, S_IFLNK|0777, nlink 1, 7 bytes of target */
	"070701" "00000001" "0000A1FF" "00000000" "00000000" "00000001" "6553F100"
	"00000007" "00000000" "00000000" "00000000" "00000000" "00000004" "00000000"
	"bin\0" "\0\0"                 /* 110 + 4 = 114, pad to 116 */
	"usr/bin" "\0"                 /* 116 + 7 = 123, pad to 124 */
	/* dev: ino 2, S_IFDIR|0755, nlink 2 */
	"070701" "00000002" "000041ED" "00000000" "00000000" "00000002" "6553F100"
	"00000000" "00000000" "00000000" "00000000" "00000000" "00000004" "00000000"
	"dev\0" "\0\0"                 /* 124 + 114 = 238, pad to 240 */
	/* dev/console: ino 3, S_IFCHR|0600, gid 5, rdev 5,1 */
	"070701" "00000003" "00002180" "00000000" "00000005" "00000001" "6553F100"
	"00000000" "00000000" "00000000" "00000005" "00000001" "0000000C" "00000000"
	"dev/console\0" "\0\0"         /* 240 + 122 = 362, pad to 364 */
	/* etc: ino 4, S_IFDIR|0755, nlink 2 */
	"070701" "00000004" "000041ED" "00000000" "00000000" "00000002" "6553F100"
	"00000000" "00000000" "00000000" "00000000" "00000000" "00000004" "00000000"
	"etc\0" "\0\0"                 /* 364 + 114 = 478, pad to 480 */
	/* etc/empty: ino 5, S_IFREG|0600, uid gid 1000, no data */
	"070701" "00000005" "00008180" "000003E8" "000003E8" "00000001" "6553F100"
	"00000000" "00000000" "00000000" "00000000" "00000000" "0000000A" "00000000"
	"etc/empty\0"                  /* 480 + 120 = 600, aligned */
	/* etc/hostname: ino 6, S_IFREG|0644, 6 bytes */
	"070701" "00000006" "000081A4" "00000000" "00000000" "00000001" "6553F100"
	"00000006" "00000000" "00000000" "00000000" "00000000" "0000000D" "00000000"
	"etc/hostname\0" "\0"          /* 600 + 123 = 723, pad to 724 */
	"lethe\n" "\0\0"               /* 724 + 6 = 730, pad to 732 */
	/* the trailer: ino 0, mode 0, nlink 1, mtime 0 */
	"070701" "00000000" "00000000" "00000000" "00000000" "00000001" "00000000"
	"00000000" "00000000" "00000000" "00000000" "00000000" "0000000B" "00000000"
	"TRAILER!!!\0" "\0\0\0";       /* 732 + 121 = 853, pad to 856; zeros to 1024 */

static void golden_spec(char const *dir, char *text, size_t len)
{
	int n;

	tu_write_str(tu_path(dir, "hostname"), "lethe\n");
	tu_write_str(tu_path(dir, "empty"), "");
	/* shuffled on purpose: the archive order is the tool's business */
	n = snprintf(text, len,
		     "# the golden archive\n"
		     "file  /etc/hostname 0644 0    0    %s/hostname\n"
		     "dir   /etc          0755 0    0    -\n"
		     "nod   /dev/console  0600 0    5    c,5,1\n"
		     "file  /etc/empty    0600 1000 1000 %s/empty\n"
		     "slink /bin          0777 0    0    usr/bin\n"
		     "dir   /dev          0755 0    0    -\n",
		     dir, dir);
	assert_true(n > 0 && (size_t)n < len);
}

static void test_archive_golden(void **state)
{
	char const *dir = *state;
	char text[2 * TU_PATH_BYTES + 512];
	unsigned char *a;
	size_t len, i;

	assert_int_equal(sizeof golden - 1, 856); /* the literal itself is right */
	golden_spec(dir, text, sizeof text);
	a = build(dir, text, EPOCH, &len);
	assert_int_equal(len, 1024);
	assert_memory_equal(a, golden, sizeof golden - 1);
	for (i = sizeof golden - 1; i < len; i++)
		assert_int_equal(a[i], 0);
	free(a);
}

/* the source files' owner, mode, times, inode and location do not matter */
static void test_archive_host_metadata(void **state)
{
	char const *dir = *state;
	char text[2 * TU_PATH_BYTES + 512];
	struct timespec ts[2] = { { .tv_sec = 12345 }, { .tv_sec = 67890 } };
	unsigned char *a, *b;
	size_t alen, blen;

	golden_spec(dir, text, sizeof text);
	a = build(dir, text, EPOCH, &alen);

	assert_int_equal(chmod(tu_path(dir, "hostname"), 0400), 0);
	assert_int_equal(chmod(tu_path(dir, "empty"), 04755), 0);
	assert_int_equal(utimensat(AT_FDCWD, tu_path(dir, "hostname"), ts, 0), 0);
	/* as root, also a different owner; as anyone else this fails harmlessly */
	if (chown(tu_path(dir, "empty"), 4321, 4321) != 0)
		assert_true(geteuid() != 0);
	/* a new inode for the same content */
	tu_write_str(tu_path(dir, "hostname.new"), "lethe\n");
	assert_int_equal(rename(tu_path(dir, "hostname.new"), tu_path(dir, "hostname")), 0);
	b = build(dir, text, EPOCH, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(a);
	free(b);
}

static void test_archive_order(void **state)
{
	char const *dir = *state;
	static char const text[] =
		"dir /a/b/c 0755 0 0 -\n"
		"dir /a0 0755 0 0 -\n"
		"dir /a.b 0755 0 0 -\n"
		"dir /b 0755 0 0 -\n"
		"dir /a/b 0755 0 0 -\n"
		"slink /a/-x 0777 0 0 ../b\n"
		"dir /A 0755 0 0 -\n"
		"dir /a-b 0755 0 0 -\n"
		"dir /a 0755 0 0 -\n"
		"nod /a/b-c 0644 0 0 b,8,1\n";
	static char const *const want[] = {
		"A", "a", "a/-x", "a/b", "a/b/c", "a/b-c", "a-b", "a.b", "a0", "b",
	};
	struct tu_entry e[TU_ENTRIES_MAX];
	unsigned char *a;
	size_t len, n, i;

	a = build(dir, text, EPOCH, &len);
	n = tu_newc_parse(a, len, e, TU_ENTRIES_MAX);
	assert_int_equal(n, sizeof want / sizeof want[0]);
	for (i = 0; i < n; i++) {
		assert_string_equal(e[i].name, want[i]);
		/* inode numbers count in output order, from 1 */
		assert_int_equal(e[i].f[TU_INO], i + 1);
		assert_int_equal(e[i].f[TU_MTIME], EPOCH);
	}
	free(a);
}

static void test_archive_fields(void **state)
{
	char const *dir = *state;
	char text[TU_PATH_BYTES + 512];
	struct tu_entry e[TU_ENTRIES_MAX];
	unsigned char *a;
	size_t len;

	tu_write_str(tu_path(dir, "su"), "#!/bin/sh\n");
	snprintf(text, sizeof text,
		 "dir /d 01777 1 2 -\n"
		 "file /d/su 04755 3 4 %s/su\n"
		 "nod /d/sda 0640 0 6 b,8,17\n"
		 "nod /d/tty 0 0 0 c,4095,1048575\n"
		 "slink /d/l 0777 65535 65535 /d/su\n",
		 dir);
	a = build(dir, text, 0xffffffffu, &len);
	assert_int_equal(tu_newc_parse(a, len, e, TU_ENTRIES_MAX), 5);

	assert_string_equal(e[0].name, "d");
	assert_int_equal(e[0].f[TU_MODE], 041777);
	assert_int_equal(e[0].f[TU_UID], 1);
	assert_int_equal(e[0].f[TU_GID], 2);
	assert_int_equal(e[0].f[TU_NLINK], 2);
	assert_int_equal(e[0].f[TU_FILESIZE], 0);
	assert_int_equal(e[0].f[TU_MTIME], 0xffffffffu);

	assert_string_equal(e[1].name, "d/l");
	assert_int_equal(e[1].f[TU_MODE], 0120777);
	assert_int_equal(e[1].f[TU_UID], 65535);
	assert_int_equal(e[1].f[TU_GID], 65535);
	assert_int_equal(e[1].f[TU_NLINK], 1);
	assert_int_equal(e[1].f[TU_FILESIZE], 5);
	assert_memory_equal(e[1].data, "/d/su", 5);

	assert_string_equal(e[2].name, "d/sda");
	assert_int_equal(e[2].f[TU_MODE], 060640);
	assert_int_equal(e[2].f[TU_GID], 6);
	assert_int_equal(e[2].f[TU_RDEVMAJOR], 8);
	assert_int_equal(e[2].f[TU_RDEVMINOR], 17);
	assert_int_equal(e[2].f[TU_FILESIZE], 0);

	assert_string_equal(e[3].name, "d/su");
	assert_int_equal(e[3].f[TU_MODE], 0104755);
	assert_int_equal(e[3].f[TU_UID], 3);
	assert_int_equal(e[3].f[TU_GID], 4);
	assert_int_equal(e[3].f[TU_NLINK], 1);
	assert_int_equal(e[3].f[TU_FILESIZE], 10);
	assert_memory_equal(e[3].data, "#!/bin/sh\n", 10);
	assert_int_equal(e[3].f[TU_RDEVMAJOR], 0);

	assert_string_equal(e[4].name, "d/tty");
	assert_int_equal(e[4].f[TU_MODE], 020000);
	assert_int_equal(e[4].f[TU_RDEVMAJOR], 4095);
	assert_int_equal(e[4].f[TU_RDEVMINOR], 1048575);
	free(a);
}

/* file sizes 0..5 and name sizes 2..5 hit every padding case of data and
 * of header + name; the reader checks each pad is zeros up to 4 */
static void test_archive_padding(void **state)
{
	char const *dir = *state;
	char text[8 * TU_PATH_BYTES], name[16];
	struct tu_entry e[TU_ENTRIES_MAX];
	static char const content[] = "ABCDE";
	unsigned char *a;
	size_t len, used = 0, i, n;

	for (i = 0; i <= 5; i++) {
		int w;

		snprintf(name, sizeof name, "f%zu", i);
		tu_write(tu_path(dir, name), content, i);
		/* /f0 /ff1 /fff2 ...: namesize 3, 4, 5, 6, 7, 8 */
		w = snprintf(text + used, sizeof text - used, "file /%.*s%zu 0644 0 0 %s\n",
			     (int)i + 1, "ffffff", i, tu_path(dir, name));
		assert_true(w > 0 && (size_t)w < sizeof text - used);
		used += (size_t)w;
	}
	strcpy(text + used, "dir /d 0755 0 0 -\ndir /dd 0755 0 0 -\n");
	a = build(dir, text, EPOCH, &len);
	n = tu_newc_parse(a, len, e, TU_ENTRIES_MAX);
	assert_int_equal(n, 8);
	assert_string_equal(e[0].name, "d");
	assert_string_equal(e[1].name, "dd");
	for (i = 0; i <= 5; i++) {
		struct tu_entry const *f = &e[2 + i];

		assert_int_equal(f->f[TU_NAMESIZE], i + 3);
		assert_int_equal(f->f[TU_FILESIZE], i);
		assert_memory_equal(f->data, content, i);
	}
	free(a);
}

static void test_archive_long_name(void **state)
{
	char const *dir = *state;
	char text[2 * TU_PATH_BYTES], path[256];
	struct tu_entry e[TU_ENTRIES_MAX];
	unsigned char *a;
	size_t len;

	tu_write_str(tu_path(dir, "x"), "x");
	/* "/l/" + 252 bytes: the longest path a spec may name */
	memset(path, 'n', 255);
	memcpy(path, "/l/", 3);
	path[255] = '\0';
	snprintf(text, sizeof text, "dir /l 0755 0 0 -\nfile %s 0644 0 0 %s\n", path,
		 tu_path(dir, "x"));
	a = build(dir, text, EPOCH, &len);
	assert_int_equal(tu_newc_parse(a, len, e, TU_ENTRIES_MAX), 2);
	assert_string_equal(e[1].name, path + 1);
	assert_int_equal(e[1].f[TU_NAMESIZE], 255);
	assert_int_equal(e[1].f[TU_FILESIZE], 1);
	free(a);
}

/* nothing but the trailer, padded to one block */
static void test_archive_empty(void **state)
{
	char const *dir = *state;
	struct tu_entry e[1];
	unsigned char *a;
	size_t len;

	a = build(dir, "# nothing\n", EPOCH, &len);
	assert_int_equal(len, 512);
	assert_int_equal(tu_newc_parse(a, len, e, 1), 0);
	free(a);
}

/* contents are streamed: a large (sparse) source, size not a multiple of 4 */
static void test_archive_large_file(void **state)
{
	char const *dir = *state;
	off_t const size = 100 * 1024 * 1024 + 3;
	char text[TU_PATH_BYTES + 64], hdr[111];
	unsigned char tail[4];
	struct stat st;
	int fd;
	off_t data;

	fd = open(tu_path(dir, "big"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "end", 3, size - 3), 3);
	assert_int_equal(close(fd), 0);
	snprintf(text, sizeof text, "file /big 0644 0 0 %s\n", tu_path(dir, "big"));
	tu_write_str(tu_path(dir, "spec"), text);
	assert_int_equal(mkcpio_run(tu_path(dir, "spec"), tu_path(dir, "out.cpio"), EPOCH), 0);

	/* header 110 + "big\0" = 114, pad to 116; data; pad 1; trailer 124 */
	data = 116;
	assert_int_equal(stat(tu_path(dir, "out.cpio"), &st), 0);
	assert_int_equal(st.st_size % 512, 0);
	assert_true(st.st_size >= data + size + 1 + 124);
	assert_true(st.st_size < data + size + 1 + 124 + 512);
	fd = open(tu_path(dir, "out.cpio"), O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, hdr, 110, 0), 110);
	hdr[110] = '\0';
	assert_string_equal(hdr + 6 + 6 * 8, "06400003" "00000000" "00000000" "00000000"
			    "00000000" "00000004" "00000000");
	assert_int_equal(pread(fd, tail, 4, data + size - 3), 4);
	assert_memory_equal(tail, "end\0", 4);
	assert_int_equal(pread(fd, hdr, 6, data + size + 1), 6);
	assert_memory_equal(hdr, "070701", 6);
	close(fd);
}

int test_archive_run(void)
{
	static struct CMUnitTest const tests[] = {
		cmocka_unit_test_setup_teardown(test_archive_golden, tu_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_archive_host_metadata, tu_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_archive_order, tu_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_archive_fields, tu_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_archive_padding, tu_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_archive_long_name, tu_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_archive_empty, tu_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_archive_large_file, tu_setup, tu_teardown),
	};

	return cmocka_run_group_tests_name("mkcpio archive", tests, NULL, NULL);
}
