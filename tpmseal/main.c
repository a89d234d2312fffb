/* tpmseal: relay identities sealed in TPM NV, unsealable only by approved
 * images.  main only parses arguments; cmd.c runs the commands.
 * See docs/tpmseal.md for the formats, the policy and the exit codes. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <sodium.h>

#include "bundle.h"
#include "cmd.h"
#include "lethe_nocore.h"
#include "tpm.h"
#include "tpmseal.h"

static const char usage[] =
	"tpmseal: usage: tpmseal COMMAND [--tcti CONF] [--index 0xHANDLE] [OPTIONS]\n"
	"  provision --instances N [--family NAME] [--pcrs 7,13[,14] | --authorize-key PUB.pem]\n"
	"  import [--family-key NAME.secret_family_key] [--pcrs LIST | --authorize-key PUB.pem] KEYDIR...\n"
	"  unseal --out DIR [--owner UID:GID [--owner-step]] [--pcrs LIST | --authorize-key PUB.pem --approval FILE...\n"
	"         [--log-key LOG.pub --log-proofs FILE]]\n"
	"  advance --authorize-key PUB.pem --approval FILE... [--log-key LOG.pub --log-proofs FILE]\n"
	"  status [--pcrs LIST | --authorize-key PUB.pem]\n"
	"  approve --key PRIV.pem --pcr N=HEX [--pcr N=HEX]... [--epoch N] --out FILE\n"
	"  approved --authorize-key PUB.pem --approval FILE... --log-key LOG.pub --log-proofs FILE\n"
	"           --version V --epoch N   (offline, no TPM: may this node reboot into V?)\n"
	"  (provision, import: [--epoch N] initial minimum epoch in authorized mode, default 0;\n"
	"   authorized mode, approve, approved: [--epoch-index 0xHANDLE], default 0x01851e7d)\n"
	"  probe [TCTI] | version\n"
	"exit: 0 ok, 1 sealed to another state, 2 not provisioned, 3 corrupt bundle,\n"
	"      4 already unsealed this boot, 5 already provisioned, 100 usage, 111 TPM or system error\n";

static int main_usage(const char *why)
{
	if (why)
		fprintf(stderr, "tpmseal: fatal: %s\n", why);
	fputs(usage, stderr);
	return TPMSEAL_EXIT_USAGE;
}

static int main_u32(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 0);
	return (errno || *end || *out > max) ? -1 : 0;
}

/* --pcr N=HEX: one 32-byte sha256 value for an approval. */
static int main_pcr(struct cmd_opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char num[4];
	unsigned long n;
	size_t bin = 0;

	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof num)
		return -1;
	memcpy(num, arg, (size_t)(eq - arg));
	num[eq - arg] = '\0';
	if (main_u32(num, POLICY_PCR_MAX - 1, &n) || (o->pcr_mask & (1u << n)))
		return -1;
	if (strlen(eq + 1) != 64 ||
	    sodium_hex2bin(o->pcr_values[n], 32, eq + 1, 64, NULL, &bin, NULL) || bin != 32)
		return -1;
	o->pcr_mask |= 1u << n;
	return 0;
}

/* A release version as the log's entries spell it (docs/transparency.md):
 * 1..64 of [A-Za-z0-9._+~-]. */
static int main_version_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 1 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') || strchr("._+~-", s[i])))
			return 0;
	return 1;
}

/* Key bytes must never reach a core dump, and tpm2-tss must not print its
 * own multi-line diagnostics: our one-line errors say what failed. */
