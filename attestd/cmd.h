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

int cmd_check_enroll(const struct cmd_check_args *a);
int cmd_enroll_add(const struct cmd_enroll_args *a);
int cmd_status(const char *db);
int cmd_serve(const char *db, const char *sock, const char *pending, const char *certs);

/* Reads all of path if it holds at most max bytes (buf has max+1): 0,
 * -1 with errno, or -2 if larger. */
int cmd_read_file(const char *path, void *buf, size_t max, size_t *len);

#endif
