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

#include "file.h"
#include "lethe_exit.h"
#include "lethe_paths.h"
#include "log.h"
#include "nodeconf.h"
#include "seal.h"

#define SEAL_OWNER "100:100" /* LETHE_TOR_UID:LETHE_TOR_GID, with --owner-step */
/* tpmseal's family key name: one fleet family per node */
#define SEAL_FAMILY "lethe"
#define SEAL_OUT_MAX 4096

_Static_assert(LETHE_TOR_UID == 100 && LETHE_TOR_GID == 100, "SEAL_OWNER spells them");

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

/* Removes what unseal wrote (DIR/i/keys/<files>, DIR/i/keys, DIR/i): keys
 * that failed the identity check must not be there for tor to find. */
static void seal_wipe(void)
{
	char path[64];
	unsigned i;

	for (i = 0; i < LETHE_INSTANCES_MAX; i++) {
		DIR *d;
		struct dirent *e;

		snprintf(path, sizeof path, "%s/%u/keys", LETHE_KEYDIR, i);
		d = opendir(path);
		if (d) {
			while ((e = readdir(d)))
				if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, ".."))
					unlinkat(dirfd(d), e->d_name, 0);
			closedir(d);
		}
		rmdir(path);
		snprintf(path, sizeof path, "%s/%u", LETHE_KEYDIR, i);
		rmdir(path);
	}
}

/* The identities unseal printed against node.conf: one per instance (an
 * instance without keys would make tor mint one), and the pinned ones
 * equal.  Prints them.  0, or -1 (said why). */
static int seal_check(char const *out, struct nodeconf const *nc)
{
	struct seal_identity ids[NODECONF_INSTANCES_MAX];
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
	for (k = 0; k < nc->n; k++) {
		if (!(have & (1u << k))) {
			log_fatal("identity %s: tpmseal holds no keys for instance %zu", nc->name[k], k);
			bad = 1;
			continue;
		}
		if (nc->fp[k][0] && strcasecmp(nc->fp[k], ids[k].fp) != 0) {
			log_fatal("identity %s: fingerprint %s, the node document wants %s",
				nc->name[k], ids[k].fp, nc->fp[k]);
			bad = 1;
		}
		if (nc->ed[k][0] && strcmp(nc->ed[k], ids[k].ed) != 0) {
			log_fatal("identity %s: ed25519 %s, the node document wants %s",
				nc->name[k], ids[k].ed, nc->ed[k]);
			bad = 1;
		}
		log_info("identity %s %s %s", nc->name[k], ids[k].fp, ids[k].ed);
	}
	return bad ? -1 : 0;
}

