/* Fuzz target for configpull's document-to-torrc path: doc_load() on
 * arbitrary bytes, then every renderer on what it accepts.
 *
 * Built with -DLETHE_LIBFUZZER it is a libFuzzer target; otherwise main()
 * replays files and directories of files given as arguments (or stdin), so
 * that every build runs the corpus. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "doc.h"
#include "lethe_exit.h"
#include "node.h"
#include "torrc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* How many lines of B start with the option NAME ("\nNAME "). */
static size_t fuzz_lines(const struct sbuf *b, const char *name)
{
	const char *q;
	size_t n = 0, len = strlen(name);

	for (q = b->s; (q = strstr(q, "\n")) != NULL; q++)
		if (strncmp(q + 1, name, len) == 0 && q[1 + len] == ' ')
			n++;
	return n;
}

/* The renderer's promise: after lethe's block, every line is an allowlisted
 * option, and nothing but printable text and newlines is ever written;
 * lethe's Sandbox and resolv.conf once each, whatever the document. */
static void fuzz_check_torrc(const struct sbuf *b)
{
	const char *p = strstr(b->s, "\n# from the node document\n");
	size_t i;

	if (!p)
		abort();
	for (i = 0; i < b->len; i++)
		if ((b->s[i] < 0x20 && b->s[i] != '\n' && (unsigned char)b->s[i] < 0x80) || b->s[i] == 0x7f)
			abort();
	if (fuzz_lines(b, "Sandbox") != 1 || fuzz_lines(b, "ServerDNSResolvConfFile") != 1 ||
	    fuzz_lines(b, "IPv6Exit") > 1 || fuzz_lines(b, "DirPortFrontPage") > 1)
		abort();
	p += strlen("\n# from the node document\n");
	while (*p) {
		const char *nl = strchr(p, '\n'), *sp = strchr(p, ' ');
		char name[64];
		if (!nl || !sp || sp > nl || (size_t)(sp - p) >= sizeof name)
			abort();
		memcpy(name, p, (size_t)(sp - p));
		name[sp - p] = 0;
		if (torrc_refusal(name))
			abort();
		p = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct torrc_paths paths = { "debian-tor", "/var/lib/tor", "/run/lethe/keys" };
	struct cp_err err = { "" };
	struct sbuf b = SBUF_ZERO;
	const json_t *insts;
	json_t *doc;
	size_t i;

	doc = doc_load((const char *)data, size, &err);
	if (!doc) {
		if (!err.msg[0] || memchr(err.msg, '\n', strlen(err.msg)))
			abort();
		return 0;
	}
	insts = json_object_get(doc, "instances");
	for (i = 0; i < json_array_size(insts); i++) {
		const json_t *inst = json_array_get(insts, i);
		if (!torrc_render(json_string_value(json_object_get(inst, "name")), i,
				  json_object_get(inst, "torrc"), json_object_get(inst, "addresses"),
				  doc_family(doc), &paths, &b))
			abort();
		fuzz_check_torrc(&b);
		sbuf_free(&b);
	}
	if (!node_render(doc, &b))
		abort();
	sbuf_free(&b);
	json_decref(doc);
	return 0;
}

#define FUZZ_NAME "fuzz_configpull_doc"
#include "../replay.h"
