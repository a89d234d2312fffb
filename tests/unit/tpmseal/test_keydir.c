/* keydir: files written where tor reads them, modes, no overwrite, no
 * symlinks, all-or-nothing; tor's own key files imported. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keydir.h"
#include "pubinfo.h"
#include "tests.h"

struct t_dir {
	char path[PATH_MAX];
};

static int t_setup(void **state)
{
	static struct t_dir d;
	const char *tmp = getenv("TMPDIR");

	snprintf(d.path, sizeof d.path, "%s/tpmseal-test.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(d.path))
		return -1;
	*state = &d;
	return 0;
}

static int t_teardown(void **state)
{
	struct t_dir *d = *state;
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->path);
	return system(cmd) == 0 ? 0 : -1;
}

static void t_mode(const char *path, mode_t want)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, want);
}

/* Imports tor's fixture as instance 0 and 1, with its family key. */
static struct bundle *t_import(void)
{
	struct bundle *b = bundle_new();
	char err[512];

	assert_non_null(b);
	if (keydir_read_instance(TDATA "/tor", &b->inst[0], err, sizeof err) != 0)
		fail_msg("%s", err);
	b->inst[1] = b->inst[0];
	b->count = 2;
	assert_int_equal(keydir_read_family(TDATA "/tor/fxfam.secret_family_key", b, err, sizeof err), 0);
	assert_string_equal(b->family_name, "fxfam");
	return b;
}

/* keydir_open, keydir_write, keydir_close: what unseal does on success. */
static int t_write(const char *out, const struct bundle *b, struct keydir_ids *ids, char *fam,
		   char *err, size_t errlen)
{
	struct keydir kd;
	int r;

	if (keydir_open(&kd, out, (uid_t)-1, (gid_t)-1, 0, err, errlen))
		return -3;
	r = keydir_write(&kd, b, (uid_t)-1, (gid_t)-1, 0, ids, fam, err, errlen);
	keydir_close(&kd);
	return r;
}

static void test_write_and_reread(void **state)
{
	struct t_dir *d = *state;
	struct bundle *b = t_import(), *c = bundle_new();
	struct keydir_ids ids[TPMSEAL_MAX_INSTANCES];
	char out[PATH_MAX + 8], p[PATH_MAX + 80], err[8192], fam[TORKEY_ED_ID_B64];
	uint8_t a1[200], a2[200];

	snprintf(out, sizeof out, "%s/out", d->path);
	assert_int_equal(t_write(out, b, ids, fam, err, sizeof err), 0);
	assert_string_equal(ids[1].rsa, t_golden("tor/rsa_fpr"));
	assert_string_equal(fam, t_golden("tor/family_id"));
	t_mode(out, 0700);
	snprintf(p, sizeof p, "%s/1/keys", out);
	t_mode(p, 0700);
	snprintf(p, sizeof p, "%s/1/keys/secret_id_key", out);
	t_mode(p, 0600);
	snprintf(p, sizeof p, "%s/0/keys/fxfam.secret_family_key", out);
	t_mode(p, 0600);
	/* the ed25519 files are tor's bytes */
	snprintf(p, sizeof p, "%s/0/keys/ed25519_master_id_secret_key", out);
	assert_int_equal(t_slurp(p, a1, sizeof a1), 96);
	assert_int_equal(t_slurp(TDATA "/tor/ed25519_master_id_secret_key", a2, sizeof a2), 96);
	assert_memory_equal(a1, a2, 96);
	snprintf(p, sizeof p, "%s/0/keys/fxfam.secret_family_key", out);
	assert_int_equal(t_slurp(p, a1, sizeof a1), 96);
	assert_int_equal(t_slurp(TDATA "/tor/fxfam.secret_family_key", a2, sizeof a2), 96);
	assert_memory_equal(a1, a2, 96);
	/* read back what we wrote: same identities as tor printed */
	snprintf(p, sizeof p, "%s/1/keys", out);
	assert_int_equal(keydir_read_instance(p, &c->inst[0], err, sizeof err), 0);
	c->count = 1;
	assert_int_equal(keydir_identities(c, ids, fam), 0);
	assert_string_equal(ids[0].rsa, t_golden("tor/rsa_fpr"));
	assert_string_equal(ids[0].ed, t_golden("tor/ed_id"));
	assert_int_equal(keydir_identities(b, ids, fam), 0);
	assert_string_equal(fam, t_golden("tor/family_id"));
	/* never overwrite: a second unseal into the same place fails and
	 * leaves the first files as they were */
	assert_int_equal(t_write(out, b, ids, fam, err, sizeof err), -1);
	assert_non_null(strstr(err, "secret_id_key"));
	snprintf(p, sizeof p, "%s/0/keys/ed25519_master_id_secret_key", out);
	assert_int_equal(t_slurp(p, a1, sizeof a1), 96);
	bundle_free(b);
	bundle_free(c);
}

