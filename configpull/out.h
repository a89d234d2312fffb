/* Output files for initd, each replaced atomically in one directory. */
#ifndef CONFIGPULL_OUT_H
#define CONFIGPULL_OUT_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* No group given: files stay in the writer's group. */
#define OUT_GID_NONE ((gid_t)-1)

/* Creates DIR (0750) if absent; it must be a directory (not a symlink)
 * owned by us.  With GID: DIR becomes root:GID 02750, so the instance user
 * can read what is written in it.  1 ok, 0 with ERR set. */
int out_dir_prepare(const char *dir, gid_t gid, struct cp_err *err);

/* Whether DIR/NAME already holds exactly DATA (and, with GID, belongs to
 * that group).  1 same, 0 differs or absent. */
int out_same(const char *dir, const char *name, gid_t gid, const char *data, size_t len);

#define OUT_PATH_MAX 4096

/* Writes DATA to the temporary DIR/.NAME.tmp-PID (0640, group GID unless
 * OUT_GID_NONE, O_EXCL|O_NOFOLLOW: never follows nor reuses what is there)
 * and fsyncs it; TMP gets its path.  On error nothing of ours is left and
 * TMP is "".  1 ok, 0 with ERR set. */
int out_tmp_write(const char *dir, const char *name, gid_t gid, const char *data, size_t len,
		  char tmp[OUT_PATH_MAX], struct cp_err *err);

/* Renames TMP over DIR/NAME; TMP becomes "" on success.  1 ok, 0 with ERR
 * set (TMP is left for out_tmp_discard). */
int out_tmp_commit(const char *dir, const char *name, char tmp[OUT_PATH_MAX], struct cp_err *err);

/* Removes TMP if it is set (ours, not yet renamed). */
void out_tmp_discard(char tmp[OUT_PATH_MAX]);

/* Whether DIR/NAME can be replaced by a rename: absent or not a
 * directory.  1 yes, 0 with ERR set. */
int out_replaceable(const char *dir, const char *name, struct cp_err *err);

/* out_tmp_write then out_tmp_commit: writes DATA to DIR/.NAME.tmp-PID (0640, group GID unless OUT_GID_NONE,
 * O_EXCL|O_NOFOLLOW), fsyncs, and renames it over DIR/NAME.  The temporary
 * is removed on every error.  1 ok, 0 with ERR set. */
int out_write(const char *dir, const char *name, gid_t gid, const char *data, size_t len,
	      struct cp_err *err);

/* Files in DIR named PREFIX* (never dot files: temporaries) that are not
 * in KEEP (N names).  With UNLINK they are removed.  Returns how many were
 * found, -1 with ERR set. */
int out_prune(const char *dir, const char *prefix, const char *const *keep, size_t n, int unlink_them,
	      struct cp_err *err);

#endif
