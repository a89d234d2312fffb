/* configpull: the node document over mTLS, validated and rendered for initd.
 *
 *   configpull version
 *   configpull check FILE
 *   configpull render [paths] [-g GROUP] FILE OUTDIR
 *   configpull fetch --url URL --ca FILE --cert FILE [--key FILE | --handle H] [--tcti CONF]
 *                    [--eventlog FILE] [paths] [limits] [-o OUTDIR]
 *   configpull pull URL [options]     (initd's call: the image's defaults)
 *   configpull enroll [--key FILE | --handle H] [--tcti CONF]
 *
 * main only parses arguments; doc.c validates, torrc.c/node.c render,
 * apply.c/out.c write, fetch.c talks to the server. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "apply.h"
#include "arg.h"
#include "attest.h"
#include "configpull.h"
#include "lethe_paths.h"
#include "doc.h"
#include "fetch.h"
#include "hint.h"
#include "identity.h"
#include "lethe_attest.h"
#include "lethe_nocore.h"
#include "out.h"
#include "torrc.h"
#include "tpmkey.h"

#define PROG "configpull"
#define USAGE \
	"usage: configpull version | check [--node ID] FILE\n" \
	"       | render [--node ID] [-d DATA] [-k KEYS] [-u USER] [-g GROUP] FILE OUTDIR\n" \
	"       | fetch --url URL --ca FILE --cert FILE [--key FILE | --handle H] [--tcti CONF]\n" \
	"         [--eventlog FILE]\n" \
	"         [-o OUTDIR] [-g GROUP] [-d DATA] [-k KEYS]\n" \
	"         [-u USER] [--attempts N] [--connect-timeout S] [--timeout S] [--backoff-max S]\n" \
	"       | pull URL [fetch options] | enroll [--key FILE] [--handle H] [--tcti CONF]\n" \
	"       (render, fetch, pull: [-g GROUP] [--release FILE], default /etc/lethe-release)\n" \
	"       (check, render, fetch, pull: [--testnet]: loopback ORPort/Address allowed)\n" \
	"       (fetch and pull use the TPM key at --handle unless --key is given)\n"

static int usage(void)
{
	fputs(PROG ": " USAGE, stderr);
	return CP_EXIT_USAGE;
}

/* Reads at most DOC_SIZE_MAX + 1 bytes, so an oversized file is seen as such. */
static char *read_doc(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	char *buf;

	if (!f)
		return NULL;
	buf = malloc(DOC_SIZE_MAX + 2);
	if (buf) {
		*len = fread(buf, 1, DOC_SIZE_MAX + 1, f);
		if (ferror(f)) {
			free(buf);
			buf = NULL;
		}
	}
	if (f != stdin)
		fclose(f);
	return buf;
}

/* A group name or a numeric gid; OUT_GID_NONE if neither. */
static gid_t group_arg(const char *s)
{
	const struct group *gr;
	long v = arg_num(s, 0, 0x7fffffffL);

	if (v >= 0)
		return (gid_t)v;
	gr = getgrnam(s);
	return gr ? gr->gr_gid : OUT_GID_NONE;
}

static int report(int rc, const struct cp_err *err)
{
	switch (rc) {
	case CP_EXIT_CHANGED:
		puts("changed");
		break;
	case CP_EXIT_UNCHANGED:
		puts("unchanged");
		break;
	case CP_EXIT_REJECTED:
		fprintf(stderr, PROG ": fatal: document rejected: %s\n", err->msg);
		break;
	case CP_EXIT_TLS:
		fprintf(stderr, PROG ": fatal: TLS or identity failure: %s\n", err->msg);
		break;
	case CP_EXIT_UNATTESTED:
		fprintf(stderr, PROG ": fatal: not attested: %s\n", err->msg);
		break;
	default:
		fprintf(stderr, PROG ": fatal: %s\n", err->msg);
		break;
	}
	return rc;
}

/* Prints the node id and a CSR signed by the node key (created in the TPM
 * on first use), for the operator to sign with scripts/fleet. */
