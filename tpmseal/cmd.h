/* cmd: the tpmseal commands; main.c only parses arguments into this. */
#ifndef TPMSEAL_CMD_H
#define TPMSEAL_CMD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy.h"

#define CMD_MAX_APPROVALS 16  /* --approval files; records: POLICY_APPROVALS_MAX in all */
#define CMD_MAX_DIRS TPMSEAL_MAX_INSTANCES

struct cmd_opts {
	const char *tcti;           /* --tcti, else $LETHE_TCTI, else device:/dev/tpmrm0 */
	uint32_t index;             /* --index */
	uint32_t mask;              /* --pcrs (authority mode) */
	const char *authkey;        /* --authorize-key PUB.pem: authorized mode */
	const char *approvals[CMD_MAX_APPROVALS];
	size_t n_approvals;         /* --approval FILE ... */
	const char *log_key;        /* --log-key log.pub: approvals count only if logged */
	const char *log_proofs;     /* --log-proofs FILE: tlog-proof@v1 proofs */
	uint32_t epoch_index;       /* --epoch-index */
	uint64_t epoch;             /* approve/approved --epoch, provision/import --epoch (initial minimum) */
	int have_epoch;
	unsigned instances;         /* provision --instances */
	const char *family;         /* provision --family NAME */
	const char *family_key;     /* import --family-key FILE */
	const char *out;            /* unseal --out DIR, approve --out FILE */
	uid_t uid;                  /* unseal --owner */
	gid_t gid;
	int uid_step;               /* unseal --owner-step: instance i gets uid + i */
	const char *release;        /* approved --version V: the release's LETHE_VERSION */
	const char *signkey;        /* approve --key PRIV.pem */
	uint32_t pcr_mask;          /* approve --pcr N=HEX ... */
	uint8_t pcr_values[POLICY_PCR_MAX][32];
	const char *dirs[CMD_MAX_DIRS];
	size_t n_dirs;              /* import KEYDIR... */
};

int cmd_provision(const struct cmd_opts *o);
int cmd_import(const struct cmd_opts *o);
int cmd_unseal(const struct cmd_opts *o);
int cmd_status(const struct cmd_opts *o);
int cmd_approve(const struct cmd_opts *o);
int cmd_advance(const struct cmd_opts *o);
/* approved: offline, no TPM (approved.h). */
int cmd_approved(const struct cmd_opts *o);
int cmd_probe(const char *tcti);

#endif
