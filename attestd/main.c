/* attestd: enrollment with a TPM attestation identity, and the quote on
 * every pull, on the config server.  main only parses arguments; cmd.c
 * runs the commands.  The bundle is described in bundle.h, the database in
 * db.h, the activation request in activate.h, the pull's requests in
 * pull.h, the quote in quote.h, the releases it must match in releases.h;
 * exit codes are include/lethe_exit.h's (0 ok, 1 refused, 100 usage, 111
 * system). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "lethe_exit.h"
#include "lethe_nocore.h"

static const char usage[] =
	"attestd: usage: attestd COMMAND OPTIONS\n"
	"  check-enroll --ek-ca PEM [--ek-ca PEM]... --node ID --tls-pem FILE\n"
	"               [--ek-public-out FILE] [--ak-public-out FILE] [--ek-cert-out FILE] BUNDLE\n"
	"  enroll-add --db FILE --node ID --ak-public FILE --ek-cert FILE --secret-sha256 HEX [--replace]\n"
	"  status --db FILE [--history NODE]\n"
	"  serve --db FILE --socket PATH --pending DIR --certs DIR [--log-key FILE --log-proofs FILE]\n";

enum {
	OPT_CA = 256, OPT_NODE, OPT_TLS, OPT_EKOUT, OPT_AKOUT, OPT_CERTOUT, OPT_DB, OPT_AKPUB, OPT_EKCERT,
	OPT_SECRET, OPT_REPLACE, OPT_SOCKET, OPT_PENDING, OPT_CERTS, OPT_LOGKEY, OPT_LOGPROOFS, OPT_HISTORY,
};

static const struct option opts[] = {
	{"ek-ca", required_argument, NULL, OPT_CA},
	{"node", required_argument, NULL, OPT_NODE},
	{"tls-pem", required_argument, NULL, OPT_TLS},
	{"ek-public-out", required_argument, NULL, OPT_EKOUT},
	{"ak-public-out", required_argument, NULL, OPT_AKOUT},
	{"ek-cert-out", required_argument, NULL, OPT_CERTOUT},
	{"db", required_argument, NULL, OPT_DB},
	{"ak-public", required_argument, NULL, OPT_AKPUB},
	{"ek-cert", required_argument, NULL, OPT_EKCERT},
	{"secret-sha256", required_argument, NULL, OPT_SECRET},
	{"replace", no_argument, NULL, OPT_REPLACE},
	{"socket", required_argument, NULL, OPT_SOCKET},
	{"pending", required_argument, NULL, OPT_PENDING},
	{"certs", required_argument, NULL, OPT_CERTS},
	{"log-key", required_argument, NULL, OPT_LOGKEY},
	{"log-proofs", required_argument, NULL, OPT_LOGPROOFS},
	{"history", required_argument, NULL, OPT_HISTORY},
	{NULL, 0, NULL, 0},
};

static int die_usage(const char *why)
{
	if (why)
		fprintf(stderr, "attestd: %s\n", why);
	fputs(usage, stderr);
	return LETHE_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct cmd_check_args c;
	struct cmd_enroll_args e;
	struct cmd_serve_args s;
	const char *cmd, *history = NULL;
	int o;

	/* serve holds activation secrets and fresh tokens in memory */
	if (lethe_nocore() < 0) {
		fprintf(stderr, "attestd: fatal: unable to disable core dumps: %s\n", strerror(errno));
		return LETHE_EXIT_TEMP;
	}
	memset(&c, 0, sizeof c);
	memset(&e, 0, sizeof e);
	memset(&s, 0, sizeof s);
	if (argc < 2)
		return die_usage(NULL);
	cmd = argv[1];
	argv++;
	argc--;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case OPT_CA:
			if (c.nca == CMD_MAX_CA)
				return die_usage("too many --ek-ca");
			c.ca[c.nca++] = optarg;
			break;
		case OPT_NODE: c.node = e.node = optarg; break;
		case OPT_TLS: c.tls_pem = optarg; break;
		case OPT_EKOUT: c.ek_public_out = optarg; break;
		case OPT_AKOUT: c.ak_public_out = optarg; break;
		case OPT_CERTOUT: c.ek_cert_out = optarg; break;
		case OPT_DB: e.db = s.db = optarg; break;
		case OPT_AKPUB: e.ak_public = optarg; break;
		case OPT_EKCERT: e.ek_cert = optarg; break;
		case OPT_SECRET: e.secret_sha256 = optarg; break;
		case OPT_REPLACE: e.replace = 1; break;
		case OPT_SOCKET: s.socket = optarg; break;
		case OPT_PENDING: s.pending = optarg; break;
		case OPT_CERTS: s.certs = optarg; break;
		case OPT_LOGKEY: s.log_key = optarg; break;
		case OPT_LOGPROOFS: s.log_proofs = optarg; break;
		case OPT_HISTORY: history = optarg; break;
		default: return die_usage(NULL);
		}
	}
	if (!strcmp(cmd, "check-enroll")) {
		if (optind != argc - 1 || !c.nca || !c.node || !c.tls_pem)
			return die_usage("check-enroll needs --ek-ca, --node, --tls-pem and one BUNDLE");
		c.bundle = argv[optind];
		return cmd_check_enroll(&c);
	}
	if (optind != argc)
		return die_usage("unexpected argument");
	if (!strcmp(cmd, "enroll-add")) {
		if (!e.db || !e.node || !e.ak_public || !e.ek_cert || !e.secret_sha256)
			return die_usage("enroll-add needs --db, --node, --ak-public, --ek-cert, --secret-sha256");
		return cmd_enroll_add(&e);
	}
	if (!strcmp(cmd, "status")) {
		if (!e.db)
			return die_usage("status needs --db");
		return cmd_status(e.db, history);
	}
	if (!strcmp(cmd, "serve")) {
		if (!s.db || !s.socket || !s.pending || !s.certs)
			return die_usage("serve needs --db, --socket, --pending, --certs");
		/* One without the other would be a log nobody can check. */
		if (!s.log_key != !s.log_proofs)
			return die_usage("serve takes --log-key and --log-proofs together");
		return cmd_serve(&s);
	}
	return die_usage("unknown command");
}
