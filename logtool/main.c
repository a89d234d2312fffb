/* lethe-log: the transparency log's tool (docs/transparency.md
 * "lethe-log").  Exit codes: 0 ok, 1 the log or a proof is wrong, 100
 * usage or bad input, 111 system or network error. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "lethe_nocore.h"
#include "lt.h"

static const struct {
	const char *name;
	int (*run)(int, char **);
} cmds[] = {
	{ "keygen", cmd_keygen },
	{ "append", cmd_append },
	{ "proof", cmd_proof },
	{ "verify", cmd_verify },
	{ "consistency", cmd_consistency },
	{ "check-consistency", cmd_check_consistency },
	{ "monitor", cmd_monitor },
	{ "show", cmd_show },
};

static const char usage[] =
	"usage: lethe-log keygen --name NAME --key KEYFILE --pub PUBFILE\n"
	"       lethe-log append --log DIR --key KEYFILE [--stats] FILE...\n"
	"       lethe-log proof --log DIR --pub PUBFILE --index N [--out FILE]\n"
	"       lethe-log verify --pub PUBFILE PROOFSFILE\n"
	"       lethe-log consistency --log DIR --pub PUBFILE --old M [--new N]\n"
	"       lethe-log check-consistency --pub PUBFILE OLD_CHECKPOINT NEW_CHECKPOINT PROOFFILE\n"
	"       lethe-log monitor --pub PUBFILE --state STATEDIR (DIR|https://...) [--cacert PEM]\n"
	"       lethe-log show --log DIR|URL --pub PUBFILE (--index N | --version V) [--cacert PEM]\n";

int main(int argc, char **argv)
{
	size_t i;
	int rc;

	/* keygen and append hold the log's private key: never in a core dump */
	if (lethe_nocore() < 0)
		return lt_fail(LETHE_EXIT_TEMP, "unable to disable core dumps: %s", strerror(errno));
	if (sodium_init() < 0)
		return lt_fail(LETHE_EXIT_TEMP, "unable to initialise libsodium");
	if (argc < 2) {
		fputs(usage, stderr);
		return LETHE_EXIT_USAGE;
	}
	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(argv[1], cmds[i].name) == 0) {
			rc = cmds[i].run(argc - 1, argv + 1);
			if (fflush(stdout) && rc == 0)
				rc = lt_fail(LETHE_EXIT_TEMP, "unable to write the output");
			return rc;
		}
	fputs(usage, stderr);
	return LETHE_EXIT_USAGE;
}
