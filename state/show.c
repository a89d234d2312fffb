/* show.c: lethe-state show FILE: a blob's public header, for operators
 * and tests (the server keeps nothing else readable either).  No key is
 * read: the instances' sizes are their ciphertexts'. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blob.h"
#include "cmd.h"
#include "files.h"

int show_run(const char *path)
{
	char why[256], when[32] = "?";
	uint8_t *p = malloc(LETHE_STATE_BLOB_MAX);
	size_t len = 0, i;
	struct blob b;
	struct tm tm;
	time_t t;
	int r, rc = STATE_EXIT_TEMP;

	if (!p) {
		state_say("fatal: out of memory");
		return rc;
	}
	r = files_read(AT_FDCWD, path, p, LETHE_STATE_BLOB_MAX, &len);
	if (r == -EFBIG) {
		state_say("%s: refused: larger than %d bytes", path, LETHE_STATE_BLOB_MAX);
		rc = STATE_EXIT_REFUSED;
		goto out;
	}
	if (r < 0) {
		state_say("fatal: unable to read %s: %s", path, strerror(-r));
		goto out;
	}
	if (blob_parse(p, len, &b, why, sizeof why) < 0) {
		state_say("%s: refused: %s", path, why);
		rc = STATE_EXIT_REFUSED;
		goto out;
	}
	t = (time_t)b.h.time;
	if (b.h.time <= (uint64_t)253402300799ULL && gmtime_r(&t, &tm))
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf(PROG ": node ");
	for (i = 0; i < BLOB_NODE; i++)
		printf("%02x", b.h.node[i]);
	printf("\n" PROG ": counter %llu\n" PROG ": rollout %llu\n" PROG ": time %llu %s\n" PROG ": instances %zu\n",
	       (unsigned long long)b.h.counter, (unsigned long long)b.h.rollout, (unsigned long long)b.h.time, when,
	       b.n);
	for (i = 0; i < b.n; i++)
		printf(PROG ": instance %s %zu bytes\n", b.inst[i].name, b.inst[i].clen);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		state_say("fatal: unable to write the output: %s", strerror(errno));
		goto out;
	}
	rc = STATE_EXIT_OK;
out:
	free(p);
	return rc;
}
