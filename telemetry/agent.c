/* The agent's loop.  Everything it holds is fixed at start (struct agent,
 * static): the log ring, the report queue, one batch, one rendering of the
 * node metrics, one MetricsPort body; libcurl and OpenSSL hold the one
 * connection.  One request is in flight at a time, so every request reuses
 * that connection; while it is in flight the loop still reads standard
 * input, the status watch and signals (curl_multi_poll waits on them). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "agent.h"
#include "backoff.h"
#include "expo.h"
#include "identity.h"
#include "lethe_exit.h"
#include "logline.h"
#include "metrics.h"
#include "net.h"
#include "queue.h"
#include "report.h"
#include "ring.h"
#include "torver.h"

/* the origin is cut shorter than a URL, so that every path fits after it */
#define AGENT_ORIGIN_MAX 512
#define AGENT_URL_MAX 1024
#define AGENT_READ_BYTES 16384
/* a refusal of one kind is said at most this often on the console */
#define AGENT_REFUSAL_SAY_MS 60000

enum agent_job { JOB_NONE, JOB_REPORT, JOB_LOGS, JOB_NODE_METRICS, JOB_SCRAPE, JOB_TOR_METRICS, JOBS };
static const char *const agent_job_names[JOBS] = {
	"nothing", "the report", "the logs", "the node metrics", "the MetricsPort", "the tor metrics",
};

struct agent {
	const struct agent_opts *o;
	char node[IDENTITY_ID_LEN + 1];
	char origin[AGENT_ORIGIN_MAX];
	char report_url[AGENT_URL_MAX], logs_url[AGENT_URL_MAX], node_url[AGENT_URL_MAX];
	char tor_version[TELEMETRY_TOR_VERSION_MAX + 1];
	const char *status_name;      /* the status file's name in its directory */
	char status_dir[PATH_MAX];
	EVP_PKEY *key;
	struct net net;
	int sfd, ifd, wd, in_open;
	/* the node's state */
	struct status st;
	int have_status;
	struct probe probe;
	/* deadlines, monotonic ms */
	uint64_t report_at, metrics_at, backoff_until, stop_at;
	uint64_t last_report_ms, last_metrics_ms;
	/* the request in flight and the metrics round */
	enum agent_job job;
	int round;                    /* a metrics round is under way */
	size_t round_inst;            /* the next instance it reads */
	/* counters */
	uint64_t seq, send_failures, connections;
	unsigned streak;              /* failed requests in a row */
	uint64_t streak_start;
	int have_handshake, connected;
	double handshake_s;
	int stopping;
	/* said once until the condition clears */
	int said_status, said_report, said_ring, said_scrape[LETHE_INSTANCES_MAX];
	uint64_t said_refused_ms[JOBS];
	struct ring ring;
	struct queue queue;
	struct logline in;
	char batch[LETHE_LOGS_BATCH_MAX];
	char report[LETHE_REPORT_MAX];
	char node_metrics[TELEMETRY_NODE_METRICS_MAX];
	char scrape[LETHE_METRICS_PUSH_MAX];
	size_t scrape_len;
};

static struct agent agent;

static uint64_t agent_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t agent_now(void)
{
	return agent_clock(CLOCK_MONOTONIC);
}

static void agent_push_line(void *arg, const char *line, size_t len)
{
	struct agent *a = arg;

	ring_push(&a->ring, line, len, agent_now());
	if (a->ring.dropped && !a->said_ring) {
		a->said_ring = 1;
		fprintf(stderr, PROG ": warning: the log ring is full: dropping the oldest lines\n");
	}
}

/* A line on the console.  initd reads the agent's output like any
 * service's and writes it into the log pipe ("telemetry" records), so it
 * comes back on standard input and reaches the server with the rest, also
 * what was said while the server could not be reached. */
