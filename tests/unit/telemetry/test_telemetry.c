/* cmocka tests for lethe-telemetry's parts that need no server: the status
 * file parser, the log-record framing, the log ring, the report queue, the
 * exposition filter, the report (checked against the schema of
 * docs/observability.md, here as a table) and the node metrics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "backoff.h"
#include "expo.h"
#include "logline.h"
#include "metrics.h"
#include "net.h"
#include "probe.h"
#include "queue.h"
#include "report.h"
#include "ring.h"
#include "status.h"
#include "torver.h"

/* ---- the status file --------------------------------------------------- */

static int parse(const char *text, struct status *st, char *why)
{
	return status_parse(text, strlen(text), st, why, 160);
}

static const char full_status[] =
	"version=1\nseq=42\nstage=tor\nstage_error=\nlast_error=tor.relay1: exited 1\nlast_error_ms=1700000000123\n"
	"unseal=ok\nunseal_mode=authorized\npull_exit=0\npull_ms=812\nunseal_ms=95\nmark.network=1200\n"
	"mark.tor-ready=8000\nmark.someday=5\npressure_events=3\ninstances=2\ninst.0.name=relay1\ninst.0.state=up\n"
	"inst.0.pid=812\ninst.0.restarts=1\ninst.0.last_exit=exit 1\ninst.0.crashloop=0\ninst.0.allocator=mimalloc\n"
	"inst.0.allocator_mapped=yes\ninst.1.name=relay2\ninst.1.state=backoff\ninst.1.last_exit=signal 11\n"
	"inst.1.crashloop=1\ninst.1.future=x\nnew_key_of_initd=whatever\nrollout_wanted=7\nrollout_done=6\n"
	"rollout_state=waiting\nrollout_reason=outside the window 22:00-02:00\ntorstate=restored\n"
	"torstate_reason=\ntorstate_saved=1767222000\ntorstate_counter=42\n";

static void test_status_valid(void **state)
{
	struct status st;
	char why[160];

	(void)state;
	assert_int_equal(parse(full_status, &st, why), 0);
	assert_int_equal(st.seq, 42);
	assert_string_equal(st.stage, "tor");
	assert_string_equal(st.last_error, "tor.relay1: exited 1");
	assert_int_equal(st.last_error_ms, 1700000000123LL);
	assert_string_equal(st.unseal, "ok");
	assert_string_equal(st.unseal_mode, "authorized");
	assert_int_equal(st.pull_ms, 812);
	assert_int_equal(st.marks[STATUS_MARK_NETWORK], 1200);
	assert_int_equal(st.marks[STATUS_MARK_TOR_READY], 8000);
	assert_int_equal(st.marks[STATUS_MARK_CLOCK], -1);
	assert_int_equal(st.instances, 2);
	assert_string_equal(st.inst[0].name, "relay1");
	assert_int_equal(st.inst[0].pid, 812);
	assert_string_equal(st.inst[0].last_exit, "exit 1");
	assert_string_equal(st.inst[0].allocator, "mimalloc");
	assert_string_equal(st.inst[1].state, "backoff");
	assert_string_equal(st.inst[1].last_exit, "signal 11");
	assert_int_equal(st.inst[1].crashloop, 1);
	assert_int_equal(st.rollout_wanted, 7);
	assert_int_equal(st.rollout_done, 6);
	assert_string_equal(st.rollout_state, "waiting");
	assert_string_equal(st.rollout_reason, "outside the window 22:00-02:00");
	assert_string_equal(st.torstate, "restored");
	assert_string_equal(st.torstate_reason, "");
	assert_int_equal(st.torstate_saved, 1767222000);
	assert_int_equal(st.torstate_counter, 42);
	/* the defaults of the keys initd left out */
	assert_int_equal(st.inst[1].pid, 0);
	assert_string_equal(st.inst[1].allocator, "jemalloc");
	assert_string_equal(st.inst[1].allocator_mapped, "unknown");
}

static void test_status_defaults(void **state)
{
	struct status st;
	char why[160];

	(void)state;
	assert_int_equal(parse("", &st, why), 0);
	assert_string_equal(st.stage, "network");
	assert_string_equal(st.unseal, "pending");
	assert_int_equal(st.pull_exit, -1);
	assert_int_equal(st.instances, 0);
	/* an initd before rollouts: none wanted, none known done, nothing restored yet */
	assert_int_equal(st.rollout_wanted, 0);
	assert_int_equal(st.rollout_done, -1);
	assert_string_equal(st.rollout_state, "none");
	assert_string_equal(st.rollout_reason, "");
	assert_string_equal(st.torstate, "pending");
	assert_int_equal(st.torstate_saved, 0);
	assert_int_equal(st.torstate_counter, 0);
}

