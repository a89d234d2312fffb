/* The image's sysctl baseline (sysctl.conf(5) syntax, strictly), and the
 * node document's sysctls, which node.conf carries already checked against
 * the allowlist shared with configpull (include/lethe_sysctl.h).
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

#include "lethe_sysctl.h"
#include "nodeconf.h"

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

/* Applies a file under proc_sys ("/proc/sys" on the machine), every line
 * (the image's own file: no allowlist).  Logs one line per problem
 * (file:line); returns the number of lines that failed, or -1 when the
 * file could not be read. */
int sysctl_apply_file(char const *proc_sys, char const *path);

/* What PID 1 remembers of the node document's sysctls: the value each had
 * before the document first set it, so that one the document drops goes
 * back to the baseline's (or the kernel's) value. */
struct sysctl_node {
	size_t n;
	struct {
		char name[LETHE_SYSCTL_NAME_MAX + 1];
		char orig[SYSCTL_VALUE_MAX + 1];
	} saved[LETHE_SYSCTLS_MAX];
};

/* After each configpull that changed node.conf: sets every sysctl of sys
 * (n entries, each checked again against the shared allowlist: a refused
 * one is reported and skipped) whose value differs from the kernel's,
 * reads it back and logs "sysctl: NAME = VALUE (node document)", and puts
 * back the saved value of each one no longer in sys.  Returns the number
 * of failures. */
int sysctl_apply_node(char const *proc_sys, struct nodeconf_sysctl const *sys, size_t n,
	struct sysctl_node *st);

#endif
