/* restore.c: lethe-state restore, before tor starts.  The server is not
 * trusted with anything: the blob must be this node's (its node id), this
 * node's newest (its counter equals the TPM counter, which only a save
 * increments), and every instance's ciphertext must verify under the key
 * only the unsealed identity gives, before a single byte is written.
 * Whatever the outcome, initd starts tor; a refusal or failure only means
 * tor starts without its old state. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "blob.h"
#include "check.h"
#include "cmd.h"
#include "conf.h"
#include "files.h"
#include "net.h"
#include "nv.h"
#include "secret.h"
#include "stage.h"

/* The outcome: RUN/result's word and reason, the exit code, the rollout
 * to write (restored, none) or remove. */
struct outcome {
	const char *word;
	int rc;
	int have_rollout;
	uint64_t rollout;
	char reason[512];
};

static void restore_set(struct outcome *x, const char *word, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void restore_set(struct outcome *x, const char *word, int rc, const char *fmt, ...)
{
	va_list ap;

	x->word = word;
	x->rc = rc;
	va_start(ap, fmt);
	vsnprintf(x->reason, sizeof x->reason, fmt, ap);
	va_end(ap);
}

#define FAILED(x, ...) restore_set((x), LETHE_STATE_R_FAILED, STATE_EXIT_TEMP, __VA_ARGS__)
#define REFUSED(x, ...) restore_set((x), LETHE_STATE_R_REFUSED, STATE_EXIT_REFUSED, __VA_ARGS__)

/* The nothing-on-the-server answer: none before the first save, refused
 * after it (the server lost or withholds the node's state). */
static void restore_missing(struct outcome *x, const struct state_opts *o, enum nv_state st, uint64_t val)
{
	if (st == NV_VALUE) {
		REFUSED(x, "no state on the server, the node saved state %llu", (unsigned long long)val);
	} else if (st == NV_FOREIGN) {
		REFUSED(x, "no state on the server, and NV index 0x%08x is not lethe-state's counter", o->nv);
	} else {
		restore_set(x, LETHE_STATE_R_NONE, STATE_EXIT_NONE, "no state on the server, none saved yet");
		x->have_rollout = 1;
		x->rollout = 0;
	}
}

/* Every instance of B that node.conf has, decrypted into S (its length in
 * LEN[k], k its index in node.conf; SEEN[k] set).  0, or -1 with X set. */
static int restore_open(struct outcome *x, const struct state_opts *o, const struct conf *c, const struct blob *b,
			struct secret *s, size_t len[LETHE_INSTANCES_MAX], int seen[LETHE_INSTANCES_MAX], size_t *nseen)
{
	char why[512];
	size_t i;

	*nseen = 0;
	for (i = 0; i < b->n; i++) {
		int k = conf_find(c, b->inst[i].name);

		if (k < 0) {
			state_say("instance %s of the saved state is not in node.conf: skipped", b->inst[i].name);
			continue;
		}
		if (secret_key(s, o->keys_dir, (size_t)k, why, sizeof why) < 0) {
			FAILED(x, "instance %s: %s", b->inst[i].name, why);
			return -1;
		}
		if (blob_open(b, i, s->key[k], s->plain[k], LETHE_STATE_FILE_MAX, &len[k]) < 0) {
			REFUSED(x, "instance %s: does not decrypt with its key: another node's state, or changed",
				b->inst[i].name);
			return -1;
		}
		sodium_memzero(s->key[k], KDF_KEY);
		seen[k] = 1;
		(*nseen)++;
	}
	/* the tags are what authenticates the header: with none checked, the
	 * counter and rollout would be the server's word */
	if (*nseen == 0) {
		REFUSED(x, "no instance of the saved state is in node.conf: nothing verifies it");
		return -1;
	}
	return 0;
}

/* The verified state files, all or none. */
static int restore_write(struct outcome *x, const struct state_opts *o, const struct conf *c, struct secret *s,
			 const size_t len[LETHE_INSTANCES_MAX], const int seen[LETHE_INSTANCES_MAX])
{
	struct stage sg;
	char why[512];
	size_t k;
	int r = -1;

	stage_init(&sg, o->data_dir);
	for (k = 0; k < c->n; k++) {
		uid_t uid = o->chown ? (uid_t)(LETHE_TOR_UID + k) : (uid_t)-1;

		if (seen[k] && stage_put(&sg, c->name[k], uid, LETHE_TOR_GID, s->plain[k], len[k], why, sizeof why) < 0) {
			FAILED(x, "%s: nothing restored", why);
			goto out;
		}
	}
	/* its reason names the rename that failed */
	if (stage_commit(&sg, why, sizeof why) < 0) {
		FAILED(x, "%s", why);
		goto out;
	}
	r = 0;
out:
	stage_end(&sg);
	return r;
}

/* The server's answer, checked and written. */
static void restore_blob(struct outcome *x, const struct state_opts *o, const struct conf *c, const uint8_t *p,
			 size_t plen, enum nv_state st, uint64_t val)
{
	size_t len[LETHE_INSTANCES_MAX] = { 0 }, nseen = 0, k;
	int seen[LETHE_INSTANCES_MAX] = { 0 };
	struct secret *s = NULL;
	char why[256], names[LETHE_INSTANCES_MAX * (LETHE_INSTANCE_NAME_MAX + 1) + 1] = "";
	struct blob b;

	if (blob_parse(p, plen, &b, why, sizeof why) < 0) {
		REFUSED(x, "malformed state: %s", why);
		return;
	}
	if (check_header(&b.h, c->node, st, val, o->nv, why, sizeof why) < 0) {
		REFUSED(x, "%s", why);
		return;
	}
	s = secret_new();
	if (!s) {
		FAILED(x, "out of memory");
		return;
	}
	if (restore_open(x, o, c, &b, s, len, seen, &nseen) == 0 && restore_write(x, o, c, s, len, seen) == 0) {
		for (k = 0; k < c->n; k++)
			if (seen[k]) {
				strcat(names, " ");
				strcat(names, c->name[k]);
			}
		restore_set(x, LETHE_STATE_R_RESTORED, STATE_EXIT_OK, "counter %llu, rollout %llu, %zu instance%s:%s",
			    (unsigned long long)b.h.counter, (unsigned long long)b.h.rollout, nseen,
			    nseen == 1 ? "" : "s", names);
		x->have_rollout = 1;
		x->rollout = b.h.rollout;
	}
	secret_free(s);
}

/* RUN/result and RUN/rollout for initd and lethe-telemetry. */
static int restore_files(const struct outcome *x, const struct state_opts *o, int rfd)
{
	char buf[16 + STATE_REASON_MAX + 2], why[256];
	size_t i, n;
	int r = 0;

	n = (size_t)snprintf(buf, sizeof buf, "%s\n", x->word);
	for (i = 0; x->reason[i] && i < STATE_REASON_MAX; i++)
		buf[n++] = x->reason[i] >= ' ' && x->reason[i] <= '~' ? x->reason[i] : '?';
	buf[n++] = '\n';
	/* no rollout file: unknown, and initd reboots for no rollout this boot */
	if (x->have_rollout) {
		char line[32];
		int m = snprintf(line, sizeof line, "%llu\n", (unsigned long long)x->rollout);

		if (files_put(rfd, o->run_dir, "rollout", line, (size_t)m, why, sizeof why) < 0) {
			state_say("fatal: %s", why);
			r = -1;
		}
	} else if (files_remove(rfd, o->run_dir, "rollout", why, sizeof why) < 0) {
		state_say("fatal: %s", why);
		r = -1;
	}
	if (files_put(rfd, o->run_dir, "result", buf, n, why, sizeof why) < 0) {
		state_say("fatal: %s", why);
		r = -1;
	}
	return r;
}

int restore_run(const struct state_opts *o)
{
	struct outcome x = { LETHE_STATE_R_FAILED, STATE_EXIT_TEMP, 0, 0, "" };
	enum nv_state st = NV_ABSENT;
	uint64_t val = 0;
	uint8_t *body = NULL;
	struct net net;
	struct conf c;
	char why[512];
	size_t len = 0;
	int rfd, too_big = 0;

	memset(&net, 0, sizeof net);
	rfd = files_rundir(o->run_dir, why, sizeof why);
	if (rfd < 0) {
		state_say("fatal: %s", why);
		return STATE_EXIT_TEMP;
	}
	if (sodium_init() < 0) {
		FAILED(&x, "unable to initialise libsodium");
		goto out;
	}
	if (conf_load(o->conf_dir, &c, why, sizeof why) < 0) {
		FAILED(&x, "%s", why);
		goto out;
	}
	/* the TPM first: the node key's TLS holds its own connection after */
	if (nv_read(o->fo.tcti, o->nv, &st, &val, why, sizeof why) < 0) {
		FAILED(&x, "%s", why);
		goto out;
	}
	body = malloc(LETHE_STATE_BLOB_MAX);
	if (!body) {
		FAILED(&x, "out of memory");
		goto out;
	}
	if (net_open(&net, o, why, sizeof why) < 0) {
		FAILED(&x, "%s", why);
		goto out;
	}
	if (net_get(&net, o, body, LETHE_STATE_BLOB_MAX, &len, &too_big, why, sizeof why) < 0) {
		if (too_big)
			REFUSED(&x, "%s", why);
		else
			FAILED(&x, "%s", why);
		goto out;
	}
	/* the TLS key's TPM connection is done with */
	net_close(&net);
	if (net.status == 404)
		restore_missing(&x, o, st, val);
	else
		restore_blob(&x, o, &c, body, len, st, val);
out:
	net_close(&net);
	free(body);
	if (restore_files(&x, o, rfd) < 0 && x.rc == STATE_EXIT_OK)
		x.rc = STATE_EXIT_TEMP;
	state_say("restore: %s: %s", x.word, x.reason);
	close(rfd);
	return x.rc;
}