static void test_status_limits(void **state)
{
	char buf[LETHE_STATUS_MAX + 64], why[160];
	struct status st;
	size_t n;
	int i;

	(void)state;
	/* a value of LETHE_STATUS_VALUE_MAX bytes, then one more */
	n = (size_t)snprintf(buf, sizeof buf, "last_error=%0*d\n", LETHE_STATUS_VALUE_MAX, 0);
	assert_int_equal(status_parse(buf, n, &st, why, sizeof why), 0);
	assert_int_equal(strlen(st.last_error), LETHE_STATUS_VALUE_MAX);
	n = (size_t)snprintf(buf, sizeof buf, "last_error=%0*d\n", LETHE_STATUS_VALUE_MAX + 1, 0);
	assert_int_equal(status_parse(buf, n, &st, why, sizeof why), -1);
	assert_non_null(strstr(why, "value of 257 bytes"));
	/* a file of exactly LETHE_STATUS_MAX bytes (unknown keys), then one more */
	n = 0;
	for (i = 0; i < LETHE_STATUS_MAX / 8; i++)
		n += (size_t)sprintf(buf + n, "k%05d=\n", i);
	assert_int_equal(n, LETHE_STATUS_MAX);
	assert_int_equal(status_parse(buf, n, &st, why, sizeof why), 0);
	buf[n - 1] = 'w';
	buf[n++] = '\n';
	assert_int_equal(status_parse(buf, n, &st, why, sizeof why), -1);
	assert_string_equal(why, "larger than 8192 bytes");
	/* 8 instances, not 9; inst.8 never */
	assert_int_equal(parse("instances=8\ninst.0.name=a\ninst.1.name=b\ninst.2.name=c\ninst.3.name=d\n"
			       "inst.4.name=e\ninst.5.name=f\ninst.6.name=g\ninst.7.name=h\n", &st, why), 0);
	assert_int_equal(parse("instances=9\n", &st, why), -1);
	assert_int_equal(parse("instances=1\ninst.0.name=a\ninst.8.name=b\n", &st, why), -1);
	/* a name of 16, not 17 */
	assert_int_equal(parse("instances=1\ninst.0.name=abcdefghijklmnop\n", &st, why), 0);
	assert_int_equal(parse("instances=1\ninst.0.name=abcdefghijklmnopq\n", &st, why), -1);
	/* integers: 2^53, not more; pull_exit -1 ... 255 */
	assert_int_equal(parse("seq=9007199254740992\n", &st, why), 0);
	assert_int_equal(parse("seq=9007199254740993\n", &st, why), -1);
	assert_int_equal(parse("pull_exit=-1\n", &st, why), 0);
	assert_int_equal(parse("pull_exit=-2\n", &st, why), -1);
	assert_int_equal(parse("pull_exit=256\n", &st, why), -1);
	/* rollouts: image.rollout's 2^31-1, done from -1; the tor state's 2^53 */
	assert_int_equal(parse("rollout_wanted=2147483647\nrollout_done=-1\n", &st, why), 0);
	assert_int_equal(st.rollout_wanted, 2147483647);
	assert_int_equal(parse("rollout_wanted=2147483648\n", &st, why), -1);
	assert_int_equal(parse("rollout_wanted=-1\n", &st, why), -1);
	assert_int_equal(parse("rollout_done=2147483647\n", &st, why), 0);
	assert_int_equal(parse("rollout_done=2147483648\n", &st, why), -1);
	assert_int_equal(parse("rollout_done=-2\n", &st, why), -1);
	assert_int_equal(parse("torstate_saved=9007199254740992\ntorstate_counter=9007199254740992\n", &st, why), 0);
	assert_int_equal(parse("torstate_counter=9007199254740993\n", &st, why), -1);
	/* a reason of LETHE_STATUS_VALUE_MAX */
	n = (size_t)snprintf(buf, sizeof buf, "rollout_reason=%0*d\ntorstate_reason=%0*d\n", LETHE_STATUS_VALUE_MAX, 0,
			     LETHE_STATUS_VALUE_MAX, 0);
	assert_int_equal(status_parse(buf, n, &st, why, sizeof why), 0);
	assert_int_equal(strlen(st.rollout_reason), LETHE_STATUS_VALUE_MAX);
	assert_int_equal(strlen(st.torstate_reason), LETHE_STATUS_VALUE_MAX);
	/* every word of include/lethe_state.h */
	assert_int_equal(parse("rollout_state=" LETHE_ROLLOUT_NONE "\n", &st, why), 0);
	assert_int_equal(parse("rollout_state=" LETHE_ROLLOUT_CURRENT "\n", &st, why), 0);
	assert_int_equal(parse("rollout_state=" LETHE_ROLLOUT_WAITING "\n", &st, why), 0);
	assert_int_equal(parse("rollout_state=" LETHE_ROLLOUT_REFUSED "\n", &st, why), 0);
	assert_int_equal(parse("rollout_state=" LETHE_ROLLOUT_DRAINING "\n", &st, why), 0);
	assert_int_equal(parse("rollout_state=" LETHE_ROLLOUT_REBOOTING "\n", &st, why), 0);
	assert_string_equal(st.rollout_state, "rebooting");
	assert_int_equal(parse("torstate=pending\n", &st, why), 0);
	assert_int_equal(parse("torstate=" LETHE_STATE_R_RESTORED "\n", &st, why), 0);
	assert_int_equal(parse("torstate=" LETHE_STATE_R_NONE "\n", &st, why), 0);
	assert_int_equal(parse("torstate=" LETHE_STATE_R_REFUSED "\n", &st, why), 0);
	assert_int_equal(parse("torstate=" LETHE_STATE_R_FAILED "\n", &st, why), 0);
	assert_string_equal(st.torstate, "failed");
}

