/* cmocka unit tests for image/pcrpredict.  Known-answer values come from a
 * real boot (QEMU q35, OVMF, swtpm) of a lethe UKI, decoded with
 * tpm2_eventlog, and from pesign -h (see docs/updates.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "lethe_exit.h"
#include "certs.h"
#include "filehash.h"
#include "fileio.h"
#include "out.h"
#include "pcr.h"
#include "pe.h"
#include "predict.h"
#include "sdcpio.h"
#include "profile.h"

static void hex_to(const char *h, uint8_t out[PCR_BYTES])
{
	assert_int_equal(pcr_parse_hex(h, strlen(h), out), 0);
}

static void assert_hex(const uint8_t d[PCR_BYTES], const char *want)
{
	char hex[PCR_HEX_BYTES];

	pcr_hex(d, hex);
	assert_string_equal(hex, want);
}

/* ---- pcr ---- */

/* PCR 4 of the recorded boot: action, separator, UKI, kernel. */
static void test_pcr_replay_real_boot(void **state)
{
	static const char *ev[] = {
		"3d6772b4f84ed47595d72a2c4c5ffd15f5bb72c7507fe26f2aaee2c69d5633ba",
		"df3f619804a92fdb4057192dc43dd748ea778adc52bc498ce80524c014b81119",
		"46ddb96d8a62cd9690385af5b4db4385be5381dc65d38ebac6cb1dfc7d3bc8b8",
		"6b1bf35c3bee9918250f593a6fff889c75c1e239cd2fe9e5bb0cd3de9dcb8e51",
	};
	uint8_t pcr[PCR_BYTES] = { 0 }, d[PCR_BYTES];
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		hex_to(ev[i], d);
		pcr_extend(pcr, d);
	}
	assert_hex(pcr, "6a3bfb8a84b8ac57315a2a09bfd60831e62f09a78feb02dd722f7a28804c015f");
}

static void test_pcr_measure_action(void **state)
{
	static const char action[] = "Calling EFI Application from Boot Option";
	uint8_t d[PCR_BYTES];

	(void)state;
	pcr_sha256(action, strlen(action), d);
	assert_hex(d, "3d6772b4f84ed47595d72a2c4c5ffd15f5bb72c7507fe26f2aaee2c69d5633ba");
	pcr_sha256("\0\0\0\0", 4, d);
	assert_hex(d, "df3f619804a92fdb4057192dc43dd748ea778adc52bc498ce80524c014b81119");
}

static void test_pcr_parse_hex(void **state)
{
	uint8_t d[PCR_BYTES];
	char s[65];

	(void)state;
	memset(s, 'A', 64);
	s[64] = 0;
	assert_int_equal(pcr_parse_hex(s, 64, d), 0);
	assert_int_equal(d[0], 0xaa);
	assert_int_equal(pcr_parse_hex(s, 63, d), -1);
	s[10] = 'g';
	assert_int_equal(pcr_parse_hex(s, 64, d), -1);
	s[10] = ' ';
	assert_int_equal(pcr_parse_hex(s, 64, d), -1);
}

/* ---- profile ---- */

static const char good_profile[] =
	"# comment\n"
	"\n"
	"4 extend 3d6772b4f84ed47595d72a2c4c5ffd15f5bb72c7507fe26f2aaee2c69d5633ba EV_EFI_ACTION\n"
	"  4\textend df3f619804a92fdb4057192dc43dd748ea778adc52bc498ce80524c014b81119 # sep\n"
	"7 value 65caf8dd1e0ea7a6347b635d2b379c93b9a1351edc2afc3ecda700e534eb3068";

static void test_profile_good(void **state)
{
	struct profile *pr = malloc(sizeof *pr);
	struct tool_err e = { 0, "" };
	uint8_t v[PCR_BYTES], d[PCR_BYTES];

	(void)state;
	assert_non_null(pr);
	assert_int_equal(profile_parse(good_profile, strlen(good_profile), pr, &e), 0);
	assert_int_equal(pr->pcr[4].nevents, 2);
	assert_true(pr->pcr[7].has_value);
	profile_start(pr, 7, v);
	assert_hex(v, "65caf8dd1e0ea7a6347b635d2b379c93b9a1351edc2afc3ecda700e534eb3068");
	profile_start(pr, 9, v);
	memset(d, 0, sizeof d);
	assert_memory_equal(v, d, PCR_BYTES);
	free(pr);
}

