/* UEFI direct boot prediction for a UKI, see predict.h. */
#include <stdlib.h>
#include <string.h>

#include "lethe_exit.h"
#include "pe.h"
#include "predict.h"
#include "sdcpio.h"

/* systemd 257 src/fundamental/uki.c unified_sections[] in its canonical
 * (measuring) order, without .pcrsig (never measured): the stub of the build
 * root (systemd-boot-efi 257, image/buildroot/packages.lock).  257 measures
 * more names than 252 did; the one that matters here is .sbat, which the stub
 * carries itself, so every lethe UKI has it. */
static const char *const uki_measured[] = {
	".linux", ".osrel", ".cmdline", ".initrd", ".ucode", ".splash", ".dtb", ".uname",
	".sbat", ".pcrpkey", ".profile", ".dtbauto", ".hwids",
};

#define CMDLINE_MAX 4096u

int prediction_add(struct prediction_set *s, const char *path, unsigned pcr,
	const uint8_t v[PCR_BYTES], struct tool_err *e)
{
	if (s->n >= PREDICT_MAX)
		return err_set(e, LETHE_EXIT_USAGE, "over %u predicted PCRs", PREDICT_MAX);
	s->p[s->n].path = path;
	s->p[s->n].pcr = pcr;
	memcpy(s->p[s->n].value, v, PCR_BYTES);
	s->n++;
	return 0;
}

static int section_digest(const struct pe_image *pe, const struct pe_section *s,
	uint8_t d[PCR_BYTES], struct tool_err *e)
{
	uint8_t *buf;
	size_t len;
	int rc = pe_section_copy(pe, s, &buf, &len, e);

	if (rc)
		return rc;
	pcr_sha256(buf ? buf : (const uint8_t *)"", len, d);
	free(buf);
	return 0;
}

static int predict_pcr11(const struct pe_image *pe, const struct profile *pr,
	uint8_t pcr[PCR_BYTES], struct tool_err *e)
{
	size_t i;

	profile_start(pr, 11, pcr);
	for (i = 0; i < sizeof uki_measured / sizeof uki_measured[0]; i++) {
		const struct pe_section *s = pe_section_find(pe, uki_measured[i]);
		uint8_t d[PCR_BYTES];
		int rc;

		if (!s || !s->vsize)
			continue;
		pcr_measure(pcr, uki_measured[i], strlen(uki_measured[i]) + 1);
		rc = section_digest(pe, s, d, e);
		if (rc)
			return rc;
		pcr_extend(pcr, d);
	}
	return 0;
}

/* The kernel's EFI stub measures its load options as the loader gave
 * them: UTF-16LE with the terminating NUL.  Only printable ASCII: other
 * bytes go through conversions we have not checked against a real boot,
 * so refuse rather than predict wrong. */
static int measure_load_options(uint8_t pcr[PCR_BYTES], const uint8_t *s, size_t n,
	struct tool_err *e)
{
	uint8_t wide[2 * (CMDLINE_MAX + 1)];
	size_t k;

	if (n > CMDLINE_MAX)
		return err_set(e, LETHE_EXIT_USAGE, "command line over %u bytes", CMDLINE_MAX);
	for (k = 0; k < n; k++) {
		if (s[k] < 0x20 || s[k] > 0x7e)
			return err_set(e, LETHE_EXIT_USAGE,
				"command line byte %zu is not printable ASCII", k);
		wide[2 * k] = s[k];
		wide[2 * k + 1] = 0;
	}
	wide[2 * n] = wide[2 * n + 1] = 0;
	pcr_measure(pcr, wide, 2 * (n + 1));
	return 0;
}

/* The initrd systemd-stub 257 passes (sdcpio.h): .initrd, then .osrel as
 * /.extra/os-release.  Sections that would add other generated initrds
 * (.ucode, .pcrsig, .pcrpkey, .profile) are refused, not guessed. */
static int stub_initrd_digest(const struct pe_image *pe, const struct pe_section *initrd,
	uint8_t d[PCR_BYTES], struct tool_err *e)
{
	static const char *const unpredicted[] = { ".ucode", ".pcrsig", ".pcrpkey", ".profile" };
	const struct pe_section *o = pe_section_find(pe, ".osrel");
	uint8_t *ibuf = NULL, *obuf = NULL, *cpio = NULL;
	size_t ilen, olen, clen, i;
	int rc;

	for (i = 0; i < sizeof unpredicted / sizeof unpredicted[0]; i++) {
		const struct pe_section *s = pe_section_find(pe, unpredicted[i]);

		if (s && s->vsize)
			return err_set(e, LETHE_EXIT_USAGE,
				"UKI has a %s section: the initrd systemd-stub builds from it is not predicted",
				unpredicted[i]);
	}
	rc = pe_section_copy(pe, initrd, &ibuf, &ilen, e);
	if (!rc && o && o->vsize) {
		rc = pe_section_copy(pe, o, &obuf, &olen, e);
		if (!rc)
			rc = sdcpio_literal(".extra", "os-release", obuf, olen, &cpio, &clen, e);
	}
	if (!rc) {
		const uint8_t *parts[2] = { ibuf, cpio };
		const size_t lens[2] = { ilen, cpio ? clen : 0 };

		rc = sdcpio_combined_sha256(parts, lens, cpio ? 2 : 1, d, e);
	}
	free(cpio);
	free(obuf);
	free(ibuf);
	return rc;
}

