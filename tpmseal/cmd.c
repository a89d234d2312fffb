/* cmd: provision, import, unseal, status, approve, advance, approved.
 * Each command owns the locked buffers it uses and wipes them on every
 * path; errors are one line on stderr and a tpmseal exit code. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <sodium.h>

#include "approved.h"
#include "bundle.h"
#include "cmd.h"
#include "keydir.h"
#include "logcheck.h"
#include "pubinfo.h"
#include "tpm.h"
#include "tpmseal.h"

#define CMD_ERR 8800  /* room for two paths */

static int cmd_fatal(int code, const char *err)
{
	fprintf(stderr, "tpmseal: fatal: %s\n", err);
	return code;
}

static const char *cmd_tcti(const struct cmd_opts *o)
{
	const char *env = getenv(LETHE_TCTI_ENV);

	if (o->tcti)
		return o->tcti;
	return env && *env ? env : "device:/dev/tpmrm0";
}

static EVP_PKEY *cmd_read_key(const char *path, int private, char *err, size_t errlen)
{
	EVP_PKEY *k = NULL;
	BIO *bio = BIO_new_file(path, "r");

	if (!bio) {
		snprintf(err, errlen, "unable to open %s: %s", path, strerror(errno));
		return NULL;
	}
	k = private ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!k)
		snprintf(err, errlen, "unable to parse %s: not a PEM %s key", path,
			 private ? "private" : "public");
	return k;
}

/* Appends the approval records of PATH to APPR (*n used of cap). */
static int cmd_read_approvals(const char *path, struct policy_approval *appr, size_t cap, size_t *n,
			      char *err, size_t errlen)
{
	static uint8_t buf[POLICY_APPROVALS_MAX * POLICY_APPROVAL_MAX_BYTES + 1];
	FILE *f = fopen(path, "rb");
	size_t len, got = 0;
	int bad;

	/* No file is no approval (configpull removes it when the server has
	 * none): "another state", as when none matches. */
	if (!f) {
		int e = errno;
		snprintf(err, errlen, "unable to open %s: %s", path, strerror(e));
		return e == ENOENT ? TPMSEAL_EXIT_STATE : TPMSEAL_EXIT_USAGE;
	}
	len = fread(buf, 1, sizeof buf, f);
	bad = ferror(f);
	fclose(f);
	if (bad) {
		snprintf(err, errlen, "unable to read %s: %s", path, strerror(errno));
		return TPMSEAL_EXIT_USAGE;
	}
	if (len == sizeof buf) {
		snprintf(err, errlen, "unable to parse %s: more than %u approval records", path,
			 POLICY_APPROVALS_MAX);
		return TPMSEAL_EXIT_USAGE;
	}
	if (policy_approvals_parse(buf, len, appr + *n, cap - *n, &got)) {
		snprintf(err, errlen, "unable to parse %s: not tpmseal approval records, or more than "
			 "%u in all", path, POLICY_APPROVALS_MAX);
		return TPMSEAL_EXIT_USAGE;
	}
	*n += got;
	return TPMSEAL_EXIT_OK;
}

/* The policy a command seals to or unseals with.  *key is owned by the
 * caller; approvals are parsed into appr (room for cap records), and with
 * --log-key checked against the log's proofs (room for cap marks). */
static int cmd_auth(const struct cmd_opts *o, struct tpm_auth *a, EVP_PKEY **key,
		    struct policy_approval *appr, size_t cap, char *err, size_t errlen)
{
	static uint8_t logged[POLICY_APPROVALS_MAX];
	static char why[LOGCHECK_WHY];
	size_t i, n = 0;
	int r = TPMSEAL_EXIT_OK;

	memset(a, 0, sizeof *a);
	*key = NULL;
	a->epoch_index = o->epoch_index;
	if (!o->authkey) {
		a->mode = TPM_MODE_AUTHORITY;
		a->mask = o->mask;
		return TPMSEAL_EXIT_OK;
	}
	a->mode = TPM_MODE_AUTHORIZED;
	*key = cmd_read_key(o->authkey, 0, err, errlen);
	if (!*key)
		return TPMSEAL_EXIT_USAGE;
	a->key = *key;
	for (i = 0; i < o->n_approvals; i++)
		if ((r = cmd_read_approvals(o->approvals[i], appr, cap, &n, err, errlen)))
			return r;
	a->approvals = appr;
	a->n_approvals = n;
	if (o->log_key && n) {
		r = logcheck_mark(o->log_key, o->log_proofs, appr, n, logged, why, err, errlen);
		a->logged = logged;
		a->log_why = why;
	}
	return r;
}

