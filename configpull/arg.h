/* Command-line values that configpull, lethe-telemetry and lethe-state
 * (which link configpull's objects) all take: parsed once, here. */
#ifndef CONFIGPULL_ARG_H
#define CONFIGPULL_ARG_H

/* S as a decimal number in [MIN, MAX], the whole string; -1 if not. */
long arg_num(const char *s, long min, long max);

/* S as a TPM persistent handle (hex, 0x81000000-0x81ffffff: the owner's
 * persistent range, where the node key lives) into *OUT; 0 ok, -1 not. */
int arg_handle(const char *s, unsigned *out);

/* The TCTI to open: OPT (--tcti), else the one TCTI variable of every
 * lethe program (LETHE_TCTI_ENV, lethe_paths.h; tests point it at swtpm or
 * tabrmd), else NULL: the loader's default (/dev/tpmrm0 on the relay).
 * An empty value is the default too. */
const char *arg_tcti(const char *opt);

/* URL is an https:// URL (what the config server's origin must be);
 * otherwise PROG says so on stderr.  0 ok, -1 not. */
int arg_https(const char *prog, const char *url);

#endif
