/* The node document, version 1 (docs/config-schema.md): parse and validate
 * the whole of it before anything is rendered, so a bad document is
 * rejected whole and the node keeps what it runs. */
#ifndef CONFIGPULL_DOC_H
#define CONFIGPULL_DOC_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"
#include "lethe_paths.h"

#define DOC_SIZE_MAX ((size_t)1 << 20) /* the body limit, also for local files */
#define DOC_INSTANCES_MAX LETHE_INSTANCES_MAX
#define DOC_ADDRESSES_MAX 8

/* Parses and validates LEN bytes.  Returns the document (json_decref it)
 * or NULL with ERR set. */
json_t *doc_load(const char *buf, size_t len, struct cp_err *err);

/* Validates a parsed document.  1 ok, 0 with ERR set. */
int doc_check(const json_t *doc, struct cp_err *err);

/* Whether a checked document is for node ID (64 hex, any case): its `node`
 * must be present and equal.  1 yes, 0 with ERR set. */
int doc_node_is(const json_t *doc, const char *id, struct cp_err *err);

/* Accessors for a checked document (defaults applied). */
int doc_family(const json_t *doc);
/* dns.resolver: LETHE_DNS_RESOLVER_RECURSIVE (the default), _FORWARD or _OFF. */
const char *doc_dns_resolver(const json_t *doc);

#endif