static void test_status_garbage(void **state)
{
	static const char *const bad[] = {
		"version=2\n",                       /* another version */
		"stage=tor",                         /* no newline at the end */
		"stage\n",                           /* no '=' */
		"=x\n",                              /* no key */
		"stage=tor\nstage=tor\n",            /* twice */
		"stage=banana\n",                    /* not a stage */
		"last_error=a\tb\n",                 /* a tab */
		"last_error=caf\xc3\xa9\n",          /* not ASCII */
		"last_error=a\0b\n",                 /* NUL: the length says 14 */
		"seq=012\n",                         /* leading zero */
		"seq=-0\n",                          /* a sign */
		"seq=+1\n",
		"seq=1e3\n",
		"seq=\n",
		"mark.clock=1\nmark.clock=2\n",
		"mark.clock=-5\n",
		"instances=1\n",                     /* no name */
		"instances=2\ninst.0.name=a\ninst.1.name=a\n", /* one name twice */
		"inst.0.name=a\n",                   /* past instances=0 */
		"instances=1\ninst.0.name=A\n",      /* upper case */
		"instances=1\ninst.0.name=a\ninst.0.state=running\n",
		"instances=1\ninst.0.name=a\ninst.0.pid=4194305\n",
		"instances=1\ninst.0.name=a\ninst.0.last_exit=exit 256\n",
		"instances=1\ninst.0.name=a\ninst.0.last_exit=signal 0\n",
		"instances=1\ninst.0.name=a\ninst.0.last_exit=killed\n",
		"instances=1\ninst.0.name=a\ninst.0.crashloop=2\n",
		"instances=1\ninst.0.name=a\ninst.0.allocator=hardened_malloc\n",
		"instances=1\ninst.x.name=a\n",
		"instances=1\ninst.-1.name=a\n",
		"instances=1\ninst.00.name=a\n",
		"unseal=maybe\n",
		"rollout_state=rebooted\n",        /* not a word of lethe_state.h */
		"rollout_state=\n",
		"rollout_wanted=\n",
		"rollout_wanted=07\n",
		"rollout_done=-0\n",
		"rollout_state=none\nrollout_state=none\n",
		"torstate=ok\n",
		"torstate_saved=-1\n",
		"torstate_reason=a\ntorstate_reason=b\n",
	};
	static const size_t lens[] = { 0, 0, 0, 0, 0, 0, 0, 0, 14 };
	struct status st;
	char why[160];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t n = i < sizeof lens / sizeof lens[0] && lens[i] ? lens[i] : strlen(bad[i]);

		if (status_parse(bad[i], n, &st, why, sizeof why) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_true(why[0] != 0);
		/* refused whole: the defaults */
		assert_string_equal(st.stage, "network");
		assert_int_equal(st.instances, 0);
	}
	assert_int_equal(parse("stage=tor\nseq=1x\n", &st, why), -1);
	assert_string_equal(why, "line 2: seq: malformed value");
}

/* ---- log records ------------------------------------------------------- */

struct lines {
	char buf[8192];
	size_t len;
	int n;
};

static void lines_emit(void *arg, const char *line, size_t len)
{
	struct lines *l = arg;

	assert_true(len >= 2 && len <= LETHE_LOGLINE_MAX && line[len - 1] == '\n');
	assert_true(logline_valid(line, len - 1));
	assert_true(l->len + len <= sizeof l->buf);
	memcpy(l->buf + l->len, line, len);
	l->len += len;
	l->buf[l->len] = 0;
	l->n++;
}

static void test_logline_framing(void **state)
{
	static const char in[] = "1700000000000 initd: hello\n1700000000001 tor.relay1: a\x01" "b\n\n"
				 "garbage\n1700000000002 initd: tail";
	struct logline l;
	struct lines out;
	size_t i;

	(void)state;
	memset(&l, 0, sizeof l);
	memset(&out, 0, sizeof out);
	/* one byte at a time: the records do not depend on how reads cut them */
	for (i = 0; i < sizeof in - 1; i++)
		logline_feed(&l, in + i, 1, 5, lines_emit, &out);
	assert_int_equal(out.n, 3);
	logline_flush(&l, 5, lines_emit, &out);
	assert_int_equal(out.n, 4);
	assert_string_equal(out.buf, "1700000000000 initd: hello\n1700000000001 tor.relay1: a?b\n"
				     "5 telemetry: unframed: garbage\n1700000000002 initd: tail\n");
}

static void test_logline_cut(void **state)
{
	char in[3000];
	struct logline l;
	struct lines out;
	int k;

	(void)state;
	memset(&l, 0, sizeof l);
	memset(&out, 0, sizeof out);
	k = sprintf(in, "1 initd: ");
	memset(in + k, 'x', sizeof in - (size_t)k);
	in[sizeof in - 1] = '\n';
	logline_feed(&l, in, sizeof in, 7, lines_emit, &out);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.len, LETHE_LOGLINE_MAX);
	/* records that reportd refuses are never passed on as they are */
	assert_false(logline_valid("01 initd: x", 11));
	assert_false(logline_valid("1 tor.Relay: x", 14));
	assert_false(logline_valid("1 .tor: x", 9));
	assert_false(logline_valid("1 9tor: x", 9));
	assert_false(logline_valid("1 a_b: x", 8));
	assert_false(logline_valid("1 : x", 5));
	assert_false(logline_valid("1 initd:x", 9));
	assert_false(logline_valid("99999999999999999 initd: x", 26));
	assert_false(logline_valid("9007199254740993 initd: x", 25));
	assert_true(logline_valid("1 initd: ", 9));
	assert_true(logline_valid("1 configpull: x", 15));
	assert_true(logline_valid("9007199254740992 tor.abcdefghijklmnop: x", 40));
	/* SOURCE: 24 bytes, not 25 */
	assert_true(logline_valid("1 abcdefghijklmnopqrstuvwx: x", 29));
	assert_false(logline_valid("1 abcdefghijklmnopqrstuvwxy: x", 30));
}

/* ---- the ring ---------------------------------------------------------- */

static struct ring ring;
static char batch[LETHE_LOGS_BATCH_MAX];

/* Line I: 100 bytes with its newline. */
static size_t ring_line(char out[128], unsigned i)
{
	return (size_t)sprintf(out, "1000 initd: line %06u %s\n", i,
			       "...........................................................................");
}

static void push_lines(unsigned from, unsigned to)
{
	char line[128];
	unsigned i;

	for (i = from; i < to; i++) {
		size_t n = ring_line(line, i);

		assert_int_equal(n, 100);
		ring_push(&ring, line, n, 1);
	}
}

