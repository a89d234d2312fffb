/* pcrpredict: the PCR values a lethe image will produce when it boots.
 *
 *   pcrpredict authenticode FILE          Authenticode SHA-256 of a PE image
 *   pcrpredict replay HEX...              SHA-256 PCR after extending each digest
 *   pcrpredict predict [UEFI] [STBOOT] [--out FILE] [--json FILE]
 *     UEFI:   --uki UKI.efi --profile PROFILE
 *     QEMU:   --qemu-cmdline S --qemu-initrd F --profile PROFILE (-kernel boots)
 *     STBOOT: --zip X.zip --descriptor X.json --root ROOT.pem
 *             [--tls-roots PEM] [--threshold N] [--fetch-method network|initramfs]
 *             [--identity STRING] [--single-hash] [--stboot-profile FILE]
 *
 * predict writes "<path> <pcr> <hex>" lines (to stdout without --out) and
 * the same as JSON with --json.  This file only parses arguments.  Exit
 * codes: include/lethe_exit.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lethe_exit.h"
#include "certs.h"
#include "err.h"
#include "filehash.h"
#include "fileio.h"
#include "out.h"
#include "pcr.h"
#include "pe.h"
#include "predict.h"
#include "profile.h"

static const char usage_text[] =
	"usage: pcrpredict authenticode FILE\n"
	"       pcrpredict replay HEX...\n"
	"       pcrpredict predict [--uki UKI.efi] [--qemu-cmdline S --qemu-initrd F]\n"
	"                          [--profile FILE]\n"
	"                          [--zip X.zip --descriptor X.json --root ROOT.pem\n"
	"                           [--tls-roots PEM] [--threshold N] [--fetch-method M]\n"
	"                           [--identity S] [--single-hash] [--stboot-profile F]]\n"
	"                          [--out FILE] [--json FILE]\n";

#define PCRPREDICT_PROG "pcrpredict"
#define IDENTITY_MAX 1024u
#define CERT_FILE_MAX (1u << 20)
#define OUT_MAX 8192u

enum {
	O_UKI, O_PROFILE, O_ZIP, O_DESC, O_ROOT, O_TLS, O_THRESHOLD, O_FETCH, O_IDENTITY,
	O_SINGLE, O_SPROFILE, O_QCMD, O_QINITRD, O_OUT, O_JSON, O_N
};

static const struct {
	const char *name;
	int flag;
} opt_names[O_N] = {
	[O_UKI] = { "uki", 0 },         [O_PROFILE] = { "profile", 0 },
	[O_ZIP] = { "zip", 0 },         [O_DESC] = { "descriptor", 0 },
	[O_ROOT] = { "root", 0 },       [O_TLS] = { "tls-roots", 0 },
	[O_THRESHOLD] = { "threshold", 0 }, [O_FETCH] = { "fetch-method", 0 },
	[O_IDENTITY] = { "identity", 0 }, [O_SINGLE] = { "single-hash", 1 },
	[O_SPROFILE] = { "stboot-profile", 0 },
	[O_QCMD] = { "qemu-cmdline", 0 },     [O_QINITRD] = { "qemu-initrd", 0 },
	[O_OUT] = { "out", 0 },         [O_JSON] = { "json", 0 },
};

static int fatal(struct tool_err *e)
{
	char *c;

	for (c = e->msg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	fprintf(stderr, "%s: fatal: %s\n", PCRPREDICT_PROG, e->msg);
	return e->code ? e->code : LETHE_EXIT_TEMP;
}

static int write_stdout(const char *s, size_t n, struct tool_err *e)
{
	if (fwrite(s, 1, n, stdout) != n || fflush(stdout) != 0)
		return err_sys(e, errno ? errno : EIO, "unable to write to stdout");
	return 0;
}

static int cmd_authenticode(int argc, char **argv, struct tool_err *e)
{
	struct pe_image *pe = NULL;
	struct buf buf = BUF_ZERO;
	uint8_t d[PCR_BYTES];
	char hex[PCR_HEX_BYTES];
	int rc;

	if (argc != 1)
		return err_set(e, LETHE_EXIT_USAGE, "authenticode: one FILE");
	rc = file_read(argv[0], "PE image", FILE_MAX_BYTES, &buf, e);
	if (rc)
		return rc;
	pe = malloc(sizeof *pe);
	if (!pe) {
		rc = err_set(e, LETHE_EXIT_TEMP, "out of memory");
		goto out;
	}
	rc = pe_parse(buf.p, buf.len, pe, e);
	if (!rc)
		rc = pe_authenticode(pe, d, e);
	if (rc) {
		err_prefix(e, "unable to hash %s: ", argv[0]);
		goto out;
	}
	pcr_hex(d, hex);
	hex[2 * PCR_BYTES] = '\n';
	rc = write_stdout(hex, sizeof hex, e);
out:
	free(pe);
	buf_free(&buf);
	return rc;
}

static int cmd_replay(int argc, char **argv, struct tool_err *e)
{
	uint8_t pcr[PCR_BYTES] = { 0 }, d[PCR_BYTES];
	char hex[PCR_HEX_BYTES];
	int i;

	if (argc < 1)
		return err_set(e, LETHE_EXIT_USAGE, "replay: at least one digest");
	for (i = 0; i < argc; i++) {
		if (pcr_parse_hex(argv[i], strlen(argv[i]), d) < 0)
			return err_set(e, LETHE_EXIT_USAGE, "replay: digest %d is not 64 hex digits", i + 1);
		pcr_extend(pcr, d);
	}
	pcr_hex(pcr, hex);
	hex[2 * PCR_BYTES] = '\n';
	return write_stdout(hex, sizeof hex, e);
}

static int opts_parse(int argc, char **argv, const char **val, struct tool_err *e)
{
	int i, k;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (strncmp(a, "--", 2))
			return err_set(e, LETHE_EXIT_USAGE, "predict: unexpected argument %.64s", a);
		for (k = 0; k < O_N; k++)
			if (!strcmp(a + 2, opt_names[k].name))
				break;
		if (k == O_N)
			return err_set(e, LETHE_EXIT_USAGE, "predict: unknown option %.64s", a);
		if (val[k])
			return err_set(e, LETHE_EXIT_USAGE, "predict: %s given twice", a);
		if (opt_names[k].flag) {
			val[k] = "1";
			continue;
		}
		if (i + 1 >= argc)
			return err_set(e, LETHE_EXIT_USAGE, "predict: %s needs a value", a);
		val[k] = argv[++i];
	}
	return 0;
}

static int profile_load(const char *path, struct profile **out, struct tool_err *e)
{
	struct buf text = BUF_ZERO;
	int rc;

	*out = NULL;
	rc = file_read(path, "profile", PROFILE_BYTES_MAX, &text, e);
	if (rc)
		goto out;
	*out = malloc(sizeof **out);
	if (!*out) {
		rc = err_set(e, LETHE_EXIT_TEMP, "out of memory");
		goto out;
	}
	rc = profile_parse((const char *)text.p, text.len, *out, e);
	if (rc) {
		err_prefix(e, "unable to parse profile %s: ", path);
		free(*out);
		*out = NULL;
	}
out:
	buf_free(&text);
	return rc;
}

/* The stboot machines' platform PCRs (e.g. 7), given as "value" lines. */
static int predict_stboot_platform(const char *path, struct prediction_set *set,
	struct tool_err *e)
{
	struct profile *pr;
	unsigned i;
	int rc = profile_load(path, &pr, e);

