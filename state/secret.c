/* secret.c: secret.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "files.h"
#include "secret.h"
#include "state.h"

struct secret *secret_new(void)
{
	struct secret *s = sodium_malloc(sizeof *s);

	if (s)
		sodium_memzero(s, sizeof *s);
	return s;
}

void secret_free(struct secret *s)
{
	if (s)
		sodium_free(s);
}

int secret_key(struct secret *s, const char *keys_dir, size_t i, char *why, size_t whylen)
{
	char path[PATH_MAX];
	size_t len = 0;
	int r;

	if (i >= LETHE_INSTANCES_MAX ||
	    snprintf(path, sizeof path, "%s/%zu/keys/%s", keys_dir, i, KDF_KEYFILE_NAME) >= (int)sizeof path) {
		state_why(why, whylen, "instance %zu: no key file path", i);
		return -1;
	}
	r = files_read(AT_FDCWD, path, s->file, sizeof s->file, &len);
	if (r < 0) {
		state_why(why, whylen, "unable to read %s: %s", path,
			 r == -EFBIG ? "not a tor ed25519 secret key file" : strerror(-r));
		sodium_memzero(s->file, sizeof s->file);
		return -1;
	}
	r = kdf_from_file(s->file, len, s->key[i]);
	sodium_memzero(s->file, sizeof s->file);
	if (r < 0) {
		state_why(why, whylen, "%s is not a tor ed25519 secret key file", path);
		return -1;
	}
	return 0;
}