static void agent_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void agent_say(const char *fmt, ...)
{
	char text[LETHE_LOGLINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	fprintf(stderr, PROG ": %s\n", text);
}

static uint64_t agent_min(uint64_t x, uint64_t y)
{
	return x < y ? x : y;
}

static uint64_t agent_max(uint64_t x, uint64_t y)
{
	return x > y ? x : y;
}

/* Reads the status file again: the previous one stays if this one is
 * refused or gone.  1 if a new one was read. */
static int agent_status(struct agent *a)
{
	struct status st;
	char why[160];
	int r = probe_status(a->o->paths.status, &st, why, sizeof why);

	if (r == 1) {
		a->st = st;
		a->have_status = 1;
		a->said_status = 0;
	} else if (r < 0 && !a->said_status) {
		a->said_status = 1;
		agent_say("warning: status file %s refused: %s", a->o->paths.status, why);
	}
	return r == 1;
}

static void agent_counts(struct agent *a, struct report_counts *c)
{
	memset(c, 0, sizeof *c);
	c->seq = a->seq;
	c->time_s = (long long)(agent_clock(CLOCK_REALTIME) / 1000);
	c->reports_dropped = a->queue.dropped;
	c->lines_dropped = a->ring.dropped_total;
	c->send_failures = a->send_failures;
	c->connections = a->connections;
	c->rss_kib = probe_self_rss_kib();
	c->have_handshake = a->have_handshake;
	c->handshake_s = a->handshake_s;
}

static void agent_inputs(struct agent *a, struct report_in *in)
{
	agent_status(a);
	probe_node(&a->o->paths, &a->st, &a->probe);
	in->node = a->node;
	in->st = a->have_status ? &a->st : NULL;
	in->p = &a->probe;
	in->tor_version = a->tor_version;
}

/* A new report into the queue.  seq: ms since boot (CLOCK_BOOTTIME), so
 * that it increases across restarts of the agent within one boot without
 * any state kept; and at least one more than the previous. */
static void agent_report(struct agent *a, uint64_t now)
{
	struct report_counts c;
	struct report_in in;
	char why[160];
	size_t len;

	a->last_report_ms = now;
	a->report_at = now + (uint64_t)a->o->interval_s * 1000u;
	agent_inputs(a, &in);
	agent_counts(a, &c);
	c.seq = agent_max(a->seq + 1, agent_clock(CLOCK_BOOTTIME));
	if (report_build(&in, &c, a->report, sizeof a->report, &len, why, sizeof why) < 0) {
		if (!a->said_report)
			agent_say("warning: no report: %s", why);
		a->said_report = 1;
		return;
	}
	a->said_report = 0;
	a->seq = c.seq;
	queue_push(&a->queue, a->report, len);
}

/* The status file changed: a report and a metrics push soon (coalesced). */
static void agent_changed(struct agent *a, uint64_t now)
{
	if (!agent_status(a))
		return;
	a->report_at = agent_min(a->report_at, agent_max(now, a->last_report_ms + TELEMETRY_REPORT_GAP_MS));
	a->metrics_at = agent_min(a->metrics_at, agent_max(now, a->last_metrics_ms + TELEMETRY_METRICS_GAP_MS));
}

/* When the log batch is due: 16 KiB waiting, 5 s after the oldest line,
 * a dropped count alone, or now when stopping.  UINT64_MAX: nothing waits. */
static uint64_t agent_logs_at(const struct agent *a, uint64_t now)
{
	if (!ring_pending(&a->ring))
		return UINT64_MAX;
	if (a->stopping || ring_waiting(&a->ring) >= TELEMETRY_LOGS_SOON_BYTES || !a->ring.used)
		return now;
	return a->ring.oldest_ms + TELEMETRY_LOGS_WAIT_MS;
}

static int agent_send(struct agent *a, enum agent_job job, const char *method, const char *url, const char *ctype,
		      const char *body, size_t len)
{
	if (net_start(&a->net, method, url, ctype, body, len) < 0) {
		/* out of memory, most likely: try again in a second, not in a spin */
		agent_say("warning: unable to start a request for %s", agent_job_names[job]);
		a->backoff_until = agent_now() + TELEMETRY_BACKOFF_MIN_MS;
		return -1;
	}
	a->job = job;
	return 0;
}

/* The next instance of the round that is up: its MetricsPort is read. */
static int agent_round_scrape(struct agent *a)
{
	char url[64];

	for (; a->round_inst < a->st.instances; a->round_inst++) {
		const struct status_inst *in = &a->st.inst[a->round_inst];

		if (strcmp(in->state, "up") != 0)
			continue;
		snprintf(url, sizeof url, "http://127.0.0.1:%u/metrics", a->o->metrics_base + (unsigned)a->round_inst);
		if (net_start_scrape(&a->net, url, a->scrape, sizeof a->scrape, TELEMETRY_SCRAPE_TIMEOUT_MS) < 0)
			continue;
		a->job = JOB_SCRAPE;
		return 1;
	}
	a->round = 0;
	return 0;
}

/* A new round: the node's metrics, rendered now. */
static void agent_round_start(struct agent *a, uint64_t now)
{
	struct report_counts c;
	struct report_in in;
	size_t len;

	a->last_metrics_ms = now;
	a->metrics_at = now + (uint64_t)a->o->interval_s * 1000u;
	agent_inputs(a, &in);
	agent_counts(a, &c);
	len = metrics_render(&in, &c, a->node_metrics, sizeof a->node_metrics);
	a->round = 1;
	a->round_inst = 0;
	if (len == 0 || agent_send(a, JOB_NODE_METRICS, "PUT", a->node_url, "text/plain; version=0.0.4",
				   a->node_metrics, len) < 0)
		agent_round_scrape(a);
}

/* Starts the next request, if one is due and the server is not in backoff. */
static void agent_next(struct agent *a, uint64_t now)
{
	const char *body;
	size_t len;

	if (net_busy(&a->net) || now < a->backoff_until)
		return;
	if ((body = queue_peek(&a->queue, &len))) {
		if (agent_send(a, JOB_REPORT, "POST", a->report_url, "application/json", body, len) < 0)
			queue_done(&a->queue, 0, 0);
		return;
	}
	if (agent_logs_at(a, now) <= now) {
		len = ring_batch(&a->ring, a->batch, sizeof a->batch, agent_clock(CLOCK_REALTIME), now);
		if (len && agent_send(a, JOB_LOGS, "POST", a->logs_url, "text/plain", a->batch, len) < 0)
			ring_done(&a->ring, RING_FAILED);
		return;
	}
	if (a->stopping)
		return;
	if (a->round)
		agent_round_scrape(a);
	else if (a->metrics_at <= now)
		agent_round_start(a, now);
}

/* A request failed: back off (backoff.h); the first failure of a series
 * is said with its reason, the others only counted. */
static void agent_backoff(struct agent *a, uint64_t now, const struct net_result *r)
{
	uint32_t rnd = 0;

	if (a->streak++ == 0) {
		a->streak_start = now;
		agent_say("warning: unable to send %s to %s: %s; retrying with backoff", agent_job_names[a->job],
			  a->origin, r->reason);
	}
	if (getrandom(&rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd)
		rnd = (uint32_t)now;
	a->backoff_until = now + backoff_ms(a->streak, rnd);
}

/* The server answered (2xx, or refused one body): the channel works. */
static void agent_reached(struct agent *a, uint64_t now)
{
	if (!a->connected) {
		a->connected = 1;
		agent_say("sending to %s (TLS handshake %.3f s)", a->origin, a->handshake_s);
	}
	if (a->streak) {
		agent_say("sent again after %u failed attempts over %llu s", a->streak,
			  (unsigned long long)((now - a->streak_start) / 1000));
		a->streak = 0;
	}
	a->backoff_until = 0;
}

/* A refused body: dropped, said at most once a minute for each kind. */
static void agent_refused(struct agent *a, uint64_t now, const struct net_result *r)
{
	if (a->said_refused_ms[a->job] && now - a->said_refused_ms[a->job] < AGENT_REFUSAL_SAY_MS)
		return;
	a->said_refused_ms[a->job] = now;
	agent_say("warning: the server refused %s (dropped): %s", agent_job_names[a->job], r->reason);
}

/* The scraped body: only valid lines, no timestamps; then PUT as the
 * instance's group. */
static void agent_tor_metrics(struct agent *a, const struct net_result *r)
{
	size_t i = a->round_inst, dropped, len;
	char url[AGENT_URL_MAX];

	if (r->cls != NET_OK || r->too_big) {
		if (!a->said_scrape[i])
			agent_say("warning: unable to read the MetricsPort of tor instance %s: %s", a->st.inst[i].name,
				  r->too_big ? "body over LETHE_METRICS_PUSH_MAX" : r->reason);
		a->said_scrape[i] = 1;
		a->round_inst++;
		return;
	}
	a->said_scrape[i] = 0;
	len = expo_filter(a->scrape, r->len, &dropped);
	snprintf(url, sizeof url, "%s" LETHE_METRICS_TOR_FMT, a->origin, a->node, a->st.inst[i].name);
	if (agent_send(a, JOB_TOR_METRICS, "PUT", url, "text/plain; version=0.0.4", a->scrape, len) < 0)
		a->round_inst++;
}

/* The request in flight ended with R. */
static void agent_answer(struct agent *a, uint64_t now, const struct net_result *r)
{
	enum agent_job job = a->job;

	if (job == JOB_SCRAPE) {
		a->job = JOB_NONE;
		agent_tor_metrics(a, r); /* may start the PUT */
		return;
	}
	/* a new connection whose handshake went through, whatever the answer:
	 * one more signature by the node key */
	if (r->new_connection && r->cc == CURLE_OK) {
		a->connections++;
		a->have_handshake = 1;
		a->handshake_s = r->handshake_s;
	}
	/* a->job still names the request, for the messages */
	if (r->cls == NET_OK || r->cls == NET_REFUSED)
		agent_reached(a, now);
	if (r->cls != NET_OK) {
		a->send_failures++;
		if (r->cls == NET_REFUSED)
			agent_refused(a, now, r);
		else
			agent_backoff(a, now, r);
	}
	switch (job) {
	case JOB_REPORT:
		queue_done(&a->queue, r->cls != NET_FAILED, r->cls == NET_REFUSED);
		break;
	case JOB_LOGS:
		ring_done(&a->ring, r->cls == NET_OK ? RING_DELIVERED : r->cls == NET_REFUSED ? RING_REFUSED : RING_FAILED);
		if (r->cls == NET_OK && !a->ring.dropped)
			a->said_ring = 0;
		break;
	case JOB_NODE_METRICS:
	case JOB_TOR_METRICS:
		if (job == JOB_TOR_METRICS)
			a->round_inst++;
		/* a failed round is read again from the start once the server answers */
		if (r->cls == NET_FAILED) {
			a->round = 0;
			a->metrics_at = now;
		}
		break;
	default:
		break;
	}
	a->job = JOB_NONE;
}

static void agent_stdin(struct agent *a)
{
	char buf[AGENT_READ_BYTES];
	ssize_t n = read(0, buf, sizeof buf);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		logline_flush(&a->in, agent_clock(CLOCK_REALTIME), agent_push_line, a);
		a->in_open = 0;
		agent_say("standard input closed (%s): no more log lines", n < 0 ? strerror(errno) : "end of file");
		return;
	}
	logline_feed(&a->in, buf, (size_t)n, agent_clock(CLOCK_REALTIME), agent_push_line, a);
}

/* The status file's directory watched for the file renamed into place
 * (initd) or written whole (tests, by hand).  -1 if the directory is not
 * there (yet): reports then come every interval, and the watch is tried
 * again at each report. */
static void agent_watch(struct agent *a)
{
	if (a->wd >= 0 || a->ifd < 0)
		return;
	a->wd = inotify_add_watch(a->ifd, a->status_dir, IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR);
}

static void agent_inotify(struct agent *a, uint64_t now)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n = read(a->ifd, buf, sizeof buf);
	int hit = 0;
	char *p;

	if (n <= 0)
		return;
	for (p = buf; p < buf + n;) {
		const struct inotify_event *ev = (const struct inotify_event *)p;

		if (ev->mask & IN_Q_OVERFLOW)
			hit = 1;
		else if (ev->mask & IN_IGNORED)
			a->wd = -1;
		else if (ev->len && strcmp(ev->name, a->status_name) == 0)
			hit = 1;
		p += sizeof *ev + ev->len;
	}
	if (hit)
		agent_changed(a, now);
}