	for (i = 0; !rc && i < PROFILE_PCRS; i++) {
		if (pr->pcr[i].nevents)
			rc = err_set(e, LETHE_EXIT_USAGE,
				"stboot profile %s: only 'value' lines (PCR %u)", path, i);
		else if (pr->pcr[i].has_value)
			rc = prediction_add(set, "stboot", i, pr->pcr[i].value, e);
	}
	free(pr);
	return rc;
}

static int predict_uefi(const char **val, struct prediction_set *set, struct tool_err *e)
{
	struct profile *pr = NULL;
	struct buf uki = BUF_ZERO;
	uint8_t d[PCR_BYTES];
	int rc;

	rc = profile_load(val[O_PROFILE], &pr, e);
	if (rc)
		return rc;
	if (val[O_UKI]) {
		rc = file_read(val[O_UKI], "UKI", FILE_MAX_BYTES, &uki, e);
		if (rc)
			goto out;
		rc = uefi_predict(uki.p, uki.len, pr, set, e);
		if (rc) {
			err_prefix(e, "unable to predict UEFI boot of %s: ", val[O_UKI]);
			goto out;
		}
	}
	if (val[O_QCMD]) {
		rc = file_sha256(val[O_QINITRD], "initrd", d, e);
		if (rc)
			goto out;
		rc = qemu_kernel_predict(val[O_QCMD], d, pr, set, e);
		if (rc)
			err_prefix(e, "unable to predict QEMU -kernel boot: ");
	}
out:
	buf_free(&uki);
	free(pr);
	return rc;
}