static int enroll(const char *keyfile, unsigned handle, const char *tcti, int args_ok)
{
	char id[IDENTITY_ID_LEN + 1];
	struct cp_err err = { "" };
	EVP_PKEY *key = NULL;
	int created = 0, rc = CP_EXIT_TLS;

	if (!args_ok)
		return usage();
	if (!keyfile && !tpmkey_ensure(handle, tcti, &created, &err))
		goto out;
	key = identity_load(keyfile, handle, tcti, &err);
	if (!key || !identity_node_id(key, id, &err))
		goto out;
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC || EVP_PKEY_get_bits(key) != 256) {
		err_set(&err, "the node key is not ECC P-256");
		goto out;
	}
	printf("node-id: %s\n", id);
	if (!identity_csr(key, id, &err))
		goto out;
	/* the TPM's attestation identity, for the operator's verification
	 * (not for a key file: that key is in no TPM) */
	if (!keyfile && !attest_enroll(handle, tcti, id, &err))
		goto out;
	if (created)
		fprintf(stderr, PROG ": created the node key in the TPM at 0x%08x\n", handle);
	rc = LETHE_EXIT_OK;
out:
	if (rc != LETHE_EXIT_OK)
		fprintf(stderr, PROG ": fatal: unable to enroll: %s\n", err.msg);
	EVP_PKEY_free(key);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'U' },
		{ "ca", required_argument, NULL, 'C' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'K' },
		{ "attempts", required_argument, NULL, 'a' },
		{ "connect-timeout", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "backoff-max", required_argument, NULL, 'b' },
		{ "handle", required_argument, NULL, 'H' },
		{ "tcti", required_argument, NULL, 'X' },
		{ "group", required_argument, NULL, 'g' },
		{ "release", required_argument, NULL, 'R' },
		{ "node", required_argument, NULL, 'N' },
		{ "testnet", no_argument, NULL, 'L' },
		{ "eventlog", required_argument, NULL, 'E' },
		{ NULL, 0, NULL, 0 },
	};
	struct torrc_paths paths = { LETHE_TOR_GROUP, LETHE_TOR_DATA, LETHE_KEYDIR };
	struct fetch_opts fo = { .handle = IDENTITY_HANDLE_DEFAULT, .outdir = LETHE_CONFDIR,
				 .gid = OUT_GID_NONE, .connect_timeout = 10, .timeout = 30,
				 .attempts = 4, .backoff_max = 30, .eventlog = LETHE_ATTEST_EVENTLOG_PATH };
	const char *tcti = NULL, *release = LETHE_RELEASE, *node_id = NULL;
	struct cp_err err = { "" };
	const char *cmd;
	int opt;

	/* the activation secret and the attestation token pass through here */
	if (lethe_nocore() < 0) {
		fprintf(stderr, PROG ": fatal: unable to disable core dumps: %s\n", strerror(errno));
		return CP_EXIT_UNREACHABLE;
	}
	if (argc < 2)
		return usage();
	cmd = argv[1];
	if (strcmp(cmd, "version") == 0 && argc == 2) {
		printf("configpull %s, jansson %s, %s\n", curl_version(), jansson_version_str(),
		       OpenSSL_version(OPENSSL_VERSION));
		return LETHE_EXIT_OK;
	}
	if (strcmp(cmd, "check") != 0 && strcmp(cmd, "render") != 0 && strcmp(cmd, "fetch") != 0 &&
	    strcmp(cmd, "pull") != 0 && strcmp(cmd, "enroll") != 0)
		return usage();
	optind = 2;
	while ((opt = getopt_long(argc, argv, "d:k:u:o:g:", longopts, NULL)) != -1) {
		long v;
		switch (opt) {
		case 'd': paths.data_base = optarg; break;
		case 'k': paths.key_base = optarg; break;
		case 'u': paths.user = optarg; break;
		case 'o': fo.outdir = optarg; break;
		case 'g':
			if ((fo.gid = group_arg(optarg)) == OUT_GID_NONE) {
				fprintf(stderr, PROG ": fatal: unable to find group %s\n", optarg);
				return CP_EXIT_USAGE;
			}
			break;
		case 'U': fo.url = optarg; break;
		case 'C': fo.ca = optarg; break;
		case 'c': fo.cert = optarg; break;
		case 'K': fo.key = optarg; break;
		case 'a':
			if ((v = arg_num(optarg, 1, 10)) < 0)
				return usage();
			fo.attempts = (int)v;
			break;
		case 't':
			if ((v = arg_num(optarg, 1, 300)) < 0)
				return usage();
			fo.connect_timeout = v;
			break;
		case 'T':
			if ((v = arg_num(optarg, 1, 3600)) < 0)
				return usage();
			fo.timeout = v;
			break;
		case 'b':
			if ((v = arg_num(optarg, 1, 600)) < 0)
				return usage();
			fo.backoff_max = v;
			break;
		case 'H':
			if (arg_handle(optarg, &fo.handle))
				return usage();
			break;
		case 'X': tcti = optarg; break;
		case 'R': release = optarg; break;
		case 'E': fo.eventlog = optarg; break;
		case 'L': torrc_allow_loopback(1); break;
		case 'N':
			/* check/render: the node id fetch and pull take from the key */
			if (strlen(optarg) != IDENTITY_ID_LEN || strspn(optarg, "0123456789abcdefABCDEF") != IDENTITY_ID_LEN)
				return usage();
			node_id = optarg;
			break;
		default:
			return usage();
		}
	}
	/* read here once, and the same for creating, loading and signing
	 * with the key */
	tcti = arg_tcti(tcti);
	fo.tcti = tcti;
	if (strcmp(cmd, "enroll") == 0)
		return enroll(fo.key, fo.handle, tcti, optind == argc);
	/* The paths end up in torrc lines: the same rules as server values. */
	if (strpbrk(paths.data_base, "\n\r#\\\" ") || strpbrk(paths.key_base, "\n\r#\\\" ") ||
	    strpbrk(paths.user, "\n\r#\\\" ") || paths.data_base[0] != '/' || paths.key_base[0] != '/')
		return usage();
	if (strcmp(cmd, "pull") == 0) {
		/* The image's layout: the fleet CA baked in, the node certificate
		 * fetched or installed at enrollment. */
		if (optind + 1 != argc)
			return usage();
		fo.url = argv[optind++];
		if (!fo.ca)
			fo.ca = LETHE_FLEET_CA;
		if (!fo.cert)
			fo.cert = LETHE_NODE_CERT;
	}
	if (strcmp(cmd, "fetch") == 0 || strcmp(cmd, "pull") == 0) {
		if (optind != argc || !fo.url || !fo.ca || !fo.cert)
			return usage();
		int rc = fetch_run(&fo, &paths, &err);
		if (rc == CP_EXIT_CHANGED || rc == CP_EXIT_UNCHANGED)
			hint_image(fo.outdir, release);
		return report(rc, &err);
	}
	if (strcmp(cmd, "check") == 0 ? optind + 1 != argc : optind + 2 != argc)
		return usage();
	{
		size_t len = 0;
		char *buf = read_doc(argv[optind], &len);
		int rc;

		if (!buf) {
			fprintf(stderr, PROG ": fatal: unable to read %s: %s\n", argv[optind], strerror(errno));
			return CP_EXIT_UNREACHABLE;
		}
		if (strcmp(cmd, "check") == 0) {
			json_t *doc = doc_load(buf, len, &err);
			free(buf);
			if (!doc || (node_id && !doc_node_is(doc, node_id, &err))) {
				json_decref(doc);
				return report(CP_EXIT_REJECTED, &err);
			}
			json_decref(doc);
			puts("ok");
			return LETHE_EXIT_OK;
		}
		rc = apply_document(buf, len, node_id, argv[optind + 1], fo.gid, &paths, &err);
		free(buf);
		if (rc == CP_EXIT_CHANGED || rc == CP_EXIT_UNCHANGED)
			hint_image(argv[optind + 1], release);
		return report(rc, &err);
	}
}
