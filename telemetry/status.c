/* The status file, parsed in one pass over a bounded buffer: no allocation,
 * every value copied into a fixed field after its check. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "status.h"
#include "telemetry.h"

#define STATUS_KEY_MAX 64

const char *const status_mark_names[STATUS_MARKS] = {
	"network", "clock", "config", "keys", "state", "tor-exec", "tor-ready", "ready",
};
const char *const status_step_names[STATUS_STEPS] = { "network", "clock", "config", "keys", "state" };

/* The top-level keys: each may appear once (bit i of the seen mask). */
enum status_key {
	K_VERSION, K_SEQ, K_STAGE, K_STAGE_ERROR, K_LAST_ERROR, K_LAST_ERROR_MS, K_UNSEAL,
	K_UNSEAL_MODE, K_PULL_EXIT, K_PULL_MS, K_UNSEAL_MS, K_PRESSURE, K_INSTANCES, K_ROLLOUT_WANTED,
	K_ROLLOUT_DONE, K_ROLLOUT_STATE, K_ROLLOUT_REASON, K_TORSTATE, K_TORSTATE_REASON, K_TORSTATE_SAVED,
	K_TORSTATE_COUNTER, K_TOP
};
static const char *const status_keys[K_TOP] = {
	"version", "seq", "stage", "stage_error", "last_error", "last_error_ms", "unseal",
	"unseal_mode", "pull_exit", "pull_ms", "unseal_ms", "pressure_events", "instances", "rollout_wanted",
	"rollout_done", "rollout_state", "rollout_reason", "torstate", "torstate_reason", "torstate_saved",
	"torstate_counter",
};
/* seen_top is a uint32_t bit mask */
_Static_assert(K_TOP <= 32, "more top-level keys than bits in seen_top");

enum status_ikey { I_NAME, I_STATE, I_PID, I_RESTARTS, I_LAST_EXIT, I_CRASHLOOP, I_ALLOC, I_ALLOC_MAPPED, I_KEYS };
static const char *const status_ikeys[I_KEYS] = {
	"name", "state", "pid", "restarts", "last_exit", "crashloop", "allocator", "allocator_mapped",
};

/* A value: VAL, N bytes (printable ASCII, checked by the caller). */
struct status_val {
	const char *s;
	size_t n;
};