static int predict_stboot(const char **val, struct prediction_set *set, struct tool_err *e)
{
	struct stboot_inputs in;
	struct buf desc = BUF_ZERO, pem = BUF_ZERO;
	uint8_t zd[PCR_BYTES], *root = NULL, *tls = NULL;
	char *end;
	unsigned long t;
	int rc;

	memset(&in, 0, sizeof in);
	in.threshold = 1;
	if (val[O_THRESHOLD]) {
		errno = 0;
		t = strtoul(val[O_THRESHOLD], &end, 10);
		if (errno || *end || val[O_THRESHOLD][0] < '1' || val[O_THRESHOLD][0] > '9' || t > 255)
			return err_set(e, LETHE_EXIT_USAGE, "predict: --threshold must be 1..255");
		in.threshold = (unsigned)t;
	}
	in.fetch_method = val[O_FETCH] ? val[O_FETCH] : "network";
	in.identity = val[O_IDENTITY] ? val[O_IDENTITY] : "";
	if (strlen(in.identity) > IDENTITY_MAX)
		return err_set(e, LETHE_EXIT_USAGE, "predict: --identity over %u bytes", IDENTITY_MAX);
	in.single_hash = val[O_SINGLE] != NULL;
	rc = file_sha256(val[O_ZIP], "OS package", zd, e);
	if (rc)
		return rc;
	in.zip_digest = zd;
	rc = file_read(val[O_DESC], "descriptor", 1u << 20, &desc, e);
	if (rc)
		goto out;
	in.desc = desc.p;
	in.desc_len = desc.len;
	rc = file_read(val[O_ROOT], "signing root", CERT_FILE_MAX, &pem, e);
	if (rc)
		goto out;
	/* stboot 0.2.x requires exactly one signing root. */
	rc = certs_pem_to_der(pem.p, pem.len, 1, 1, &root, &in.root_len, e);
	if (rc) {
		err_prefix(e, "unable to read signing root %s: ", val[O_ROOT]);
		goto out;
	}
	in.root_der = root;
	if (val[O_TLS]) {
		rc = file_read(val[O_TLS], "TLS roots", CERT_FILE_MAX, &pem, e);
		if (rc)
			goto out;
		rc = certs_pem_to_der(pem.p, pem.len, 1, CERTS_MAX, &tls, &in.tls_len, e);
		if (rc) {
			err_prefix(e, "unable to read TLS roots %s: ", val[O_TLS]);
			goto out;
		}
		in.tls_der = tls;
	}
	rc = stboot_predict(&in, set, e);
out:
	free(tls);
	free(root);
	buf_free(&pem);
	buf_free(&desc);
	return rc;
}

static int cmd_predict(int argc, char **argv, struct tool_err *e)
{
	const char *val[O_N] = { 0 };
	struct prediction_set set;
	char buf[OUT_MAX];
	int rc, n, uefi, qemu, stboot;

	memset(&set, 0, sizeof set);
	rc = opts_parse(argc, argv, val, e);
	if (rc)
		return rc;
	uefi = val[O_UKI] != NULL;
	qemu = val[O_QCMD] || val[O_QINITRD];
	stboot = val[O_ZIP] || val[O_DESC] || val[O_ROOT];
	if (qemu && (!val[O_QCMD] || !val[O_QINITRD]))
		return err_set(e, LETHE_EXIT_USAGE, "predict: --qemu-cmdline and --qemu-initrd go together");
	if ((uefi || qemu) != (val[O_PROFILE] != NULL))
		return err_set(e, LETHE_EXIT_USAGE, "predict: --profile goes with --uki or --qemu-cmdline");
	if (stboot && (!val[O_ZIP] || !val[O_DESC] || !val[O_ROOT]))
		return err_set(e, LETHE_EXIT_USAGE, "predict: --zip, --descriptor and --root go together");
	if (!stboot && (val[O_TLS] || val[O_THRESHOLD] || val[O_FETCH] || val[O_IDENTITY] ||
			val[O_SINGLE] || val[O_SPROFILE]))
		return err_set(e, LETHE_EXIT_USAGE, "predict: stboot options without --zip");
	if (!uefi && !qemu && !stboot)
		return err_set(e, LETHE_EXIT_USAGE,
			"predict: nothing to predict (--uki, --qemu-cmdline or --zip)");
	if ((uefi || qemu) && (rc = predict_uefi(val, &set, e)))
		return rc;
	if (stboot && (rc = predict_stboot(val, &set, e)))
		return rc;
	if (val[O_SPROFILE] && (rc = predict_stboot_platform(val[O_SPROFILE], &set, e)))
		return rc;
	n = out_text(&set, buf, sizeof buf);
	if (n < 0)
		return err_set(e, LETHE_EXIT_USAGE, "predict: output too large");
	rc = val[O_OUT] ? file_write_atomic(val[O_OUT], buf, (size_t)n, 0644, e) :
		write_stdout(buf, (size_t)n, e);
	if (rc || !val[O_JSON])
		return rc;
	n = out_json(&set, buf, sizeof buf);
	if (n < 0)
		return err_set(e, LETHE_EXIT_USAGE, "predict: output too large");
	return file_write_atomic(val[O_JSON], buf, (size_t)n, 0644, e);
}

int main(int argc, char **argv)
{
	struct tool_err e = { 0, "" };
	int rc;

	if (argc < 2) {
		fputs(usage_text, stderr);
		return LETHE_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "authenticode"))
		rc = cmd_authenticode(argc - 2, argv + 2, &e);
	else if (!strcmp(argv[1], "replay"))
		rc = cmd_replay(argc - 2, argv + 2, &e);
	else if (!strcmp(argv[1], "predict"))
		rc = cmd_predict(argc - 2, argv + 2, &e);
	else if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage_text, stdout);
		return 0;
	} else {
		fputs(usage_text, stderr);
		return LETHE_EXIT_USAGE;
	}
	if (rc == LETHE_EXIT_USAGE && !strncmp(e.msg, "predict:", 8))
		fputs(usage_text, stderr);
	return rc ? fatal(&e) : 0;
}
