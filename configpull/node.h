/* Renders a checked document into the files initd reads. */
#ifndef CONFIGPULL_NODE_H
#define CONFIGPULL_NODE_H

#include <jansson.h>

#include "sbuf.h"
#include "torrc.h"

/* node.conf: the non-tor settings, one "key=value" line each, values from
 * checked, printable, space-free-or-bounded fields.  1 ok, 0 on overflow. */
int node_render(const json_t *doc, struct sbuf *out);

#endif
