/* Command-line values that configpull and lethe-telemetry (which links
 * configpull's objects) both take: parsed once, here. */
#ifndef CONFIGPULL_ARG_H
#define CONFIGPULL_ARG_H

/* S as a decimal number in [MIN, MAX], the whole string; -1 if not. */
long arg_num(const char *s, long min, long max);

/* S as a TPM persistent handle (hex, 0x81000000-0x81ffffff: the owner's
 * persistent range, where the node key lives) into *OUT; 0 ok, -1 not. */
int arg_handle(const char *s, unsigned *out);

#endif