static void expect_profile_error(const char *text, const char *msg)
{
	struct profile *pr = malloc(sizeof *pr);
	struct tool_err e = { 0, "" };

	assert_non_null(pr);
	assert_int_equal(profile_parse(text, strlen(text), pr, &e), LETHE_EXIT_USAGE);
	if (!strstr(e.msg, msg))
		fail_msg("'%s' does not contain '%s'", e.msg, msg);
	free(pr);
}

static void test_profile_errors(void **state)
{
	static const char h[] = "3d6772b4f84ed47595d72a2c4c5ffd15f5bb72c7507fe26f2aaee2c69d5633ba";
	char buf[4096];
	size_t i;

	(void)state;
	expect_profile_error("", "empty");
	snprintf(buf, sizeof buf, "24 extend %s\n", h);
	expect_profile_error(buf, "line 1: PCR must be");
	snprintf(buf, sizeof buf, "04 extend %s\n", h);
	expect_profile_error(buf, "PCR must be");
	snprintf(buf, sizeof buf, "-1 extend %s\n", h);
	expect_profile_error(buf, "PCR must be");
	expect_profile_error("4\n", "missing");
	snprintf(buf, sizeof buf, "4 add %s\n", h);
	expect_profile_error(buf, "expected 'extend'");
	expect_profile_error("4 extend 3d67\n", "64 hex");
	expect_profile_error("4 value\n", "64 hex");
	snprintf(buf, sizeof buf, "7 value %s\n7 value %s\n", h, h);
	expect_profile_error(buf, "line 2: PCR 7 given twice");
	snprintf(buf, sizeof buf, "7 value %s\n7 extend %s\n", h, h);
	expect_profile_error(buf, "has a value already");
	snprintf(buf, sizeof buf, "7 extend %s\n7 value %s\n", h, h);
	expect_profile_error(buf, "given twice");
	snprintf(buf, sizeof buf, "4 extend %s\r\n", h);
	expect_profile_error(buf, "control character");
	snprintf(buf, sizeof buf, "# \xc3\xa9\n");
	expect_profile_error(buf, "not ASCII");
	memset(buf, '#', 600);
	buf[600] = 0;
	expect_profile_error(buf, "over 512 bytes");
	buf[0] = 0;
	for (i = 0; i <= PROFILE_EVENTS_MAX; i++)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "9 extend %s\n", h);
	expect_profile_error(buf, "over 32 events");
}

/* ---- PE / Authenticode ---- */

#define T_COFF 0x40u

/* A minimal PE32+ image: headers (0x200), then the given sections, each
 * padded to 0x200 in the file; optional trailing bytes.  Returns its size. */
struct sec_spec {
	const char *name;
	const uint8_t *data;
	uint32_t len;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static size_t build_pe(uint8_t *buf, size_t cap, const struct sec_spec *s, unsigned n,
	size_t trailing)
{
	size_t off = 0x200, i;
	const size_t coff = T_COFF, opt = coff + 24, optsize = 240, sectab = opt + optsize;

	memset(buf, 0, cap);
	buf[0] = 'M';
	buf[1] = 'Z';
	put32(buf + 0x3c, (uint32_t)coff);
	memcpy(buf + coff, "PE\0\0", 4);
	put16(buf + coff + 4, 0x8664);
	put16(buf + coff + 6, (uint16_t)n);
	put16(buf + coff + 20, (uint16_t)optsize);
	put16(buf + opt, 0x20b);
	put32(buf + opt + 60, 0x200);          /* SizeOfHeaders */
	put32(buf + opt + 64, 0x12345678);     /* CheckSum: must not matter */
	put32(buf + opt + 108, 16);            /* NumberOfRvaAndSizes */
	for (i = 0; i < n; i++) {
		uint8_t *h = buf + sectab + 40 * i;
		uint32_t raw = (s[i].len + 0x1ff) & ~0x1ffu;

		memcpy(h, s[i].name, strlen(s[i].name));
		put32(h + 8, s[i].len);
		put32(h + 12, (uint32_t)(0x1000 * (i + 1)));
		put32(h + 16, raw);
		put32(h + 20, (uint32_t)off);
		memcpy(buf + off, s[i].data, s[i].len);
		off += raw;
	}
	for (i = 0; i < trailing; i++)
		buf[off + i] = (uint8_t)(0xa0 + i);
	assert_true(off + trailing <= cap);
	return off + trailing;
}

static void sha_parts(uint8_t out[PCR_BYTES], const uint8_t *p, const size_t *ranges, size_t n)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	size_t i;

