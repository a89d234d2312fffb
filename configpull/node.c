/* node.conf for initd.  Defaults are written out, so initd never has to know
 * them: every key is present in every file. */
#include <stdio.h>
#include <string.h>

#include "doc.h"
#include "node.h"
#include "sysctl.h"

static const char *str_or(const json_t *v, const char *dflt)
{
	return json_is_string(v) ? json_string_value(v) : dflt;
}

/* The strings of LIST (none if absent), space-separated, then the line's end. */
static void put_list(struct sbuf *out, const json_t *list)
{
	size_t i;

	for (i = 0; i < json_array_size(list); i++)
		sbuf_printf(out, "%s%s", i ? " " : "", json_string_value(json_array_get(list, i)));
	sbuf_cat(out, "\n");
}

int node_render(const json_t *doc, struct sbuf *out)
{
	const json_t *zram = json_object_get(doc, "zram");
	const json_t *img = json_object_get(doc, "image");
	const json_t *prov = json_object_get(doc, "provisioning");
	const json_t *insts = json_object_get(doc, "instances");
	const json_t *sys = json_object_get(doc, "sysctls");
	const json_t *fwd = json_object_get(json_object_get(doc, "dns"), "forwarders");
	const json_t *v;
	const char *k;
	char buf[32];
	size_t i;

	sbuf_cat(out, "# node settings for initd, rendered by configpull\n");
	sbuf_printf(out, "version=1\n");
	sbuf_printf(out, "node=%s\n", str_or(json_object_get(doc, "node"), ""));
	v = json_object_get(doc, "refresh_interval");
	sbuf_printf(out, "refresh_interval=%lld\n", v ? (long long)json_integer_value(v) : 3600LL);
	sbuf_printf(out, "image_version=%s\n", str_or(json_object_get(img, "version"), ""));
	sbuf_printf(out, "image_sha256=%s\n", str_or(json_object_get(img, "sha256"), ""));
	/* the rollout (doc.c: all three or none); 0 and empty: none */
	v = json_object_get(img, "epoch");
	sbuf_printf(out, "image_epoch=%lld\n", v ? (long long)json_integer_value(v) : 0LL);
	v = json_object_get(img, "rollout");
	sbuf_printf(out, "image_rollout=%lld\n", v ? (long long)json_integer_value(v) : 0LL);
	sbuf_printf(out, "image_window=%s\n", str_or(json_object_get(img, "window"), ""));
	sbuf_printf(out, "family=%d\n", doc_family(doc));
	/* defaults from the allocator bench (docs/performance.md): jemalloc,
	 * and zram on at a quarter of RAM (size 0: initd's auto) with zstd */
	sbuf_printf(out, "allocator=%s\n", str_or(json_object_get(doc, "allocator"), "jemalloc"));
	sbuf_printf(out, "zram=%d\n", zram ? json_is_true(json_object_get(zram, "enabled")) : 1);
	v = json_object_get(zram, "size_mib");
	sbuf_printf(out, "zram_size_mib=%lld\n", v ? (long long)json_integer_value(v) : 0LL);
	sbuf_printf(out, "zram_algorithm=%s\n", str_or(json_object_get(zram, "algorithm"), "zstd"));
	sbuf_printf(out, "provision=%d\n",
		    json_is_true(json_object_get(prov, "allow_new_identities")));
	/* the exit's resolver (include/lethe_dns.h): initd runs unbound and
	 * writes tor's resolv.conf from these; forwarders only with forward */
	sbuf_printf(out, "dns_resolver=%s\n", doc_dns_resolver(doc));
	sbuf_cat(out, "dns_forwarders=");
	put_list(out, fwd);
	sbuf_cat(out, "instances=");
	for (i = 0; i < json_array_size(insts); i++)
		sbuf_printf(out, "%s%s", i ? " " : "",
			    json_string_value(json_object_get(json_array_get(insts, i), "name")));
	sbuf_cat(out, "\n");
	for (i = 0; i < json_array_size(insts); i++) {
		const json_t *inst = json_array_get(insts, i);
		const char *name = json_string_value(json_object_get(inst, "name"));
		const json_t *addrs = json_object_get(inst, "addresses");
		sbuf_printf(out, "instance.%s.fingerprint=%s\n", name,
			    str_or(json_object_get(inst, "fingerprint"), ""));
		sbuf_printf(out, "instance.%s.ed25519=%s\n", name,
			    str_or(json_object_get(inst, "ed25519"), ""));
		sbuf_printf(out, "instance.%s.addresses=", name);
		put_list(out, addrs);
	}
	json_object_foreach((json_t *)sys, k, v) {
		const char *s = sysctl_value(v, buf, sizeof buf);
		if (s)
			sbuf_printf(out, "sysctl.%s=%s\n", k, s);
	}
	return !out->overflow;
}