static void test_ring_overflow_marker(void **state)
{
	size_t n;
	unsigned held = TELEMETRY_RING_BYTES / 100; /* 655 lines of 100 bytes */
	char first[128];

	(void)state;
	ring_init(&ring);
	push_lines(0, 1000);
	assert_int_equal(ring.dropped, 1000 - held);
	assert_int_equal(ring.dropped_total, 1000 - held);
	n = ring_batch(&ring, batch, sizeof batch, 123, 2);
	assert_true(n > 0 && n <= LETHE_LOGS_BATCH_MAX);
	/* the marker first, with the exact count */
	assert_memory_equal(batch, "123 telemetry: log: dropped 345 lines (ring full)\n", 50);
	/* then the oldest line kept: line 345 */
	ring_line(first, 1000 - held);
	assert_memory_equal(batch + 50, first, 100);
	/* whole lines only: the marker pushed the newest out of this batch */
	assert_int_equal((n - 50) % 100, 0);
	assert_int_equal(n, 50 + (size_t)(held - 1) * 100);
	ring_done(&ring, RING_DELIVERED);
	assert_int_equal(ring.dropped, 0);
	assert_int_equal(ring_waiting(&ring), 100);
	/* the next batch: no marker, the one line left */
	n = ring_batch(&ring, batch, sizeof batch, 124, 3);
	assert_int_equal(n, 100);
	ring_line(first, 999);
	assert_memory_equal(batch, first, 100);
	ring_done(&ring, RING_DELIVERED);
	assert_false(ring_pending(&ring));
}

static void test_ring_batch_limit(void **state)
{
	char small[1000];
	size_t n;

	(void)state;
	ring_init(&ring);
	push_lines(0, 30);
	/* a batch cut at its byte limit: 9 whole lines in 999 bytes */
	n = ring_batch(&ring, small, 999, 1, 1);
	assert_int_equal(n, 900);
	ring_done(&ring, RING_FAILED);
	assert_int_equal(ring_waiting(&ring), 3000);
	n = ring_batch(&ring, small, 1000, 1, 1);
	assert_int_equal(n, 1000);
	ring_done(&ring, RING_DELIVERED);
	assert_int_equal(ring_waiting(&ring), 2000);
	assert_int_equal(ring.dropped_total, 0);
}

static void test_ring_in_flight(void **state)
{
	size_t n;

	(void)state;
	/* lines dropped while the batch carrying them is in flight: not
	 * counted if it is delivered */
	ring_init(&ring);
	push_lines(0, 600);
	n = ring_batch(&ring, batch, sizeof batch, 1, 1);
	assert_int_equal(n, 60000);
	push_lines(600, 700); /* 45 of the batch's lines pushed out */
	assert_int_equal(ring.dropped, 0);
	ring_done(&ring, RING_DELIVERED);
	assert_int_equal(ring.dropped_total, 0);
	assert_int_equal(ring_waiting(&ring), 10000);
	/* ... and counted if it fails */
	ring_init(&ring);
	push_lines(0, 600);
	ring_batch(&ring, batch, sizeof batch, 1, 1);
	push_lines(600, 700);
	ring_done(&ring, RING_FAILED);
	assert_int_equal(ring.dropped, 45);
	/* a small batch: the marker and 9 lines */
	n = ring_batch(&ring, batch, 1000, 9, 1);
	assert_int_equal(n, 47 + 900);
	assert_memory_equal(batch, "9 telemetry: log: dropped 45 lines (ring full)\n", 47);
	/* the count is said once: of the 100 lines dropped after the cut, the
	 * 9 in flight are delivered, the 91 others wait for the next marker */
	push_lines(700, 800);
	ring_done(&ring, RING_DELIVERED);
	assert_int_equal(ring.dropped, 91);
	assert_int_equal(ring.dropped_total, 45 + 91);
	n = ring_batch(&ring, batch, sizeof batch, 10, 1);
	assert_true(n > 0);
	assert_memory_equal(batch, "10 telemetry: log: dropped 91 lines (ring full)\n", 48);
	/* a refused batch leaves, counted as dropped */
	ring_init(&ring);
	push_lines(0, 10);
	ring_batch(&ring, batch, sizeof batch, 1, 1);
	ring_done(&ring, RING_REFUSED);
	assert_int_equal(ring.dropped, 10);
	assert_int_equal(ring_waiting(&ring), 0);
	assert_true(ring_pending(&ring)); /* the marker alone */
	n = ring_batch(&ring, batch, sizeof batch, 2, 1);
	assert_int_equal(n, strlen("2 telemetry: log: dropped 10 lines (ring full)\n"));
}

/* ---- the report queue -------------------------------------------------- */

static struct queue queue;

static void test_queue(void **state)
{
	char r[32];
	const char *p;
	size_t len;
	int i;

	(void)state;
	queue_init(&queue);
	for (i = 0; i < 10; i++)
		queue_push(&queue, r, (size_t)sprintf(r, "report %d", i));
	assert_int_equal(queue.count, TELEMETRY_QUEUE_REPORTS);
	assert_int_equal(queue.dropped, 2);
	p = queue_peek(&queue, &len);
	assert_int_equal(len, 8);
	assert_memory_equal(p, "report 2", 8);
	/* while report 2 is in flight, a push drops report 3, not it */
	queue_push(&queue, r, (size_t)sprintf(r, "report %d", 10));
	assert_memory_equal(p, "report 2", 8);
	queue_done(&queue, 0, 0);
	p = queue_peek(&queue, &len);
	assert_memory_equal(p, "report 2", 8);
	queue_done(&queue, 1, 1); /* refused: dropped, counted */
	assert_int_equal(queue.dropped, 4);
	p = queue_peek(&queue, &len);
	assert_memory_equal(p, "report 4", 8);
	queue_done(&queue, 1, 0);
	assert_int_equal(queue.count, 6);
	queue_push(&queue, r, LETHE_REPORT_MAX + 1); /* never queued */
	assert_int_equal(queue.dropped, 5);
}

/* ---- the exposition filter ---------------------------------------------- */

