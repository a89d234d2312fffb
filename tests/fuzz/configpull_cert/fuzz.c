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

#ifndef LETHE_LIBFUZZER
#define PROG "fuzz_configpull_cert"
#define INPUT_MAX (NODECERT_SIZE_MAX + 1)

static int replay_stream(FILE *f, const char *name)
{
	unsigned char *buf = malloc(INPUT_MAX);
	size_t n;

	if (!buf) {
		fprintf(stderr, PROG ": fatal: unable to allocate memory: %s\n", strerror(ENOMEM));
		return LETHE_EXIT_TEMP;
	}
	n = fread(buf, 1, INPUT_MAX, f);
	if (ferror(f)) {
		fprintf(stderr, PROG ": fatal: unable to read %s: %s\n", name, strerror(errno));
		free(buf);
		return LETHE_EXIT_TEMP;
	}
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return LETHE_EXIT_OK;
}

static int replay_path(const char *path, size_t *count)
{
	struct dirent **ents;
	struct stat st;
	char *sub;
	int n, i, r = LETHE_EXIT_OK;

	if (stat(path, &st) < 0) {
		fprintf(stderr, PROG ": fatal: unable to stat %s: %s\n", path, strerror(errno));
		return LETHE_EXIT_TEMP;
	}
	if (!S_ISDIR(st.st_mode)) {
		FILE *f = fopen(path, "rb");
		if (!f) {
			fprintf(stderr, PROG ": fatal: unable to open %s: %s\n", path, strerror(errno));
			return LETHE_EXIT_TEMP;
		}
		++*count;
		r = replay_stream(f, path);
		fclose(f);
		return r;
	}
	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, PROG ": fatal: unable to list %s: %s\n", path, strerror(errno));
		return LETHE_EXIT_TEMP;
	}
	for (i = 0; i < n; i++) {
		if (r == LETHE_EXIT_OK && ents[i]->d_name[0] != '.') {
			if (asprintf(&sub, "%s/%s", path, ents[i]->d_name) < 0) {
				r = LETHE_EXIT_TEMP;
			} else {
				r = replay_path(sub, count);
				free(sub);
			}
		}
		free(ents[i]);
	}
	free(ents);
	return r;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int i, r;

	if (argc < 2)
		return replay_stream(stdin, "stdin");
	for (i = 1; i < argc; i++) {
		r = replay_path(argv[i], &count);
		if (r != LETHE_EXIT_OK)
			return r;
	}
	fprintf(stderr, PROG ": %zu inputs replayed\n", count);
	return LETHE_EXIT_OK;
}
#endif