/* 1 once the signal asks the agent to stop. */
static int agent_signal(struct agent *a, uint64_t now)
{
	struct signalfd_siginfo si;

	if (read(a->sfd, &si, sizeof si) != (ssize_t)sizeof si)
		return 0;
	if (a->stopping)
		return 1; /* a second signal: now */
	a->stopping = 1;
	a->stop_at = now + TELEMETRY_STOP_MS;
	agent_say("stopping (signal %u)", si.ssi_signo);
	return 0;
}

/* 1 when the loop ends: stopping, and nothing left to send, or the deadline
 * passed, or the server is in backoff (nothing would leave). */
static int agent_done(struct agent *a, uint64_t now)
{
	if (!a->stopping)
		return 0;
	if (now >= a->stop_at)
		return 1;
	if (net_busy(&a->net))
		return 0;
	return now < a->backoff_until || (!a->queue.count && !ring_pending(&a->ring));
}

static int agent_timeout(struct agent *a, uint64_t now)
{
	uint64_t next = a->stopping ? a->stop_at : a->report_at;

	if (!net_busy(&a->net)) {
		if (now < a->backoff_until) {
			next = agent_min(next, a->backoff_until);
		} else {
			next = agent_min(next, agent_logs_at(a, now));
			if (!a->stopping)
				next = agent_min(next, a->round ? now : a->metrics_at);
			if (a->queue.count)
				next = now;
		}
	}
	if (next <= now)
		return 0;
	return next - now > 60000 ? 60000 : (int)(next - now);
}

