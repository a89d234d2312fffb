/* cmd.h: attestd's commands, arguments already parsed by main.c.  Each
 * returns an exit code of include/lethe_exit.h. */
#ifndef ATTESTD_CMD_H
#define ATTESTD_CMD_H

#include <stddef.h>

#define CMD_MAX_CA 16

struct cmd_check_args {
	const char *ca[CMD_MAX_CA];
	size_t nca;
	const char *node, *tls_pem, *bundle;
	const char *ek_public_out, *ak_public_out, *ek_cert_out;
};

struct cmd_enroll_args {
	const char *db, *node, *ak_public, *ek_cert, *secret_sha256;
	int replace;
};

struct cmd_serve_args {
	const char *db, *socket, *pending, *certs;
	const char *log_key, *log_proofs; /* both NULL: no release log, every quote refused */
};

int cmd_check_enroll(const struct cmd_check_args *a);
int cmd_enroll_add(const struct cmd_enroll_args *a);
/* Every node's line, or (history_node) that node's history. */
int cmd_status(const char *db, const char *history_node);
int cmd_serve(const struct cmd_serve_args *a);

#endif
