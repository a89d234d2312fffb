/* Fuzz target for the node certificate the server hands out: whatever
 * bytes come back from /v1/certs/<id>.pem go through nodecert_check(),
 * which must refuse them (the key is made here, so no input can carry a
 * certificate for it) with a one-line message, and never crash.
 *
 * Built with -DLETHE_LIBFUZZER it is a libFuzzer target; otherwise main()
 * replays files and directories of files given as arguments (or stdin). */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "configpull.h"
#include "lethe_exit.h"
#include "nodecert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static EVP_PKEY *key;
	struct cp_err err = { "" };
	char *out = NULL;
	size_t outlen = 0;
	int rc;

	if (!key && !(key = EVP_EC_gen("P-256")))
		abort();
	rc = nodecert_check((const char *)data, size, key, "/nonexistent/fleet-ca.pem", &out, &outlen,
			    &err);
	if (rc != CP_EXIT_TLS || out || !err.msg[0] || memchr(err.msg, '\n', strlen(err.msg)))
		abort();
	return 0;
}

#define FUZZ_NAME "fuzz_configpull_cert"
#include "../replay.h"