static int agent_loop(struct agent *a)
{
	struct net_result r;
	struct curl_waitfd fds[3];
	uint64_t now;
	unsigned nfds;
	int stop = 0, ino, in;

	for (;;) {
		now = agent_now();
		if (!a->stopping && now >= a->report_at) {
			agent_watch(a);
			agent_report(a, now);
		}
		agent_next(a, now);
		if (stop || agent_done(a, now))
			break;
		nfds = 0;
		ino = in = -1;
		fds[nfds++] = (struct curl_waitfd){ a->sfd, CURL_WAIT_POLLIN, 0 };
		if (a->ifd >= 0) {
			ino = (int)nfds;
			fds[nfds++] = (struct curl_waitfd){ a->ifd, CURL_WAIT_POLLIN, 0 };
		}
		if (a->in_open) {
			in = (int)nfds;
			fds[nfds++] = (struct curl_waitfd){ 0, CURL_WAIT_POLLIN, 0 };
		}
		if (net_poll(&a->net, fds, nfds, agent_timeout(a, now)) < 0) {
			agent_say("fatal: unable to wait for the network (libcurl)");
			return LETHE_EXIT_TEMP;
		}
		now = agent_now();
		if (fds[0].revents)
			stop = agent_signal(a, now);
		if (ino >= 0 && fds[ino].revents)
			agent_inotify(a, now);
		if (in >= 0 && fds[in].revents)
			agent_stdin(a);
		while (net_busy(&a->net) && net_done(&a->net, &r))
			agent_answer(a, now, &r);
	}
	net_abort(&a->net);
	return LETHE_EXIT_OK;
}