static int status_fail(char *why, size_t whylen, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int status_fail(char *why, size_t whylen, size_t line, const char *fmt, ...)
{
	va_list ap;
	int k = snprintf(why, whylen, "line %zu: ", line);

	if (k >= 0 && (size_t)k < whylen) {
		va_start(ap, fmt);
		vsnprintf(why + k, whylen - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A decimal in LO ... HI: digits, no leading zero, '-' only if LO < 0. */
static int status_int(struct status_val v, long long lo, long long hi, long long *out)
{
	size_t i = 0;
	int neg = 0;
	long long x = 0;

	if (v.n && v.s[0] == '-' && lo < 0) {
		neg = 1;
		i = 1;
	}
	if (i == v.n || v.n - i > 16 || (v.n - i > 1 && v.s[i] == '0') || (neg && v.s[i] == '0'))
		return -1;
	for (; i < v.n; i++) {
		if (v.s[i] < '0' || v.s[i] > '9')
			return -1;
		x = x * 10 + (v.s[i] - '0');
	}
	if (neg)
		x = -x;
	if (x < lo || x > hi)
		return -1;
	*out = x;
	return 0;
}

/* 1 if V is one of the '|'-separated words of SET. */
static int status_in(struct status_val v, const char *set)
{
	const char *p = set, *bar;
	size_t w;

	for (;;) {
		bar = strchr(p, '|');
		w = bar ? (size_t)(bar - p) : strlen(p);
		if (w == v.n && memcmp(p, v.s, w) == 0)
			return 1;
		if (!bar)
			return 0;
		p = bar + 1;
	}
}

/* V into OUT (CAP bytes with its NUL) if it is one of SET, else -1. */
static int status_word(struct status_val v, const char *set, char *out, size_t cap)
{
	if (v.n >= cap || !status_in(v, set))
		return -1;
	memcpy(out, v.s, v.n);
	out[v.n] = 0;
	return 0;
}

static void status_copy(struct status_val v, char *out)
{
	memcpy(out, v.s, v.n);
	out[v.n] = 0;
}

/* "-", "exit N" (0-255), "signal N" (1-64): initd's words, as reportd checks them. */
static int status_last_exit(struct status_val v, char *out)
{
	long long x;

	if (v.n == 1 && v.s[0] == '-')
		;
	else if (v.n > 5 && memcmp(v.s, "exit ", 5) == 0 &&
		 status_int((struct status_val){ v.s + 5, v.n - 5 }, 0, 255, &x) == 0)
		;
	else if (v.n > 7 && memcmp(v.s, "signal ", 7) == 0 &&
		 status_int((struct status_val){ v.s + 7, v.n - 7 }, 1, 64, &x) == 0)
		;
	else
		return -1;
	status_copy(v, out);
	return 0;
}

static int status_inst_name(struct status_val v, char *out)
{
	size_t i;

	if (v.n == 0 || v.n > LETHE_INSTANCE_NAME_MAX)
		return -1;
	for (i = 0; i < v.n; i++)
		if (!((v.s[i] >= 'a' && v.s[i] <= 'z') || (v.s[i] >= '0' && v.s[i] <= '9')))
			return -1;
	status_copy(v, out);
	return 0;
}

void status_defaults(struct status *st)
{
	size_t i;

	memset(st, 0, sizeof *st);
	strcpy(st->stage, "network");
	strcpy(st->unseal, "pending");
	strcpy(st->unseal_mode, "literal");
	st->pull_exit = -1;
	st->rollout_done = -1;
	strcpy(st->rollout_state, LETHE_ROLLOUT_NONE);
	strcpy(st->torstate, "pending");
	for (i = 0; i < STATUS_MARKS; i++)
		st->marks[i] = -1;
	for (i = 0; i < LETHE_INSTANCES_MAX; i++) {
		strcpy(st->inst[i].state, "down");
		strcpy(st->inst[i].last_exit, "-");
		/* the node document's default allocator (docs/config-schema.md) */
		strcpy(st->inst[i].allocator, "jemalloc");
		strcpy(st->inst[i].allocator_mapped, "unknown");
	}
}

int status_stage_index(const char *s)
{
	int i;

	for (i = 0; i < STATUS_STEPS; i++)
		if (strcmp(s, status_step_names[i]) == 0)
			return i;
	return strcmp(s, "tor") == 0 ? STATUS_STEPS : -1;
}

/* inst.I.FIELD = V.  0, 1 (unknown field: ignored) or -1. */
static int status_inst_key(struct status *st, size_t i, enum status_ikey k, struct status_val v)
{
	struct status_inst *in = &st->inst[i];
	long long x;

	switch (k) {
	case I_NAME:
		return status_inst_name(v, in->name);
	case I_STATE:
		return status_word(v, "up|backoff|stopping|stopped|down", in->state, sizeof in->state);
	case I_PID:
		/* PID_MAX_LIMIT: 2^22 */
		return status_int(v, 0, 4194304, &in->pid);
	case I_RESTARTS:
		return status_int(v, 0, TELEMETRY_INT_MAX, &in->restarts);
	case I_LAST_EXIT:
		return status_last_exit(v, in->last_exit);
	case I_CRASHLOOP:
		if (status_int(v, 0, 1, &x) < 0)
			return -1;
		in->crashloop = (int)x;
		return 0;
	case I_ALLOC:
		return status_word(v, "glibc|mimalloc|jemalloc", in->allocator, sizeof in->allocator);
	case I_ALLOC_MAPPED:
		return status_word(v, "yes|no|unknown", in->allocator_mapped, sizeof in->allocator_mapped);
	case I_KEYS:
		break;
	}
	return -1;
}

static int status_top_key(struct status *st, enum status_key k, struct status_val v)
{
	long long x;

	switch (k) {
	case K_VERSION:
		return status_int(v, LETHE_STATUS_VERSION, LETHE_STATUS_VERSION, &x);
	case K_SEQ:
		return status_int(v, 0, TELEMETRY_INT_MAX, &st->seq);
	case K_STAGE:
		return status_word(v, "network|clock|config|keys|state|tor|rescue", st->stage, sizeof st->stage);
	case K_STAGE_ERROR:
		status_copy(v, st->stage_error);
		return 0;
	case K_LAST_ERROR:
		status_copy(v, st->last_error);
		return 0;
	case K_LAST_ERROR_MS:
		return status_int(v, 0, TELEMETRY_INT_MAX, &st->last_error_ms);
	case K_UNSEAL:
		return status_word(v, "pending|ok|refused|failed", st->unseal, sizeof st->unseal);
	case K_UNSEAL_MODE:
		return status_word(v, "literal|authorized", st->unseal_mode, sizeof st->unseal_mode);
	case K_PULL_EXIT:
		return status_int(v, -1, 255, &st->pull_exit);
	case K_PULL_MS:
		return status_int(v, 0, TELEMETRY_INT_MAX, &st->pull_ms);
	case K_UNSEAL_MS:
		return status_int(v, 0, TELEMETRY_INT_MAX, &st->unseal_ms);
	case K_PRESSURE:
		return status_int(v, 0, TELEMETRY_INT_MAX, &st->pressure_events);
	case K_INSTANCES:
		if (status_int(v, 0, LETHE_INSTANCES_MAX, &x) < 0)
			return -1;
		st->instances = (size_t)x;
		return 0;
	case K_ROLLOUT_WANTED:
		return status_int(v, 0, STATUS_ROLLOUT_MAX, &st->rollout_wanted);
	case K_ROLLOUT_DONE:
		return status_int(v, -1, STATUS_ROLLOUT_MAX, &st->rollout_done);
	case K_ROLLOUT_STATE:
		return status_word(v, STATUS_ROLLOUT_STATES, st->rollout_state, sizeof st->rollout_state);
	case K_ROLLOUT_REASON:
		status_copy(v, st->rollout_reason);
		return 0;
	case K_TORSTATE:
		return status_word(v, STATUS_TORSTATE_RESULTS, st->torstate, sizeof st->torstate);
	case K_TORSTATE_REASON:
		status_copy(v, st->torstate_reason);
		return 0;
	case K_TORSTATE_SAVED:
		return status_int(v, 0, TELEMETRY_INT_MAX, &st->torstate_saved);
	case K_TORSTATE_COUNTER:
		return status_int(v, 0, TELEMETRY_INT_MAX, &st->torstate_counter);
	case K_TOP:
		break;
	}
	return -1;
}

/* One line's KEY (KN bytes) and V: 0, or -1 with WHY. */
static int status_line(struct status *st, const char *key, size_t kn, struct status_val v, uint32_t *seen_top,
		       uint32_t *seen_mark, uint64_t *seen_inst, size_t no, char *why, size_t whylen)
{
	char k[STATUS_KEY_MAX + 1];
	size_t i;

	memcpy(k, key, kn);
	k[kn] = 0;
	for (i = 0; i < K_TOP; i++)
		if (strcmp(k, status_keys[i]) == 0) {
			if (*seen_top & (1u << i))
				return status_fail(why, whylen, no, "%s twice", k);
			*seen_top |= 1u << i;
			if (status_top_key(st, (enum status_key)i, v) < 0)
				return status_fail(why, whylen, no, "%s: malformed value", k);
			return 0;
		}
	if (strncmp(k, "mark.", 5) == 0) {
		for (i = 0; i < STATUS_MARKS; i++)
			if (strcmp(k + 5, status_mark_names[i]) == 0)
				break;
		if (i == STATUS_MARKS)
			return 0; /* a mark this agent does not know */
		if (*seen_mark & (1u << i))
			return status_fail(why, whylen, no, "%s twice", k);
		*seen_mark |= 1u << i;
		if (status_int(v, 0, TELEMETRY_INT_MAX, &st->marks[i]) < 0)
			return status_fail(why, whylen, no, "%s: malformed value", k);
		return 0;
	}
	if (strncmp(k, "inst.", 5) == 0) {
		const char *dot = strchr(k + 5, '.');
		struct status_val iv;
		long long idx;
		size_t f;

		if (!dot)
			return 0;
		iv.s = k + 5;
		iv.n = (size_t)(dot - iv.s);
		if (status_int(iv, 0, LETHE_INSTANCES_MAX - 1, &idx) < 0)
			return status_fail(why, whylen, no, "%s: no instance index 0 to %d", k,
					   LETHE_INSTANCES_MAX - 1);
		for (f = 0; f < I_KEYS; f++)
			if (strcmp(dot + 1, status_ikeys[f]) == 0)
				break;
		if (f == I_KEYS)
			return 0;
		if (*seen_inst & (1ull << (idx * I_KEYS + f)))
			return status_fail(why, whylen, no, "%s twice", k);
		*seen_inst |= 1ull << (idx * I_KEYS + f);
		if (status_inst_key(st, (size_t)idx, (enum status_ikey)f, v) < 0)
			return status_fail(why, whylen, no, "%s: malformed value", k);
		return 0;
	}
	return 0; /* unknown key: ignored */
}

int status_parse(const char *buf, size_t len, struct status *st, char *why, size_t whylen)
{
	uint32_t seen_top = 0, seen_mark = 0;
	uint64_t seen_inst = 0;
	size_t pos = 0, no = 0, i, j;

	status_defaults(st);
	why[0] = 0;
	if (len > LETHE_STATUS_MAX)
		goto fail_size;
	while (pos < len) {
		const char *line = buf + pos, *eq, *nl;
		struct status_val v;
		size_t n, kn;

		no++;
		nl = memchr(line, '\n', len - pos);
		if (!nl) {
			status_fail(why, whylen, no, "no newline at its end");
			goto fail;
		}
		n = (size_t)(nl - line);
		for (i = 0; i < n; i++)
			if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] > 0x7e) {
				status_fail(why, whylen, no, "byte %zu is not printable ASCII", i + 1);
				goto fail;
			}
		eq = memchr(line, '=', n);
		if (!eq) {
			status_fail(why, whylen, no, "no '='");
			goto fail;
		}
		kn = (size_t)(eq - line);
		v.s = eq + 1;
		v.n = n - kn - 1;
		if (kn == 0 || kn > STATUS_KEY_MAX) {
			status_fail(why, whylen, no, "key of %zu bytes (1 to %d)", kn, STATUS_KEY_MAX);
			goto fail;
		}
		if (v.n > LETHE_STATUS_VALUE_MAX) {
			status_fail(why, whylen, no, "value of %zu bytes (at most %d)", v.n, LETHE_STATUS_VALUE_MAX);
			goto fail;
		}
		if (status_line(st, line, kn, v, &seen_top, &seen_mark, &seen_inst, no, why, whylen) < 0)
			goto fail;
		pos += n + 1;
	}
	/* instances: a name each, unique; no key past their number */
	for (i = 0; i < LETHE_INSTANCES_MAX; i++) {
		uint64_t mask = ((1ull << I_KEYS) - 1) << (i * I_KEYS);

		if (i >= st->instances && (seen_inst & mask)) {
			snprintf(why, whylen, "inst.%zu: past instances=%zu", i, st->instances);
			goto fail;
		}
		if (i < st->instances && !st->inst[i].name[0]) {
			snprintf(why, whylen, "inst.%zu.name missing", i);
			goto fail;
		}
		for (j = 0; j < i && i < st->instances; j++)
			if (strcmp(st->inst[i].name, st->inst[j].name) == 0) {
				snprintf(why, whylen, "inst.%zu.name: '%s' twice", i, st->inst[i].name);
				goto fail;
			}
	}
	return 0;
fail_size:
	snprintf(why, whylen, "larger than %d bytes", LETHE_STATUS_MAX);
fail:
	status_defaults(st);
	return -1;
}
