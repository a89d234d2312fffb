/* ospkg: write, sign and verify stboot OS packages.
 *
 *   ospkg create --kernel K --initramfs I --cmdline S --label L [--url URL]
 *                --zip OUT.zip --descriptor OUT.json
 *   ospkg sign   --key KEY.pem --cert CERT.pem --zip X.zip --descriptor X.json
 *   ospkg verify --root ROOT.pem [--threshold N] [--time EPOCH]
 *                --zip X.zip --descriptor X.json
 *   ospkg hash   --zip X.zip
 *
 * This file only parses arguments; the work is in create.c, sign.c,
 * verify.c.  Exit codes: include/lethe_exit.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lethe_exit.h"
#include "digest.h"
#include "err.h"
#include "ospkg.h"

static const char usage_text[] =
	"usage: ospkg create --kernel K --initramfs I --cmdline S --label L [--url URL]\n"
	"                    --zip OUT.zip --descriptor OUT.json\n"
	"       ospkg sign --key KEY.pem --cert CERT.pem --zip X.zip --descriptor X.json\n"
	"       ospkg verify --root ROOT.pem [--threshold N] [--time EPOCH]\n"
	"                    --zip X.zip --descriptor X.json\n"
	"       ospkg hash --zip X.zip\n";

struct opt {
	const char *name;
	int required;
	const char *val;
};

static int usage(void)
{
	fputs(usage_text, stderr);
	return LETHE_EXIT_USAGE;
}

/* Prints the message as exactly one line: parser messages can quote the
 * input (jansson's "near '...'"), so control bytes become '?'. */
static int fatal(struct tool_err *e)
{
	char *c;

	for (c = e->msg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	fprintf(stderr, "%s: fatal: %s\n", OSPKG_PROG, e->msg);
	return e->code ? e->code : LETHE_EXIT_TEMP;
}

/* Accepts "--name value" and "--name=value", each option at most once,
 * no positional arguments. */
static int opts_parse(const char *cmd, int argc, char **argv, struct opt *o, size_t n,
	struct tool_err *e)
{
	int i;
	size_t k;

	for (i = 0; i < argc; i++) {
		const char *arg = argv[i], *val = NULL, *eq;
		size_t len;

		if (strncmp(arg, "--", 2) || !arg[2])
			return err_set(e, LETHE_EXIT_USAGE, "%s: unexpected argument %s", cmd, arg);
		arg += 2;
		eq = strchr(arg, '=');
		len = eq ? (size_t)(eq - arg) : strlen(arg);
		for (k = 0; k < n; k++)
			if (strlen(o[k].name) == len && !strncmp(o[k].name, arg, len))
				break;
		if (k == n)
			return err_set(e, LETHE_EXIT_USAGE, "%s: unknown option --%.*s", cmd, (int)len, arg);
		if (eq) {
			val = eq + 1;
		} else {
			if (i + 1 >= argc)
				return err_set(e, LETHE_EXIT_USAGE, "%s: --%s needs a value", cmd, o[k].name);
			val = argv[++i];
		}
		if (o[k].val)
			return err_set(e, LETHE_EXIT_USAGE, "%s: --%s given twice", cmd, o[k].name);
		o[k].val = val;
	}
	for (k = 0; k < n; k++)
		if (o[k].required && !o[k].val)
			return err_set(e, LETHE_EXIT_USAGE, "%s: --%s is required", cmd, o[k].name);
	return 0;
}

/* Decimal digits only, value in [lo, hi]. */
static int parse_number(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;

	if (!s[0] || s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int cmd_create(int argc, char **argv, struct tool_err *e)
{
	struct opt o[] = {
		{ "kernel", 1, NULL }, { "initramfs", 1, NULL }, { "cmdline", 1, NULL },
		{ "label", 1, NULL },  { "url", 0, NULL },       { "zip", 1, NULL },
		{ "descriptor", 1, NULL },
	};
	struct create_args a;
	int rc = opts_parse("create", argc, argv, o, sizeof o / sizeof o[0], e);

	if (rc)
		return rc;
	a.kernel = o[0].val;
	a.initramfs = o[1].val;
	a.cmdline = o[2].val;
	a.label = o[3].val;
	a.url = o[4].val ? o[4].val : "";
	a.zip = o[5].val;
	a.descriptor = o[6].val;
	return create_run(&a, e);
}

static int cmd_sign(int argc, char **argv, struct tool_err *e)
{
	struct opt o[] = {
		{ "key", 1, NULL }, { "cert", 1, NULL }, { "zip", 1, NULL }, { "descriptor", 1, NULL },
	};
	struct sign_args a;
	int rc = opts_parse("sign", argc, argv, o, sizeof o / sizeof o[0], e);

	if (rc)
		return rc;
	a.key = o[0].val;
	a.cert = o[1].val;
	a.zip = o[2].val;
	a.descriptor = o[3].val;
	return sign_run(&a, e);
}

static int cmd_verify(int argc, char **argv, struct tool_err *e)
{
	struct opt o[] = {
		{ "root", 1, NULL }, { "threshold", 0, NULL }, { "time", 0, NULL },
		{ "zip", 1, NULL },  { "descriptor", 1, NULL },
	};
	struct verify_args a;
	long long v;
	int rc = opts_parse("verify", argc, argv, o, sizeof o / sizeof o[0], e);

	if (rc)
		return rc;
	a.root = o[0].val;
	a.zip = o[3].val;
	a.descriptor = o[4].val;
	a.threshold = 1;
	if (o[1].val) {
		if (parse_number(o[1].val, 1, VERIFY_THRESHOLD_MAX, &v) < 0)
			return err_set(e, LETHE_EXIT_USAGE, "verify: --threshold must be 1..%u",
				VERIFY_THRESHOLD_MAX);
		a.threshold = (unsigned)v;
	}
	if (o[2].val) {
		if (parse_number(o[2].val, 0, VERIFY_TIME_MAX, &v) < 0)
			return err_set(e, LETHE_EXIT_USAGE,
				"verify: --time must be seconds since the epoch, 0..%lld", VERIFY_TIME_MAX);
		a.now = (time_t)v;
	} else {
		a.now = time(NULL);
	}
	return verify_run(&a, stdout, stderr, e);
}

static int cmd_hash(int argc, char **argv, struct tool_err *e)
{
	struct opt o[] = { { "zip", 1, NULL } };
	uint8_t d[DIGEST_BYTES];
	char hex[DIGEST_HEX_BYTES];
	int rc = opts_parse("hash", argc, argv, o, 1, e);

	if (rc)
		return rc;
	rc = digest_sha256_file(o[0].val, d, e);
	if (rc)
		return rc;
	digest_hex(d, hex);
	if (printf("%s\n", hex) < 0 || fflush(stdout) != 0)
		return err_sys(e, errno, "unable to write to stdout");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int, char **, struct tool_err *);
	} cmds[] = {
		{ "create", cmd_create },
		{ "sign", cmd_sign },
		{ "verify", cmd_verify },
		{ "hash", cmd_hash },
	};
	struct tool_err e = { 0, "" };
	size_t i;
	int rc;

	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage_text, stdout);
		return LETHE_EXIT_OK;
	}
	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (!strcmp(argv[1], cmds[i].name))
			break;
	if (i == sizeof cmds / sizeof cmds[0]) {
		fprintf(stderr, "%s: fatal: unknown command %s\n", OSPKG_PROG, argv[1]);
		return usage();
	}
	rc = cmds[i].run(argc - 2, argv + 2, &e);
	return rc ? fatal(&e) : LETHE_EXIT_OK;
}