	assert_non_null(c);
	assert_true(EVP_DigestInit_ex(c, EVP_sha256(), NULL));
	for (i = 0; i < n; i += 2)
		assert_true(EVP_DigestUpdate(c, p + ranges[i], ranges[i + 1] - ranges[i]));
	assert_true(EVP_DigestFinal_ex(c, out, NULL));
	EVP_MD_CTX_free(c);
}

static void test_pe_authenticode_synthetic(void **state)
{
	static uint8_t img[8192];
	static const uint8_t text[] = "code bytes";
	const struct sec_spec s[] = { { ".text", text, sizeof text } };
	struct pe_image *pe = malloc(sizeof *pe);
	struct tool_err e = { 0, "" };
	uint8_t got[PCR_BYTES], want[PCR_BYTES];
	const size_t csum = T_COFF + 24 + 64, certdir = T_COFF + 24 + 112 + 32;
	size_t n;

	(void)state;
	assert_non_null(pe);
	n = build_pe(img, sizeof img, s, 1, 0);
	assert_int_equal(pe_parse(img, n, pe, &e), 0);
	assert_int_equal(pe_authenticode(pe, got, &e), 0);
	{
		const size_t r[] = { 0, csum, csum + 4, certdir, certdir + 8, 0x400 };
		sha_parts(want, img, r, 6);
	}
	assert_memory_equal(got, want, PCR_BYTES);

	/* The checksum is not hashed; trailing data is, minus the cert table. */
	put32(img + csum, 0);
	assert_int_equal(pe_parse(img, n, pe, &e), 0);
	assert_int_equal(pe_authenticode(pe, got, &e), 0);
	assert_memory_equal(got, want, PCR_BYTES);
	n = build_pe(img, sizeof img, s, 1, 24);
	put32(img + certdir + 4, 8);
	assert_int_equal(pe_parse(img, n, pe, &e), 0);
	assert_int_equal(pe_authenticode(pe, got, &e), 0);
	{
		const size_t r[] = { 0, csum, csum + 4, certdir, certdir + 8, 0x400, 0x400, 0x400 + 16 };
		sha_parts(want, img, r, 8);
	}
	assert_memory_equal(got, want, PCR_BYTES);
	/* A certificate table larger than the trailing data. */
	put32(img + certdir + 4, 25);
	assert_int_equal(pe_parse(img, n, pe, &e), 0);
	assert_int_equal(pe_authenticode(pe, got, &e), LETHE_EXIT_USAGE);
	free(pe);
}

static void test_pe_parse_errors(void **state)
{
	static uint8_t img[8192];
	static const uint8_t text[] = "x";
	const struct sec_spec s[] = { { ".text", text, 1 } };
	struct pe_image *pe = malloc(sizeof *pe);
	struct tool_err e = { 0, "" };
	size_t n, cut;

	(void)state;
	assert_non_null(pe);
	n = build_pe(img, sizeof img, s, 1, 0);
	/* Every truncation is refused or parses within bounds (ASan checks). */
	for (cut = 0; cut < n; cut += 7)
		if (pe_parse(img, cut, pe, &e) == 0)
			assert_true(cut >= 0x200);
	assert_int_equal(pe_parse(img, 0x1ff, pe, &e), LETHE_EXIT_USAGE);
	img[0] = 'X';
	assert_int_equal(pe_parse(img, n, pe, &e), LETHE_EXIT_USAGE);
	n = build_pe(img, sizeof img, s, 1, 0);
	put32(img + 0x3c, 0xfffffff0u);
	assert_int_equal(pe_parse(img, n, pe, &e), LETHE_EXIT_USAGE);
	n = build_pe(img, sizeof img, s, 1, 0);
	put32(img + T_COFF + 24 + 240 + 20, 0xfffffe00u); /* raw_off */
	assert_int_equal(pe_parse(img, n, pe, &e), LETHE_EXIT_USAGE);
	assert_non_null(strstr(e.msg, "out of the file"));
	n = build_pe(img, sizeof img, s, 1, 0);
	put16(img + T_COFF + 6, 97);
	assert_int_equal(pe_parse(img, n, pe, &e), LETHE_EXIT_USAGE);
	n = build_pe(img, sizeof img, s, 1, 0);
	put16(img + T_COFF + 24, 0x107);
	assert_int_equal(pe_parse(img, n, pe, &e), LETHE_EXIT_USAGE);
	n = build_pe(img, sizeof img, s, 1, 0);
	put32(img + T_COFF + 24 + 108, 17);
	assert_int_equal(pe_parse(img, n, pe, &e), LETHE_EXIT_USAGE);
	free(pe);
}

