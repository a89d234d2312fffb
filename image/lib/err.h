/* Error reporting of the image host tools (ospkg, pcrpredict): one
 * message, one exit code.
 *
 * Modules never print.  They record why they failed in a struct tool_err
 * and return the lethe exit code (LETHE_EXIT_*); main prints the message as
 * one line, "<program>: fatal: <msg>", and exits with the code.  Inner modules
 * write the reason ("entry 2: duplicate name ..."); the caller that knows
 * the file puts "unable to <verb> <object>: " in front with err_prefix(). */
#ifndef LETHE_TOOL_ERR_H
#define LETHE_TOOL_ERR_H

#include <stddef.h>

#define ERR_MSG_BYTES 768

struct tool_err {
	int code;                /* lethe_exit value, 0 while nothing failed */
	char msg[ERR_MSG_BYTES];
};

/* Sets code and message; returns code so callers can "return err_set(...)". */
int err_set(struct tool_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like err_set, with ": strerror(errnum)" appended and the code chosen from
 * errnum by err_exit_from_errno(). */
int err_sys(struct tool_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Puts a formatted prefix in front of the message already recorded. */
void err_prefix(struct tool_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* 111 for conditions a retry may cure (no memory, I/O error, full disk),
 * 100 for everything else (missing file, permission, not a file). */
int err_exit_from_errno(int errnum);

/* Copies at most 64 bytes of s into out (cap >= 72) for an error message,
 * replacing bytes outside printable ASCII with '?' so a hostile input
 * can neither split the line nor inject terminal escapes. */
const char *err_quote(char *out, size_t cap, const char *s, size_t n);

#endif
