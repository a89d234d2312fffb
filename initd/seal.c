#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lethe_exit.h"
#include "log.h"
#include "seal.h"

#define SEAL_TPMSEAL "/usr/bin/tpmseal"
#define SEAL_CONFIGPULL "/usr/bin/configpull"
#define SEAL_KEYDIR "/run/lethe/keys"
#define SEAL_NODECONF "/run/lethe/config/node.conf"
#define SEAL_APPROVALS "/run/lethe/config/approvals"
#define SEAL_POLICY "/etc/lethe/policy.pub"
#define SEAL_ENROLLED "/run/lethe/enrolled"
#define SEAL_OWNER "100:100"
/* tpmseal's family key name: one fleet family per node */
#define SEAL_FAMILY "lethe"
#define SEAL_CONF_MAX 65536
#define SEAL_OUT_MAX 4096
#define SEAL_INST_MAX 8
#define SEAL_NAME_MAX 16

/* tpmseal's exit codes (docs/tpmseal.md) */
enum {
	SEAL_TPM_OK = 0, SEAL_TPM_OTHER_STATE = 1, SEAL_TPM_UNPROVISIONED = 2,
	SEAL_TPM_CORRUPT = 3, SEAL_TPM_LOCKED = 4, SEAL_TPM_EXISTS = 5,
};

int seal_conf_get(char const *text, size_t len, char const *key, char *out, size_t outsz)
{
	size_t klen = strlen(key), i = 0, found = 0;

	if (outsz == 0)
		return -EINVAL;
	out[0] = '\0';
	while (i < len) {
		char const *line = text + i, *nl = memchr(line, '\n', len - i);
		size_t l = nl ? (size_t)(nl - line) : len - i, k;

		i += l + (nl ? 1 : 0);
		if (l <= klen || line[klen] != '=' || memcmp(line, key, klen) != 0)
			continue;
		if (found++)
			return -EINVAL;
		l -= klen + 1;
		if (l >= outsz)
			return -EINVAL;
		for (k = 0; k < l; k++)
			if ((unsigned char)line[klen + 1 + k] < 0x20 ||
			    (unsigned char)line[klen + 1 + k] >= 0x7f)
				return -EINVAL;
		memcpy(out, line + klen + 1, l);
		out[l] = '\0';
	}
	return found ? 0 : -ENOENT;
}

int seal_identity_parse(char const *line, size_t len, struct seal_identity *id)
{
	size_t i;

	/* "I " + 40 + " " + 43 */
	if (len != 2 + SEAL_FP_HEX + 1 + SEAL_ED_B64 || line[0] < '0' || line[0] > '7' ||
	    line[1] != ' ' || line[2 + SEAL_FP_HEX] != ' ')
		return -EINVAL;
	for (i = 0; i < SEAL_FP_HEX; i++) {
		char ch = line[2 + i];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'F')))
			return -EINVAL;
	}
	for (i = 0; i < SEAL_ED_B64; i++) {
		char ch = line[3 + SEAL_FP_HEX + i];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= 'a' && ch <= 'z') || ch == '+' || ch == '/'))
			return -EINVAL;
	}
	id->index = (unsigned)(line[0] - '0');
	memcpy(id->fp, line + 2, SEAL_FP_HEX);
	id->fp[SEAL_FP_HEX] = '\0';
	memcpy(id->ed, line + 3 + SEAL_FP_HEX, SEAL_ED_B64);
	id->ed[SEAL_ED_B64] = '\0';
	return 0;
}

/* Runs argv; with out, its stdout is read into out (at most outsz - 1
 * bytes, NUL-terminated; more is an error).  Returns the exit status,
 * 128 + the signal, or -errno. */