static int cmd_print(const struct bundle *b, const struct keydir_ids *ids, const char *fam)
{
	unsigned i;

	for (i = 0; i < b->count; i++)
		printf("%u %s %s\n", i, ids[i].rsa, ids[i].ed);
	if (b->has_family)
		printf("family %s %s\n", b->family_name, fam);
	return fflush(stdout) == 0 ? 0 : -1;
}

static int cmd_print_ids(const struct bundle *b)
{
	struct keydir_ids ids[TPMSEAL_MAX_INSTANCES];
	char fam[TORKEY_ED_ID_B64];

	if (keydir_identities(b, ids, fam))
		return -1;
	return cmd_print(b, ids, fam);
}

/* Seals B into a new index: shared by provision and import. */
static int cmd_seal(const struct cmd_opts *o, struct bundle *b)
{
	struct policy_approval appr[1];
	char err[CMD_ERR];
	struct tpm t;
	struct tpm_nvinfo info;
	struct tpm_auth a;
	EVP_PKEY *key = NULL;
	uint8_t *buf = sodium_malloc(BUNDLE_MAX_BYTES);
	size_t len;
	int r, epoch_created = 0;

	if (!buf)
		return cmd_fatal(TPMSEAL_EXIT_TPM, "unable to allocate locked memory");
	r = cmd_auth(o, &a, &key, appr, 0, err, sizeof err);
	if (r)
		goto out;
	len = bundle_marshal(b, buf, BUNDLE_MAX_BYTES);
	if (len == 0) {
		snprintf(err, sizeof err, "unable to marshal the bundle: invalid keys");
		r = TPMSEAL_EXIT_USAGE;
		goto out;
	}
	r = tpm_open(&t, cmd_tcti(o), err, sizeof err);
	if (r)
		goto out;
	r = tpm_nv_info(&t, o->index, &info, err, sizeof err);
	if (r == TPMSEAL_EXIT_OK) {
		snprintf(err, sizeof err, "unable to provision NV index 0x%08x: already defined", o->index);
		r = TPMSEAL_EXIT_EXISTS;
	} else if (r == TPMSEAL_EXIT_NOBUNDLE) {
		/* The public record first: if the bundle then fails, it goes too. */
		struct pubinfo pi;
		uint8_t rec[PUBINFO_MAX_BYTES];
		size_t rlen = 0;

		if (pubinfo_from_bundle(b, (uint8_t)a.mode, a.mask, &pi) == 0)
			rlen = pubinfo_render(&pi, rec, sizeof rec);
		/* Authorized mode: the minimum epoch exists before any key does,
		 * so no approval ever meets a node without one. */
		r = TPMSEAL_EXIT_OK;
		if (rlen == 0) {
			snprintf(err, sizeof err, "unable to describe the keys: invalid keys");
			r = TPMSEAL_EXIT_USAGE;
		} else if (a.mode == TPM_MODE_AUTHORIZED) {
			r = tpm_epoch_create(&t, &a, o->epoch, &epoch_created, err, sizeof err);
		}
		if (r == TPMSEAL_EXIT_OK)
			r = tpm_pub_write(&t, TPM_PUB_INDEX(o->index), rec, rlen, err, sizeof err);
		if (r == TPMSEAL_EXIT_OK) {
			r = tpm_nv_create(&t, o->index, &a, buf, len, err, sizeof err);
			if (r)
				tpm_nv_remove(&t, TPM_PUB_INDEX(o->index));
		}
		if (r && epoch_created)
			tpm_nv_remove(&t, o->epoch_index);
	}
	tpm_close(&t);
	if (r == TPMSEAL_EXIT_OK && cmd_print_ids(b)) {
		snprintf(err, sizeof err, "unable to write the identities to stdout");
		r = TPMSEAL_EXIT_TPM;
	}
out:
	sodium_free(buf);
	EVP_PKEY_free(key);
	return r ? cmd_fatal(r, err) : TPMSEAL_EXIT_OK;
}

