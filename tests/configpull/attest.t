#!/bin/bash
# Attested enrollment end to end (docs/attestation.md): swtpm TPMs with EK
# certificates from swtpm's own CA tool (swtpm_setup --create-ek-cert, with
# this test's CA in scratch), configpull enroll (the attestation bundle),
# scripts/fleet sign (attestd check-enroll, tpm2_makecredential), the
# reference nginx with attestd behind it (FastCGI), and configpull fetch,
# which activates the credential in the TPM and gets its certificate only
# then.  Refused: a TPM whose EK certificate another CA signed, an
# enrollment without a bundle, a credential made for another TPM; the
# verifier's state survives its restart.
# Then attestation on every pull (nginx rendered with ATTEST=on): TPM A's
# "firmware" (an event log from tests/attest/mkelog.c, its digests
# extended into A's PCRs) matches release v1 of a test log; configpull
# quotes and gets its document; the same TPM with one more PCR 9 event is
# refused with the verifier's reason and the new document is not applied;
# a log that does not replay is refused; once the fleet logs v2 the node
# attests as v2 and gets the new document.
set -eu -o pipefail
CP_TEST=attest
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/attestlib.sh"
TAP_CAPTURE=$T

# TPM A's command log: how many signatures one pull costs (below)
tpms() { CPA_SWTPM_LOG=1 tpm A 1 && tpm B 2 && tpm C 1; }
check "three TPMs: A and C with EK certificates of CA 1, B of CA 2" tpms

fleet init "$T/fleet" >/dev/null 2>&1
fleet server "$T/fleet" localhost >/dev/null 2>&1
cp "$T/ca-1/ca.pem" "$T/fleet/ek-ca/ca1.pem"

enroll() { # NAME: configpull enroll on TPM NAME
	"$CONFIGPULL" enroll --tcti "swtpm:path=$T/tpm-$1/sock" >"$T/$1.enroll" 2>"$T/$1.enroll.err"
}
enroll_a() { enroll A && grep -q '^attest-certify-sig: ' "$T/A.enroll" && grep -q '^attest-ek-cert: ' "$T/A.enroll"; }
check "enroll on TPM A: node id, CSR and the attestation bundle" enroll_a
idA=$(sed -n 's/^node-id: //p' "$T/A.enroll")
enroll B && enroll C
idB=$(sed -n 's/^node-id: //p' "$T/B.enroll") idC=$(sed -n 's/^node-id: //p' "$T/C.enroll")

sign_a() {
	fleet sign "$T/fleet" "$T/A.enroll" >/dev/null 2>"$T/signA.err" && [ -f "$T/fleet/pending/$idA.pem" ] &&
		[ ! -e "$T/fleet/certs/$idA.pem" ] && [ -s "$T/fleet/credentials/$idA" ]
}
check "fleet sign A: attested; certificate pending, credential published" sign_a
rc=0; fleet sign "$T/fleet" "$T/B.enroll" >/dev/null 2>"$T/signB.err" || rc=$?
sed 's/^/# /' "$T/signB.err" >&2
check "fleet sign B (EK certificate of another CA): refused, nothing issued (rc=$rc)" \
	bash -c "[ '$rc' = 1 ] && grep -q 'attestation refused: ek-cert: does not chain to the EK CA' '$T/signB.err' &&
		[ ! -e '$T/fleet/pending/$idB.pem' ] && [ ! -e '$T/fleet/credentials/$idB' ]"
sed -n '/BEGIN CERTIFICATE REQUEST/,/END CERTIFICATE REQUEST/p' "$T/C.enroll" >"$T/C.csr"
rc=0; fleet sign "$T/fleet" "$T/C.csr" >/dev/null 2>"$T/signC0.err" || rc=$?
check "fleet sign of a bare CSR (no bundle) in an attesting fleet: refused (rc=$rc)" \
	bash -c "[ '$rc' = 1 ] && grep -q 'no attestation bundle' '$T/signC0.err'"
check "fleet sign C: attested" fleet sign "$T/fleet" "$T/C.enroll"