static int seal_run(char *const argv[], char *out, size_t outsz)
{
	int p[2] = { -1, -1 }, st, r = 0;
	size_t n = 0;
	pid_t pid;

	if (out && pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto end;
	}
	if (pid == 0) {
		if (out && dup2(p[1], 1) < 0)
			_exit(LETHE_EXIT_TEMP);
		execv(argv[0], argv);
		log_fatal("unable to exec %s: %s", argv[0], strerror(errno));
		_exit(LETHE_EXIT_TEMP);
	}
	if (out) {
		close(p[1]);
		p[1] = -1;
		for (;;) {
			char junk[256];
			ssize_t k = n + 1 < outsz ? read(p[0], out + n, outsz - 1 - n)
				: read(p[0], junk, sizeof junk);

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				break;
			if (n + 1 < outsz)
				n += (size_t)k;
			else
				r = -EFBIG; /* keep draining: the child must not block */
		}
		out[n] = '\0';
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			r = -errno;
			goto end;
		}
	if (r == 0)
		r = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
end:
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	return r;
}

static long seal_read(char const *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t n = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t k = read(fd, buf + n, size - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			k = -errno;
			close(fd);
			return k;
		}
		if (k == 0)
			break;
		n += (size_t)k;
		if (n == size) {
			close(fd);
			return -EFBIG;
		}
	}
	close(fd);
	return (long)n;
}

/* Removes what unseal wrote (DIR/i/keys/<files>, DIR/i/keys, DIR/i): keys
 * that failed the identity check must not be there for tor to find. */
static void seal_wipe(void)
{
	char path[64];
	unsigned i;

	for (i = 0; i < SEAL_INST_MAX; i++) {
		DIR *d;
		struct dirent *e;

		snprintf(path, sizeof path, "%s/%u/keys", SEAL_KEYDIR, i);
		d = opendir(path);
		if (d) {
			while ((e = readdir(d)))
				if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, ".."))
					unlinkat(dirfd(d), e->d_name, 0);
			closedir(d);
		}
		rmdir(path);
		snprintf(path, sizeof path, "%s/%u", SEAL_KEYDIR, i);
		rmdir(path);
	}
}

struct seal_node {
	size_t n;
	char name[SEAL_INST_MAX][SEAL_NAME_MAX + 1];
	int provision;
	int family;
};

static int seal_node_load(char *conf, size_t len, struct seal_node *nd)
{
	char v[SEAL_VALUE_MAX];
	char *s, *save = NULL;

	memset(nd, 0, sizeof *nd);
	if (seal_conf_get(conf, len, "instances", v, sizeof v) < 0)
		return -EINVAL;
	for (s = strtok_r(v, " ", &save); s; s = strtok_r(NULL, " ", &save)) {
		if (nd->n == SEAL_INST_MAX || strlen(s) > SEAL_NAME_MAX)
			return -EINVAL;
		strcpy(nd->name[nd->n++], s);
	}
	if (nd->n == 0)
		return -EINVAL;
	if (seal_conf_get(conf, len, "provision", v, sizeof v) < 0 ||
	    (strcmp(v, "0") != 0 && strcmp(v, "1") != 0))
		return -EINVAL;
	nd->provision = v[0] == '1';
	if (seal_conf_get(conf, len, "family", v, sizeof v) < 0 ||
	    (strcmp(v, "0") != 0 && strcmp(v, "1") != 0))
		return -EINVAL;
	nd->family = v[0] == '1';
	return 0;
}

/* The identities unseal printed against node.conf: one per instance (an
 * instance without keys would make tor mint one), and the pinned ones
 * equal.  Prints them.  0, or -1 (said why). */
