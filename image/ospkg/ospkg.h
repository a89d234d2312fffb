/* ospkg subcommands.  main.c parses arguments into these structs; each
 * command lives in its own file and returns a lethe exit code, leaving the
 * reason in e for main to print. */
#ifndef OSPKG_OSPKG_H
#define OSPKG_OSPKG_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <openssl/x509.h>

#include "digest.h"
#include "err.h"

#define OSPKG_PROG "ospkg"

/* Fixed names inside the archive. */
#define OSPKG_DIR_NAME "boot/"
#define OSPKG_KERNEL_NAME "boot/vmlinuz"
#define OSPKG_INITRAMFS_NAME "boot/initramfs.cpio.zst"

struct create_args {
	const char *kernel, *initramfs, *cmdline, *label, *url, *zip, *descriptor;
};
int create_run(const struct create_args *a, struct tool_err *e);

struct sign_args {
	const char *key, *cert, *zip, *descriptor;
};
int sign_run(const struct sign_args *a, struct tool_err *e);

struct verify_args {
	const char *root, *zip, *descriptor;
	unsigned threshold;
	time_t now;
};
/* Prints the OK line on out, one line per skipped or invalid signature on
 * diag. */
int verify_run(const struct verify_args *a, FILE *out, FILE *diag, struct tool_err *e);

/* The in-memory verifier behind verify_run, also used by tests and the
 * fuzz harness. */
struct verify_input {
	X509 *root;
	const uint8_t *zip;
	size_t zip_len;
	const uint8_t *desc;
	size_t desc_len;
	const char *zip_name, *desc_name;   /* for messages */
	unsigned threshold;                 /* >= 1 */
	time_t now;
};

struct verify_result {
	size_t total;                       /* signatures in the descriptor */
	size_t valid;                       /* distinct valid ones */
	uint8_t hash[DIGEST_BYTES];         /* SHA-256 of the zip */
};

int verify_package(const struct verify_input *in, FILE *diag, struct verify_result *r,
	struct tool_err *e);

/* The archive checks verify and sign share: strict zip structure plus a
 * manifest naming non-empty kernel and initramfs entries. */
int verify_archive(const uint8_t *zip, size_t len, struct tool_err *e);

#define VERIFY_THRESHOLD_MAX 64u
/* Latest time accepted by --time: 9999-12-31T23:59:59Z. */
#define VERIFY_TIME_MAX 253402300799LL

#endif