int cmd_provision(const struct cmd_opts *o)
{
	struct bundle *b = bundle_new();
	unsigned i;
	int r;

	if (!b)
		return cmd_fatal(TPMSEAL_EXIT_TPM, "unable to allocate locked memory");
	b->count = o->instances;
	for (i = 0; i < o->instances; i++) {
		struct bundle_instance *in = &b->inst[i];
		if (torkey_rsa_generate(in->p, &in->plen, in->q, &in->qlen, BUNDLE_PRIME_MAX) ||
		    torkey_ed_generate(in->ed)) {
			bundle_free(b);
			return cmd_fatal(TPMSEAL_EXIT_TPM, "unable to generate identity keys");
		}
	}
	if (o->family) {
		snprintf(b->family_name, sizeof b->family_name, "%s", o->family);
		b->has_family = 1;
		if (torkey_ed_generate(b->family)) {
			bundle_free(b);
			return cmd_fatal(TPMSEAL_EXIT_TPM, "unable to generate the family key");
		}
	}
	r = cmd_seal(o, b);
	bundle_free(b);
	return r;
}

int cmd_import(const struct cmd_opts *o)
{
	struct bundle *b = bundle_new();
	char err[CMD_ERR];
	size_t i;
	int r;

	if (!b)
		return cmd_fatal(TPMSEAL_EXIT_TPM, "unable to allocate locked memory");
	b->count = (unsigned)o->n_dirs;
	for (i = 0; i < o->n_dirs; i++)
		if (keydir_read_instance(o->dirs[i], &b->inst[i], err, sizeof err)) {
			bundle_free(b);
			return cmd_fatal(TPMSEAL_EXIT_USAGE, err);
		}
	if (o->family_key && keydir_read_family(o->family_key, b, err, sizeof err)) {
		bundle_free(b);
		return cmd_fatal(TPMSEAL_EXIT_USAGE, err);
	}
	r = cmd_seal(o, b);
	bundle_free(b);
	return r;
}

/* Order: check --out, read, write the keys, read-lock, print.  Writing
 * before locking lets a write failure be reported as what it is; locking
 * whatever the write did keeps the promise that nothing later in this boot
 * reads the index.  So a failed write wipes what it wrote, locks, and
 * exits 111 with the write's cause: a retry in this boot gets 4 (locked),
 * the next boot unseals normally (docs/tpmseal.md). */