static int seal_check(char const *out, char const *conf, size_t conflen, struct seal_node const *nd)
{
	struct seal_identity ids[SEAL_INST_MAX];
	unsigned have = 0;
	char const *p = out;
	size_t k;
	int bad = 0;

	while (*p) {
		char const *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		struct seal_identity id;

		if (seal_identity_parse(p, l, &id) == 0 && !(have & (1u << id.index))) {
			ids[id.index] = id;
			have |= 1u << id.index;
		}
		p += l + (nl ? 1 : 0);
	}
	for (k = 0; k < nd->n; k++) {
		char key[64], want[SEAL_VALUE_MAX];

		if (!(have & (1u << k))) {
			log_fatal("identity %s: tpmseal holds no keys for instance %zu", nd->name[k], k);
			bad = 1;
			continue;
		}
		snprintf(key, sizeof key, "instance.%s.fingerprint", nd->name[k]);
		if (seal_conf_get(conf, conflen, key, want, sizeof want) == 0 && want[0] &&
		    strcasecmp(want, ids[k].fp) != 0) {
			log_fatal("identity %s: fingerprint %s, the node document wants %s",
				nd->name[k], ids[k].fp, want);
			bad = 1;
		}
		snprintf(key, sizeof key, "instance.%s.ed25519", nd->name[k]);
		if (seal_conf_get(conf, conflen, key, want, sizeof want) == 0 && want[0] &&
		    strcmp(want, ids[k].ed) != 0) {
			log_fatal("identity %s: ed25519 %s, the node document wants %s",
				nd->name[k], ids[k].ed, want);
			bad = 1;
		}
		log_info("identity %s %s %s", nd->name[k], ids[k].fp, ids[k].ed);
	}
	return bad ? -1 : 0;
}

static void seal_say(int st)
{
	switch (st) {
	case SEAL_TPM_OTHER_STATE:
		log_fatal("tpmseal: unseal refused: the identities are sealed to another boot state "
			"(PCRs or approvals differ); tor not started");
		break;
	case SEAL_TPM_CORRUPT:
		log_fatal("tpmseal: the sealed bundle is corrupt or the NV index is foreign; "
			"tor not started");
		break;
	case SEAL_TPM_LOCKED:
		log_fatal("tpmseal: already unsealed in this boot (read-locked): something ran "
			"before us; tor not started");
		break;
	default:
		if (st < 0)
			log_fatal("tpmseal: unable to run: %s", strerror(-st));
		else
			log_fatal("tpmseal: failed (exit %d); tor not started", st);
	}
}

