/* Node metrics: one append-only writer over a fixed buffer; a family is a
 * HELP and a TYPE line and its samples. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"
#include "telemetry.h"

struct metrics_out {
	char *s;
	size_t len, cap;
	int overflow;
};

static void metrics_printf(struct metrics_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void metrics_printf(struct metrics_out *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	k = vsnprintf(o->s + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= o->cap - o->len) {
		o->overflow = 1;
		return;
	}
	o->len += (size_t)k;
}

static void metrics_family(struct metrics_out *o, const char *name, const char *type, const char *help)
{
	metrics_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void metrics_escape(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	for (; *s && n + 3 < cap; s++) {
		if (*s == '\\' || *s == '"') {
			out[n++] = '\\';
			out[n++] = *s;
		} else if (*s == '\n') {
			out[n++] = '\\';
			out[n++] = 'n';
		} else {
			out[n++] = (unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e ? '?' : *s;
		}
	}
	out[n] = 0;
}

/* One gauge family of one sample per instance. */
static void metrics_per_instance(struct metrics_out *o, const struct report_in *in, const char *name,
				 const char *type, const char *help, long long (*value)(const struct report_in *, size_t))
{
	size_t i;

	metrics_family(o, name, type, help);
	for (i = 0; i < in->st->instances && i < LETHE_INSTANCES_MAX; i++)
		metrics_printf(o, "%s{instance=\"%s\"} %lld\n", name, in->st->inst[i].name, value(in, i));
}

static long long metrics_up(const struct report_in *in, size_t i)
{
	return strcmp(in->st->inst[i].state, "up") == 0;
}

static long long metrics_restarts(const struct report_in *in, size_t i)
{
	return in->st->inst[i].restarts;
}

static long long metrics_rss(const struct report_in *in, size_t i)
{
	return in->p->rss_kib[i] * 1024;
}

static long long metrics_mapped(const struct report_in *in, size_t i)
{
	return strcmp(in->st->inst[i].allocator_mapped, "yes") == 0;
}

/* What the status file says. */
static void metrics_status(struct metrics_out *o, const struct report_in *in)
{
	const struct status *st = in->st;
	int stage = status_stage_index(st->stage);
	size_t i;

	metrics_family(o, "lethe_pipeline_done", "gauge", "1 when the boot pipeline step is done.");
	for (i = 0; i < STATUS_STEPS; i++) {
		/* under lethe.rescue there is no order: a step is done once its mark is */
		int done = stage >= 0 ? stage > (int)i : st->marks[i] >= 0;

		metrics_printf(o, "lethe_pipeline_done{step=\"%s\"} %d\n", status_step_names[i], done);
	}
	metrics_family(o, "lethe_mark_seconds", "gauge", "When each LETHE-MARK was reached, seconds since boot.");
	for (i = 0; i < STATUS_MARKS; i++)
		if (st->marks[i] >= 0)
			metrics_printf(o, "lethe_mark_seconds{mark=\"%s\"} %lld.%03lld\n", status_mark_names[i],
				       st->marks[i] / 1000, st->marks[i] % 1000);
	metrics_family(o, "lethe_pull_seconds", "gauge", "How long the newest configpull ran.");
	metrics_printf(o, "lethe_pull_seconds %lld.%03lld\n", st->pull_ms / 1000, st->pull_ms % 1000);
	metrics_family(o, "lethe_pull_exit", "gauge", "Exit code of the newest configpull (-1: none yet).");
	metrics_printf(o, "lethe_pull_exit %lld\n", st->pull_exit);
	metrics_family(o, "lethe_unseal_seconds", "gauge", "How long the successful unseal ran.");
	metrics_printf(o, "lethe_unseal_seconds %lld.%03lld\n", st->unseal_ms / 1000, st->unseal_ms % 1000);
	metrics_family(o, "lethe_unseal_ok", "gauge", "1 if the unseal succeeded.");
	metrics_printf(o, "lethe_unseal_ok %d\n", strcmp(st->unseal, "ok") == 0);
	metrics_family(o, "lethe_unseal_refused", "gauge", "1 if the keys are sealed to another boot state.");
	metrics_printf(o, "lethe_unseal_refused %d\n", strcmp(st->unseal, "refused") == 0);
	metrics_per_instance(o, in, "lethe_tor_up", "gauge", "1 while the tor instance runs.", metrics_up);
	metrics_per_instance(o, in, "lethe_tor_restarts_total", "counter", "Starts of the tor instance after the first.",
			     metrics_restarts);
	metrics_per_instance(o, in, "lethe_tor_rss_bytes", "gauge", "Resident set of the tor instance.", metrics_rss);
	metrics_per_instance(o, in, "lethe_tor_allocator_mapped", "gauge",
			     "1 if the allocator the document asked for is mapped into tor.", metrics_mapped);
	metrics_family(o, "lethe_memory_pressure_events_total", "counter", "Memory-pressure (PSI) events since boot.");
	metrics_printf(o, "lethe_memory_pressure_events_total %lld\n", st->pressure_events);
}

