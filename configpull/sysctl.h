/* Extra sysctls from the node document, through an allowlist of network and
 * memory tunables (nothing that names a program or a path, e.g. no
 * kernel.core_pattern or kernel.modprobe). */
#ifndef CONFIGPULL_SYSCTL_H
#define CONFIGPULL_SYSCTL_H

#include <jansson.h>

#include "err.h"

#define SYSCTL_MAX 32

/* Checks the "sysctls" object.  1 ok, 0 with ERR set. */
int sysctl_check(const json_t *sysctls, struct cp_err *err);

/* The value's text ("%lld" for integers) into BUF; NULL if not a scalar. */
const char *sysctl_value(const json_t *v, char *buf, size_t buflen);

#endif
