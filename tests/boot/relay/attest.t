#!/bin/bash
# Attested enrollment, booted (docs/attestation.md, issue 16 part 1): the
# demo relay on a machine whose TPM has an EK certificate (swtpm_setup
# --create-ek-cert with this test's own swtpm_localca CA), in a fleet that
# attests (that CA in FLEET/ek-ca), with attestd behind the reference nginx.
# One boot: the enrollment on the console carries the attestation bundle;
# scripts/fleet sign checks it and keeps the certificate pending; the
# image's configpull activates the credential in the TPM (through the
# kernel's /dev/tpmrm0) and attestd publishes the certificate; only then
# does the node get its document, and tor starts.
#
# Environment: as lifecycle.t, plus ATTESTD (make check-boot-relay).
set -u -o pipefail

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../relay.sh"
. "$(dirname "$0")/../../ekca.sh"

boot_need_image
ATTESTD=$(realpath "${ATTESTD:-build/host/attestd}")
export ATTESTD
for c in swtpm_setup swtpm_localca "$ATTESTD"; do
	command -v "$c" >/dev/null || { echo "1..0"; echo "Bail out! $c missing"; exit 1; }
done

boot_init attest
relay_init "$FLEET"
ATTESTD_PID=

# The machine's TPM state, with an EK certificate of this test's CA (never
# the system's /var/lib/swtpm-localca); boot_swtpm_start then keeps it.
tpm_with_ek() {
	ekca_manufacture "$BOOT_DIR/tpm" "$BOOT_DIR/ekca" || return 1
	mkdir -p "$RELAY_FLEET/ek-ca" "$RELAY_FLEET/pending" "$RELAY_FLEET/credentials"
	cp "$BOOT_DIR/ekca/ca.pem" "$RELAY_FLEET/ek-ca/test-ca.pem"
}
check "the machine's TPM has an EK certificate; the fleet trusts its CA" tpm_with_ek

attestd_start() {
	mkdir -p "$BOOT_DIR/ngx"
	"$ATTESTD" serve --db "$RELAY_FLEET/attest.db" --socket "$BOOT_DIR/ngx/attestd.sock" \
		--pending "$RELAY_FLEET/pending" --certs "$RELAY_FLEET/certs" 2>"$BOOT_DIR/attestd.log" &
	ATTESTD_PID=$!
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -S $BOOT_DIR/ngx/attestd.sock ]] && return 0
		sleep 0.05
	done
	return 1
}
check "attestd serves on nginx's FastCGI socket" attestd_start
trap 'rc=$?; boot_stop "$ATTESTD_PID"; (exit $rc); relay_cleanup' EXIT
relay_nginx_start
chmod a+rx "$RELAY_FLEET/credentials"
boot_swtpm_start "$BOOT_DIR/tpm"
relay_boot
check "marker" boot_expect '^LETHE-BOOT version=' 180
check "the enrollment on the console carries the attestation bundle" boot_expect '^attest-certify-sig: ' 300

# The operator's half: the whole enrollment, as the console shows it.
attest_sign() {
	tr -d '\r' <"$BOOT_DIR/serial.log" |
		grep -E '^(node-id: |attest-[a-z-]+: )' >"$BOOT_DIR/enroll" || return 1
	relay_csr >>"$BOOT_DIR/enroll"
	RELAY_NODE=$(scripts/fleet sign "$RELAY_FLEET" "$BOOT_DIR/enroll" 2>"$BOOT_DIR/sign.err" | tail -n 1) ||
		{ sed 's/^/#   /' "$BOOT_DIR/sign.err" >&2; return 1; }
	grep -q 'TPM attested' "$BOOT_DIR/sign.err" &&
		[[ -f $RELAY_FLEET/pending/$RELAY_NODE.pem && ! -e $RELAY_FLEET/certs/$RELAY_NODE.pem ]] &&
		chmod a+r "$RELAY_FLEET/credentials/$RELAY_NODE"
}
check "fleet sign: the TPM is attested (EK certificate, AK, certification); the certificate waits" attest_sign
relay_doc_json true 1 >"$BOOT_DIR/doc.json"
check "node document installed" relay_doc "$BOOT_DIR/doc.json"
check "the node activates its credential in the TPM; the verifier accepts" \
	boot_expect "configpull: attestation: the verifier accepted this TPM's activation" 300
check "attestd published the certificate and marks the node active" bash -c \
	'[ -f "$1/certs/$2.pem" ] && [ ! -e "$1/pending/$2.pem" ] && "$3" status --db "$1/attest.db" | grep -q "^$2 active"' \
	_ "$RELAY_FLEET" "$RELAY_NODE" "$ATTESTD"
check "then the certificate, the document, and tor" boot_expect 'LETHE-MARK tor-exec t=' 300
check "the activation's secret is on no console line" \
	bash -c '! grep -aE "^secret |secret [A-Za-z0-9+/]{43}=" "$1"' _ "$BOOT_DIR/serial.log"
boot_stop "$BOOT_QEMU_PID"
tap_done