static int main_harden(void)
{
	if (lethe_nocore() < 0) {
		fprintf(stderr, "tpmseal: fatal: unable to disable core dumps: %s\n", strerror(errno));
		return -1;
	}
	if (setenv("TSS2_LOG", "all+none", 0) < 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "tcti", required_argument, NULL, 't' },
		{ "index", required_argument, NULL, 'i' },
		{ "pcrs", required_argument, NULL, 'p' },
		{ "authorize-key", required_argument, NULL, 'A' },
		{ "approval", required_argument, NULL, 'a' },
		{ "log-key", required_argument, NULL, 'L' },
		{ "log-proofs", required_argument, NULL, 'l' },
		{ "instances", required_argument, NULL, 'n' },
		{ "family", required_argument, NULL, 'f' },
		{ "family-key", required_argument, NULL, 'F' },
		{ "out", required_argument, NULL, 'o' },
		{ "owner", required_argument, NULL, 'O' },
		{ "owner-step", no_argument, NULL, 'S' },
		{ "key", required_argument, NULL, 'k' },
		{ "pcr", required_argument, NULL, 'P' },
		{ "epoch", required_argument, NULL, 'E' },
		{ "epoch-index", required_argument, NULL, 'e' },
		{ "version", required_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_opts o;
	const char *cmd;
	unsigned long v;
	int c;

	memset(&o, 0, sizeof o);
	o.index = TPM_NV_INDEX_DEFAULT;
	o.epoch_index = TPM_EPOCH_INDEX_DEFAULT;
	o.mask = (1u << 7) | (1u << 13);
	o.uid = (uid_t)-1;
	o.gid = (gid_t)-1;
	if (argc < 2)
		return main_usage(NULL);
	cmd = argv[1];
	if (strcmp(cmd, "version") == 0 && argc == 2) {
		if (sodium_init() < 0)
			return TPMSEAL_EXIT_TPM;
		printf("tpmseal libsodium %s, %s\n", sodium_version_string(),
		       OpenSSL_version(OPENSSL_VERSION));
		return TPMSEAL_EXIT_OK;
	}
	if (strcmp(cmd, "probe") == 0 && argc <= 3 && main_harden() == 0)
		return cmd_probe(argc == 3 ? argv[2] : NULL);
	if (main_harden() || sodium_init() < 0)
		return TPMSEAL_EXIT_TPM;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 't': o.tcti = optarg; break;
		case 'i':
			if (main_u32(optarg, TPM_NV_OWNER_LAST, &v) || v < TPM_NV_OWNER_FIRST)
				return main_usage("unable to use --index: not in the owner range 0x01800000-0x01bfffff");
			o.index = (uint32_t)v;
			break;
		case 'e':
			if (main_u32(optarg, TPM_NV_OWNER_LAST, &v) || v < TPM_NV_OWNER_FIRST)
				return main_usage("unable to use --epoch-index: not in the owner range 0x01800000-0x01bfffff");
			o.epoch_index = (uint32_t)v;
			break;
		case 'E': {
			char *end;
			unsigned long long e;
			if (!*optarg || *optarg < '0' || *optarg > '9')
				return main_usage("unable to parse --epoch: want a decimal number");
			errno = 0;
			e = strtoull(optarg, &end, 10);
			if (errno || *end)
				return main_usage("unable to parse --epoch: want a decimal number");
			o.epoch = (uint64_t)e;
			o.have_epoch = 1;
			break;
		}
		case 'p':
			if (policy_mask_parse(optarg, &o.mask))
				return main_usage("unable to parse --pcrs: want a list such as 7,13,14");
			break;
		case 'A': o.authkey = optarg; break;
		case 'a':
			if (o.n_approvals == CMD_MAX_APPROVALS)
				return main_usage("unable to use --approval: at most 16");
			o.approvals[o.n_approvals++] = optarg;
			break;
		case 'L': o.log_key = optarg; break;
		case 'l': o.log_proofs = optarg; break;
		case 'n':
			if (main_u32(optarg, TPMSEAL_MAX_INSTANCES, &v) || v < 1)
				return main_usage("unable to parse --instances: want 1..8");
			o.instances = (unsigned)v;
			break;
		case 'f':
			if (!bundle_name_ok(optarg))
				return main_usage("unable to use --family: want 1..32 of [A-Za-z0-9_-]");
			o.family = optarg;
			break;
		case 'F': o.family_key = optarg; break;
		case 'o': o.out = optarg; break;
		case 'O': {
			unsigned long u, g;
			char *colon = strchr(optarg, ':');
			if (!colon)
				return main_usage("unable to parse --owner: want UID:GID");
			*colon = '\0';
			/* room for --owner-step's uid + 7 */
			if (main_u32(optarg, 0xFFFFFFFEul - TPMSEAL_MAX_INSTANCES, &u) ||
			    main_u32(colon + 1, 0xFFFFFFFEul, &g))
				return main_usage("unable to parse --owner: want UID:GID");
			o.uid = (uid_t)u;
			o.gid = (gid_t)g;
			break;
		}
		case 'S': o.uid_step = 1; break;
		case 'k': o.signkey = optarg; break;
		case 'V':
			if (!main_version_ok(optarg))
				return main_usage("unable to use --version: want 1..64 of [A-Za-z0-9._+~-]");
			o.release = optarg;
			break;
		case 'P':
			if (main_pcr(&o, optarg))
				return main_usage("unable to parse --pcr: want N=64 hex digits, each PCR once");
			break;
		default:
			return main_usage(NULL);
		}
	}
	for (; optind < argc; optind++) {
		if (strcmp(cmd, "import") || o.n_dirs == CMD_MAX_DIRS)
			return main_usage("unable to use the arguments: too many or unexpected");
		o.dirs[o.n_dirs++] = argv[optind];
	}
	if (o.n_approvals && !o.authkey)
		return main_usage("unable to use --approval without --authorize-key");
	if (!o.log_key != !o.log_proofs || (o.log_key && !o.n_approvals))
		return main_usage("--log-key and --log-proofs go together, with --approval");
	if (o.log_key && strcmp(cmd, "unseal") && strcmp(cmd, "advance") && strcmp(cmd, "approved"))
		return main_usage("--log-key is for unseal, advance and approved");
	if (o.release && strcmp(cmd, "approved"))
		return main_usage("--version is for approved");
	if (strcmp(cmd, "provision") == 0)
		return o.instances ? cmd_provision(&o) : main_usage("provision needs --instances N");
	if (strcmp(cmd, "import") == 0)
		return o.n_dirs ? cmd_import(&o) : main_usage("import needs at least one KEYDIR");
	if (strcmp(cmd, "unseal") == 0) {
		if (!o.out)
			return main_usage("unseal needs --out DIR");
		if (o.authkey && !o.n_approvals)
			return main_usage("unseal with --authorize-key needs --approval FILE");
		if (o.uid_step && o.uid == (uid_t)-1)
			return main_usage("--owner-step needs --owner UID:GID");
		return cmd_unseal(&o);
	}
	if (strcmp(cmd, "advance") == 0) {
		if (!o.authkey || !o.n_approvals)
			return main_usage("advance needs --authorize-key and --approval FILE");
		return cmd_advance(&o);
	}
	if (strcmp(cmd, "status") == 0)
		return cmd_status(&o);
	if (strcmp(cmd, "approve") == 0) {
		if (!o.signkey || !o.out || !o.pcr_mask)
			return main_usage("approve needs --key, --out and at least one --pcr");
		return cmd_approve(&o);
	}
	if (strcmp(cmd, "approved") == 0) {
		if (!o.authkey || !o.n_approvals || !o.log_key || !o.release || !o.have_epoch)
			return main_usage("approved needs --authorize-key, --approval, --log-key, --log-proofs, "
					  "--version and --epoch");
		return cmd_approved(&o);
	}
	return main_usage("unknown command");
}
