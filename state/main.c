/* lethe-state: tor's state file kept across reboots, sealed to the node
 * (docs/torstate.md).
 *
 *   lethe-state save [options] URL      (initd: every hour, and after tor exited at shutdown)
 *   lethe-state restore [options] URL   (initd: after tpmseal unseal, before tor)
 *   lethe-state show FILE               (a blob's public header)
 *
 * main only parses arguments; save.c, restore.c and show.c run. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arg.h"
#include "cmd.h"
#include "identity.h"
#include "lethe_nocore.h"
#include "state.h"

#define USAGE \
	"usage: lethe-state save|restore [--ca FILE] [--cert FILE] [--key FILE | --handle H] [--tcti CONF]\n" \
	"         [--conf-dir DIR] [--keys-dir DIR] [--data-dir DIR] [--run-dir DIR] [--nv INDEX]\n" \
	"         [--no-chown] URL\n" \
	"       | show FILE\n" \
	"       (URL: the node document's, as configpull pull; requests go to its origin)\n"

static int usage(void)
{
	fputs(PROG ": " USAGE, stderr);
	return STATE_EXIT_USAGE;
}

/* S as an NV index handle (hex, 0x01000000-0x01ffffff) into *OUT. */
static int main_nv(const char *s, unsigned *out)
{
	char *end;
	unsigned long h;

	errno = 0;
	h = strtoul(s, &end, 16);
	if (errno || *end || end == s || h < 0x01000000ul || h > 0x01fffffful)
		return -1;
	*out = (unsigned)h;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ca", required_argument, NULL, 'C' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'K' },
		{ "handle", required_argument, NULL, 'H' },
		{ "tcti", required_argument, NULL, 'X' },
		{ "conf-dir", required_argument, NULL, 'D' },
		{ "keys-dir", required_argument, NULL, 'k' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "run-dir", required_argument, NULL, 'r' },
		{ "nv", required_argument, NULL, 'n' },
		{ "no-chown", no_argument, NULL, 'O' },
		{ NULL, 0, NULL, 0 },
	};
	struct state_opts o = {
		.fo = { .ca = LETHE_FLEET_CA, .cert = LETHE_NODE_CERT, .handle = IDENTITY_HANDLE_DEFAULT,
			.connect_timeout = STATE_CONNECT_TIMEOUT_S, .timeout = STATE_TIMEOUT_S },
		.conf_dir = LETHE_CONFDIR,
		.keys_dir = LETHE_KEYDIR,
		.data_dir = LETHE_TOR_DATA,
		.run_dir = LETHE_STATE_RUN,
		.nv = LETHE_STATE_COUNTER_NV,
		.chown = 1,
	};
	const char *cmd, *tcti = NULL;
	int opt;

	/* it holds the instances' keys and their plaintext state */
	if (lethe_nocore() < 0) {
		fprintf(stderr, PROG ": fatal: unable to disable core dumps: %s\n", strerror(errno));
		return STATE_EXIT_TEMP;
	}
	if (argc < 2)
		return usage();
	cmd = argv[1];
	if (strcmp(cmd, "show") == 0)
		return argc == 3 ? show_run(argv[2]) : usage();
	if (strcmp(cmd, "save") != 0 && strcmp(cmd, "restore") != 0)
		return usage();
	optind = 2;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'C': o.fo.ca = optarg; break;
		case 'c': o.fo.cert = optarg; break;
		case 'K': o.fo.key = optarg; break;
		case 'H':
			if (arg_handle(optarg, &o.fo.handle))
				return usage();
			break;
		case 'X': tcti = optarg; break;
		case 'D': o.conf_dir = optarg; break;
		case 'k': o.keys_dir = optarg; break;
		case 'd': o.data_dir = optarg; break;
		case 'r': o.run_dir = optarg; break;
		case 'n':
			if (main_nv(optarg, &o.nv))
				return usage();
			break;
		case 'O': o.chown = 0; break;
		default:
			return usage();
		}
	}
	if (optind + 1 != argc)
		return usage();
	o.url = argv[optind];
	if (arg_https(PROG, o.url) < 0)
		return STATE_EXIT_USAGE;
	o.fo.tcti = arg_tcti(tcti);
	return strcmp(cmd, "save") == 0 ? save_run(&o) : restore_run(&o);
}