size_t metrics_render(const struct report_in *in, const struct report_counts *c, char *out, size_t cap)
{
	struct metrics_out o = { out, 0, cap, 0 };
	const struct probe *p = in->p;
	char image[2 * PROBE_VERSION_MAX + 1], wanted[2 * PROBE_VERSION_MAX + 1];

	if (p->have_image) {
		metrics_escape(p->image, image, sizeof image);
		metrics_escape(p->have_wanted ? p->image_wanted : "", wanted, sizeof wanted);
		metrics_family(&o, "lethe_info", "gauge", "The running image, the one the fleet wants, the boot.");
		metrics_printf(&o, "lethe_info{image=\"%s\",image_wanted=\"%s\",boot_id=\"%s\"} 1\n", image, wanted,
			       p->have_boot_id ? p->boot_id : "");
		metrics_family(&o, "lethe_image_mismatch", "gauge", "1 if the fleet wants another image.");
		metrics_printf(&o, "lethe_image_mismatch %d\n",
			       p->have_wanted && p->image_wanted[0] && strcmp(p->image_wanted, p->image) != 0);
	}
	if (p->have_uptime) {
		metrics_family(&o, "lethe_uptime_seconds", "gauge", "Seconds since boot.");
		metrics_printf(&o, "lethe_uptime_seconds %lld\n", p->uptime_s);
	}
	metrics_family(&o, "lethe_report_seq", "gauge", "Seq of the newest report.");
	metrics_printf(&o, "lethe_report_seq %llu\n", (unsigned long long)c->seq);
	if (in->st)
		metrics_status(&o, in);
	if (p->have_mem) {
		metrics_family(&o, "lethe_memory_total_bytes", "gauge", "MemTotal of /proc/meminfo.");
		metrics_printf(&o, "lethe_memory_total_bytes %lld\n", p->mem_total_kib * 1024);
		metrics_family(&o, "lethe_memory_available_bytes", "gauge", "MemAvailable of /proc/meminfo.");
		metrics_printf(&o, "lethe_memory_available_bytes %lld\n", p->mem_available_kib * 1024);
	}
	if (p->have_psi) {
		metrics_family(&o, "lethe_psi_memory_some_avg10", "gauge", "Memory pressure, some, avg10, percent.");
		metrics_printf(&o, "lethe_psi_memory_some_avg10 %.2f\n", p->psi_some_avg10);
		metrics_family(&o, "lethe_psi_memory_full_avg10", "gauge", "Memory pressure, full, avg10, percent.");
		metrics_printf(&o, "lethe_psi_memory_full_avg10 %.2f\n", p->psi_full_avg10);
	}
	metrics_family(&o, "lethe_zram_orig_bytes", "gauge", "Data stored in zram swap, uncompressed.");
	metrics_printf(&o, "lethe_zram_orig_bytes %lld\n", p->zram_orig);
	metrics_family(&o, "lethe_zram_compr_bytes", "gauge", "Data stored in zram swap, compressed.");
	metrics_printf(&o, "lethe_zram_compr_bytes %lld\n", p->zram_compr);
	metrics_family(&o, "lethe_telemetry_lines_dropped_total", "counter", "Log lines the agent dropped.");
	metrics_printf(&o, "lethe_telemetry_lines_dropped_total %llu\n", (unsigned long long)c->lines_dropped);
	metrics_family(&o, "lethe_telemetry_reports_dropped_total", "counter", "Reports the agent dropped.");
	metrics_printf(&o, "lethe_telemetry_reports_dropped_total %llu\n", (unsigned long long)c->reports_dropped);
	metrics_family(&o, "lethe_telemetry_send_failures_total", "counter", "Requests to the server that failed.");
	metrics_printf(&o, "lethe_telemetry_send_failures_total %llu\n", (unsigned long long)c->send_failures);
	metrics_family(&o, "lethe_telemetry_connections_total", "counter",
		       "mTLS connections the agent made (one TPM signature each).");
	metrics_printf(&o, "lethe_telemetry_connections_total %llu\n", (unsigned long long)c->connections);
	if (c->have_handshake) {
		metrics_family(&o, "lethe_telemetry_handshake_seconds", "gauge",
			       "The newest TLS handshake with the server (the TPM signature in it).");
		metrics_printf(&o, "lethe_telemetry_handshake_seconds %.6f\n", c->handshake_s);
	}
	metrics_family(&o, "lethe_telemetry_rss_bytes", "gauge", "The agent's resident set.");
	metrics_printf(&o, "lethe_telemetry_rss_bytes %lld\n", c->rss_kib * 1024);
	return o.overflow ? 0 : o.len;
}