for id in "$idA" "$idC"; do
	sed "s/\"node\": \"[0-9a-f]*\"/\"node\": \"$id\"/" tests/configpull/example.json >"$T/$id.json"
	fleet doc "$T/fleet" "$id" "$T/$id.json"
done
chmod -R a+rX "$T/fleet/nodes" "$T/fleet/certs" "$T/fleet/credentials"

v1() {
	fw_boot A "$T/A.elog" && log_init &&
		release v1 "$T/A.elog.pcrs" "$T/proof1" && cp "$T/proof1" "$T/fleet/logproofs" &&
		cp "$T/log.pub" "$T/fleet/log.pub" && chmod a+r "$T/fleet/logproofs"
}
check "TPM A booted its firmware (event log, PCRs 4 7 9 11); release v1 with those PCRs logged" v1

P=$(freeport)
cpa_attestd
CP_ATTEST=on cp_nginx main "$T/fleet" "$P" localhost
cpa_bus
abrmd A; abrmd C

# C's credential replaced by A's: made for another TPM's EK and AK
cp "$T/fleet/credentials/$idA" "$T/fleet/credentials/$idC"
rc=0; pull C || rc=$?
sed 's/^/# C: /' "$T/pull-C.err" >&2
check "node C with a credential made for TPM A: activation fails in the TPM, no certificate (rc=$rc)" \
	bash -c "[ '$rc' = 2 ] && grep -q 'activate the credential' '$T/pull-C.err' && [ ! -e '$T/fleet/certs/$idC.pem' ]"