int seal_main(int argc, char **argv)
{
	static char conf[SEAL_CONF_MAX];
	static char out[SEAL_OUT_MAX];
	char inst[8];
	char *unseal_argv[16], *prov_argv[16];
	struct seal_node nd;
	size_t a = 0, b = 0;
	long len;
	int authorized, st;

	if (argc != 2) {
		log_fatal("usage: --seal PCRS");
		return LETHE_EXIT_USAGE;
	}
	len = seal_read(SEAL_NODECONF, conf, sizeof conf);
	if (len < 0) {
		log_fatal("unable to read %s: %s", SEAL_NODECONF, strerror((int)-len));
		return LETHE_EXIT_TEMP;
	}
	if (seal_node_load(conf, (size_t)len, &nd) < 0) {
		log_fatal("unable to parse %s: instances, provision or family", SEAL_NODECONF);
		return LETHE_EXIT_REFUSED;
	}
	if (mkdir(SEAL_KEYDIR, 0711) < 0 && errno != EEXIST) {
		log_fatal("unable to create %s: %s", SEAL_KEYDIR, strerror(errno));
		return LETHE_EXIT_TEMP;
	}
	authorized = access(SEAL_POLICY, F_OK) == 0;
	snprintf(inst, sizeof inst, "%zu", nd.n);
	unseal_argv[a++] = SEAL_TPMSEAL;
	unseal_argv[a++] = "unseal";
	unseal_argv[a++] = "--out";
	unseal_argv[a++] = SEAL_KEYDIR;
	unseal_argv[a++] = "--owner";
	unseal_argv[a++] = SEAL_OWNER;
	/* instance i is uid 100 + i's (debian-tor, debian-tor1..7) */
	unseal_argv[a++] = "--owner-step";
	prov_argv[b++] = SEAL_TPMSEAL;
	prov_argv[b++] = "provision";
	prov_argv[b++] = "--instances";
	prov_argv[b++] = inst;
	if (nd.family) {
		prov_argv[b++] = "--family";
		prov_argv[b++] = SEAL_FAMILY;
	}
	if (authorized) {
		unseal_argv[a++] = "--authorize-key";
		unseal_argv[a++] = SEAL_POLICY;
		unseal_argv[a++] = "--approval";
		unseal_argv[a++] = SEAL_APPROVALS;
		prov_argv[b++] = "--authorize-key";
		prov_argv[b++] = SEAL_POLICY;
	} else {
		unseal_argv[a++] = "--pcrs";
		unseal_argv[a++] = argv[1];
		prov_argv[b++] = "--pcrs";
		prov_argv[b++] = argv[1];
	}
	unseal_argv[a] = NULL;
	prov_argv[b] = NULL;
	log_info("tpmseal: unseal (%s %s)", authorized ? "authorized by" : "PCRs",
		authorized ? SEAL_POLICY : argv[1]);
	st = seal_run(unseal_argv, out, sizeof out);
	if (st == SEAL_TPM_UNPROVISIONED) {
		if (!nd.provision) {
			log_warn("tpmseal: no identities in this TPM, and the node document does not "
				"allow new ones (provisioning.allow_new_identities): waiting");
			return LETHE_EXIT_REFUSED;
		}
		log_info("tpmseal: no identities in this TPM; provisioning %zu as the node "
			"document allows", nd.n);
		st = seal_run(prov_argv, out, sizeof out);
		if (st != 0) {
			log_fatal("tpmseal: provision failed (exit %d)", st);
			return st == SEAL_TPM_EXISTS ? LETHE_EXIT_REFUSED : LETHE_EXIT_TEMP;
		}
		log_info("tpmseal: provisioned");
		st = seal_run(unseal_argv, out, sizeof out);
	}
	if (st != 0) {
		seal_say(st);
		return st == SEAL_TPM_OTHER_STATE || st == SEAL_TPM_CORRUPT || st == SEAL_TPM_LOCKED
			? LETHE_EXIT_REFUSED : LETHE_EXIT_TEMP;
	}
	if (seal_check(out, conf, (size_t)len, &nd) < 0) {
		seal_wipe();
		log_fatal("tpmseal: the unsealed identities do not match the node document; "
			"keys removed, tor not started");
		return LETHE_EXIT_REFUSED;
	}
	log_info("tpmseal: %zu identities unsealed", nd.n);
	if (authorized) {
		/* rollback protection: the minimum epoch follows the approval
		 * this boot matched; the keys are out already, so a failure is
		 * reported, not fatal (docs/tpmseal.md, advance) */
		static char *adv_argv[] = {
			SEAL_TPMSEAL, "advance", "--authorize-key", SEAL_POLICY,
			"--approval", SEAL_APPROVALS, NULL,
		};

		st = seal_run(adv_argv, NULL, 0);
		if (st != 0)
			log_warn("tpmseal: advance failed (exit %d): the minimum epoch stays", st);
	}
	return LETHE_EXIT_OK;
}

int seal_pull_main(int argc, char **argv)
{
	static char *enroll_argv[] = { SEAL_CONFIGPULL, "enroll", NULL };
	char *pull_argv[12];
	int i, st, fd;

	if (argc < 2 || argc > 11) {
		log_fatal("usage: --pull ARGS...");
		return LETHE_EXIT_USAGE;
	}
	pull_argv[0] = SEAL_CONFIGPULL;
	for (i = 1; i < argc; i++)
		pull_argv[i] = argv[i];
	pull_argv[argc] = NULL;
	st = seal_run(pull_argv, NULL, 0);
	if (st != 2)
		return st < 0 ? LETHE_EXIT_TEMP : st;
	/* once per boot: the CSR is for a human to copy from the console */
	fd = open(SEAL_ENROLLED, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return st;
	close(fd);
	log_info("configpull: no usable node certificate: enrolling (node id and CSR follow; "
		"sign it with scripts/fleet sign)");
	if (seal_run(enroll_argv, NULL, 0) != 0) {
		log_warn("configpull: enroll failed; retrying at the next pull");
		unlink(SEAL_ENROLLED);
	}
	return st;
}