/* The node's identity and the URLs of its requests. */
static int agent_identity(struct agent *a)
{
	const struct agent_opts *o = a->o;
	struct cp_err err = { "" };
	char *slash;

	if (!fetch_origin_url(o->url, "", a->origin, sizeof a->origin, &err)) {
		fprintf(stderr, PROG ": fatal: %s\n", err.msg);
		return -1;
	}
	a->key = identity_load(o->fo.key, o->fo.handle, o->fo.tcti, &err);
	if (!a->key || !identity_node_id(a->key, a->node, &err)) {
		fprintf(stderr, PROG ": fatal: unable to load the node key: %s\n", err.msg);
		return -1;
	}
	snprintf(a->report_url, sizeof a->report_url, "%s%s", a->origin, LETHE_REPORT_PATH);
	snprintf(a->logs_url, sizeof a->logs_url, "%s%s", a->origin, LETHE_LOGS_PATH);
	snprintf(a->node_url, sizeof a->node_url, "%s" LETHE_METRICS_NODE_FMT, a->origin, a->node);
	snprintf(a->status_dir, sizeof a->status_dir, "%s", o->paths.status);
	slash = strrchr(a->status_dir, '/');
	if (slash == a->status_dir) {
		a->status_dir[1] = 0;
	} else if (slash) {
		*slash = 0;
	} else {
		strcpy(a->status_dir, ".");
	}
	slash = strrchr(o->paths.status, '/');
	a->status_name = slash ? slash + 1 : o->paths.status;
	return 0;
}