rc=0; pull A || rc=$?
sed 's/^/# A: /' "$T/pull-A.err" >&2
check "node A: activates its credential, gets its certificate, is attested as v1, then its document (rc=$rc)" \
	bash -c "[ '$rc' = 0 ] && grep -q 'accepted this TPM' '$T/pull-A.err' && [ -s '$T/c-A/node.pem' ] &&
		grep -q 'attestation: attested as v1 (boot path uefi)' '$T/pull-A.err' &&
		[ -f '$T/fleet/certs/$idA.pem' ] && [ ! -e '$T/fleet/pending/$idA.pem' ] && [ -s '$T/out-A/node.conf' ] &&
		[ \"\$(cat '$T/out-A/attestation')\" = attested ]"
check "attestd status: A active, C pending" \
	bash -c "'$ATTESTD' status --db '$T/fleet/attest.db' >'$T/status' &&
		grep -q '^$idA active' '$T/status' && grep -q '^$idC pending' '$T/status'"
cpa_attestd
check "attestd restarted: A still active" \
	bash -c "'$ATTESTD' status --db '$T/fleet/attest.db' | grep -q '^$idA active'"
printf 'node %s\nsecret %s\n' "$idC" "$(head -c 32 /dev/zero | base64)" >"$T/wrong.req"
rc=$(curl -s -o "$T/wrong.body" -w '%{http_code}' --cacert "$T/fleet/ca.pem" \
	--data-binary @"$T/wrong.req" "https://localhost:$P/v1/activate" || true)
check "a wrong secret for C: 403 'wrong secret' (got $rc)" \
	bash -c "[ '$rc' = 403 ] && grep -q 'wrong secret' '$T/wrong.body'"
check "the secret never appears in attestd's log" bash -c "! grep -qi 'secret [A-Za-z0-9+/]\{20\}' '$T/attestd.log'"

# --- attestation on every pull ---------------------------------------------
# A new document for A (another nickname), served only to an attested pull.
sed 's/"lethe1"/"changed1"/' "$T/$idA.json" >"$T/$idA.v2.json"
fleet doc "$T/fleet" "$idA" "$T/$idA.v2.json"
chmod a+r "$T/fleet/nodes/$idA.json"
cp "$T/out-A/node.conf" "$T/node.conf.v1"
# The TPM now holds one more PCR 9 event (a changed initramfs): logged by
# the firmware, so the log replays, but no release predicts it.
# (through A's resource manager, which holds the swtpm's one connection;
# only the new, seventh event is extended)
fw_more() {
	FW_TCTI="tabrmd:bus_name=com.intel.tss2.Tabrmd.lethe$$A,bus_type=session" FW_FIRST=7 \
		fw_boot A "$T/A2.elog" '9 0x6 74616d7065726564'
}
check "TPM A: one more PCR 9 event, extended and logged" fw_more
rc=0; pull A "$T/A2.elog" || rc=$?
sed 's/^/# A: /' "$T/pull-A.err" >&2
check "a quote of PCRs no logged release predicts: exit 4, the verifier's reason (rc=$rc)" \
	bash -c "[ '$rc' = 4 ] && grep -q 'configpull: fatal: not attested: attestation refused: no matching release: closest is v1 (uefi): PCR 9 differs' '$T/pull-A.err' &&
		[ \"\$(cat '$T/out-A/attestation')\" = refused ]"
check "the refused node's document is not applied" cmp -s "$T/node.conf.v1" "$T/out-A/node.conf"
rc=0; pull A "$T/A.elog" || rc=$?
sed 's/^/# A: /' "$T/pull-A.err" >&2
check "an event log that does not replay to the quoted PCRs: exit 4, bad event log (rc=$rc)" \
	bash -c "[ '$rc' = 4 ] && grep -q 'attestation refused: bad event log: PCR 9 ' '$T/pull-A.err'"
rc=0; pull A "$T/nonexistent.elog" || rc=$?
check "no event log on the node: exit 4, said on the console (rc=$rc)" \
	bash -c "[ '$rc' = 4 ] && grep -q 'no firmware event log at $T/nonexistent.elog' '$T/pull-A.err'"
v2() {
	release v2 "$T/A2.elog.pcrs" "$T/proof2" && cat "$T/proof1" "$T/proof2" >"$T/fleet/logproofs.tmp" &&
		mv -f "$T/fleet/logproofs.tmp" "$T/fleet/logproofs" && chmod a+r "$T/fleet/logproofs"
}
check "the fleet logs v2 (A's new PCRs) and serves both proofs; attestd is not restarted" v2
rc=0; pull A "$T/A2.elog" || rc=$?
sed 's/^/# A: /' "$T/pull-A.err" >&2
check "A attests as v2 and gets the new document (rc=$rc)" \
	bash -c "[ '$rc' = 0 ] && grep -q 'attested as v2 (boot path uefi)' '$T/pull-A.err' && grep -rq changed1 '$T/out-A'"
# TPM2_Sign (0x0000015d) commands in TPM A's log
signs() { awk '/SWTPM_IO_Read/ { getline; if ($7 $8 $9 $10 == "0000015D") n++ } END { print n + 0 }' "$T/tpm-A/swtpm.log"; }
one_handshake() { # (the document is unchanged: exit 3)
	local before rc=0
	before=$(signs)
	pull A "$T/A2.elog" || rc=$?
	[ $rc = 3 ] && grep -q 'attested as v2' "$T/pull-A.err" && [ $(($(signs) - before)) = 1 ]
}
check "an attested pull (nonce, quote, document, approvals, proofs) is one mTLS handshake: one TPM signature" \
	one_handshake
check "the approvals and log proofs came through the gate" cmp -s "$T/fleet/logproofs" "$T/out-A/logproofs"
check "the token is on no log line" bash -c "! grep -qi 'x-lethe-attest\|token [A-Za-z0-9+/]\{43\}=' '$T/attestd.log' '$T/ngx-main/access.log' '$T/pull-A.err'"
check "fleet status: A attested v2 (uefi), pass; C pending" \
	bash -c "ATTESTD='$ATTESTD' '$TOP/scripts/fleet' status '$T/fleet' >'$T/fstatus' && sed 's/^/# /' '$T/fstatus' >&2 &&
		grep -Eq '^$idA +signed +active +v2 +uefi +[0-9T:-]+Z +pass' '$T/fstatus' &&
		grep -Eq '^$idC +pending +pending ' '$T/fstatus'"
tap_done
