/* keydir: tor key files in and out.  Secrets pass only through locked
 * buffers that are wiped on every path. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "keydir.h"

#define KEYDIR_PATH_MAX 4096

int keydir_identities(const struct bundle *b, struct keydir_ids ids[TPMSEAL_MAX_INSTANCES],
		      char family_id[TORKEY_ED_ID_B64])
{
	uint8_t pk[32];
	unsigned i;

	family_id[0] = '\0';
	for (i = 0; i < b->count; i++) {
		const struct bundle_instance *in = &b->inst[i];
		EVP_PKEY *k = torkey_rsa_from_primes(in->p, in->plen, in->q, in->qlen);
		int r = k ? torkey_rsa_fingerprint(k, ids[i].rsa) : -1;

		EVP_PKEY_free(k);
		if (r || torkey_ed_public(in->ed, pk))
			return -1;
		torkey_ed_id(pk, ids[i].ed);
	}
	if (b->has_family) {
		if (torkey_ed_public(b->family, pk))
			return -1;
		torkey_ed_id(pk, family_id);
	}
	return 0;
}

/* Overwrites NAME under dirfd with zeros, then unlinks it: on tmpfs the
 * freed pages would otherwise hold key bytes until reused.  O_NONBLOCK: if
 * someone swapped in a FIFO, opening it must not hang the boot. */
static void keydir_shred(int dirfd, const char *name)
{
	static const uint8_t zero[512];
	struct stat st;
	off_t off = 0;
	int fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0) {
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			while (off < st.st_size) {
				size_t n = (size_t)(st.st_size - off) < sizeof zero ?
					   (size_t)(st.st_size - off) : sizeof zero;
				ssize_t k = pwrite(fd, zero, n, off);
				if (k < 0 && errno == EINTR)
					continue;
				if (k <= 0)
					break;
				off += k;
			}
		close(fd);
	}
	unlinkat(dirfd, name, 0);
}

/* A 0700 directory REL (relative to OUT) under dirfd, created if missing
 * and then remembered for keydir_undo, never a symlink. */
static int keydir_subdir(struct keydir *kd, int dirfd, const char *name, const char *rel, uid_t uid,
			 gid_t gid)
{
	int fd;

	if (mkdirat(dirfd, name, 0700) == 0) {
		if (kd->ndirs < sizeof kd->dir / sizeof kd->dir[0])
			snprintf(kd->dir[kd->ndirs++], KEYDIR_REL_MAX, "%s", rel);
	} else if (errno != EEXIST) {
		return -1;
	}
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fchmod(fd, 0700) < 0 || (uid != (uid_t)-1 && fchown(fd, uid, gid) < 0)) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* One key file: a 0600 temporary created exclusively, renamed into place
 * only when complete and only if no file of that name exists. */