static void test_expo_filter(void **state)
{
	static const char in[] =
		"# HELP tor_relay_load_socket_total Total sockets\n"
		"# TYPE tor_relay_load_socket_total counter\n"
		"tor_relay_load_socket_total{state=\"opened\"} 12\n"
		"tor_relay_x{a=\"b\\\"c\\\\d\\n\",} 1.5e3 1700000000000\n"
		"# a comment\n"
		"\n"
		"# TYPE x banana\n"
		"x{a=\"b} 1\n"
		"x{a=\"\\q\"} 1\n"
		"x{1a=\"b\"} 1\n"
		"x 1 2 3\n"
		"x one\n"
		"x\t1\n"
		"x{a=\"caf\xc3\xa9\"} 1\n"
		"1x 1\n"
		"y NaN\n"
		"y -Inf\n"
		"y{} +Inf -1\n"
		"z .5\n"
		"z 1e\n"
		"# HELP y a \\\\ and a \\n\n"
		"# HELP y bad \\escape\n"
		"last 1";
	static const char want[] =
		"# HELP tor_relay_load_socket_total Total sockets\n"
		"# TYPE tor_relay_load_socket_total counter\n"
		"tor_relay_load_socket_total{state=\"opened\"} 12\n"
		"tor_relay_x{a=\"b\\\"c\\\\d\\n\",} 1.5e3\n"
		"y NaN\n"
		"y -Inf\n"
		"y{} +Inf\n"
		"z .5\n"
		"# HELP y a \\\\ and a \\n\n";
	char buf[sizeof in];
	size_t n, dropped;

	(void)state;
	memcpy(buf, in, sizeof in);
	n = expo_filter(buf, sizeof in - 1, &dropped);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
	assert_int_equal(dropped, 13);
}

/* ---- the report, against the schema ------------------------------------- */

/* The schema of docs/observability.md ("Report"), as a table: type, bounds. */
struct schema_key {
	const char *key;
	char type; /* i integer, n number, b boolean, s string, o object, l list, m marks */
	long long lo, hi;
	const struct schema_key *sub;
};

#define INT_HI 9007199254740992LL
static const struct schema_key s_unseal[] = { { "result", 's', 1, 16, NULL }, { "mode", 's', 1, 16, NULL }, { NULL, 0, 0, 0, NULL } };
static const struct schema_key s_pull[] = { { "exit", 'i', -1, 255, NULL }, { "ms", 'i', 0, INT_HI, NULL }, { NULL, 0, 0, 0, NULL } };
static const struct schema_key s_inst[] = {
	{ "name", 's', 1, 16, NULL }, { "fingerprint", 's', 0, 40, NULL }, { "tor_version", 's', 0, 64, NULL },
	{ "state", 's', 1, 16, NULL }, { "restarts", 'i', 0, INT_HI, NULL }, { "last_exit", 's', 1, 10, NULL },
	{ "crashloop", 'b', 0, 0, NULL }, { "rss_kib", 'i', 0, INT_HI, NULL }, { "allocator", 's', 1, 16, NULL },
	{ "allocator_mapped", 's', 1, 16, NULL }, { NULL, 0, 0, 0, NULL },
};
static const struct schema_key s_mem[] = {
	{ "total_kib", 'i', 0, INT_HI, NULL }, { "available_kib", 'i', 0, INT_HI, NULL },
	{ "swap_total_kib", 'i', 0, INT_HI, NULL }, { "swap_free_kib", 'i', 0, INT_HI, NULL }, { NULL, 0, 0, 0, NULL },
};
static const struct schema_key s_psi[] = {
	{ "some_avg10", 'n', 0, 100, NULL }, { "full_avg10", 'n', 0, 100, NULL }, { "events", 'i', 0, INT_HI, NULL },
	{ NULL, 0, 0, 0, NULL },
};
static const struct schema_key s_zram[] = {
	{ "disksize_bytes", 'i', 0, INT_HI, NULL }, { "orig_bytes", 'i', 0, INT_HI, NULL },
	{ "compr_bytes", 'i', 0, INT_HI, NULL }, { NULL, 0, 0, 0, NULL },
};
static const struct schema_key s_rollout[] = {
	{ "wanted", 'i', 0, 2147483647LL, NULL }, { "done", 'i', -1, 2147483647LL, NULL },
	{ "state", 's', 1, 16, NULL }, { "reason", 's', 0, 256, NULL }, { NULL, 0, 0, 0, NULL },
};
static const struct schema_key s_torstate[] = {
	{ "restore", 's', 1, 16, NULL }, { "reason", 's', 0, 256, NULL }, { "saved", 'i', 0, INT_HI, NULL },
	{ "counter", 'i', 0, INT_HI, NULL }, { NULL, 0, 0, 0, NULL },
};
static const struct schema_key s_tel[] = {
	{ "reports_dropped", 'i', 0, INT_HI, NULL }, { "lines_dropped", 'i', 0, INT_HI, NULL },
	{ "send_failures", 'i', 0, INT_HI, NULL }, { "rss_kib", 'i', 0, INT_HI, NULL }, { NULL, 0, 0, 0, NULL },
};
static const struct schema_key s_top[] = {
	{ "version", 'i', 1, 1, NULL }, { "node", 's', 64, 64, NULL }, { "seq", 'i', 0, INT_HI, NULL },
	{ "time", 'i', 0, INT_HI, NULL }, { "boot_id", 's', 36, 36, NULL }, { "uptime_s", 'i', 0, INT_HI, NULL },
	{ "image", 's', 1, 64, NULL }, { "epoch", 'i', 0, INT_HI, NULL }, { "image_wanted", 's', 0, 64, NULL },
	{ "image_mismatch", 'b', 0, 0, NULL },
	{ "stage", 's', 1, 16, NULL }, { "stage_error", 's', 0, 256, NULL }, { "last_error", 's', 0, 256, NULL },
	{ "unseal", 'o', 0, 0, s_unseal }, { "attestation", 's', 1, 16, NULL }, { "config_etag", 's', 0, 128, NULL },
	{ "pull", 'o', 0, 0, s_pull }, { "marks", 'm', 0, INT_HI, NULL }, { "instances", 'l', 0, 8, s_inst },
	{ "memory", 'o', 0, 0, s_mem }, { "psi", 'o', 0, 0, s_psi }, { "zram", 'o', 0, 0, s_zram },
	{ "rollout", 'o', 0, 0, s_rollout }, { "tor_state", 'o', 0, 0, s_torstate },
	{ "telemetry", 'o', 0, 0, s_tel }, { NULL, 0, 0, 0, NULL },
};

