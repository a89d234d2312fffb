/* save.c: lethe-state save.  The counter is incremented once, after every
 * input was read and every key derived (a missing key costs no
 * increment), and before anything is encrypted: the blob carries the value
 * the increment produced, so only this save's blob can match the TPM until
 * the next save.  A PUT that fails after the increment leaves the server
 * an older blob, which restore then refuses (tor starts without state)
 * until a later save succeeds: the price of never trusting the server's
 * copy. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "blob.h"
#include "cmd.h"
#include "conf.h"
#include "files.h"
#include "net.h"
#include "nv.h"
#include "secret.h"
#include "state.h"

/* RUN/rollout: decimal, a newline allowed after it.  0 absent, 1 read, -1. */
static int save_rollout(int rfd, uint64_t *rollout)
{
	uint8_t buf[32];
	size_t len = 0, i;
	int r = files_read(rfd, "rollout", buf, sizeof buf, &len);

	*rollout = 0;
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return -1;
	if (len && buf[len - 1] == '\n')
		len--;
	if (len == 0 || len > 20 || (buf[0] == '0' && len > 1))
		return -1;
	for (i = 0; i < len; i++) {
		if (buf[i] < '0' || buf[i] > '9' || *rollout > (UINT64_MAX - (buf[i] - '0')) / 10)
			return -1;
		*rollout = *rollout * 10 + (buf[i] - '0');
	}
	return 1;
}

/* Instance I's state file into S->plain[I]: 1 read (*LEN), 0 left out
 * (said why), -1 a failure (WHY). */
static int save_read(const struct state_opts *o, const struct conf *c, size_t i, struct secret *s, size_t *len,
		     char *why, size_t whylen)
{
	char path[PATH_MAX];
	int r;

	if (snprintf(path, sizeof path, "%s/%s/state", o->data_dir, c->name[i]) >= (int)sizeof path) {
		state_why(why, whylen, "instance %s: --data-dir too long", c->name[i]);
		return -1;
	}
	r = files_read(AT_FDCWD, path, s->plain[i], LETHE_STATE_FILE_MAX, len);
	if (r == -ENOENT) {
		state_say("instance %s: no state file %s: left out", c->name[i], path);
		return 0;
	}
	if (r == -EFBIG) {
		state_say("instance %s: %s is larger than %d bytes: refused, left out", c->name[i], path,
			  LETHE_STATE_FILE_MAX);
		return 0;
	}
	if (r == -EINVAL) {
		state_say("instance %s: %s is not a regular file: refused, left out", c->name[i], path);
		return 0;
	}
	if (r < 0) {
		state_why(why, whylen, "unable to read %s: %s", path, strerror(-r));
		return -1;
	}
	return 1;
}

/* RUN/saved: "UNIX_SECONDS COUNTER\n". */
static void save_mark(const struct state_opts *o, int rfd, uint64_t t, uint64_t counter)
{
	char line[64], why[256];
	int n = snprintf(line, sizeof line, "%llu %llu\n", (unsigned long long)t, (unsigned long long)counter);

	if (files_put(rfd, o->run_dir, "saved", line, (size_t)n, why, sizeof why) < 0)
		state_say("warning: %s", why);
}

int save_run(const struct state_opts *o)
{
	struct blob_in in[LETHE_INSTANCES_MAX];
	struct blob_head h;
	struct secret *s = NULL;
	struct net net;
	struct conf c;
	uint8_t *blob = NULL;
	char why[512] = "";
	size_t i, n = 0, len = 0;
	int rfd = -1, defined = 0, net_up = 0, rc = STATE_EXIT_TEMP;

	memset(&net, 0, sizeof net);
	if (sodium_init() < 0) {
		state_why(why, sizeof why, "unable to initialise libsodium");
		goto out;
	}
	if (conf_load(o->conf_dir, &c, why, sizeof why) < 0)
		goto out;
	rfd = files_rundir(o->run_dir, why, sizeof why);
	if (rfd < 0)
		goto out;
	memset(&h, 0, sizeof h);
	memcpy(h.node, c.node, sizeof h.node);
	if (save_rollout(rfd, &h.rollout) < 0) {
		state_why(why, sizeof why, "%s/rollout is not a decimal number", o->run_dir);
		goto out;
	}
	s = secret_new();
	blob = malloc(LETHE_STATE_BLOB_MAX);
	if (!s || !blob) {
		state_why(why, sizeof why, "out of memory");
		goto out;
	}
	for (i = 0; i < c.n; i++) {
		size_t plen = 0;
		int r = save_read(o, &c, i, s, &plen, why, sizeof why);

		if (r < 0)
			goto out;
		if (r == 0)
			continue;
		if (secret_key(s, o->keys_dir, i, why, sizeof why) < 0)
			goto out;
		in[n++] = (struct blob_in){ c.name[i], s->plain[i], plen, s->key[i] };
	}
	/* a blob without an instance would carry no tag over its header:
	 * keep the server's copy (its counter still matches) instead */
	if (n == 0) {
		state_say("nothing to save: no instance has a state file; the counter is not incremented");
		rc = STATE_EXIT_OK;
		goto out;
	}
	if (nv_increment(o->fo.tcti, o->nv, &h.counter, &defined, why, sizeof why) < 0)
		goto out;
	if (defined)
		state_say("defined the counter at NV index 0x%08x", o->nv);
	h.time = (uint64_t)time(NULL);
	if (blob_build(&h, in, n, blob, LETHE_STATE_BLOB_MAX, &len, why, sizeof why) < 0)
		goto out;
	/* the plaintext and the keys are done with */
	secret_free(s);
	s = NULL;
	if (net_open(&net, o, why, sizeof why) < 0)
		goto out;
	net_up = 1;
	if (net_put(&net, o, blob, len, why, sizeof why) < 0) {
		char more[sizeof why];

		snprintf(more, sizeof more, "%s (the counter is at %llu: restore refuses the server's older state "
			 "until a save succeeds)", why, (unsigned long long)h.counter);
		memcpy(why, more, sizeof why);
		goto out;
	}
	save_mark(o, rfd, h.time, h.counter);
	state_say("saved %zu of %zu instances, counter %llu, rollout %llu, %zu bytes", n, c.n,
		  (unsigned long long)h.counter, (unsigned long long)h.rollout, len);
	rc = STATE_EXIT_OK;
out:
	if (rc != STATE_EXIT_OK)
		state_say("save failed: %s", why);
	if (net_up)
		net_close(&net);
	secret_free(s);
	free(blob);
	if (rfd >= 0)
		close(rfd);
	return rc;
}
