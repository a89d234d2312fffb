/* lethe-telemetry: the node's status, metrics and logs, sent over the
 * node's mTLS channel (docs/observability.md).
 *
 *   lethe-telemetry version
 *   lethe-telemetry run [options] URL    (initd's call: the relay's defaults)
 *   lethe-telemetry show [options] URL   (prints the report and node metrics, sends nothing)
 *
 * main only parses arguments; agent.c runs the loop. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "agent.h"
#include "arg.h"
#include "identity.h"
#include "lethe_exit.h"
#include "lethe_nocore.h"
#include "lethe_paths.h"
#include "telemetry.h"

#define USAGE \
	"usage: lethe-telemetry version\n" \
	"       | run|show [--ca FILE] [--cert FILE] [--key FILE | --handle H] [--tcti CONF]\n" \
	"         [--status FILE] [--conf-dir DIR] [--release FILE] [--data-dir DIR]\n" \
	"         [--metrics-base PORT] [--interval S] [--proc DIR] [--sys DIR] [--tor BIN] URL\n" \
	"       (URL: the node document's, as configpull pull; requests go to its origin)\n"

static int usage(void)
{
	fputs(PROG ": " USAGE, stderr);
	return LETHE_EXIT_USAGE;
}

/* Descriptors 0-2 closed at start get /dev/null, so that none of the
 * agent's own takes their number (and is read as the log pipe, or written
 * as the console).  1 if standard input was open. */
static int std_fds(void)
{
	int fd, in_open = fcntl(0, F_GETFD) >= 0;

	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd)
			return -1;
	return in_open;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ca", required_argument, NULL, 'C' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'K' },
		{ "handle", required_argument, NULL, 'H' },
		{ "tcti", required_argument, NULL, 'X' },
		{ "status", required_argument, NULL, 'S' },
		{ "conf-dir", required_argument, NULL, 'D' },
		{ "release", required_argument, NULL, 'R' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "metrics-base", required_argument, NULL, 'm' },
		{ "interval", required_argument, NULL, 'i' },
		{ "proc", required_argument, NULL, 'P' },
		{ "sys", required_argument, NULL, 'Y' },
		{ "tor", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct agent_opts o = {
		.fo = { .ca = LETHE_FLEET_CA, .cert = LETHE_NODE_CERT, .handle = IDENTITY_HANDLE_DEFAULT,
			.connect_timeout = TELEMETRY_CONNECT_TIMEOUT_S, .timeout = TELEMETRY_TIMEOUT_S },
		.paths = { .status = LETHE_STATUS, .conf_dir = LETHE_CONFDIR, .release = LETHE_RELEASE,
			   .data_dir = LETHE_TOR_DATA, .proc = "/proc", .sys = "/sys" },
		.metrics_base = LETHE_TOR_METRICS_PORT_BASE,
		.interval_s = 60,
		.tor = LETHE_TOR_BIN,
	};
	const char *cmd, *tcti = NULL;
	int opt, in_open;
	long v;

	/* it holds the node key (or a TPM session signing with it) */
	if (lethe_nocore() < 0) {
		fprintf(stderr, PROG ": fatal: unable to disable core dumps: %s\n", strerror(errno));
		return LETHE_EXIT_TEMP;
	}
	in_open = std_fds();
	if (in_open < 0)
		return LETHE_EXIT_TEMP;
	if (argc < 2)
		return usage();
	cmd = argv[1];
	if (strcmp(cmd, "version") == 0 && argc == 2) {
		printf(PROG " %s, jansson %s, %s\n", curl_version(), jansson_version_str(),
		       OpenSSL_version(OPENSSL_VERSION));
		return LETHE_EXIT_OK;
	}
	if (strcmp(cmd, "run") != 0 && strcmp(cmd, "show") != 0)
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
		case 'S': o.paths.status = optarg; break;
		case 'D': o.paths.conf_dir = optarg; break;
		case 'R': o.paths.release = optarg; break;
		case 'd': o.paths.data_dir = optarg; break;
		case 'P': o.paths.proc = optarg; break;
		case 'Y': o.paths.sys = optarg; break;
		case 'T': o.tor = optarg; break;
		case 'm':
			/* BASE + 7 must be a port */
			if ((v = arg_num(optarg, 1, 65535 - (LETHE_INSTANCES_MAX - 1))) < 0)
				return usage();
			o.metrics_base = (unsigned)v;
			break;
		case 'i':
			if ((v = arg_num(optarg, 1, 3600)) < 0)
				return usage();
			o.interval_s = v;
			break;
		default:
			return usage();
		}
	}
	if (optind + 1 != argc)
		return usage();
	o.url = argv[optind];
	if (arg_https(PROG, o.url) < 0)
		return LETHE_EXIT_USAGE;
	o.fo.tcti = arg_tcti(tcti);
	o.stdin_open = in_open;
	return strcmp(cmd, "run") == 0 ? agent_run(&o) : agent_show(&o);
}