static int keydir_put(struct keydir *kd, int dirfd, const char *dirpath, const char *reldir,
		      const char *name, const uint8_t *p, size_t n, uid_t uid, gid_t gid, char *err,
		      size_t errlen)
{
	char tmp[BUNDLE_NAME_MAX + 64];
	size_t off = 0;
	int fd, r = -1;

	snprintf(tmp, sizeof tmp, ".%s.tmp", name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "unable to create %s/%s: %s", dirpath, tmp, strerror(errno));
		return -1;
	}
	if (uid != (uid_t)-1 && fchown(fd, uid, gid) < 0) {
		snprintf(err, errlen, "unable to chown %s/%s: %s", dirpath, tmp, strerror(errno));
		goto out;
	}
	while (off < n) {
		ssize_t k = write(fd, p + off, n - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			snprintf(err, errlen, "unable to write %s/%s: %s", dirpath, tmp,
				 k < 0 ? strerror(errno) : "short write");
			goto out;
		}
		off += (size_t)k;
	}
	if (close(fd) < 0) {
		fd = -1;
		snprintf(err, errlen, "unable to close %s/%s: %s", dirpath, tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (renameat2(dirfd, tmp, dirfd, name, RENAME_NOREPLACE) < 0) {
		snprintf(err, errlen, "unable to rename %s/%s to %s: %s", dirpath, tmp, name,
			 strerror(errno));
		goto out;
	}
	if (kd->nfiles < sizeof kd->file / sizeof kd->file[0])
		snprintf(kd->file[kd->nfiles++], KEYDIR_REL_MAX, "%s/%s", reldir, name);
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (r)
		keydir_shred(dirfd, tmp);
	return r;
}

/* The files of instance I.  Secrets live in one locked scratch area. */
struct keydir_scratch {
	uint8_t pem[TORKEY_PEM_MAX];
	uint8_t ed[TORKEY_ED_FILE_BYTES];
};

static int keydir_write_instance(struct keydir *kd, unsigned i, const struct bundle *b, uid_t uid,
				 gid_t gid, struct keydir_scratch *s, struct keydir_ids *id, char *err,
				 size_t errlen)
{
	const struct bundle_instance *in = &b->inst[i];
	char num[12], rel[KEYDIR_REL_MAX], path[KEYDIR_PATH_MAX], fname[BUNDLE_NAME_MAX + 24];
	int ifd = -1, kfd = -1, r = -1;
	EVP_PKEY *k = NULL;
	uint8_t pk[32];
	size_t pemlen;

	snprintf(num, sizeof num, "%u", i);
	snprintf(rel, sizeof rel, "%u/keys", i);
	/* Name the component that failed: a file in place of OUT/i is not
	 * OUT/i/keys's fault. */
	snprintf(path, sizeof path, "%s/%u", kd->path, i);
	ifd = keydir_subdir(kd, kd->fd, num, num, uid, gid);
	if (ifd < 0) {
		snprintf(err, errlen, "unable to create directory %s: %s", path, strerror(errno));
		goto out;
	}
	snprintf(path, sizeof path, "%s/%u/keys", kd->path, i);
	kfd = keydir_subdir(kd, ifd, "keys", rel, uid, gid);
	if (kfd < 0) {
		snprintf(err, errlen, "unable to create directory %s: %s", path, strerror(errno));
		goto out;
	}
	k = torkey_rsa_from_primes(in->p, in->plen, in->q, in->qlen);
	pemlen = k ? torkey_rsa_pem(k, s->pem, sizeof s->pem) : 0;
	if (pemlen == 0 || torkey_rsa_fingerprint(k, id->rsa) || torkey_ed_public(in->ed, pk)) {
		snprintf(err, errlen, "unable to rebuild the identity keys of instance %u: corrupt bundle", i);
		r = -2;
		goto out;
	}
	torkey_ed_id(pk, id->ed);
	if (keydir_put(kd, kfd, path, rel, "secret_id_key", s->pem, pemlen, uid, gid, err, errlen))
		goto out;
	if (torkey_ed_file_render(in->ed, TORKEY_TAG_MASTER, s->ed) ||
	    keydir_put(kd, kfd, path, rel, "ed25519_master_id_secret_key", s->ed, sizeof s->ed, uid,
		       gid, err, errlen))
		goto out;
	if (b->has_family) {
		snprintf(fname, sizeof fname, "%s.secret_family_key", b->family_name);
		if (torkey_ed_file_render(b->family, TORKEY_TAG_FAMILY, s->ed) ||
		    keydir_put(kd, kfd, path, rel, fname, s->ed, sizeof s->ed, uid, gid, err, errlen))
			goto out;
	}
	r = 0;
out:
	EVP_PKEY_free(k);
	sodium_memzero(s, sizeof *s);
	if (kfd >= 0)
		close(kfd);
	if (ifd >= 0)
		close(ifd);
	return r;
}

/* What keydir_write made under OUT: files first, then directories
 * innermost first (each i/keys was recorded after its i). */
static void keydir_unwrite(struct keydir *kd)
{
	unsigned i;

	for (i = 0; kd->fd >= 0 && i < kd->nfiles; i++)
		keydir_shred(kd->fd, kd->file[i]);
	for (i = kd->ndirs; kd->fd >= 0 && i > 0; i--)
		unlinkat(kd->fd, kd->dir[i - 1], AT_REMOVEDIR);
	kd->nfiles = kd->ndirs = 0;
}

int keydir_open(struct keydir *kd, const char *out, uid_t uid, gid_t gid, int uid_step, char *err,
		size_t errlen)
{
	memset(kd, 0, sizeof *kd);
	kd->path = out;
	kd->fd = -1;
	if (strlen(out) > KEYDIR_PATH_MAX - 128) {
		snprintf(err, errlen, "unable to use %s: path too long", out);
		return -1;
	}
	if (mkdir(out, 0700) == 0)
		kd->created = 1;
	else if (errno != EEXIST) {
		snprintf(err, errlen, "unable to create directory %s: %s", out, strerror(errno));
		return -1;
	}
	kd->fd = open(out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (kd->fd < 0 || fchmod(kd->fd, uid_step ? 0710 : 0700) < 0 ||
	    (uid != (uid_t)-1 && fchown(kd->fd, uid_step ? 0 : uid, gid) < 0)) {
		snprintf(err, errlen, "unable to open directory %s: %s", out, strerror(errno));
		keydir_undo(kd);
		keydir_close(kd);
		return -1;
	}
	return 0;
}

int keydir_write(struct keydir *kd, const struct bundle *b, uid_t uid, gid_t gid, int uid_step,
		 struct keydir_ids ids[TPMSEAL_MAX_INSTANCES], char family_id[TORKEY_ED_ID_B64],
		 char *err, size_t errlen)
{
	struct keydir_scratch *s = sodium_malloc(sizeof *s);
	int r = -1;
	unsigned i;

	if (!s) {
		snprintf(err, errlen, "unable to allocate locked memory: %s", strerror(errno));
		return -1;
	}
	family_id[0] = '\0';
	if (b->has_family) {
		uint8_t pk[32];
		if (torkey_ed_public(b->family, pk)) {
			snprintf(err, errlen, "unable to rebuild the family key: corrupt bundle");
			r = -2;
			goto out;
		}
		torkey_ed_id(pk, family_id);
	}
	for (i = 0; i < b->count; i++) {
		uid_t u = uid != (uid_t)-1 && uid_step ? uid + (uid_t)i : uid;

		r = keydir_write_instance(kd, i, b, u, gid, s, &ids[i], err, errlen);
		if (r)
			goto out;
	}
	r = 0;
out:
	/* All or nothing: tor must never start with half an identity.  OUT
	 * stays: it is the caller's to keep or undo. */
	if (r)
		keydir_unwrite(kd);
	sodium_free(s);
	return r;
}

void keydir_undo(struct keydir *kd)
{
	keydir_unwrite(kd);
	/* rmdir fails on a non-empty OUT: never more than we made. */
	if (kd->created)
		rmdir(kd->path);
	kd->created = 0;
}

void keydir_close(struct keydir *kd)
{
	if (kd->fd >= 0)
		close(kd->fd);
	kd->fd = -1;
}

/* Reads a small regular file (never through a symlink) into a locked
 * buffer of cap bytes; returns its length or -1. */
static ssize_t keydir_slurp(const char *path, uint8_t *buf, size_t cap, char *err, size_t errlen)
{
	struct stat st;
	size_t off = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "unable to open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 0 || (size_t)st.st_size > cap) {
		snprintf(err, errlen, "unable to read %s: not a regular file of at most %zu bytes", path, cap);
		close(fd);
		return -1;
	}
	for (;;) {
		ssize_t k = read(fd, buf + off, cap - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			snprintf(err, errlen, "unable to read %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (k == 0)
			break;
		off += (size_t)k;
		if (off == cap)
			break;
	}
	close(fd);
	return (ssize_t)off;
}

int keydir_read_instance(const char *dir, struct bundle_instance *in, char *err, size_t errlen)
{
	struct keydir_scratch *s = sodium_malloc(sizeof *s);
	char path[KEYDIR_PATH_MAX];
	ssize_t n;
	int r = -1;

	if (!s) {
		snprintf(err, errlen, "unable to allocate locked memory: %s", strerror(errno));
		return -1;
	}
	snprintf(path, sizeof path, "%s/secret_id_key", dir);
	n = keydir_slurp(path, s->pem, sizeof s->pem, err, errlen);
	if (n < 0)
		goto out;
	if (torkey_rsa_pem_parse(s->pem, (size_t)n, in->p, &in->plen, in->q, &in->qlen,
				 BUNDLE_PRIME_MAX)) {
		snprintf(err, errlen, "unable to parse %s: not a PKCS#1 RSA-1024 key with e = 65537", path);
		goto out;
	}
	snprintf(path, sizeof path, "%s/ed25519_master_id_secret_key", dir);
	n = keydir_slurp(path, s->ed, sizeof s->ed, err, errlen);
	if (n < 0)
		goto out;
	if (torkey_ed_file_parse(s->ed, (size_t)n, TORKEY_TAG_MASTER, in->ed)) {
		snprintf(err, errlen, "unable to parse %s: not a tor ed25519 master secret key", path);
		goto out;
	}
	r = 0;
out:
	sodium_free(s);
	if (r)
		sodium_memzero(in, sizeof *in);
	return r;
}

int keydir_read_family(const char *path, struct bundle *b, char *err, size_t errlen)
{
	static const char suffix[] = ".secret_family_key";
	struct keydir_scratch *s;
	const char *base = strrchr(path, '/');
	size_t blen;
	ssize_t n;
	int r = -1;

	base = base ? base + 1 : path;
	blen = strlen(base);
	if (blen <= sizeof suffix - 1 || strcmp(base + blen - (sizeof suffix - 1), suffix) ||
	    blen - (sizeof suffix - 1) > BUNDLE_NAME_MAX) {
		snprintf(err, errlen, "unable to use %s: not named NAME.secret_family_key", path);
		return -1;
	}
	memcpy(b->family_name, base, blen - (sizeof suffix - 1));
	b->family_name[blen - (sizeof suffix - 1)] = '\0';
	if (!bundle_name_ok(b->family_name)) {
		snprintf(err, errlen, "unable to use %s: family name not [A-Za-z0-9_-]{1,32}", path);
		return -1;
	}
	s = sodium_malloc(sizeof *s);
	if (!s) {
		snprintf(err, errlen, "unable to allocate locked memory: %s", strerror(errno));
		return -1;
	}
	n = keydir_slurp(path, s->ed, sizeof s->ed, err, errlen);
	if (n < 0)
		goto out;
	if (torkey_ed_file_parse(s->ed, (size_t)n, TORKEY_TAG_FAMILY, b->family)) {
		snprintf(err, errlen, "unable to parse %s: not a tor family secret key", path);
		goto out;
	}
	b->has_family = 1;
	r = 0;
out:
	sodium_free(s);
	return r;
}
