/* reportd: the config server's store of node reports, log lines and
 * sealed tor state (docs/observability.md, "The operator's side";
 * docs/torstate.md).  main parses arguments and runs the command; serve.c
 * answers nginx, report.c, logs.c and torstate.c check what nodes send,
 * db.c keeps it, status.c prints it.  Exit codes are include/lethe_exit.h's:
 * 0 ok, 1 nothing kept for that node (report, state --node), 100 usage,
 * 111 system. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "lethe_exit.h"
#include "lethe_nocore.h"
#include "serve.h"
#include "status.h"

static const char usage[] =
	"reportd: usage: reportd COMMAND OPTIONS\n"
	"  serve --db FILE --socket PATH\n"
	"  status --db FILE\n"
	"  report --db FILE --node ID [--history]\n"
	"  logs --db FILE --node ID [--tail N]\n"
	"  state --db FILE [--node ID]\n"
	"  forget --db FILE --node ID\n";

enum { OPT_DB = 256, OPT_SOCKET, OPT_NODE, OPT_HISTORY, OPT_TAIL };

static const struct option opts[] = {
	{"db", required_argument, NULL, OPT_DB},
	{"socket", required_argument, NULL, OPT_SOCKET},
	{"node", required_argument, NULL, OPT_NODE},
	{"history", no_argument, NULL, OPT_HISTORY},
	{"tail", required_argument, NULL, OPT_TAIL},
	{NULL, 0, NULL, 0},
};

struct args {
	const char *cmd, *db, *socket, *node, *tail;
	int history;
};

static int die_usage(const char *why)
{
	if (why)
		fprintf(stderr, "reportd: %s\n", why);
	fputs(usage, stderr);
	return LETHE_EXIT_USAGE;
}

/* --tail N: 1 ... LETHE_LOG_LINES_KEPT, decimal; 0 when not given, -1 bad. */
static long parse_tail(const char *s)
{
	long v = 0;
	size_t i;

	if (!s)
		return 0;
	if (!*s || strlen(s) > 6)
		return -1;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v >= 1 && v <= LETHE_LOG_LINES_KEPT ? v : -1;
}

/* One line of `reportd state`: never the blob, only what its plaintext
 * header and reportd's row say ("?" for bytes that are no blob, which
 * only a hand-edited database holds). */
static int print_state(void *ctx, const char *node, long long bytes, const struct state_meta *meta,
		       long long received, struct reportd_err *err)
{
	long *found = ctx;

	(void)err;
	(*found)++;
	if (meta)
		printf("%s bytes=%lld counter=%llu rollout=%llu received=%lld\n", node, bytes,
		       (unsigned long long)meta->counter, (unsigned long long)meta->rollout, received);
	else
		printf("%s bytes=%lld counter=? rollout=? received=%lld\n", node, bytes, received);
	return 0;
}

/* The commands that read or forget: the database must exist. */
static int run_reader(const struct args *a, long tail)
{
	struct reportd_err err = {{0}};
	sqlite3 *db = NULL;
	long long reports = 0, lines = 0, states = 0;
	long found = 0;
	int rc = LETHE_EXIT_TEMP, r;

	if (db_open(a->db, 0, &db, &err)) {
		fprintf(stderr, "reportd: fatal: %s\n", err.msg);
		goto out;
	}
	if (!strcmp(a->cmd, "status"))
		r = status_print(db, stdout, &err);
	else if (!strcmp(a->cmd, "report"))
		r = status_report(db, a->node, a->history, stdout, &found, &err);
	else if (!strcmp(a->cmd, "logs"))
		r = status_logs(db, a->node, tail, stdout, &err);
	else if (!strcmp(a->cmd, "state"))
		r = db_each_state(db, a->node, print_state, &found, &err);
	else
		r = db_forget_all(db, a->node, &reports, &lines, &states, &err);
	if (r) {
		fprintf(stderr, "reportd: fatal: %s\n", err.msg);
		goto out;
	}
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "reportd: fatal: unable to write the output: %s\n", strerror(errno));
		goto out;
	}
	rc = LETHE_EXIT_OK;
	if (!strcmp(a->cmd, "report") && !found) {
		fprintf(stderr, "reportd: no report kept from %s\n", a->node);
		rc = LETHE_EXIT_REFUSED;
	}
	if (!strcmp(a->cmd, "state") && a->node && !found) {
		fprintf(stderr, "reportd: no state kept from %s\n", a->node);
		rc = LETHE_EXIT_REFUSED;
	}
	if (!strcmp(a->cmd, "forget")) {
		fprintf(stderr, "reportd: forgot %s: %lld reports, %lld log lines\n", a->node, reports, lines);
		/* a line of its own: scripts read the one above as it always was */
		if (states)
			fprintf(stderr, "reportd: forgot %s: its sealed tor state\n", a->node);
	}
out:
	db_close(db);
	return rc;
}

static int run_serve(const struct args *a)
{
	struct reportd_err err = {{0}};
	struct serve_conf conf = {NULL, a->socket};
	int rc;

	if (db_open(a->db, 1, &conf.db, &err)) {
		fprintf(stderr, "reportd: fatal: %s\n", err.msg);
		return LETHE_EXIT_TEMP;
	}
	rc = serve_run(&conf);
	db_close(conf.db);
	return rc;
}

int main(int argc, char **argv)
{
	struct args a;
	long tail;
	int o;

	/* what nodes report is the operator's: no core file of it */
	if (lethe_nocore() < 0) {
		fprintf(stderr, "reportd: fatal: unable to disable core dumps: %s\n", strerror(errno));
		return LETHE_EXIT_TEMP;
	}
	memset(&a, 0, sizeof a);
	if (argc < 2)
		return die_usage(NULL);
	a.cmd = argv[1];
	argv++;
	argc--;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case OPT_DB: a.db = optarg; break;
		case OPT_SOCKET: a.socket = optarg; break;
		case OPT_NODE: a.node = optarg; break;
		case OPT_HISTORY: a.history = 1; break;
		case OPT_TAIL: a.tail = optarg; break;
		default: return die_usage(NULL);
		}
	}
	if (optind != argc)
		return die_usage("unexpected argument");
	if (!a.db)
		return die_usage("every command needs --db");
	if (!strcmp(a.cmd, "serve")) {
		if (!a.socket || a.node || a.history || a.tail)
			return die_usage("serve takes --db and --socket");
		return run_serve(&a);
	}
	if (!strcmp(a.cmd, "status")) {
		if (a.socket || a.node || a.history || a.tail)
			return die_usage("status takes --db only");
		return run_reader(&a, 0);
	}
	if (!strcmp(a.cmd, "state")) {
		if (a.socket || a.history || a.tail)
			return die_usage("state takes --db and --node only");
		if (a.node && reportd_node_valid(a.node))
			return die_usage("--node takes a node id, 64 lowercase hex digits");
		return run_reader(&a, 0);
	}
	if (strcmp(a.cmd, "report") && strcmp(a.cmd, "logs") && strcmp(a.cmd, "forget"))
		return die_usage("unknown command");
	if (!a.node || reportd_node_valid(a.node))
		return die_usage("--node takes a node id, 64 lowercase hex digits");
	if (a.socket || (a.history && strcmp(a.cmd, "report")) || (a.tail && strcmp(a.cmd, "logs")))
		return die_usage("report takes --history, logs --tail, nothing else");
	tail = parse_tail(a.tail);
	if (tail < 0)
		return die_usage("--tail takes a number of lines, 1 to 20000");
	return run_reader(&a, tail);
}