/* The loop's descriptors: SIGINT and SIGTERM as events, the status watch. */
static int agent_fds(struct agent *a)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 || (a->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		fprintf(stderr, PROG ": fatal: unable to make a signalfd: %s\n", strerror(errno));
		return -1;
	}
	a->wd = -1;
	a->ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (a->ifd < 0)
		fprintf(stderr, PROG ": warning: no inotify (%s): a report every interval only\n", strerror(errno));
	agent_watch(a);
	if (a->ifd >= 0 && a->wd < 0)
		fprintf(stderr, PROG ": warning: unable to watch %s: %s (tried again at each report)\n", a->status_dir,
			strerror(errno));
	return 0;
}

static void agent_free(struct agent *a)
{
	net_cleanup(&a->net);
	EVP_PKEY_free(a->key);
	a->key = NULL;
	if (a->ifd >= 0)
		close(a->ifd);
	if (a->sfd >= 0)
		close(a->sfd);
	curl_global_cleanup();
}

int agent_run(const struct agent_opts *o)
{
	struct agent *a = &agent;
	uint64_t now;
	int rc = LETHE_EXIT_TEMP;

	memset(a, 0, sizeof *a);
	a->o = o;
	a->sfd = a->ifd = -1;
	/* standard input: the log pipe; none is not an error (main.c put
	 * /dev/null there, so that no descriptor of ours takes its number) */
	a->in_open = o->stdin_open;
	ring_init(&a->ring);
	queue_init(&a->queue);
	/* fail closed, and say why: without the fleet CA nothing is trusted */
	if (access(o->fo.ca, R_OK) != 0) {
		fprintf(stderr, PROG ": fatal: unable to read the fleet CA %s: %s\n", o->fo.ca, strerror(errno));
		return LETHE_EXIT_TEMP;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, PROG ": fatal: unable to initialise libcurl\n");
		return LETHE_EXIT_TEMP;
	}
	if (agent_identity(a) < 0 || agent_fds(a) < 0)
		goto out;
	if (net_init(&a->net, &o->fo, a->key, o->fo.cert) < 0) {
		fprintf(stderr, PROG ": fatal: unable to initialise libcurl\n");
		goto out;
	}
	torver_read(o->tor, a->tor_version);
	agent_say("node %s, server %s, every %ld s, tor %s", a->node, a->origin, o->interval_s,
		  a->tor_version[0] ? a->tor_version : "(version unknown)");
	now = agent_now();
	agent_status(a);
	a->report_at = a->metrics_at = now;
	rc = agent_loop(a);
out:
	agent_free(a);
	return rc;
}

int agent_show(const struct agent_opts *o)
{
	struct agent *a = &agent;
	struct report_counts c;
	struct report_in in;
	char why[160];
	size_t len;
	int rc = LETHE_EXIT_TEMP;

	memset(a, 0, sizeof *a);
	a->o = o;
	a->sfd = a->ifd = -1;
	if (agent_identity(a) < 0)
		goto out;
	torver_read(o->tor, a->tor_version);
	agent_inputs(a, &in);
	agent_counts(a, &c);
	c.seq = agent_clock(CLOCK_BOOTTIME);
	if (report_build(&in, &c, a->report, sizeof a->report, &len, why, sizeof why) < 0) {
		fprintf(stderr, PROG ": warning: no report: %s\n", why);
		printf("{}\n");
	} else {
		printf("%.*s\n", (int)len, a->report);
	}
	len = metrics_render(&in, &c, a->node_metrics, sizeof a->node_metrics);
	fwrite(a->node_metrics, 1, len, stdout);
	rc = fflush(stdout) == 0 ? LETHE_EXIT_OK : LETHE_EXIT_TEMP;
out:
	EVP_PKEY_free(a->key);
	return rc;
}
