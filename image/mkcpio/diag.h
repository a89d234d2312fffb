/* One fatal diagnostic, carried from the module that found it to main. */
#ifndef MKCPIO_DIAG_H
#define MKCPIO_DIAG_H

#define DIAG_MSG_BYTES 1024

struct diag {
	int code;                  /* a lethe_exit code; 0 while nothing failed */
	char msg[DIAG_MSG_BYTES];  /* "unable to <verb> <object>: <reason>" */
};

/* diag_set records the first failure only: later ones are consequences. */
void diag_set(struct diag *d, int code, char const *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* diag_errno_code sorts an errno into "retry may help" (111) or not (100). */
int diag_errno_code(int e);

#endif
