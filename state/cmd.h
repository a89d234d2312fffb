/* lethe-state's commands; each returns its exit code (include/lethe_state.h). */
#ifndef STATE_CMD_H
#define STATE_CMD_H

#include "state.h"

/* Seals every instance's state file into one blob under a fresh counter
 * value and PUTs it: STATE_EXIT_OK, or STATE_EXIT_TEMP. */
int save_run(const struct state_opts *o);

/* GETs the blob, checks it, writes every state file or none, and the run
 * directory's result and rollout: STATE_EXIT_OK (restored), _NONE,
 * _REFUSED or _TEMP (failed). */
int restore_run(const struct state_opts *o);

/* Prints the public header of the blob in PATH: STATE_EXIT_OK, _REFUSED
 * (not a valid blob) or _TEMP (unreadable). */
int show_run(const char *path);

#endif