int cmd_unseal(const struct cmd_opts *o)
{
	static struct policy_approval appr[POLICY_APPROVALS_MAX];
	struct keydir_ids ids[TPMSEAL_MAX_INSTANCES];
	char fam[TORKEY_ED_ID_B64];
	struct bundle *b = bundle_new();
	uint8_t *buf = sodium_malloc(BUNDLE_MAX_BYTES);
	char err[2 * CMD_ERR], werr[CMD_ERR], lerr[256];  /* a lock error names no path */
	struct keydir kd = { .fd = -1 };
	struct tpm_auth a;
	struct tpm t = { .esys = NULL };
	EVP_PKEY *key = NULL;
	size_t len = 0;
	int r, w, lr, keep = 0;

	if (!b || !buf) {
		snprintf(err, sizeof err, "unable to allocate locked memory");
		r = TPMSEAL_EXIT_TPM;
		goto out;
	}
	r = cmd_auth(o, &a, &key, appr, POLICY_APPROVALS_MAX, err, sizeof err);
	if (r)
		goto out;
	/* Before the TPM is read: a --out that cannot work (under a file, on
	 * a read-only fs) costs no read-lock, and a retry can succeed. */
	if (keydir_open(&kd, o->out, o->uid, o->gid, o->uid_step, err, sizeof err)) {
		r = TPMSEAL_EXIT_TPM;
		goto out;
	}
	r = tpm_open(&t, cmd_tcti(o), err, sizeof err);
	if (r)
		goto out;
	r = tpm_nv_unseal(&t, o->index, &a, buf, BUNDLE_MAX_BYTES, &len, err, sizeof err);
	if (r)
		goto out;
	/* All or nothing: a key that does not rebuild leaves no file. */
	w = TPMSEAL_EXIT_OK;
	if (bundle_unmarshal(buf, len, b)) {
		snprintf(werr, sizeof werr, "unable to parse the bundle in NV index 0x%08x: corrupt bundle",
			 o->index);
		w = TPMSEAL_EXIT_CORRUPT;
	} else if ((w = keydir_write(&kd, b, o->uid, o->gid, o->uid_step, ids, fam, werr,
				     sizeof werr))) {
		w = w == -2 ? TPMSEAL_EXIT_CORRUPT : TPMSEAL_EXIT_TPM;
	}
	sodium_memzero(buf, BUNDLE_MAX_BYTES);
	lr = tpm_nv_readlock(&t, lerr, sizeof lerr);
	if (w == TPMSEAL_EXIT_OK && lr == TPMSEAL_EXIT_OK) {
		keep = 1;
		if (cmd_print(b, ids, fam)) {
			/* The keys are complete and the index locked: they stay. */
			snprintf(err, sizeof err, "unable to write the identities to stdout; the keys are "
				 "in %s, the index is read-locked until the next boot", o->out);
			r = TPMSEAL_EXIT_TPM;
		}
	} else if (w == TPMSEAL_EXIT_OK) {
		/* Never keys on disk while the TPM would hand them out again:
		 * removed below; the index is not locked, a retry may succeed. */
		snprintf(err, sizeof err, "%s; the keys written to %s were removed", lerr, o->out);
		r = lr;
	} else if (lr == TPMSEAL_EXIT_OK) {
		snprintf(err, sizeof err, "unable to write keys to %s: %s; the index is read-locked "
			 "until the next boot", o->out, werr);
		r = w;
	} else {
		snprintf(err, sizeof err, "unable to write keys to %s: %s; and %s", o->out, werr, lerr);
		r = w;
	}
out:
	/* Whatever failed: no partial key directory, and no OUT we made. */
	if (r && !keep)
		keydir_undo(&kd);
	keydir_close(&kd);
	tpm_close(&t);
	if (buf)
		sodium_free(buf);
	bundle_free(b);
	EVP_PKEY_free(key);
	return r ? cmd_fatal(r, err) : TPMSEAL_EXIT_OK;
}