static void schema_check(json_t *o, const struct schema_key *keys)
{
	const struct schema_key *k;
	const char *key, *s;
	json_t *v, *e;
	size_t i;

	assert_true(json_is_object(o));
	json_object_foreach(o, key, v) {
		for (k = keys; k->key && strcmp(k->key, key); k++)
			;
		if (!k->key)
			fail_msg("unknown key %s", key);
		switch (k->type) {
		case 'i':
			assert_true(json_is_integer(v));
			if (json_integer_value(v) < k->lo || json_integer_value(v) > k->hi)
				fail_msg("%s: %lld out of bounds", key, (long long)json_integer_value(v));
			break;
		case 'n':
			assert_true(json_is_number(v));
			assert_true(json_number_value(v) >= (double)k->lo && json_number_value(v) <= (double)k->hi);
			break;
		case 'b':
			assert_true(json_is_boolean(v));
			break;
		case 's':
			assert_true(json_is_string(v));
			s = json_string_value(v);
			assert_in_range(json_string_length(v), k->lo, k->hi);
			for (i = 0; s[i]; i++)
				assert_in_range((unsigned char)s[i], 0x20, 0x7e);
			break;
		case 'o':
			schema_check(v, k->sub);
			for (k = k->sub; k->key; k++)
				assert_non_null(json_object_get(v, k->key));
			break;
		case 'l':
			assert_true(json_is_array(v));
			assert_in_range(json_array_size(v), k->lo, k->hi);
			json_array_foreach(v, i, e) {
				const struct schema_key *sk;

				schema_check(e, k->sub);
				for (sk = k->sub; sk->key; sk++)
					assert_non_null(json_object_get(e, sk->key));
			}
			break;
		case 'm':
			assert_true(json_is_object(v));
			break;
		}
	}
	for (k = keys; keys == s_top && k->key; k++)
		if (!strcmp(k->key, "version") || !strcmp(k->key, "node") || !strcmp(k->key, "stage"))
			assert_non_null(json_object_get(o, k->key));
}