/* The build root's systemd-stub (systemd-boot-efi 257.13-1~deb13u1, pinned
 * in image/buildroot/packages.lock; make unit passes its path in LETHE_STUB):
 * our Authenticode equals pesign -h of it (pesign 0.112, Debian 12).
 * Skipped when that exact file is not there. */
static void test_pe_stub_matches_pesign(void **state)
{
	const char *stub = getenv("LETHE_STUB");
	struct pe_image *pe = malloc(sizeof *pe);
	struct tool_err e = { 0, "" };
	struct buf buf = BUF_ZERO;
	uint8_t d[PCR_BYTES];

	(void)state;
	assert_non_null(pe);
	if (!stub || file_read(stub, "stub", FILE_MAX_BYTES, &buf, &e)) {
		free(pe);
		skip();
	}
	pcr_sha256(buf.p, buf.len, d);
	{
		char hex[PCR_HEX_BYTES];

		pcr_hex(d, hex);
		if (strcmp(hex, "9c623743834bb904a3cb941092cffc958c31230263ce896d332a75e9ec48aa85")) {
			buf_free(&buf);
			free(pe);
			skip();
		}
	}
	assert_int_equal(pe_parse(buf.p, buf.len, pe, &e), 0);
	assert_int_equal(pe_authenticode(pe, d, &e), 0);
	assert_hex(d, "67bef9a6389a20aed82f1ff17096fb21e28140b7f4456c437cb2f3030a93d5bd");
	assert_non_null(pe_section_find(pe, ".sdmagic"));
	assert_null(pe_section_find(pe, ".linux"));
	buf_free(&buf);
	free(pe);
}

/* ---- UEFI prediction: the rules, on a synthetic UKI ---- */