/* A failure half way removes what was already written. */
static void test_all_or_nothing(void **state)
{
	struct t_dir *d = *state;
	struct bundle *b = t_import();
	struct keydir_ids ids[TPMSEAL_MAX_INSTANCES];
	char out[PATH_MAX + 8], p[PATH_MAX + 80], err[8192], fam[TORKEY_ED_ID_B64];
	struct stat st;

	snprintf(out, sizeof out, "%s/aon", d->path);
	assert_int_equal(mkdir(out, 0700), 0);
	snprintf(p, sizeof p, "%s/1", out);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/1/keys", out);
	assert_int_equal(symlink("/tmp", p), 0);  /* instance 1 cannot be written */
	assert_int_equal(t_write(out, b, ids, fam, err, sizeof err), -1);
	snprintf(p, sizeof p, "%s/0/keys/secret_id_key", out);
	assert_int_equal(lstat(p, &st), -1);
	assert_int_equal(errno, ENOENT);
	snprintf(p, sizeof p, "%s/0/keys/ed25519_master_id_secret_key", out);
	assert_int_equal(lstat(p, &st), -1);
	/* nor the directories it made: no partial key directory */
	snprintf(p, sizeof p, "%s/0", out);
	assert_int_equal(lstat(p, &st), -1);
	assert_int_equal(errno, ENOENT);
	bundle_free(b);
}

/* unseal's failure paths: a file where instance 1's directory must go
 * fails the write, which names that path and leaves nothing; keydir_undo
 * then removes the OUT keydir_open made.  A --out under a regular file
 * fails in keydir_open already (before the TPM would be read). */
static void test_undo(void **state)
{
	struct t_dir *d = *state;
	struct bundle *b = t_import();
	struct keydir_ids ids[TPMSEAL_MAX_INSTANCES];
	char out[PATH_MAX + 16], p[PATH_MAX + 80], err[8192], fam[TORKEY_ED_ID_B64];
	struct keydir kd;
	struct stat st;
	int fd;

	snprintf(out, sizeof out, "%s/undo", d->path);
	assert_int_equal(keydir_open(&kd, out, (uid_t)-1, (gid_t)-1, 0, err, sizeof err), 0);
	assert_int_equal(kd.created, 1);
	snprintf(p, sizeof p, "%s/1", out);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(keydir_write(&kd, b, (uid_t)-1, (gid_t)-1, 0, ids, fam, err, sizeof err), -1);
	assert_non_null(strstr(err, p));
	assert_non_null(strstr(err, "Not a directory"));
	snprintf(p, sizeof p, "%s/0", out);
	assert_int_equal(lstat(p, &st), -1);
	snprintf(p, sizeof p, "%s/1", out);
	assert_int_equal(unlink(p), 0);
	keydir_undo(&kd);
	keydir_close(&kd);
	assert_int_equal(lstat(out, &st), -1);
	assert_int_equal(errno, ENOENT);

	/* a complete write undone: every file and directory goes, OUT too */
	assert_int_equal(keydir_open(&kd, out, (uid_t)-1, (gid_t)-1, 0, err, sizeof err), 0);
	assert_int_equal(keydir_write(&kd, b, (uid_t)-1, (gid_t)-1, 0, ids, fam, err, sizeof err), 0);
	keydir_undo(&kd);
	keydir_undo(&kd);
	keydir_close(&kd);
	assert_int_equal(lstat(out, &st), -1);

	/* an OUT that existed before stays */
	assert_int_equal(mkdir(out, 0755), 0);
	assert_int_equal(keydir_open(&kd, out, (uid_t)-1, (gid_t)-1, 0, err, sizeof err), 0);
	assert_int_equal(kd.created, 0);
	keydir_undo(&kd);
	keydir_close(&kd);
	t_mode(out, 0700);

	snprintf(p, sizeof p, "%s/file", d->path);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	snprintf(out, sizeof out, "%s/file/out", d->path);
	assert_int_equal(keydir_open(&kd, out, (uid_t)-1, (gid_t)-1, 0, err, sizeof err), -1);
	assert_int_equal(kd.fd, -1);
	assert_non_null(strstr(err, out));
	bundle_free(b);
}