static const char node[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void probe_fill(struct probe *p)
{
	size_t i;

	memset(p, 0, sizeof *p);
	p->have_boot_id = p->have_uptime = p->have_image = p->have_wanted = p->have_mem = p->have_psi = 1;
	strcpy(p->boot_id, "01234567-89ab-cdef-0123-456789abcdef");
	p->uptime_s = 100;
	strcpy(p->image, "v1.0.0");
	p->epoch = 1796280102;
	strcpy(p->image_wanted, "v1.0.0");
	strcpy(p->attestation, "off");
	p->psi_some_avg10 = 0.1;
	p->psi_full_avg10 = 100;
	for (i = 0; i < LETHE_INSTANCES_MAX; i++)
		memset(p->fingerprint[i], 'A', 40);
	memset(p->etag, 'e', PROBE_ETAG_MAX);
}

static void test_report_schema(void **state)
{
	char out[LETHE_REPORT_MAX], why[160];
	struct report_counts c = { .seq = 7, .time_s = 1700000000 };
	struct report_in in;
	struct probe p;
	struct status st;
	json_t *r;
	size_t len;

	(void)state;
	assert_int_equal(parse(full_status, &st, why), 0);
	probe_fill(&p);
	in = (struct report_in){ node, &st, &p, "0.4.9.11" };
	assert_int_equal(report_build(&in, &c, out, sizeof out, &len, why, sizeof why), 0);
	r = json_loadb(out, len, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(r);
	schema_check(r, s_top);
	assert_false(json_is_true(json_object_get(r, "image_mismatch")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "marks"), "tor-ready")), 8000);
	assert_null(json_object_get(json_object_get(r, "marks"), "someday"));
	/* 0.1 stays 0.1 */
	assert_non_null(strstr(out, "\"some_avg10\":0.1,"));
	/* the rollout and the tor state, as initd wrote them */
	assert_int_equal(json_integer_value(json_object_get(r, "epoch")), 1796280102);
	assert_non_null(strstr(out, "\"rollout\":{\"wanted\":7,\"done\":6,\"state\":\"waiting\","
				    "\"reason\":\"outside the window 22:00-02:00\"}"));
	assert_non_null(strstr(out, "\"tor_state\":{\"restore\":\"restored\",\"reason\":\"\",\"saved\":1767222000,"
				    "\"counter\":42}"));
	json_decref(r);
	/* a status file without them (an initd before rollouts): the defaults,
	 * still sent, so that the report says this agent knows rollouts */
	assert_int_equal(parse("stage=tor\n", &st, why), 0);
	p.epoch = 0;
	assert_int_equal(report_build(&in, &c, out, sizeof out, &len, why, sizeof why), 0);
	r = json_loadb(out, len, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(r);
	schema_check(r, s_top);
	assert_int_equal(json_integer_value(json_object_get(r, "epoch")), 0);
	assert_non_null(strstr(out, "\"rollout\":{\"wanted\":0,\"done\":-1,\"state\":\"none\",\"reason\":\"\"}"));
	assert_non_null(strstr(out, "\"tor_state\":{\"restore\":\"pending\",\"reason\":\"\",\"saved\":0,\"counter\":0}"));
	json_decref(r);
}

/* Every value at its bound: still within the schema and LETHE_REPORT_MAX. */
static void test_report_bounds(void **state)
{
	char text[LETHE_STATUS_MAX], out[LETHE_REPORT_MAX], why[160];
	struct report_counts c = { .seq = UINT64_MAX, .time_s = -5, .reports_dropped = UINT64_MAX,
				   .lines_dropped = UINT64_MAX, .send_failures = UINT64_MAX, .rss_kib = 1LL << 60 };
	struct report_in in;
	struct probe p;
	struct status st;
	json_t *r;
	size_t len, n = 0;
	int i;

	(void)state;
	n += (size_t)sprintf(text + n, "stage_error=%0*d\nlast_error=%0*d\ninstances=8\n", 256, 0, 256, 0);
	n += (size_t)sprintf(text + n, "rollout_reason=%0*d\ntorstate_reason=%0*d\nrollout_wanted=2147483647\n"
			     "rollout_done=2147483647\nrollout_state=rebooting\ntorstate_saved=9007199254740992\n"
			     "torstate_counter=9007199254740992\n", 256, 0, 256, 0);
	for (i = 0; i < 8; i++)
		n += (size_t)sprintf(text + n, "inst.%d.name=abcdefghijklmn%02d\ninst.%d.last_exit=signal 64\n"
				     "inst.%d.restarts=9007199254740992\n", i, i, i, i);
	assert_int_equal(status_parse(text, n, &st, why, sizeof why), 0);
	probe_fill(&p);
	p.epoch = INT_HI;
	memset(p.image, 'v', PROBE_VERSION_MAX);
	memset(p.image_wanted, 'w', PROBE_VERSION_MAX);
	in = (struct report_in){ node, &st, &p, "0123456789012345678901234567890123456789012345678901234567890123" };
	assert_int_equal(report_build(&in, &c, out, sizeof out, &len, why, sizeof why), 0);
	assert_true(len <= LETHE_REPORT_MAX);
	r = json_loadb(out, len, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(r);
	schema_check(r, s_top);
	assert_true(json_is_true(json_object_get(r, "image_mismatch")));
	assert_int_equal(json_integer_value(json_object_get(r, "seq")), INT_HI);
	assert_int_equal(json_integer_value(json_object_get(r, "time")), 0);
	json_decref(r);
	/* a buffer too small: refused, not cut */
	assert_int_equal(report_build(&in, &c, out, 1000, &len, why, sizeof why), -1);
	/* what the agent could not read: no report */
	in.st = NULL;
	assert_int_equal(report_build(&in, &c, out, sizeof out, &len, why, sizeof why), -1);
	assert_string_equal(why, "no status file read yet");
	in.st = &st;
	p.have_boot_id = 0;
	assert_int_equal(report_build(&in, &c, out, sizeof out, &len, why, sizeof why), -1);
	/* absent sources: their objects left out, never made up */
	probe_fill(&p);
	p.have_mem = p.have_psi = p.have_wanted = 0;
	assert_int_equal(report_build(&in, &c, out, sizeof out, &len, why, sizeof why), 0);
	r = json_loadb(out, len, 0, NULL);
	assert_null(json_object_get(r, "memory"));
	assert_null(json_object_get(r, "psi"));
	assert_null(json_object_get(r, "image_wanted"));
	assert_null(json_object_get(r, "image_mismatch"));
	schema_check(r, s_top);
	json_decref(r);
}

/* ---- the node metrics ----------------------------------------------------- */

static void test_metrics(void **state)
{
	char out[TELEMETRY_NODE_METRICS_MAX], copy[TELEMETRY_NODE_METRICS_MAX], why[160], esc[64];
	struct report_counts c = { .seq = 7, .have_handshake = 1, .handshake_s = 0.0123 };
	struct report_in in;
	struct probe p;
	struct status st;
	size_t n, m, dropped;

	(void)state;
	assert_int_equal(parse(full_status, &st, why), 0);
	probe_fill(&p);
	strcpy(p.image, "a\"b\\c");
	in = (struct report_in){ node, &st, &p, "" };
	n = metrics_render(&in, &c, out, sizeof out);
	assert_true(n > 0);
	/* every line passes the filter the agent applies to tor's */
	memcpy(copy, out, n);
	m = expo_filter(copy, n, &dropped);
	assert_int_equal(dropped, 0);
	assert_int_equal(m, n);
	assert_non_null(strstr(out, "lethe_info{image=\"a\\\"b\\\\c\",image_wanted=\"v1.0.0\",boot_id="));
	assert_non_null(strstr(out, "\nlethe_tor_up{instance=\"relay1\"} 1\nlethe_tor_up{instance=\"relay2\"} 0\n"));
	assert_non_null(strstr(out, "\nlethe_pipeline_done{step=\"keys\"} 1\n"));
	assert_non_null(strstr(out, "\nlethe_mark_seconds{mark=\"network\"} 1.200\n"));
	assert_non_null(strstr(out, "\nlethe_telemetry_handshake_seconds 0.012300\n"));
	assert_non_null(strstr(out, "\nlethe_pull_exit 0\n"));
	/* too small: nothing, not a cut exposition */
	assert_int_equal(metrics_render(&in, &c, out, 100), 0);
	/* rescue: a step is done once its mark is */
	strcpy(st.stage, "rescue");
	n = metrics_render(&in, &c, out, sizeof out);
	assert_non_null(strstr(out, "\nlethe_pipeline_done{step=\"network\"} 1\nlethe_pipeline_done{step=\"clock\"} 0\n"));
	metrics_escape("x\ny", esc, sizeof esc);
	assert_string_equal(esc, "x\\ny");
}

/* ---- the parsers of /proc, /sys, tor -------------------------------------- */

static void test_probe_parsers(void **state)
{
	struct probe p;
	double some, full;
	char fpr[41], ver[TELEMETRY_TOR_VERSION_MAX + 1];

	(void)state;
	memset(&p, 0, sizeof p);
	assert_true(probe_parse_meminfo("MemTotal:  100 kB\nMemFree: 5 kB\nMemAvailable:   50 kB\nSwapTotal: 0 kB\n"
					"SwapFree: 0 kB\n", &p));
	assert_int_equal(p.mem_available_kib, 50);
	assert_false(probe_parse_meminfo("MemTotal:  100 kB\n", &p));
	assert_true(probe_parse_psi("some avg10=12.50 avg60=1 avg300=0 total=1\nfull avg10=0.00 avg60=0 total=0\n",
				    &some, &full));
	assert_true(some == 12.5 && full == 0);
	assert_false(probe_parse_psi("some avg10=101.00 avg60=1\nfull avg10=0.00\n", &some, &full));
	assert_false(probe_parse_psi("some avg10=nan avg60=1\nfull avg10=0.00\n", &some, &full));
	assert_int_equal(probe_parse_vmrss("Name:\ttor\nVmRSS:\t  1234 kB\n"), 1234);
	assert_int_equal(probe_parse_vmrss("Name:\tkthreadd\n"), 0);
	assert_true(probe_parse_fingerprint("relay1 0123456789ABCDEF0123456789ABCDEF01234567\n", fpr));
	assert_string_equal(fpr, "0123456789ABCDEF0123456789ABCDEF01234567");
	assert_false(probe_parse_fingerprint("relay1 0123\n", fpr));
	assert_string_equal(fpr, "");
	assert_true(torver_parse("Tor version 0.4.9.11.\nThis build...", ver));
	assert_string_equal(ver, "0.4.9.11");
	assert_true(torver_parse("Tor version 0.4.10.1-alpha-dev (git-abc).\n", ver));
	assert_string_equal(ver, "0.4.10.1-alpha-dev");
	assert_false(torver_parse("tor 1\n", ver));
	/* LETHE_EPOCH: initd/release.c's form, within the report's 2^53; else 0 (unknown) */
	assert_int_equal(probe_parse_epoch("LETHE_VERSION=v1\nLETHE_EPOCH=1796280102\n"), 1796280102);
	assert_int_equal(probe_parse_epoch("LETHE_EPOCH=9007199254740992"), 9007199254740992LL);
	assert_int_equal(probe_parse_epoch("LETHE_EPOCH=9007199254740993\n"), 0);
	assert_int_equal(probe_parse_epoch("LETHE_EPOCH=99999999999999999999\n"), 0);
	assert_int_equal(probe_parse_epoch("LETHE_EPOCH=0\n"), 0);
	assert_int_equal(probe_parse_epoch("LETHE_EPOCH=012\n"), 0);
	assert_int_equal(probe_parse_epoch("LETHE_EPOCH=-5\n"), 0);
	assert_int_equal(probe_parse_epoch("LETHE_EPOCH=1e9\n"), 0);
	assert_int_equal(probe_parse_epoch("LETHE_EPOCH=\n"), 0);
	assert_int_equal(probe_parse_epoch("LETHE_VERSION=v1\n"), 0);
	assert_int_equal(probe_parse_epoch("XLETHE_EPOCH=5\nLETHE_EPOCH=7\n"), 7);
	assert_true(probe_version_chars("v0.1.7-rc1+g7665950", 19));
	assert_false(probe_version_chars("v0 1", 4));
}

static void test_backoff(void **state)
{
	unsigned k;

	(void)state;
	/* 1 s, 2 s, 4 s ... each in [d/2, d] */
	assert_int_equal(backoff_ms(1, 0), 500);
	assert_int_equal(backoff_ms(1, 500), 1000);
	assert_int_equal(backoff_ms(1, 501), 500);
	assert_int_equal(backoff_ms(2, UINT32_MAX) <= 2000 && backoff_ms(2, 0) == 1000, 1);
	assert_int_equal(backoff_ms(9, 0), 128000);
	/* capped at 300 s from the 10th on, for ever */
	assert_int_equal(backoff_ms(10, 0), 150000);
	assert_int_equal(backoff_ms(10, 150000), 300000);
	for (k = 10; k < 100000; k += 997)
		assert_in_range(backoff_ms(k, (uint32_t)k * 2654435761u), 150000, 300000);
}

static void test_net_classify(void **state)
{
	(void)state;
	assert_int_equal(net_classify(CURLE_OK, 204), NET_OK);
	assert_int_equal(net_classify(CURLE_OK, 200), NET_OK);
	assert_int_equal(net_classify(CURLE_OK, 400), NET_REFUSED);
	assert_int_equal(net_classify(CURLE_OK, 413), NET_REFUSED);
	assert_int_equal(net_classify(CURLE_OK, 403), NET_FAILED);
	assert_int_equal(net_classify(CURLE_OK, 429), NET_FAILED);
	assert_int_equal(net_classify(CURLE_OK, 502), NET_FAILED);
	assert_int_equal(net_classify(CURLE_COULDNT_CONNECT, 0), NET_FAILED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_valid),
		cmocka_unit_test(test_status_defaults),
		cmocka_unit_test(test_status_limits),
		cmocka_unit_test(test_status_garbage),
		cmocka_unit_test(test_logline_framing),
		cmocka_unit_test(test_logline_cut),
		cmocka_unit_test(test_ring_overflow_marker),
		cmocka_unit_test(test_ring_batch_limit),
		cmocka_unit_test(test_ring_in_flight),
		cmocka_unit_test(test_queue),
		cmocka_unit_test(test_expo_filter),
		cmocka_unit_test(test_report_schema),
		cmocka_unit_test(test_report_bounds),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_probe_parsers),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_net_classify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
