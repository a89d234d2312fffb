/* keydir: write restored key files where tor will read them.
 *
 *   OUT/<i>/keys/secret_id_key                   PKCS#1 PEM, 0600
 *   OUT/<i>/keys/ed25519_master_id_secret_key    tagged, 0600
 *   OUT/<i>/keys/<family>.secret_family_key      tagged, 0600 (if sealed)
 *
 * <i> is the instance number 0..7.  Directories are 0700; all are owned by
 * uid:gid when given.  Nothing is overwritten, nothing is followed through
 * a symlink, and on any error every file and directory already written is
 * removed again (the files first overwritten with zeros). */
#ifndef TPMSEAL_KEYDIR_H
#define TPMSEAL_KEYDIR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bundle.h"
#include "torkey.h"

struct keydir_ids {
	char rsa[TORKEY_FPR_HEX];
	char ed[TORKEY_ED_ID_B64];
};

/* Public identities of every instance (and the family id in family_id).
 * 0, or -1 if a sealed key does not rebuild (corrupt bundle). */
int keydir_identities(const struct bundle *b, struct keydir_ids ids[TPMSEAL_MAX_INSTANCES],
		      char family_id[TORKEY_ED_ID_B64]);

/* Where keys go: OUT opened once, and what keydir_write created under it
 * (relative to OUT), so that keydir_undo can take all of it back. */
#define KEYDIR_REL_MAX 80  /* "7/keys/" NAME(32) ".secret_family_key" */
struct keydir {
	const char *path;  /* OUT as given */
	int fd;            /* OUT; -1 when closed */
	int created;       /* OUT was made by keydir_open */
	unsigned nfiles, ndirs;
	char file[TPMSEAL_MAX_INSTANCES * 3][KEYDIR_REL_MAX];
	char dir[TPMSEAL_MAX_INSTANCES * 2][KEYDIR_REL_MAX];
};

/* Creates OUT if missing and opens it (never through a symlink): 0700, or
 * with uid_step root:gid 0710.  Done before the TPM is read, so a --out
 * that cannot work costs no read-lock.  0, or -1 with err. */
int keydir_open(struct keydir *kd, const char *out, uid_t uid, gid_t gid, int uid_step, char *err,
		size_t errlen);

/* Writes B under OUT and fills IDS/FAMILY_ID from the very keys written.
 * uid/gid (uid_t)-1 keep the caller's.  With uid_step, instance i is
 * uid + i's (one user per tor instance) and OUT itself root:gid 0710, so
 * every instance's user can reach its own directory and no other's.  Returns 0; -1 on a system error;
 * -2 if a sealed key does not rebuild (corrupt bundle); with a one-line
 * reason in err naming the path (no secret ever goes into it) and nothing
 * it created left behind (files wiped, directories removed). */
int keydir_write(struct keydir *kd, const struct bundle *b, uid_t uid, gid_t gid, int uid_step,
		 struct keydir_ids ids[TPMSEAL_MAX_INSTANCES], char family_id[TORKEY_ED_ID_B64],
		 char *err, size_t errlen);

/* Takes back everything keydir_write wrote (files overwritten with zeros,
 * then unlinked; the directories it made removed) and OUT itself if
 * keydir_open made it and it is empty again.  Safe to call more than once. */
void keydir_undo(struct keydir *kd);

void keydir_close(struct keydir *kd);

/* Reads one instance from a tor KeyDirectory (DIR/secret_id_key and
 * DIR/ed25519_master_id_secret_key) into IN.  0 or -1 with err. */
int keydir_read_instance(const char *dir, struct bundle_instance *in, char *err, size_t errlen);

/* Reads a tor family key file PATH (NAME.secret_family_key) into B. */
int keydir_read_family(const char *path, struct bundle *b, char *err, size_t errlen);

#endif