static void test_read_refuses(void **state)
{
	struct t_dir *d = *state;
	struct bundle *b = bundle_new();
	char p[PATH_MAX + 64], err[8192], target[PATH_MAX];

	assert_int_equal(keydir_read_instance(d->path, &b->inst[0], err, sizeof err), -1);
	assert_non_null(strstr(err, "secret_id_key"));
	assert_int_equal(keydir_read_family(TDATA "/tor/secret_id_key", b, err, sizeof err), -1);
	snprintf(p, sizeof p, "%s/bad name.secret_family_key", d->path);
	assert_int_equal(keydir_read_family(p, b, err, sizeof err), -1);
	/* a symlinked key file is not followed */
	snprintf(p, sizeof p, "%s/secret_id_key", d->path);
	assert_non_null(realpath(TDATA "/tor/secret_id_key", target));
	assert_int_equal(symlink(target, p), 0);
	assert_int_equal(keydir_read_instance(d->path, &b->inst[0], err, sizeof err), -1);
	bundle_free(b);
}

/* The public record carries the identities and nothing secret. */
static void test_pubinfo(void **state)
{
	struct bundle *b = t_import();
	struct pubinfo pi, again;
	struct keydir_ids ids;
	uint8_t rec[PUBINFO_MAX_BYTES], bad[PUBINFO_MAX_BYTES + 1];
	size_t n, i;

	(void)state;
	assert_int_equal(pubinfo_from_bundle(b, 1, 1u << 7, &pi), 0);
	n = pubinfo_render(&pi, rec, sizeof rec);
	assert_int_equal(n, 12 + 2 * 52 + 1 + 5 + 32);
	assert_int_equal(pubinfo_parse(rec, n, &again), 0);
	pubinfo_ids(&again, 1, &ids);
	assert_string_equal(ids.rsa, t_golden("tor/rsa_fpr"));
	assert_string_equal(ids.ed, t_golden("tor/ed_id"));
	assert_string_equal(again.family_name, "fxfam");
	/* no secret byte of the bundle appears in it */
	for (i = 0; i + 8 <= n; i++) {
		assert_true(memcmp(rec + i, b->inst[0].ed, 8) != 0);
		assert_true(memcmp(rec + i, b->inst[0].p, 8) != 0);
		assert_true(memcmp(rec + i, b->family, 8) != 0);
	}
	for (i = 0; i < n; i++)
		assert_int_equal(pubinfo_parse(rec, i, &again), -1);
	memcpy(bad, rec, n);
	bad[n] = 0;
	assert_int_equal(pubinfo_parse(bad, n + 1, &again), -1);
	memcpy(bad, rec, n);
	bad[5] = 2;  /* authorized mode with a PCR mask */
	assert_int_equal(pubinfo_parse(bad, n, &again), -1);
	bad[5] = 1;
	bad[6] = 9;
	assert_int_equal(pubinfo_parse(bad, n, &again), -1);
	assert_int_equal(pubinfo_from_bundle(b, 2, 0, &pi), 0);
	assert_true(pubinfo_render(&pi, rec, sizeof rec) > 0);
	bundle_free(b);
}

int run_keydir_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_and_reread, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_all_or_nothing, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_undo, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_read_refuses, t_setup, t_teardown),
		cmocka_unit_test(test_pubinfo),
	};
	return cmocka_run_group_tests_name("keydir", tests, NULL, NULL);
}
