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
set -eu -o pipefail
CP_TEST=attest
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../ekca.sh"
TAP_CAPTURE=$T
ATTESTD=$(realpath "${ATTESTD:-build/host/attestd}")
export ATTESTD
for c in swtpm swtpm_setup tpm2-abrmd dbus-daemon tpm2_makecredential; do
	command -v "$c" >/dev/null || { echo "1..0 # SKIP $c missing"; exit 0; }
done

# tpm NAME CA: a swtpm whose EK certificate CA's swtpm_localca made
# (tests/ekca.sh: the CA's state in $T/ca-CA)
tpm() {
	local d=$T/tpm-$1
	ekca_manufacture "$d" "$T/ca-$2" || return 1
	swtpm socket --tpm2 --server type=unixio,path="$d/sock" --ctrl type=unixio,path="$d/sock.ctrl" \
		--flags startup-clear --tpmstate dir="$d" &
	PIDS+=($!)
	for _ in $(seq 100); do [ -S "$d/sock" ] && break; sleep 0.05; done
}
tpms() { tpm A 1 && tpm B 2 && tpm C 1; }
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

P=$(freeport)
mkdir -p "$T/ngx-main"
"$ATTESTD" serve --db "$T/fleet/attest.db" --socket "$T/ngx-main/attestd.sock" \
	--pending "$T/fleet/pending" --certs "$T/fleet/certs" 2>"$T/attestd.log" &
PIDS+=($!)
ATTESTD_PID=$!
for _ in $(seq 100); do [ -S "$T/ngx-main/attestd.sock" ] && break; sleep 0.05; done
chmod 666 "$T/ngx-main/attestd.sock" 2>/dev/null || true
cp_nginx main "$T/fleet" "$P" localhost

# One tpm2-abrmd per TPM on this run's own bus: configpull holds the TLS key
# and the attestation keys in one process (on the relay: /dev/tpmrm0).
dbus-daemon --session --address="unix:path=$T/dbus.sock" --fork --print-address=1 --print-pid=1 \
	>"$T/dbus" 2>"$T/dbus.err"
export DBUS_SESSION_BUS_ADDRESS=$(sed -n 1p "$T/dbus")
PIDS+=("$(sed -n 2p "$T/dbus")")
abrmd() { # NAME: prints the TCTI string
	tpm2-abrmd --session --dbus-name="com.intel.tss2.Tabrmd.lethe$$$1" --tcti="swtpm:path=$T/tpm-$1/sock" \
		--allow-root 2>"$T/abrmd-$1.log" &
	PIDS+=($!)
	for _ in $(seq 50); do
		TPM2TOOLS_TCTI="tabrmd:bus_name=com.intel.tss2.Tabrmd.lethe$$$1,bus_type=session" \
			tpm2_getcap properties-fixed >/dev/null 2>&1 && break
		sleep 0.1
	done
}
abrmd A; abrmd C
pull() { # NAME: configpull fetch with TPM NAME's key
	mkdir -p "$T/out-$1" "$T/c-$1"
	"$CONFIGPULL" fetch --url "https://localhost:$P/v1/node.json" --ca "$T/fleet/ca.pem" \
		--cert "$T/c-$1/node.pem" --tcti "tabrmd:bus_name=com.intel.tss2.Tabrmd.lethe$$$1,bus_type=session" \
		-o "$T/out-$1" -d "$T/data" -k "$T/keys" --attempts 1 >"$T/pull-$1.out" 2>"$T/pull-$1.err"
}

# C's credential replaced by A's: made for another TPM's EK and AK
cp "$T/fleet/credentials/$idA" "$T/fleet/credentials/$idC"
rc=0; pull C || rc=$?
sed 's/^/# C: /' "$T/pull-C.err" >&2
check "node C with a credential made for TPM A: activation fails in the TPM, no certificate (rc=$rc)" \
	bash -c "[ '$rc' = 2 ] && grep -q 'activate the credential' '$T/pull-C.err' && [ ! -e '$T/fleet/certs/$idC.pem' ]"

rc=0; pull A || rc=$?
sed 's/^/# A: /' "$T/pull-A.err" >&2
check "node A: activates its credential, gets its certificate, then its document (rc=$rc)" \
	bash -c "[ '$rc' = 0 ] && grep -q 'accepted this TPM' '$T/pull-A.err' && [ -s '$T/c-A/node.pem' ] &&
		[ -f '$T/fleet/certs/$idA.pem' ] && [ ! -e '$T/fleet/pending/$idA.pem' ] && [ -s '$T/out-A/node.conf' ]"
check "attestd status: A active, C pending" \
	bash -c "'$ATTESTD' status --db '$T/fleet/attest.db' >'$T/status' &&
		grep -q '^$idA active' '$T/status' && grep -q '^$idC pending' '$T/status'"
kill "$ATTESTD_PID"; wait "$ATTESTD_PID" 2>/dev/null || true
"$ATTESTD" serve --db "$T/fleet/attest.db" --socket "$T/ngx-main/attestd.sock" \
	--pending "$T/fleet/pending" --certs "$T/fleet/certs" 2>>"$T/attestd.log" &
PIDS+=($!)
for _ in $(seq 100); do [ -S "$T/ngx-main/attestd.sock" ] && break; sleep 0.05; done
chmod 666 "$T/ngx-main/attestd.sock" 2>/dev/null || true
check "attestd restarted: A still active" \
	bash -c "'$ATTESTD' status --db '$T/fleet/attest.db' | grep -q '^$idA active'"
printf 'node %s\nsecret %s\n' "$idC" "$(head -c 32 /dev/zero | base64)" >"$T/wrong.req"
rc=$(curl -s -o "$T/wrong.body" -w '%{http_code}' --cacert "$T/fleet/ca.pem" \
	--data-binary @"$T/wrong.req" "https://localhost:$P/v1/activate" || true)
check "a wrong secret for C: 403 'wrong secret' (got $rc)" \
	bash -c "[ '$rc' = 403 ] && grep -q 'wrong secret' '$T/wrong.body'"
check "the secret never appears in attestd's log" bash -c "! grep -qi 'secret [A-Za-z0-9+/]\{20\}' '$T/attestd.log'"
tap_done
