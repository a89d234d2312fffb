/* Sysctl files (sysctl.conf(5) syntax, strictly) and the allowlist for
 * sysctls that come from the node configuration rather than the image.
 *
 * A line is empty, a comment ('#' or ';' first), or "key = value":
 * key is 1..SYSCTL_KEY_MAX bytes of [a-z0-9_-] in dot-separated
 * components (no '/', no "..", no empty component), value is
 * 0..SYSCTL_VALUE_MAX printable ASCII bytes, spaces around both trimmed.
 * The "-key" form (ignore failures) is not accepted: the baseline must
 * apply in full or be reported. */
#ifndef INITD_SYSCTL_H
#define INITD_SYSCTL_H

#include <stddef.h>

#define SYSCTL_FILE_BYTES 65536
#define SYSCTL_KEY_MAX 128
#define SYSCTL_VALUE_MAX 256
#define SYSCTL_BASELINE "/etc/sysctl.d/lethe-baseline.conf"

struct sysctl_kv {
	char key[SYSCTL_KEY_MAX + 1];
	char value[SYSCTL_VALUE_MAX + 1];
};

/* Parses one line (without its newline).  Returns 1 with kv filled, 0 for
 * a blank or comment line, or -1 with *why set to a static reason. */
int sysctl_parse_line(char const *line, size_t len, struct sysctl_kv *kv, char const **why);

/* Nonzero when the node configuration may set key: network and memory
 * tunables only.  Anything that names a program or a path
 * (kernel.core_pattern, kernel.modprobe, ...), or loosens the hardening
 * set, is refused. */
int sysctl_allowed(char const *key);

/* Applies a file under proc_sys ("/proc/sys" on the machine).  With
 * allowlist nonzero, keys sysctl_allowed() refuses are reported and
 * skipped.  Logs one line per problem (file:line); returns the number of
 * lines that failed, or -1 when the file could not be read. */
int sysctl_apply_file(char const *proc_sys, char const *path, int allowlist);

#endif