int cmd_status(const struct cmd_opts *o)
{
	struct policy_approval appr[1];
	struct tpm_nvinfo info;
	struct tpm_auth a;
	struct tpm t;
	char err[CMD_ERR], hex[2 * POLICY_DIGEST + 1];
	uint8_t want[POLICY_DIGEST];
	EVP_PKEY *key = NULL;
	const char *mode = "unknown";
	uint8_t rec[PUBINFO_MAX_BYTES];
	struct pubinfo pi;
	size_t rlen = 0;
	int r, have_pub = 0, have_epoch = 0;
	uint64_t epoch = 0;
	unsigned i;

	r = cmd_auth(o, &a, &key, appr, 0, err, sizeof err);
	if (r)
		return cmd_fatal(r, err);
	r = tpm_open(&t, cmd_tcti(o), err, sizeof err);
	if (r) {
		EVP_PKEY_free(key);
		return cmd_fatal(r, err);
	}
	r = tpm_nv_info(&t, o->index, &info, err, sizeof err);
	if (r == TPMSEAL_EXIT_OK && tpm_policy_expected(&t, &a, want, err, sizeof err) == 0 &&
	    info.policy_len == POLICY_DIGEST && !memcmp(want, info.policy, POLICY_DIGEST))
		mode = a.mode == TPM_MODE_AUTHORIZED ? "authorized (this key)" :
		       "authority (current PCRs match)";
	if (r == TPMSEAL_EXIT_OK && a.mode == TPM_MODE_AUTHORIZED)
		have_epoch = tpm_epoch_read(&t, &a, &epoch, err, sizeof err) == 0;
	if (r == TPMSEAL_EXIT_OK)
		have_pub = tpm_pub_read(&t, TPM_PUB_INDEX(o->index), rec, sizeof rec, &rlen, err,
					sizeof err) == 0 && pubinfo_parse(rec, rlen, &pi) == 0;
	tpm_close(&t);
	EVP_PKEY_free(key);
	if (r) {
		if (r == TPMSEAL_EXIT_NOBUNDLE)
			printf("index 0x%08x absent\n", o->index);
		return cmd_fatal(r, err);
	}
	sodium_bin2hex(hex, sizeof hex, info.policy, info.policy_len);
	printf("index 0x%08x present\nsize %u\nattributes 0x%08x%s%s\npolicy %s\nmode %s\n", o->index,
	       info.size, info.attributes,
	       (info.attributes & ~(uint32_t)TPMA_NV_WRITTEN & ~(uint32_t)TPMA_NV_READLOCKED) ==
	       tpm_nv_attributes() ? " (ours)" : " (foreign)",
	       info.attributes & TPMA_NV_READLOCKED ? " read-locked" : "", hex, mode);
	if (a.mode == TPM_MODE_AUTHORIZED) {
		if (have_epoch)
			printf("epoch %llu\n", (unsigned long long)epoch);
		else
			printf("epoch absent or not ours (index 0x%08x)\n", o->epoch_index);
	}
	/* The public record is the owner's word, not the TPM's: say so. */
	if (!have_pub) {
		puts("record absent or unreadable");
		return TPMSEAL_EXIT_OK;
	}
	printf("record mode %s", pi.mode == TPM_MODE_AUTHORIZED ? "authorized" : "authority pcrs");
	for (i = 0; pi.mode == TPM_MODE_AUTHORITY && i < POLICY_PCR_MAX; i++)
		if (pi.mask & (1u << i))
			printf(" %u", i);
	printf("\ninstances %u\n", pi.count);
	for (i = 0; i < pi.count; i++) {
		struct keydir_ids ids;
		pubinfo_ids(&pi, i, &ids);
		printf("%u %s %s\n", i, ids.rsa, ids.ed);
	}
	if (pi.has_family) {
		char fam[TORKEY_ED_ID_B64];
		torkey_ed_id(pi.family, fam);
		printf("family %s %s\n", pi.family_name, fam);
	}
	return TPMSEAL_EXIT_OK;
}

int cmd_approve(const struct cmd_opts *o)
{
	struct policy_approval ap = { .version = 1, .mask = o->pcr_mask };
	uint8_t values[POLICY_PCR_MAX][32], rec[POLICY_APPROVAL_MAX_BYTES];
	uint8_t ename[POLICY_NAME_BYTES], approved[POLICY_DIGEST];
	char err[CMD_ERR], tmp[4200];
	unsigned i, n = 0;
	size_t len;
	EVP_PKEY *key;
	FILE *f;

	for (i = 0; i < POLICY_PCR_MAX; i++)
		if (o->pcr_mask & (1u << i))
			memcpy(values[n++], o->pcr_values[i], 32);
	if (policy_pcr_digest(o->pcr_mask, (const uint8_t (*)[32])values, ap.digest))
		return cmd_fatal(TPMSEAL_EXIT_USAGE, "unable to compute the PCR policy: no PCRs");
	key = cmd_read_key(o->signkey, 1, err, sizeof err);
	if (!key)
		return cmd_fatal(TPMSEAL_EXIT_USAGE, err);
	/* v2: the epoch index is named after the key's own PolicyAuthorize,
	 * as every node defines it (policy_epoch_public). */
	if (o->have_epoch) {
		ap.version = 2;
		ap.epoch = o->epoch;
	}
	if (policy_key_epoch_name(key, o->epoch_index, ename) || policy_approval_sign(&ap, key, ename)) {
		EVP_PKEY_free(key);
		return cmd_fatal(TPMSEAL_EXIT_USAGE, "unable to sign the approval: key is not ECDSA P-256");
	}
	EVP_PKEY_free(key);
	len = policy_approval_render(&ap, rec);
	if (snprintf(tmp, sizeof tmp, "%s.tmp", o->out) >= (int)sizeof tmp)
		return cmd_fatal(TPMSEAL_EXIT_USAGE, "unable to write the approval: path too long");
	f = fopen(tmp, "wbx");
	if (!f) {
		snprintf(err, sizeof err, "unable to create %s: %s", tmp, strerror(errno));
		return cmd_fatal(TPMSEAL_EXIT_TPM, err);
	}
	if (fwrite(rec, 1, len, f) != len || fclose(f) != 0) {
		snprintf(err, sizeof err, "unable to write %s: %s", tmp, strerror(errno));
		remove(tmp);
		return cmd_fatal(TPMSEAL_EXIT_TPM, err);
	}
	if (rename(tmp, o->out) < 0) {
		snprintf(err, sizeof err, "unable to rename %s to %s: %s", tmp, o->out, strerror(errno));
		remove(tmp);
		return cmd_fatal(TPMSEAL_EXIT_TPM, err);
	}
	policy_approved(&ap, ename, approved);
	sodium_bin2hex(tmp, sizeof tmp, approved, sizeof approved);
	printf("approved policy %s\n", tmp);
	if (ap.version == 2)
		printf("epoch %llu\n", (unsigned long long)ap.epoch);
	return TPMSEAL_EXIT_OK;
}