/* PCR 9 of a UKI: systemd-stub hands the kernel the .cmdline section as
 * load options and its initrd (stub_initrd_digest) through LoadFile2. */
static int predict_pcr9(const struct pe_image *pe, const struct profile *pr,
	uint8_t pcr[PCR_BYTES], struct tool_err *e)
{
	const struct pe_section *c = pe_section_find(pe, ".cmdline");
	const struct pe_section *i = pe_section_find(pe, ".initrd");
	uint8_t *cmd = NULL, d[PCR_BYTES];
	size_t len;
	int rc;

	if (!c || !c->vsize || !i || !i->vsize)
		return err_set(e, LETHE_EXIT_USAGE, "UKI has no .cmdline or no .initrd");
	if (c->vsize > CMDLINE_MAX)
		return err_set(e, LETHE_EXIT_USAGE, ".cmdline over %u bytes", CMDLINE_MAX);
	rc = pe_section_copy(pe, c, &cmd, &len, e);
	if (rc)
		return rc;
	profile_start(pr, 9, pcr);
	rc = measure_load_options(pcr, cmd, len, e);
	free(cmd);
	if (rc) {
		err_prefix(e, ".cmdline: ");
		return rc;
	}
	rc = stub_initrd_digest(pe, i, d, e);
	if (rc)
		return rc;
	pcr_extend(pcr, d);
	return 0;
}

int qemu_kernel_predict(const char *cmdline, const uint8_t initrd_digest[PCR_BYTES],
	const struct profile *pr, struct prediction_set *out, struct tool_err *e)
{
	static const char suffix[] = " initrd=initrd";
	char opts[CMDLINE_MAX + 1];
	uint8_t v[PCR_BYTES];
	size_t n = strlen(cmdline);
	int rc;

	if (!n)
		return err_set(e, LETHE_EXIT_USAGE, "empty QEMU command line");
	if (n + sizeof suffix > sizeof opts)
		return err_set(e, LETHE_EXIT_USAGE, "QEMU command line over %zu bytes",
			sizeof opts - sizeof suffix);
	if (!pr->pcr[7].has_value)
		return err_set(e, LETHE_EXIT_USAGE, "the platform profile has no value for PCR 7");
	/* OVMF's QEMU kernel loader appends this when QEMU has an initrd. */
	memcpy(opts, cmdline, n);
	memcpy(opts + n, suffix, sizeof suffix);
	rc = prediction_add(out, "qemu", 7, pr->pcr[7].value, e);
	if (rc)
		return rc;
	profile_start(pr, 9, v);
	rc = measure_load_options(v, (const uint8_t *)opts, n + sizeof suffix - 1, e);
	if (rc)
		return rc;
	pcr_extend(v, initrd_digest);
	return prediction_add(out, "qemu", 9, v, e);
}

/* systemd-stub starts the kernel with LoadImage on the .linux section
 * (VirtualSize bytes): the firmware measures that buffer as a PE image. */
static int predict_pcr4(const struct pe_image *uki, const struct profile *pr,
	uint8_t pcr[PCR_BYTES], struct tool_err *e)
{
	const struct pe_section *l = pe_section_find(uki, ".linux");
	struct pe_image *kernel = NULL;
	uint8_t *buf = NULL, d[PCR_BYTES];
	size_t len;
	int rc;

	if (!l || !l->vsize)
		return err_set(e, LETHE_EXIT_USAGE, "UKI has no .linux section");
	rc = pe_authenticode(uki, d, e);
	if (rc)
		return rc;
	profile_start(pr, 4, pcr);
	pcr_extend(pcr, d);
	rc = pe_section_copy(uki, l, &buf, &len, e);
	if (rc)
		return rc;
	kernel = malloc(sizeof *kernel);
	if (!kernel) {
		rc = err_set(e, LETHE_EXIT_TEMP, "unable to parse .linux: out of memory");
		goto out;
	}
	rc = pe_parse(buf, len, kernel, e);
	if (!rc)
		rc = pe_authenticode(kernel, d, e);
	if (rc) {
		err_prefix(e, ".linux: ");
		goto out;
	}
	pcr_extend(pcr, d);
out:
	free(kernel);
	free(buf);
	return rc;
}

int uefi_predict(const uint8_t *uki, size_t n, const struct profile *pr,
	struct prediction_set *out, struct tool_err *e)
{
	struct pe_image *pe = malloc(sizeof *pe);
	uint8_t v[PCR_BYTES];
	int rc;

	if (!pe)
		return err_set(e, LETHE_EXIT_TEMP, "unable to parse UKI: out of memory");
	rc = pe_parse(uki, n, pe, e);
	if (rc)
		goto out;
	if (!pr->pcr[7].has_value) {
		rc = err_set(e, LETHE_EXIT_USAGE, "the platform profile has no value for PCR 7");
		goto out;
	}
	rc = predict_pcr4(pe, pr, v, e);
	if (!rc)
		rc = prediction_add(out, "uefi", 4, v, e);
	if (!rc)
		rc = prediction_add(out, "uefi", 7, pr->pcr[7].value, e);
	if (!rc)
		rc = predict_pcr9(pe, pr, v, e);
	if (!rc)
		rc = prediction_add(out, "uefi", 9, v, e);
	if (!rc)
		rc = predict_pcr11(pe, pr, v, e);
	if (!rc)
		rc = prediction_add(out, "uefi", 11, v, e);
out:
	free(pe);
	return rc;
}