static void test_uefi_predict_rules(void **state)
{
	static uint8_t kernel[4096], uki[16384];
	static const uint8_t ktext[] = "kernel text";
	static const char cmd[] = "console=ttyS0 x=1";
	static const uint8_t initrd[] = "initrd bytes";
	static const uint8_t osrel[] = "ID=lethe\n";
	const struct sec_spec ks[] = { { ".text", ktext, sizeof ktext } };
	struct sec_spec us[4];
	struct profile *pr = calloc(1, sizeof *pr);
	struct pe_image *pe = malloc(sizeof *pe);
	struct prediction_set set;
	struct tool_err e = { 0, "" };
	uint8_t v[PCR_BYTES], d[PCR_BYTES], wide[64];
	size_t kn, un, i;

	(void)state;
	assert_non_null(pr);
	assert_non_null(pe);
	memset(&set, 0, sizeof set);
	kn = build_pe(kernel, sizeof kernel, ks, 1, 0);
	us[0] = (struct sec_spec){ ".osrel", osrel, sizeof osrel - 1 };
	us[1] = (struct sec_spec){ ".cmdline", (const uint8_t *)cmd, sizeof cmd - 1 };
	us[2] = (struct sec_spec){ ".linux", kernel, (uint32_t)kn };
	us[3] = (struct sec_spec){ ".initrd", initrd, sizeof initrd - 1 };
	un = build_pe(uki, sizeof uki, us, 4, 0);
	hex_to("3d6772b4f84ed47595d72a2c4c5ffd15f5bb72c7507fe26f2aaee2c69d5633ba", pr->pcr[4].events[0]);
	pr->pcr[4].nevents = 1;
	pr->pcr[7].has_value = 1;
	memset(pr->pcr[7].value, 0x77, PCR_BYTES);
	if (uefi_predict(uki, un, pr, &set, &e))
		fail_msg("%s", e.msg);
	assert_int_equal(set.n, 4);

	/* PCR 4: profile event, UKI, kernel. */
	memset(v, 0, sizeof v);
	pcr_extend(v, pr->pcr[4].events[0]);
	assert_int_equal(pe_parse(uki, un, pe, &e), 0);
	assert_int_equal(pe_authenticode(pe, d, &e), 0);
	pcr_extend(v, d);
	assert_int_equal(pe_parse(kernel, kn, pe, &e), 0);
	assert_int_equal(pe_authenticode(pe, d, &e), 0);
	pcr_extend(v, d);
	assert_int_equal(set.p[0].pcr, 4);
	assert_string_equal(set.p[0].path, "uefi");
	assert_memory_equal(set.p[0].value, v, PCR_BYTES);
	assert_int_equal(set.p[1].pcr, 7);
	assert_memory_equal(set.p[1].value, pr->pcr[7].value, PCR_BYTES);

	/* PCR 9: UTF-16LE command line with its NUL, then the initrd
	 * systemd-stub 257 passes: .initrd (12 bytes, no padding), then
	 * .osrel as /.extra/os-release in a newc cpio, written out here by
	 * hand from systemd's src/boot/cpio.c. */
	memset(wide, 0, sizeof wide);
	for (i = 0; i < sizeof cmd - 1; i++)
		wide[2 * i] = (uint8_t)cmd[i];
	memset(v, 0, sizeof v);
	pcr_measure(v, wide, 2 * sizeof cmd);
	{
		static const char want[] =
			/* .extra, 0555 directory, inode 1: 117 bytes + 3 of padding */
			"070701" "00000001" "0000416d" "00000000" "00000000" "00000001" "00000000"
			"00000000" "00000000" "00000000" "00000000" "00000000" "00000007" "00000000"
			".extra\0\0\0\0"
			/* .extra/os-release, 0444, inode 2, 9 bytes: 128 + 12 */
			"070701" "00000002" "00008124" "00000000" "00000000" "00000001" "00000000"
			"00000009" "00000000" "00000000" "00000000" "00000000" "00000012" "00000000"
			".extra/os-release\0" "ID=lethe\n\0\0\0"
			/* the trailer, as systemd writes it */
			"070701" "00000000" "00000000" "00000000" "00000000" "00000001" "00000000"
			"00000000" "00000000" "00000000" "00000000" "00000000" "0000000B" "00000000"
			"TRAILER!!!\0\0\0";
		uint8_t all[12 + sizeof want], *cpio = NULL;
		size_t clen = 0;

		assert_int_equal(sdcpio_literal(".extra", "os-release", osrel, sizeof osrel - 1, &cpio,
			&clen, &e), 0);
		assert_int_equal(clen, sizeof want);
		assert_memory_equal(cpio, want, sizeof want);
		free(cpio);
		memcpy(all, initrd, 12);
		memcpy(all + 12, want, sizeof want);
		pcr_measure(v, all, sizeof all);
	}
	assert_int_equal(set.p[2].pcr, 9);
	assert_memory_equal(set.p[2].value, v, PCR_BYTES);

	/* PCR 11: .linux .osrel .cmdline .initrd, name with NUL then data. */
	memset(v, 0, sizeof v);
	pcr_measure(v, ".linux", 7);
	pcr_measure(v, kernel, kn);
	pcr_measure(v, ".osrel", 7);
	pcr_measure(v, osrel, sizeof osrel - 1);
	pcr_measure(v, ".cmdline", 9);
	pcr_measure(v, cmd, sizeof cmd - 1);
	pcr_measure(v, ".initrd", 8);
	pcr_measure(v, initrd, sizeof initrd - 1);
	assert_int_equal(set.p[3].pcr, 11);
	assert_memory_equal(set.p[3].value, v, PCR_BYTES);

	/* A section systemd-stub would turn into another initrd: refused. */
	{
		static uint8_t uki2[16384];
		struct sec_spec us2[4];
		size_t un2;

		memcpy(us2, us, sizeof us);
		us2[0] = (struct sec_spec){ ".ucode", initrd, sizeof initrd - 1 };
		un2 = build_pe(uki2, sizeof uki2, us2, 4, 0);
		memset(&set, 0, sizeof set);
		assert_int_equal(uefi_predict(uki2, un2, pr, &set, &e), LETHE_EXIT_USAGE);
		if (!strstr(e.msg, ".ucode"))
			fail_msg("%s", e.msg);
	}

	/* No PCR 7 in the profile: refused, not guessed. */
	pr->pcr[7].has_value = 0;
	memset(&set, 0, sizeof set);
	assert_int_equal(uefi_predict(uki, un, pr, &set, &e), LETHE_EXIT_USAGE);
	pr->pcr[7].has_value = 1;

	/* A command line with a newline: refused. */
	memcpy(uki + 0x400, "console=ttyS0\nx=", 16);
	memset(&set, 0, sizeof set);
	assert_int_equal(uefi_predict(uki, un, pr, &set, &e), LETHE_EXIT_USAGE);
	assert_non_null(strstr(e.msg, "printable ASCII"));

	/* A section asking for more bytes than the file holds: refused,
	 * not zero-filled (memory stays bounded by the file). */
	memcpy(uki + 0x400, "console=ttyS0 x=", 16);
	put32(uki + T_COFF + 24 + 240 + 3 * 40 + 8, 0x40000000u);
	memset(&set, 0, sizeof set);
	assert_int_equal(uefi_predict(uki, un, pr, &set, &e), LETHE_EXIT_USAGE);
	assert_non_null(strstr(e.msg, "beyond"));

	/* No .initrd: refused. */
	un = build_pe(uki, sizeof uki, us, 3, 0);
	memset(&set, 0, sizeof set);
	assert_int_equal(uefi_predict(uki, un, pr, &set, &e), LETHE_EXIT_USAGE);
	free(pe);
	free(pr);
}

