/* The OS package descriptor X.json, the unsigned half of a package:
 *
 *   {"version": 1, "os_pkg_url": "...", "certificates": [...] | null,
 *    "signatures": [...] | null}
 *
 * certificates[i] is base64 of a certificate (PEM text as stmgr writes
 * it, or DER), signatures[i] base64 of the signature made with its key. */
#ifndef OSPKG_DESCRIPTOR_H
#define OSPKG_DESCRIPTOR_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define DESC_VERSION 1
#define DESC_MAX_BYTES (1024u * 1024u)
#define DESC_MAX_SIGS 64u
#define DESC_URL_MAX 4096u

struct desc_blob {
	uint8_t *p;
	size_t n;
};

struct descriptor {
	char *url;                                 /* never NULL after parse */
	size_t count;                              /* certificate/signature pairs */
	struct desc_blob cert[DESC_MAX_SIGS];
	struct desc_blob sig[DESC_MAX_SIGS];
};

/* Parses p[0..n).  Stricter than stboot's encoding/json decoding, on
 * purpose: unknown keys, keys in another case and duplicate keys are
 * refused (Go ignores the first, matches the second case-insensitively and
 * keeps the last of the third), all four keys must be present, base64 must
 * be canonical (see b64.h), and the two arrays must have the same length
 * (stboot v0.2 indexes certificates[i] unchecked and panics).  At most
 * DESC_MAX_SIGS pairs and DESC_MAX_BYTES bytes.  Returns 0 or an exit
 * code; d is empty after a failure. */
int descriptor_parse(const uint8_t *p, size_t n, struct descriptor *d, struct tool_err *e);

/* Fixed layout, Go's json.MarshalIndent(d, "", "  ") plus a final newline:
 *
 *   {
 *     "version": 1,
 *     "os_pkg_url": "<url>",
 *     "certificates": null,          or  [\n    "<b64>",\n    "<b64>"\n  ],
 *     "signatures": null
 *   }
 *
 * Empty arrays are written as null, as Go does for a nil slice. */
int descriptor_render(const struct descriptor *d, struct buf *out, struct tool_err *e);

/* Initialises d as a fresh unsigned descriptor (copies url, which must
 * pass descriptor_url_check). */
int descriptor_init(struct descriptor *d, const char *url, struct tool_err *e);

/* Appends copies of one certificate/signature pair. */
int descriptor_add(struct descriptor *d, const uint8_t *cert, size_t cn, const uint8_t *sig,
	size_t sn, struct tool_err *e);

/* os_pkg_url: empty, a relative reference, or an absolute http/https URL
 * with a host; printable ASCII without spaces, %-escapes well formed. */
int descriptor_url_check(const char *url, size_t n, struct tool_err *e);

void descriptor_free(struct descriptor *d);

#endif
