/* tor's version, for the report's instances: `TOR --version` run once at
 * start (the binary every instance runs), read within a deadline. */
#ifndef TELEMETRY_TORVER_H
#define TELEMETRY_TORVER_H

#include <stddef.h>

#include "telemetry.h"

/* OUT := the version "Tor version X." names (e.g. "0.4.9.11"), "" if TOR
 * cannot be run, says nothing of the form, or takes longer than
 * TELEMETRY_TOR_VERSION_MS (then it is killed). */
void torver_read(const char *tor, char out[TELEMETRY_TOR_VERSION_MAX + 1]);

/* The version in TEXT (tor's output): 1 and OUT set, or 0. */
int torver_parse(const char *text, char out[TELEMETRY_TOR_VERSION_MAX + 1]);

#endif
