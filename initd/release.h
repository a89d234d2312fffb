/* /etc/lethe-release: the image's identity, written by the image build.
 *
 * Format: lines of KEY=value, '#' comment lines and empty lines allowed,
 * at most RELEASE_FILE_BYTES in all.  KEY is [A-Z0-9_]+, value is
 * printable ASCII without spaces or quotes.  Required keys:
 *   LETHE_VERSION=<[A-Za-z0-9._+~-], 1..RELEASE_VERSION_MAX bytes>
 *   LETHE_EPOCH=<decimal seconds, 0..2^63-1, no sign, no leading zero>
 * Other keys are accepted and ignored, so the build can add fields before
 * initd reads them; a key given twice is an error. */
#ifndef INITD_RELEASE_H
#define INITD_RELEASE_H

#include <stddef.h>
#include <stdint.h>

#include "lethe_paths.h"

#define RELEASE_FILE_BYTES 4096
#define RELEASE_VERSION_MAX 64
#define RELEASE_PATH LETHE_RELEASE

struct release {
	char version[RELEASE_VERSION_MAX + 1];
	uint64_t epoch;
};

/* Why a parse failed: line is 1-based, 0 when the failure is not tied to a
 * line (missing key, file too large); what is a static string. */
struct release_error {
	size_t line;
	char const *what;
};

/* Parses len bytes of buf (not NUL-terminated; NUL bytes are an error).
 * Returns 0 and fills *rel, or -EINVAL and fills *err; *rel is then
 * unspecified. */
int release_parse(char const *buf, size_t len, struct release *rel,
	struct release_error *err);

/* Reads and parses path.  Returns 0; -EINVAL with *err filled when the
 * contents are bad (too large included: -EFBIG is not used, so callers have
 * one "bad file" case); or another negative errno when the file cannot be
 * read (*err.what is then NULL). */
int release_load(char const *path, struct release *rel, struct release_error *err);

#endif