static void seal_say(int st)
{
	switch (st) {
	case TPMSEAL_EXIT_STATE:
		log_fatal("tpmseal: unseal refused: the identities are sealed to another boot state "
			"(PCRs or approvals differ); tor not started");
		break;
	case TPMSEAL_EXIT_CORRUPT:
		log_fatal("tpmseal: the sealed bundle is corrupt or the NV index is foreign; "
			"tor not started");
		break;
	case TPMSEAL_EXIT_LOCKED:
		log_fatal("tpmseal: the identity index is read-locked until the next boot (already "
			"unsealed in this boot, or an earlier unseal could not write the keys: see its "
			"message above); tor not started; reboot after fixing the cause");
		break;
	case LETHE_EXIT_TEMP:
		log_fatal("tpmseal: unseal failed (exit 111, cause above); if it could not write the "
			"keys, the index is now read-locked and only a reboot unseals again; tor not "
			"started");
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
	static char conf[NODECONF_BYTES_MAX];
	static char out[SEAL_OUT_MAX];
	static struct nodeconf nd;
	struct nodeconf_error err;
	char inst[8];
	char *unseal_argv[20], *prov_argv[16];
	size_t a = 0, b = 0;
	long len;
	int authorized, st;

	if (argc != 2) {
		log_fatal("usage: --seal PCRS");
		return LETHE_EXIT_USAGE;
	}
	len = file_read(LETHE_NODECONF, conf, sizeof conf);
	if (len < 0) {
		log_fatal("unable to read %s: %s", LETHE_NODECONF, strerror((int)-len));
		return LETHE_EXIT_TEMP;
	}
	if (nodeconf_parse(conf, (size_t)len, &nd, &err) < 0) {
		log_fatal("unable to parse %s: line %zu: %s", LETHE_NODECONF, err.line, err.what);
		return LETHE_EXIT_USAGE;
	}
	if (mkdir(LETHE_KEYDIR, 0711) < 0 && errno != EEXIST) {
		log_fatal("unable to create %s: %s", LETHE_KEYDIR, strerror(errno));
		return LETHE_EXIT_TEMP;
	}
	authorized = access(LETHE_POLICY_PUB, F_OK) == 0;
	snprintf(inst, sizeof inst, "%zu", nd.n);
	unseal_argv[a++] = LETHE_TPMSEAL_BIN;
	unseal_argv[a++] = "unseal";
	unseal_argv[a++] = "--out";
	unseal_argv[a++] = LETHE_KEYDIR;
	unseal_argv[a++] = "--owner";
	unseal_argv[a++] = SEAL_OWNER;
	/* instance i is uid 100 + i's (debian-tor, debian-tor1..7) */
	unseal_argv[a++] = "--owner-step";
	prov_argv[b++] = LETHE_TPMSEAL_BIN;
	prov_argv[b++] = "provision";
	prov_argv[b++] = "--instances";
	prov_argv[b++] = inst;
	if (nd.family) {
		prov_argv[b++] = "--family";
		prov_argv[b++] = SEAL_FAMILY;
	}
	if (authorized) {
		unseal_argv[a++] = "--authorize-key";
		unseal_argv[a++] = LETHE_POLICY_PUB;
		unseal_argv[a++] = "--approval";
		unseal_argv[a++] = LETHE_APPROVALS;
		/* only approvals of images in the public log count; an image
		 * without log.pub fails here, closed (docs/transparency.md) */
		unseal_argv[a++] = "--log-key";
		unseal_argv[a++] = LETHE_LOG_PUB;
		unseal_argv[a++] = "--log-proofs";
		unseal_argv[a++] = LETHE_LOGPROOFS;
		prov_argv[b++] = "--authorize-key";
		prov_argv[b++] = LETHE_POLICY_PUB;
	} else {
		unseal_argv[a++] = "--pcrs";
		unseal_argv[a++] = argv[1];
		prov_argv[b++] = "--pcrs";
		prov_argv[b++] = argv[1];
	}
	unseal_argv[a] = NULL;
	prov_argv[b] = NULL;
	log_info("tpmseal: unseal (%s %s)", authorized ? "authorized by" : "PCRs",
		authorized ? LETHE_POLICY_PUB : argv[1]);
	st = seal_run(unseal_argv, out, sizeof out);
	if (st == TPMSEAL_EXIT_NOBUNDLE) {
		if (!nd.provision) {
			log_warn("tpmseal: no identities in this TPM, and the node document does not "
				"allow new ones (provisioning.allow_new_identities): waiting");
			return LETHE_EXIT_USAGE;
		}
		log_info("tpmseal: no identities in this TPM; provisioning %zu as the node "
			"document allows", nd.n);
		st = seal_run(prov_argv, out, sizeof out);
		if (st != 0) {
			log_fatal("tpmseal: provision failed (exit %d)", st);
			return LETHE_EXIT_TEMP;
		}
		log_info("tpmseal: provisioned");
		st = seal_run(unseal_argv, out, sizeof out);
	}
	if (st != 0) {
		seal_say(st);
		/* tpmseal's own refusals, as they are: PID 1's status file
		 * tells "sealed to another state" (1) from the rest */
		return st == TPMSEAL_EXIT_STATE || st == TPMSEAL_EXIT_CORRUPT || st == TPMSEAL_EXIT_LOCKED
			? st : LETHE_EXIT_TEMP;
	}
	if (seal_check(out, &nd) < 0) {
		seal_wipe();
		log_fatal("tpmseal: the unsealed identities do not match the node document; "
			"keys removed, tor not started");
		return LETHE_EXIT_USAGE;
	}
	log_info("tpmseal: %zu identities unsealed", nd.n);
	if (authorized) {
		/* rollback protection: the minimum epoch follows the approval
		 * this boot matched; the keys are out already, so a failure is
		 * reported, not fatal (docs/tpmseal.md, advance) */
		static char *adv_argv[] = {
			LETHE_TPMSEAL_BIN, "advance", "--authorize-key", LETHE_POLICY_PUB,
			"--approval", LETHE_APPROVALS, "--log-key", LETHE_LOG_PUB,
			"--log-proofs", LETHE_LOGPROOFS, NULL,
		};

		st = seal_run(adv_argv, NULL, 0);
		if (st != 0)
			log_warn("tpmseal: advance failed (exit %d): the minimum epoch stays", st);
	}
	return LETHE_EXIT_OK;
}

int seal_pull_main(int argc, char **argv)
{
	static char *enroll_argv[] = { LETHE_CONFIGPULL_BIN, "enroll", NULL };
	char *pull_argv[12];
	int i, st, fd;

	if (argc < 2 || argc > 11) {
		log_fatal("usage: --pull ARGS...");
		return LETHE_EXIT_USAGE;
	}
	pull_argv[0] = LETHE_CONFIGPULL_BIN;
	for (i = 1; i < argc; i++)
		pull_argv[i] = argv[i];
	pull_argv[argc] = NULL;
	st = seal_run(pull_argv, NULL, 0);
	if (st != CP_EXIT_TLS)
		return st < 0 ? LETHE_EXIT_TEMP : st;
	/* once per boot: the CSR is for a human to copy from the console */
	fd = open(LETHE_ENROLLED, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return st;
	close(fd);
	log_info("configpull: no usable node certificate: enrolling (node id and CSR follow; "
		"sign it with scripts/fleet sign)");
	if (seal_run(enroll_argv, NULL, 0) != 0) {
		log_warn("configpull: enroll failed; retrying at the next pull");
		unlink(LETHE_ENROLLED);
	}
	return st;
}