/* QEMU -kernel under OVMF, known answer from a real boot: the loader
 * appends " initrd=initrd" to the -append string. */
static void test_qemu_kernel_real_boot(void **state)
{
	struct profile *pr = calloc(1, sizeof *pr);
	struct prediction_set set;
	struct tool_err e = { 0, "" };
	uint8_t initrd[PCR_BYTES];
	char long_cmd[5000];

	(void)state;
	assert_non_null(pr);
	memset(&set, 0, sizeof set);
	hex_to("87b4d2b9c4edca45fe31f92f17e3c363aed4619533c97c6528ba331bfa163a55", initrd);
	assert_int_equal(qemu_kernel_predict("console=ttyS0 panic=-1 lethe.rescue", initrd, pr, &set, &e),
		LETHE_EXIT_USAGE); /* no PCR 7 in the profile */
	pr->pcr[7].has_value = 1;
	assert_int_equal(qemu_kernel_predict("console=ttyS0 panic=-1 lethe.rescue", initrd, pr, &set, &e), 0);
	assert_int_equal(set.n, 2);
	assert_string_equal(set.p[1].path, "qemu");
	assert_int_equal(set.p[1].pcr, 9);
	assert_hex(set.p[1].value, "949abd86131caeb6940118b3a46b62ae9d8d6156dad0489ed419958f098e7cce");
	assert_int_equal(qemu_kernel_predict("", initrd, pr, &set, &e), LETHE_EXIT_USAGE);
	assert_int_equal(qemu_kernel_predict("a\tb", initrd, pr, &set, &e), LETHE_EXIT_USAGE);
	memset(long_cmd, 'a', sizeof long_cmd - 1);
	long_cmd[sizeof long_cmd - 1] = 0;
	assert_int_equal(qemu_kernel_predict(long_cmd, initrd, pr, &set, &e), LETHE_EXIT_USAGE);
	free(pr);
}

/* ---- stboot ---- */

static void stboot_x(uint8_t pcr[PCR_BYTES], const void *p, size_t n, int single)
{
	uint8_t d[PCR_BYTES];

	pcr_sha256(p, n, d);
	if (single)
		pcr_extend(pcr, d);
	else
		pcr_measure(pcr, d, PCR_BYTES);
}

