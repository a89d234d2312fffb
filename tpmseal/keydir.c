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

#define KEYDIR_MAX_FILES (TPMSEAL_MAX_INSTANCES * 3)
#define KEYDIR_PATH_MAX 4096

struct keydir_written {
	char path[KEYDIR_MAX_FILES][KEYDIR_PATH_MAX];
	unsigned n;
};

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

/* A 0700 directory NAME under dirfd, created if missing, never a symlink. */
static int keydir_subdir(int dirfd, const char *name, uid_t uid, gid_t gid)
{
	int fd;

	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return -1;
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
static int keydir_put(int dirfd, const char *dirpath, const char *name, const uint8_t *p, size_t n,
		      uid_t uid, gid_t gid, struct keydir_written *w, char *err, size_t errlen)
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
	if (w->n < KEYDIR_MAX_FILES)
		snprintf(w->path[w->n++], KEYDIR_PATH_MAX, "%s/%s", dirpath, name);
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (r)
		unlinkat(dirfd, tmp, 0);
	return r;
}

/* The files of instance I.  Secrets live in one locked scratch area. */
struct keydir_scratch {
	uint8_t pem[TORKEY_PEM_MAX];
	uint8_t ed[TORKEY_ED_FILE_BYTES];
};

static int keydir_write_instance(int outfd, const char *out, unsigned i, const struct bundle *b,
				 uid_t uid, gid_t gid, struct keydir_scratch *s,
				 struct keydir_written *w, struct keydir_ids *id, char *err,
				 size_t errlen)
{
	const struct bundle_instance *in = &b->inst[i];
	char num[12], path[KEYDIR_PATH_MAX], fname[BUNDLE_NAME_MAX + 24];
	int ifd = -1, kfd = -1, r = -1;
	EVP_PKEY *k = NULL;
	uint8_t pk[32];
	size_t pemlen;

	snprintf(num, sizeof num, "%u", i);
	snprintf(path, sizeof path, "%s/%u/keys", out, i);
	ifd = keydir_subdir(outfd, num, uid, gid);
	if (ifd < 0 || (kfd = keydir_subdir(ifd, "keys", uid, gid)) < 0) {
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
	if (keydir_put(kfd, path, "secret_id_key", s->pem, pemlen, uid, gid, w, err, errlen))
		goto out;
	if (torkey_ed_file_render(in->ed, TORKEY_TAG_MASTER, s->ed) ||
	    keydir_put(kfd, path, "ed25519_master_id_secret_key", s->ed, sizeof s->ed, uid, gid, w,
		       err, errlen))
		goto out;
	if (b->has_family) {
		snprintf(fname, sizeof fname, "%s.secret_family_key", b->family_name);
		if (torkey_ed_file_render(b->family, TORKEY_TAG_FAMILY, s->ed) ||
		    keydir_put(kfd, path, fname, s->ed, sizeof s->ed, uid, gid, w, err, errlen))
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

int keydir_write(const char *out, const struct bundle *b, uid_t uid, gid_t gid, int uid_step,
		 struct keydir_ids ids[TPMSEAL_MAX_INSTANCES], char family_id[TORKEY_ED_ID_B64],
		 char *err, size_t errlen)
{
	struct keydir_scratch *s = sodium_malloc(sizeof *s);
	static struct keydir_written w;
	int outfd = -1, r = -1;
	unsigned i;

	w.n = 0;
	if (!s) {
		snprintf(err, errlen, "unable to allocate locked memory: %s", strerror(errno));
		return -1;
	}
	if (strlen(out) > KEYDIR_PATH_MAX - 128) {
		snprintf(err, errlen, "unable to use %s: path too long", out);
		goto out;
	}
	if (mkdir(out, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "unable to create directory %s: %s", out, strerror(errno));
		goto out;
	}
	outfd = open(out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (outfd < 0 || fchmod(outfd, uid_step ? 0710 : 0700) < 0 ||
	    (uid != (uid_t)-1 && fchown(outfd, uid_step ? 0 : uid, gid) < 0)) {
		snprintf(err, errlen, "unable to open directory %s: %s", out, strerror(errno));
		goto out;
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

		r = keydir_write_instance(outfd, out, i, b, u, gid, s, &w, &ids[i], err, errlen);
		if (r)
			goto out;
	}
	r = 0;
out:
	/* All or nothing: tor must never start with half an identity. */
	if (r)
		for (i = 0; i < w.n; i++)
			unlink(w.path[i]);
	if (outfd >= 0)
		close(outfd);
	sodium_free(s);
	return r;
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
