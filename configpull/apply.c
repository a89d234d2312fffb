/* Apply a fetched or local document to the output directory. */
#include <stdio.h>
#include <string.h>

#include "apply.h"
#include "configpull.h"
#include "doc.h"
#include "node.h"
#include "out.h"

struct rendered {
	char name[32];
	struct sbuf text;
	char tmp[OUT_PATH_MAX];
};

/* Every output written to its temporary first, then all renamed, torrc
 * files first and node.conf (the list initd follows) last: a failure
 * before the renames changes nothing, and every temporary of ours is
 * removed on any failure.  A directory in the way is found before any
 * byte is written. */
static int apply_commit(const char *outdir, gid_t gid, struct rendered *r, size_t n, struct cp_err *err)
{
	size_t i;
	int ok = 0;

	for (i = 0; i < n; i++)
		if (!out_replaceable(outdir, r[i].name, err))
			return 0;
	for (i = 0; i < n; i++)
		if (!out_tmp_write(outdir, r[i].name, gid, r[i].text.s, r[i].text.len, r[i].tmp, err))
			goto out;
	for (i = 0; i < n; i++)
		if (!out_tmp_commit(outdir, r[i].name, r[i].tmp, err))
			goto out;
	ok = 1;
out:
	for (i = 0; i < n; i++)
		out_tmp_discard(r[i].tmp);
	return ok;
}

int apply_document(const char *buf, size_t len, const char *node_id, const char *outdir, gid_t gid,
		   const struct torrc_paths *paths, struct cp_err *err)
{
	struct rendered r[DOC_INSTANCES_MAX + 1];
	const char *keep[DOC_INSTANCES_MAX + 1];
	const json_t *insts;
	size_t i, n = 0;
	int rc = CP_EXIT_REJECTED, same = 1, stale;
	json_t *doc = doc_load(buf, len, err);

	memset(r, 0, sizeof r);
	if (!doc)
		return CP_EXIT_REJECTED;
	if (node_id && !doc_node_is(doc, node_id, err))
		goto out;
	insts = json_object_get(doc, "instances");
	/* doc_load bounds the list; the array holds DOC_INSTANCES_MAX + node.conf */
	for (i = 0; i < json_array_size(insts) && i < DOC_INSTANCES_MAX; i++) {
		const json_t *inst = json_array_get(insts, i);
		const char *name = json_string_value(json_object_get(inst, "name"));
		snprintf(r[n].name, sizeof r[n].name, "torrc.%s", name);
		if (!torrc_render(name, i, json_object_get(inst, "torrc"), json_object_get(inst, "addresses"),
				  doc_family(doc), paths, &r[n].text)) {
			err_set(err, "instances[%zu]: rendered torrc too large", i);
			goto out;
		}
		n++;
	}
	snprintf(r[n].name, sizeof r[n].name, "node.conf");
	if (!node_render(doc, &r[n].text)) {
		err_set(err, "document: rendered node.conf too large");
		goto out;
	}
	n++;
	rc = CP_EXIT_UNREACHABLE;
	if (!out_dir_prepare(outdir, gid, err))
		goto out;
	for (i = 0; i < n; i++) {
		keep[i] = r[i].name;
		if (!out_same(outdir, r[i].name, gid, r[i].text.s, r[i].text.len))
			same = 0;
	}
	/* An instance dropped from the document leaves a torrc behind. */
	stale = out_prune(outdir, "torrc.", keep, n, 0, err);
	if (stale < 0)
		goto out;
	if (stale > 0)
		same = 0;
	if (same) {
		rc = CP_EXIT_UNCHANGED;
		goto out;
	}
	if (!apply_commit(outdir, gid, r, n, err))
		goto out;
	/* After the commit point: node.conf no longer lists them. */
	if (stale > 0 && out_prune(outdir, "torrc.", keep, n, 1, err) < 0)
		goto out;
	rc = CP_EXIT_CHANGED;
out:
	for (i = 0; i < n + 1 && i <= DOC_INSTANCES_MAX; i++)
		sbuf_free(&r[i].text);
	json_decref(doc);
	return rc;
}
