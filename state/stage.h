/* Restore's writes, all or nothing: every instance's state goes first to a
 * temporary in its DataDirectory (DATA/NAME, made 0700 for the instance's
 * user when missing), each complete and fsynced; only when all are written
 * are they renamed to `state`.  A failure before that removes every
 * temporary (overwritten with zeros first) and every directory it made. */
#ifndef STATE_STAGE_H
#define STATE_STAGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lethe_paths.h"

#define STAGE_STATE_NAME "state"
#define STAGE_TMP_NAME ".state.lethe-state.tmp"

struct stage {
	const char *data_dir;
	size_t n;
	struct {
		char name[LETHE_INSTANCE_NAME_MAX + 1];
		int fd;        /* the DataDirectory */
		int made;      /* we created it */
		int renamed;
	} d[LETHE_INSTANCES_MAX];
};

void stage_init(struct stage *s, const char *data_dir);

/* Writes the LEN bytes at PLAIN as the temporary of instance NAME, mode
 * 0600, owned by UID:GID unless UID is (uid_t)-1 (--no-chown; a directory
 * it makes gets the same owner).  0, or -1 with a reason naming the path
 * (never a byte of PLAIN). */
int stage_put(struct stage *s, const char *name, uid_t uid, gid_t gid, const uint8_t *plain, size_t len, char *why,
	      size_t whylen);

/* Renames every temporary to `state`.  0, or -1 with a reason (the ones
 * renamed before the failure stay: a rename within a directory does not
 * fail but for a broken file system). */
int stage_commit(struct stage *s, char *why, size_t whylen);

/* Takes back what was not committed (temporaries shredded, directories
 * made removed) and closes everything.  Safe after stage_commit. */
void stage_end(struct stage *s);

#endif
