/* conf.c: conf.h.  The parser works on a bounded buffer (conf_load reads
 * the file). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "files.h"
#include "state.h"

static int conf_nibble(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int conf_hex32(const char *s, size_t len, uint8_t out[BLOB_NODE])
{
	size_t i;

	if (len != 2 * BLOB_NODE)
		return -1;
	for (i = 0; i < BLOB_NODE; i++) {
		int hi = conf_nibble(s[2 * i]), lo = conf_nibble(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* "a b c": names of [a-z0-9]{1,16}, unique, 1..8, one space apart. */
static int conf_instances(const char *v, size_t len, struct conf *c)
{
	size_t i = 0, j, k;

	c->n = 0;
	while (i < len) {
		for (j = i; j < len && v[j] != ' '; j++)
			;
		if (c->n == LETHE_INSTANCES_MAX || !blob_name_valid(v + i, j - i))
			return -1;
		memcpy(c->name[c->n], v + i, j - i);
		c->name[c->n][j - i] = '\0';
		for (k = 0; k < c->n; k++)
			if (strcmp(c->name[k], c->name[c->n]) == 0)
				return -1;
		c->n++;
		i = j + 1;
		if (j < len && i == len)
			return -1; /* a trailing space */
	}
	return c->n ? 0 : -1;
}

int conf_parse(const char *text, size_t len, struct conf *c, char *why, size_t whylen)
{
	const char *p = text, *end = text + len, *nl;
	int have_node = 0, have_inst = 0;
	size_t i;

	memset(c, 0, sizeof *c);
	for (; p < end; p = nl + 1) {
		size_t l;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		l = (size_t)(nl - p);
		if (!have_node && l >= 5 && memcmp(p, "node=", 5) == 0) {
			if (conf_hex32(p + 5, l - 5, c->node) < 0) {
				state_why(why, whylen, "node.conf: node= is not 64 hex digits");
				return -1;
			}
			have_node = 1;
		} else if (!have_inst && l >= 10 && memcmp(p, "instances=", 10) == 0) {
			if (conf_instances(p + 10, l - 10, c) < 0) {
				state_why(why, whylen, "node.conf: instances= is not 1-%d unique names of [a-z0-9]",
					 LETHE_INSTANCES_MAX);
				return -1;
			}
			have_inst = 1;
		}
	}
	if (!have_node || !have_inst) {
		state_why(why, whylen, "node.conf: no %s line", have_node ? "instances=" : "node=");
		return -1;
	}
	for (i = 0; i < BLOB_NODE; i++)
		snprintf(c->node_hex + 2 * i, 3, "%02x", c->node[i]);
	return 0;
}

int conf_find(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->name[i], name) == 0)
			return (int)i;
	return -1;
}

int conf_load(const char *dir, struct conf *c, char *why, size_t whylen)
{
	char path[PATH_MAX];
	uint8_t *text;
	size_t len = 0;
	int r;

	if (snprintf(path, sizeof path, "%s/node.conf", dir) >= (int)sizeof path) {
		state_why(why, whylen, "unable to read node.conf: --conf-dir too long");
		return -1;
	}
	text = malloc(STATE_NODECONF_MAX);
	if (!text) {
		state_why(why, whylen, "out of memory");
		return -1;
	}
	r = files_read(AT_FDCWD, path, text, STATE_NODECONF_MAX, &len);
	if (r < 0)
		state_why(why, whylen, "unable to read %s: %s", path, r == -EFBIG ? "too large" : strerror(-r));
	else
		r = conf_parse((const char *)text, len, c, why, whylen);
	free(text);
	return r < 0 ? -1 : 0;
}