static void test_stboot_rules(void **state)
{
	static const uint8_t zip[] = "PK zip", desc[] = "{\"version\":1}", root[] = "root der",
		tls[] = "tls der";
	static const char policy[] = "{\"ospkg_signature_threshold\":2,\"ospkg_fetch_method\":\"network\"}";
	struct stboot_inputs in;
	struct prediction_set set;
	struct tool_err e = { 0, "" };
	uint8_t zd[PCR_BYTES], v[PCR_BYTES];
	char buf[128];
	int single;

	(void)state;
	assert_int_equal(stboot_policy_json(2, "network", buf, sizeof buf), (int)strlen(policy));
	assert_string_equal(buf, policy);
	assert_int_equal(stboot_policy_json(2, "network", buf, 10), -1);
	pcr_sha256(zip, sizeof zip - 1, zd);
	for (single = 0; single < 2; single++) {
		memset(&in, 0, sizeof in);
		memset(&set, 0, sizeof set);
		in.zip_digest = zd;
		in.desc = desc;
		in.desc_len = sizeof desc - 1;
		in.threshold = 2;
		in.fetch_method = "network";
		in.root_der = root;
		in.root_len = sizeof root - 1;
		in.tls_der = tls;
		in.tls_len = sizeof tls - 1;
		in.identity = "node-1";
		in.single_hash = single;
		assert_int_equal(stboot_predict(&in, &set, &e), 0);
		assert_int_equal(set.n, 3);
		memset(v, 0, sizeof v);
		stboot_x(v, zip, sizeof zip - 1, single);
		stboot_x(v, desc, sizeof desc - 1, single);
		assert_int_equal(set.p[0].pcr, 12);
		assert_memory_equal(set.p[0].value, v, PCR_BYTES);
		memset(v, 0, sizeof v);
		stboot_x(v, policy, strlen(policy), single);
		stboot_x(v, root, sizeof root - 1, single);
		stboot_x(v, tls, sizeof tls - 1, single);
		assert_int_equal(set.p[1].pcr, 13);
		assert_memory_equal(set.p[1].value, v, PCR_BYTES);
		memset(v, 0, sizeof v);
		stboot_x(v, "node-1", 6, single);
		assert_int_equal(set.p[2].pcr, 14);
		assert_memory_equal(set.p[2].value, v, PCR_BYTES);
	}
	in.fetch_method = "usb";
	assert_int_equal(stboot_predict(&in, &set, &e), LETHE_EXIT_USAGE);
	in.fetch_method = "network";
	in.threshold = 0;
	assert_int_equal(stboot_predict(&in, &set, &e), LETHE_EXIT_USAGE);
}

/* The empty identity and no TLS roots: SHA-256 of nothing, hashed again. */
static void test_stboot_empty(void **state)
{
	struct stboot_inputs in;
	struct prediction_set set;
	struct tool_err e = { 0, "" };
	uint8_t zd[PCR_BYTES] = { 0 }, v[PCR_BYTES];

	(void)state;
	memset(&in, 0, sizeof in);
	memset(&set, 0, sizeof set);
	in.zip_digest = zd;
	in.desc = (const uint8_t *)"";
	in.threshold = 1;
	in.fetch_method = "initramfs";
	in.root_der = (const uint8_t *)"";
	in.identity = "";
	assert_int_equal(stboot_predict(&in, &set, &e), 0);
	memset(v, 0, sizeof v);
	stboot_x(v, "", 0, 0);
	assert_memory_equal(set.p[2].value, v, PCR_BYTES);
}

/* ---- certificates ---- */

