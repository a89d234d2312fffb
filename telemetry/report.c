/* The report as a jansson tree, dumped compact into the caller's buffer.
 * The values come checked from status.c and probe.c; the bounds that are
 * the agent's own (counters, lengths) are clamped here. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "report.h"
#include "telemetry.h"

static json_t *report_int(long long v)
{
	return json_integer(v < 0 ? 0 : v > TELEMETRY_INT_MAX ? TELEMETRY_INT_MAX : v);
}

static json_t *report_u64(uint64_t v)
{
	return json_integer(v > (uint64_t)TELEMETRY_INT_MAX ? TELEMETRY_INT_MAX : (long long)v);
}

/* A string of at most MAX bytes of printable ASCII (others: '?'). */
static json_t *report_str(const char *s, size_t max)
{
	char buf[LETHE_STATUS_VALUE_MAX + 1];
	size_t n = strnlen(s, max < sizeof buf - 1 ? max : sizeof buf - 1), i;

	for (i = 0; i < n; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e ? '?' : s[i];
	buf[n] = 0;
	return json_stringn(buf, n);
}

/* Sets KEY of O to V (a new reference, NULL when out of memory): 0 or -1. */
static int report_set(json_t *o, const char *key, json_t *v)
{
	return v && json_object_set_new(o, key, v) == 0 ? 0 : -1;
}

static json_t *report_instances(const struct report_in *in)
{
	const struct status *st = in->st;
	json_t *list = json_array(), *o;
	size_t i;
	int bad = !list;

	for (i = 0; !bad && i < st->instances && i < LETHE_INSTANCES_MAX; i++) {
		const struct status_inst *si = &st->inst[i];

		o = json_object();
		bad = !o || json_array_append_new(list, o) < 0 || report_set(o, "name", report_str(si->name, 16)) ||
		      report_set(o, "fingerprint", report_str(in->p->fingerprint[i], 40)) ||
		      report_set(o, "tor_version", report_str(in->tor_version, TELEMETRY_TOR_VERSION_MAX)) ||
		      report_set(o, "state", report_str(si->state, 16)) ||
		      report_set(o, "restarts", report_int(si->restarts)) ||
		      report_set(o, "last_exit", report_str(si->last_exit, 16)) ||
		      report_set(o, "crashloop", json_boolean(si->crashloop)) ||
		      report_set(o, "rss_kib", report_int(in->p->rss_kib[i])) ||
		      report_set(o, "allocator", report_str(si->allocator, 16)) ||
		      report_set(o, "allocator_mapped", report_str(si->allocator_mapped, 16));
	}
	if (bad) {
		json_decref(list);
		return NULL;
	}
	return list;
}

/* initd's rollout verdict and the sealed tor state's (include/lethe_state.h):
 * always sent by this agent, from the status file or its defaults, so that
 * a report without them says "an image without rollouts" (scripts/fleet
 * rollout). */
static int report_rollout(json_t *r, const struct status *st)
{
	json_t *o;

	return report_set(r, "rollout", o = json_object()) ||
	       report_set(o, "wanted", json_integer(st->rollout_wanted)) ||
	       report_set(o, "done", json_integer(st->rollout_done)) ||
	       report_set(o, "state", report_str(st->rollout_state, STATUS_WORD_MAX)) ||
	       report_set(o, "reason", report_str(st->rollout_reason, LETHE_STATUS_VALUE_MAX)) ||
	       report_set(r, "tor_state", o = json_object()) ||
	       report_set(o, "restore", report_str(st->torstate, STATUS_WORD_MAX)) ||
	       report_set(o, "reason", report_str(st->torstate_reason, LETHE_STATUS_VALUE_MAX)) ||
	       report_set(o, "saved", report_int(st->torstate_saved)) ||
	       report_set(o, "counter", report_int(st->torstate_counter));
}

/* The parts that are there only if their source was read. */
static int report_optional(json_t *r, const struct report_in *in, const struct report_counts *c)
{
	const struct status *st = in->st;
	const struct probe *p = in->p;
	json_t *o;
	size_t i;

	if (p->have_wanted &&
	    (report_set(r, "image_wanted", report_str(p->image_wanted, PROBE_VERSION_MAX)) ||
	     report_set(r, "image_mismatch", json_boolean(p->image_wanted[0] && strcmp(p->image_wanted, p->image)))))
		return -1;
	if (report_set(r, "stage_error", report_str(st->stage_error, LETHE_STATUS_VALUE_MAX)) ||
	    report_set(r, "last_error", report_str(st->last_error, LETHE_STATUS_VALUE_MAX)) ||
	    report_set(r, "unseal", o = json_object()) || report_set(o, "result", report_str(st->unseal, 16)) ||
	    report_set(o, "mode", report_str(st->unseal_mode, 16)) ||
	    report_set(r, "attestation", report_str(p->attestation, 16)) ||
	    report_set(r, "config_etag", report_str(p->etag, PROBE_ETAG_MAX)) ||
	    report_set(r, "pull", o = json_object()) || report_set(o, "exit", json_integer(st->pull_exit)) ||
	    report_set(o, "ms", report_int(st->pull_ms)) || report_set(r, "marks", o = json_object()))
		return -1;
	for (i = 0; i < STATUS_MARKS; i++)
		if (st->marks[i] >= 0 && report_set(o, status_mark_names[i], report_int(st->marks[i])))
			return -1;
	if (report_set(r, "instances", report_instances(in)))
		return -1;
	if (p->have_mem &&
	    (report_set(r, "memory", o = json_object()) || report_set(o, "total_kib", report_int(p->mem_total_kib)) ||
	     report_set(o, "available_kib", report_int(p->mem_available_kib)) ||
	     report_set(o, "swap_total_kib", report_int(p->swap_total_kib)) ||
	     report_set(o, "swap_free_kib", report_int(p->swap_free_kib))))
		return -1;
	if (p->have_psi &&
	    (report_set(r, "psi", o = json_object()) || report_set(o, "some_avg10", json_real(p->psi_some_avg10)) ||
	     report_set(o, "full_avg10", json_real(p->psi_full_avg10)) ||
	     report_set(o, "events", report_int(st->pressure_events))))
		return -1;
	if (report_rollout(r, st))
		return -1;
	if (report_set(r, "zram", o = json_object()) || report_set(o, "disksize_bytes", report_int(p->zram_disksize)) ||
	    report_set(o, "orig_bytes", report_int(p->zram_orig)) || report_set(o, "compr_bytes", report_int(p->zram_compr)))
		return -1;
	if (report_set(r, "telemetry", o = json_object()) ||
	    report_set(o, "reports_dropped", report_u64(c->reports_dropped)) ||
	    report_set(o, "lines_dropped", report_u64(c->lines_dropped)) ||
	    report_set(o, "send_failures", report_u64(c->send_failures)) ||
	    report_set(o, "rss_kib", report_int(c->rss_kib)))
		return -1;
	return 0;
}

int report_build(const struct report_in *in, const struct report_counts *c, char *out, size_t cap, size_t *len,
		 char *why, size_t whylen)
{
	const struct probe *p = in->p;
	json_t *r = NULL;
	size_t n;
	int rc = -1;

	*len = 0;
	if (!in->st) {
		snprintf(why, whylen, "no status file read yet");
		return -1;
	}
	if (!p->have_boot_id || !p->have_uptime || !p->have_image) {
		snprintf(why, whylen, "unable to read the %s", !p->have_boot_id ? "boot id"
							: !p->have_uptime ? "uptime" : "image version (LETHE_VERSION)");
		return -1;
	}
	r = json_object();
	if (!r || report_set(r, "version", json_integer(LETHE_REPORT_VERSION)) ||
	    report_set(r, "node", json_stringn(in->node, REPORT_NODE_LEN)) || report_set(r, "seq", report_u64(c->seq)) ||
	    report_set(r, "time", report_int(c->time_s)) || report_set(r, "boot_id", json_string(p->boot_id)) ||
	    report_set(r, "uptime_s", report_int(p->uptime_s)) ||
	    report_set(r, "image", report_str(p->image, PROBE_VERSION_MAX)) ||
	    report_set(r, "epoch", report_int(p->epoch)) ||
	    report_set(r, "stage", report_str(in->st->stage, 16)) || report_optional(r, in, c)) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	/* %.10g: avg10 has two decimals, and 0.1 stays 0.1 */
	n = json_dumpb(r, out, cap, JSON_COMPACT | JSON_REAL_PRECISION(10));
	if (n == 0 || n > cap) {
		snprintf(why, whylen, "report larger than %zu bytes", cap);
		goto out;
	}
	*len = n;
	rc = 0;
out:
	json_decref(r);
	return rc;
}
