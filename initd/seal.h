/* The boot pipeline's key and enrollment steps, run by PID 1 as children
 * of itself ("/init --seal ...", "/init --pull ...") so that the loop
 * sees one step each, with one exit status:
 *
 *   --pull ARGS...     configpull ARGS...; when it exits 2 (TLS or identity
 *                      failure: typically no node certificate yet), runs
 *                      `configpull enroll` once per boot so that the node id
 *                      and CSR appear on the console.  Exits as configpull
 *                      pull did (0 changed, 3 unchanged, ...).
 *   --seal PCRS        tpmseal unseal into LETHE_KEYDIR; when the TPM is
 *                      not provisioned (2) and node.conf says provision=1,
 *                      tpmseal provision, then unseal.  Authorized mode when
 *                      LETHE_POLICY_PUB exists, else PolicyPCR over
 *                      PCRS.  Then the unsealed identities are compared
 *                      with node.conf and printed as
 *                      "initd: identity NAME RSAFP ED25519".  Exits 0 only
 *                      when tor may start with exactly these keys; else
 *                      tpmseal's own refusal as it is (1 sealed to another
 *                      state, 3 corrupt, 4 read-locked: lethe_exit.h), 100
 *                      when the node document stops it (unparsable,
 *                      identities differ, no new identities allowed),
 *                      111 for anything else.  PID 1's status file reads
 *                      1 as unseal=refused, any other failure as failed.
 *
 * node.conf is read with nodeconf_parse (nodeconf.h); the identity-line
 * parser is a pure function over a bounded buffer (unit-tested, fuzzed). */
#ifndef INITD_SEAL_H
#define INITD_SEAL_H

#include <stddef.h>

#define SEAL_FP_HEX 40
#define SEAL_ED_B64 43

struct seal_identity {
	unsigned index;                 /* 0..7 */
	char fp[SEAL_FP_HEX + 1];       /* upper-case hex */
	char ed[SEAL_ED_B64 + 1];       /* unpadded base64 */
};

/* One line of tpmseal's identity output, "I FP ED" (without newline):
 * 0 and *id, or -EINVAL ("family ..." lines and anything else). */
int seal_identity_parse(char const *line, size_t len, struct seal_identity *id);

int seal_main(int argc, char **argv);
int seal_pull_main(int argc, char **argv);

#endif
