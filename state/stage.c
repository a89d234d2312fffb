/* stage.c: stage.h.  The DataDirectory belongs to tor's user, who may put
 * anything in it: the temporary is created with O_EXCL|O_NOFOLLOW after an
 * unlink (a symlink or file of that name is removed, not followed), and the
 * directory itself is opened O_NOFOLLOW. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "stage.h"
#include "state.h"

void stage_init(struct stage *s, const char *data_dir)
{
	memset(s, 0, sizeof *s);
	s->data_dir = data_dir;
}

/* Opens DATA/NAME, making it (0700, UID:GID) when missing.  The fd or -1. */
static int stage_dir(struct stage *s, const char *name, uid_t uid, gid_t gid, int *made, char *why, size_t whylen)
{
	int base, fd = -1;

	*made = 0;
	base = open(s->data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (base < 0) {
		state_why(why, whylen, "unable to open %s: %s", s->data_dir, strerror(errno));
		return -1;
	}
	if (mkdirat(base, name, 0700) == 0)
		*made = 1;
	else if (errno != EEXIST) {
		state_why(why, whylen, "unable to create %s/%s: %s", s->data_dir, name, strerror(errno));
		goto out;
	}
	fd = openat(base, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		state_why(why, whylen, "unable to open %s/%s: %s", s->data_dir, name, strerror(errno));
		if (*made)
			unlinkat(base, name, AT_REMOVEDIR);
		*made = 0;
		goto out;
	}
	/* tor refuses a DataDirectory that is not its user's, 0700 */
	if (*made && ((uid != (uid_t)-1 && fchown(fd, uid, gid) < 0) || fchmod(fd, 0700) < 0)) {
		state_why(why, whylen, "unable to give %s/%s to tor: %s", s->data_dir, name, strerror(errno));
		close(fd);
		fd = -1;
		unlinkat(base, name, AT_REMOVEDIR);
		*made = 0;
	}
out:
	close(base);
	return fd;
}

int stage_put(struct stage *s, const char *name, uid_t uid, gid_t gid, const uint8_t *plain, size_t len, char *why,
	      size_t whylen)
{
	int dfd, fd, made;

	if (s->n == LETHE_INSTANCES_MAX || strlen(name) > LETHE_INSTANCE_NAME_MAX) {
		state_why(why, whylen, "instance %s: out of bounds", name);
		return -1;
	}
	dfd = stage_dir(s, name, uid, gid, &made, why, whylen);
	if (dfd < 0)
		return -1;
	/* from here stage_end takes it back */
	snprintf(s->d[s->n].name, sizeof s->d[s->n].name, "%s", name);
	s->d[s->n].fd = dfd;
	s->d[s->n].made = made;
	s->d[s->n].renamed = 0;
	s->n++;
	if (unlinkat(dfd, STAGE_TMP_NAME, 0) < 0 && errno != ENOENT) {
		state_why(why, whylen, "unable to remove %s/%s/%s: %s", s->data_dir, name, STAGE_TMP_NAME, strerror(errno));
		return -1;
	}
	fd = openat(dfd, STAGE_TMP_NAME, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		state_why(why, whylen, "unable to create %s/%s/%s: %s", s->data_dir, name, STAGE_TMP_NAME, strerror(errno));
		return -1;
	}
	if ((uid != (uid_t)-1 && fchown(fd, uid, gid) < 0) || files_write_all(fd, plain, len) < 0 || fsync(fd) < 0) {
		state_why(why, whylen, "unable to write %s/%s/%s: %s", s->data_dir, name, STAGE_TMP_NAME, strerror(errno));
		close(fd);
		return -1;
	}
	if (close(fd) < 0) {
		state_why(why, whylen, "unable to write %s/%s/%s: %s", s->data_dir, name, STAGE_TMP_NAME, strerror(errno));
		return -1;
	}
	return 0;
}

int stage_commit(struct stage *s, char *why, size_t whylen)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (renameat(s->d[i].fd, STAGE_TMP_NAME, s->d[i].fd, STAGE_STATE_NAME) < 0) {
			state_why(why, whylen, "unable to rename %s/%s/%s to %s: %s", s->data_dir, s->d[i].name,
				 STAGE_TMP_NAME, STAGE_STATE_NAME, strerror(errno));
			return -1;
		}
		s->d[i].renamed = 1;
		fsync(s->d[i].fd);
	}
	return 0;
}

void stage_end(struct stage *s)
{
	size_t i;
	int base = -1;

	for (i = 0; i < s->n; i++) {
		if (!s->d[i].renamed)
			files_shred(s->d[i].fd, STAGE_TMP_NAME);
		close(s->d[i].fd);
		if (s->d[i].made && !s->d[i].renamed) {
			if (base < 0)
				base = open(s->data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (base >= 0)
				unlinkat(base, s->d[i].name, AT_REMOVEDIR);
		}
	}
	if (base >= 0)
		close(base);
	s->n = 0;
}