int cmd_advance(const struct cmd_opts *o)
{
	static struct policy_approval appr[POLICY_APPROVALS_MAX];
	char err[CMD_ERR];
	struct tpm_auth a;
	struct tpm t;
	EVP_PKEY *key = NULL;
	uint64_t from = 0, to = 0;
	int r = cmd_auth(o, &a, &key, appr, POLICY_APPROVALS_MAX, err, sizeof err);

	if (r == TPMSEAL_EXIT_OK) {
		r = tpm_open(&t, cmd_tcti(o), err, sizeof err);
		if (r == TPMSEAL_EXIT_OK) {
			r = tpm_epoch_advance(&t, &a, &from, &to, err, sizeof err);
			tpm_close(&t);
		}
	}
	EVP_PKEY_free(key);
	if (r)
		return cmd_fatal(r, err);
	if (to == from)
		printf("epoch %llu unchanged\n", (unsigned long long)to);
	else
		printf("epoch %llu raised from %llu\n", (unsigned long long)to, (unsigned long long)from);
	return fflush(stdout) == 0 ? TPMSEAL_EXIT_OK : TPMSEAL_EXIT_TPM;
}

/* Offline: no TPM is opened (a rollout is decided before the reboot, on
 * the image that runs), so the answer depends on the files alone. */
int cmd_approved(const struct cmd_opts *o)
{
	static struct policy_approval appr[POLICY_APPROVALS_MAX];
	char err[CMD_ERR], msg[CMD_ERR + 200];
	EVP_PKEY *key;
	size_t i, n = 0;
	int r = TPMSEAL_EXIT_OK;

	key = cmd_read_key(o->authkey, 0, err, sizeof err);
	if (!key)
		return cmd_fatal(TPMSEAL_EXIT_USAGE, err);
	/* as unseal: a file that does not parse is 100, a missing one no
	 * approval (1) */
	for (i = 0; i < o->n_approvals && r == TPMSEAL_EXIT_OK; i++)
		r = cmd_read_approvals(o->approvals[i], appr, POLICY_APPROVALS_MAX, &n, err, sizeof err);
	if (r == TPMSEAL_EXIT_OK)
		r = approved_check(key, o->epoch_index, appr, n, o->log_key, o->log_proofs, o->release,
				   o->epoch, err, sizeof err);
	EVP_PKEY_free(key);
	if (r) {
		snprintf(msg, sizeof msg, "release %s epoch %llu not approved: %s", o->release,
			 (unsigned long long)o->epoch, err);
		return cmd_fatal(r, r == TPMSEAL_EXIT_STATE ? msg : err);
	}
	printf("release %s epoch %llu approved and logged\n", o->release, (unsigned long long)o->epoch);
	return fflush(stdout) == 0 ? TPMSEAL_EXIT_OK : TPMSEAL_EXIT_TPM;
}

int cmd_probe(const char *tcti)
{
	struct cmd_opts o = { .tcti = tcti };
	char err[CMD_ERR];
	struct tpm t;
	int r = tpm_open(&t, cmd_tcti(&o), err, sizeof err);

	if (r)
		return cmd_fatal(r, err);
	tpm_close(&t);
	puts("tpmseal: TPM reachable");
	return TPMSEAL_EXIT_OK;
}
