/* pcrpredict error reporting: modules record one message and return the
 * lethe exit code; main prints "pcrpredict: fatal: <msg>" once. */
#ifndef PCRPREDICT_ERR_H
#define PCRPREDICT_ERR_H

#define PP_PROG "pcrpredict"
#define PP_ERR_BYTES 512

struct pp_err {
	int code;
	char msg[PP_ERR_BYTES];
};

int err_set(struct pp_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* err_set with ": strerror(errnum)" appended; 111 for transient errnos. */
int err_sys(struct pp_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void err_prefix(struct pp_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
