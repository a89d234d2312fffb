/* Extra sysctls from the node document, through the allowlist shared with
 * initd (include/lethe_sysctl.h: network and memory tunables only, values
 * the kernel reads exactly as checked). */
#ifndef CONFIGPULL_SYSCTL_H
#define CONFIGPULL_SYSCTL_H

#include <jansson.h>

#include "err.h"
#include "lethe_sysctl.h"

/* Checks the "sysctls" object.  1 ok, 0 with ERR set. */
int sysctl_check(const json_t *sysctls, struct cp_err *err);

/* The value's text ("%lld" for integers) into BUF; NULL if not a scalar. */
const char *sysctl_value(const json_t *v, char *buf, size_t buflen);

#endif