static const char cert1[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBLjCB4aADAgECAhRi4uGgwtEhHz2Lcc8KO+ZdiXSDvDAFBgMrZXAwDTELMAkG\n"
	"A1UEAwwCdDEwHhcNMjYxMTIyMDc0ODQ3WhcNMjYxMTIzMDc0ODQ3WjANMQswCQYD\n"
	"VQQDDAJ0MTAqMAUGAytlcAMhALI5r56AKvTDRmqrqh6YJyH65hlU7qVveQFvbtTj\n"
	"U8LCo1MwUTAdBgNVHQ4EFgQUepOIGXQyU7e5ETW/XlS0Q6dJo/MwHwYDVR0jBBgw\n"
	"FoAUepOIGXQyU7e5ETW/XlS0Q6dJo/MwDwYDVR0TAQH/BAUwAwEB/zAFBgMrZXAD\n"
	"QQCoJkTLks0dI543snrVGn8V2lI3MqNq+V//G6axS3RXZ1jBEKWJ73eh8YatSRaA\n"
	"uCU626DSZk/QZ5vjg28mc5MJ\n"
	"-----END CERTIFICATE-----\n";
static const char cert2[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBLjCB4aADAgECAhQk9ZyQp9YIRPRJ1Ri68ZKh2cUyOTAFBgMrZXAwDTELMAkG\n"
	"A1UEAwwCdDIwHhcNMjYxMTIyMDc0ODQ3WhcNMjYxMTIzMDc0ODQ3WjANMQswCQYD\n"
	"VQQDDAJ0MjAqMAUGAytlcAMhAH32h0vEqJvPtSob3hXDbTSnIeQ8uqNLRqBU9l6t\n"
	"Fo3uo1MwUTAdBgNVHQ4EFgQUzA0401+9w9L+gmFd/DCC4CZVCwswHwYDVR0jBBgw\n"
	"FoAUzA0401+9w9L+gmFd/DCC4CZVCwswDwYDVR0TAQH/BAUwAwEB/zAFBgMrZXAD\n"
	"QQCfdr86GCcygngbUN2IDmeXxNp1V4MzkKzWc1CmMCH+YKnfTQzfk0ll6GaDKn5A\n"
	"fg/9QUmM7wFN4SzTzqfmdDsK\n"
	"-----END CERTIFICATE-----\n";

static void test_certs(void **state)
{
	struct tool_err e = { 0, "" };
	uint8_t *der, d[PCR_BYTES];
	size_t n;
	char both[2048];

	(void)state;
	assert_int_equal(certs_pem_to_der((const uint8_t *)cert1, strlen(cert1), 1, 1, &der, &n, &e), 0);
	pcr_sha256(der, n, d);
	assert_hex(d, "d21b8872cc38a28ab1cf21bc2e375459307a7621c18c6838dcb147e89a715b5a");
	free(der);
	snprintf(both, sizeof both, "%s%s", cert1, cert2);
	assert_int_equal(certs_pem_to_der((const uint8_t *)both, strlen(both), 1, 8, &der, &n, &e), 0);
	pcr_sha256(der, n, d);
	assert_hex(d, "edb36f5bf7a7e8e75d8f5b943de566b4f773474b225fedd211a1c263972e4799");
	free(der);
	/* Exactly one signing root. */
	assert_int_equal(certs_pem_to_der((const uint8_t *)both, strlen(both), 1, 1, &der, &n, &e),
		LETHE_EXIT_USAGE);
	assert_null(der);
	assert_int_equal(certs_pem_to_der((const uint8_t *)"junk\n", 5, 1, 1, &der, &n, &e),
		LETHE_EXIT_USAGE);
	snprintf(both, sizeof both, "%s", cert1);
	both[100] = '!';
	assert_int_equal(certs_pem_to_der((const uint8_t *)both, strlen(both), 1, 1, &der, &n, &e),
		LETHE_EXIT_USAGE);
}

/* ---- output ---- */

static void test_out_formats(void **state)
{
	struct prediction_set set;
	struct tool_err e = { 0, "" };
	uint8_t v[PCR_BYTES];
	char buf[1024], small[40];

	(void)state;
	memset(&set, 0, sizeof set);
	memset(v, 0xab, sizeof v);
	assert_int_equal(prediction_add(&set, "uefi", 4, v, &e), 0);
	memset(v, 0x01, sizeof v);
	assert_int_equal(prediction_add(&set, "stboot", 13, v, &e), 0);
	assert_true(out_text(&set, buf, sizeof buf) > 0);
	assert_string_equal(buf,
		"uefi 4 abababababababababababababababababababababababababababababababab\n"
		"stboot 13 0101010101010101010101010101010101010101010101010101010101010101\n");
	assert_true(out_json(&set, buf, sizeof buf) > 0);
	assert_string_equal(buf,
		"{\"bank\":\"sha256\",\"pcrs\":[\n"
		" {\"path\":\"uefi\",\"pcr\":4,\"sha256\":\"abababababababababababababababababababababababababababababababab\"},\n"
		" {\"path\":\"stboot\",\"pcr\":13,\"sha256\":\"0101010101010101010101010101010101010101010101010101010101010101\"}\n"
		"]}\n");
	assert_int_equal(out_text(&set, small, sizeof small), -1);
	assert_int_equal(out_json(&set, small, sizeof small), -1);
	while (set.n < PREDICT_MAX)
		assert_int_equal(prediction_add(&set, "uefi", 1, v, &e), 0);
	assert_int_equal(prediction_add(&set, "uefi", 1, v, &e), LETHE_EXIT_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcr_replay_real_boot),
		cmocka_unit_test(test_pcr_measure_action),
		cmocka_unit_test(test_pcr_parse_hex),
		cmocka_unit_test(test_profile_good),
		cmocka_unit_test(test_profile_errors),
		cmocka_unit_test(test_pe_authenticode_synthetic),
		cmocka_unit_test(test_pe_parse_errors),
		cmocka_unit_test(test_pe_stub_matches_pesign),
		cmocka_unit_test(test_uefi_predict_rules),
		cmocka_unit_test(test_qemu_kernel_real_boot),
		cmocka_unit_test(test_stboot_rules),
		cmocka_unit_test(test_stboot_empty),
		cmocka_unit_test(test_certs),
		cmocka_unit_test(test_out_formats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
