#!/bin/bash
# Attestation, booted (docs/attestation.md): the demo relay on a machine
# whose TPM has an EK certificate (swtpm_setup --create-ek-cert with this
# test's own swtpm_localca CA), in a fleet that attests (that CA in
# FLEET/ek-ca; nginx rendered with ATTEST=on), with attestd behind the
# reference nginx, checking quotes against a test release log.
# Boot 1 (v1, the demo image, logged): the enrollment on the console carries
# the attestation bundle; scripts/fleet sign checks it and keeps the
# certificate pending; the image's configpull activates the credential in
# the TPM (through the kernel's /dev/tpmrm0) and attestd publishes the
# certificate; then the node quotes its PCRs with the firmware's event log,
# is attested as v1, and only then gets its document; tor starts.
# Boot 2 (v2: v1 with one byte of the initramfs changed, not logged): the
# quote is refused, the console says why (PCR 9), no document.
# Boot 3 (v3: another one-byte change, logged by the fleet before the
# boot): attested as v3, the document installed.
#
# Environment: as lifecycle.t, plus ATTESTD (make check-boot-relay).
set -u -o pipefail

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../relay.sh"
. "$(dirname "$0")/../../ekca.sh"
. "$(dirname "$0")/../../attestd.sh"

boot_need_image
ATTESTD=$(realpath "${ATTESTD:-build/host/attestd}")
export ATTESTD
for c in swtpm_setup swtpm_localca "$ATTESTD"; do
	command -v "$c" >/dev/null || { echo "1..0"; echo "Bail out! $c missing"; exit 1; }
done

boot_init attest
relay_init "$FLEET"
ATTESTD_PID=
RELAY_ATTEST=on
: "${LETHE_LOG:=build/host/lethe-log}"

# The fleet's release log (a test key): v1 logged now, v3 before boot 3,
# v2 never.  attestd reads the proofs nginx serves and the log's key.
V1=$INITRD V2=$BOOT_DIR/v2.cpio.zst V3=$BOOT_DIR/v3.cpio.zst
releases() {
	"$LETHE_LOG" keygen --name attest.lethe.invalid/log --key "$BOOT_DIR/log.key" \
		--pub "$BOOT_DIR/log.pub" >/dev/null &&
		cp "$BOOT_DIR/log.pub" "$RELAY_FLEET/log.pub" &&
		relay_publish "$V1" v1 1 "$BOOT_DIR/log" "$BOOT_DIR/log.key" "$BOOT_DIR/proof1" &&
		cp "$BOOT_DIR/proof1" "$RELAY_FLEET/logproofs" && chmod a+r "$RELAY_FLEET/logproofs" &&
		relay_tamper "$V1" "$V2" 10 && relay_tamper "$V1" "$V3" 11
}
check "release log: v1 (the demo image) logged; v2 and v3: v1 with one byte changed" releases

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
	attestd_serve "$BOOT_DIR/ngx/attestd.sock" "$BOOT_DIR/attestd.log" --db "$RELAY_FLEET/attest.db" \
		--pending "$RELAY_FLEET/pending" --certs "$RELAY_FLEET/certs" \
		--log-key "$RELAY_FLEET/log.pub" --log-proofs "$RELAY_FLEET/logproofs"
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
check "boot 1: the quote with the event log: attested as v1 (qemu path)" \
	boot_expect 'configpull: attestation: attested as v1 \(boot path qemu\)' 300
check "boot 1: then the certificate, the document, and tor" boot_expect 'LETHE-MARK tor-exec t=' 300
check "the activation's secret is on no console line" \
	bash -c '! grep -aE "^secret |secret [A-Za-z0-9+/]{43}=" "$1"' _ "$BOOT_DIR/serial.log"
status_has() { # REGEX: fleet status's line for the node
	ATTESTD=$ATTESTD scripts/fleet status "$RELAY_FLEET" >"$BOOT_DIR/status" 2>&1 &&
		sed 's/^/#   /' "$BOOT_DIR/status" >&2 && grep -Eq "^$RELAY_NODE +signed +active +$1" "$BOOT_DIR/status"
}
check "boot 1: fleet status: attested v1, qemu, a quote time, pass" status_has 'v1 +qemu +[0-9T:-]+Z +pass'
boot_stop "$BOOT_QEMU_PID"

# --- boot 2: a tampered initramfs, not logged ---------------------------------
boot_swtpm_start "$BOOT_DIR/tpm"
RELAY_INITRD=$V2 relay_boot
check "boot 2 (v2, tampered): marker" boot_expect '^LETHE-BOOT version=' 180
check "boot 2: the quote is refused; the console says why (PCR 9, the initramfs)" \
	boot_expect 'configpull: fatal: not attested: attestation refused: no matching release: closest is v1 \(qemu\): PCR 9 differs' 300
sleep 3
check "boot 2: no document, no keys, no tor" \
	bash -c '! tail -c "+$2" "$1" | grep -aE "LETHE-MARK (config|keys|tor-exec)|initd: identity"' _ \
	"$BOOT_DIR/serial.log" "$((BOOT_MARK + 1))"
check "boot 2: fleet status: the refusal and its reason" status_has '.* fail +"?no matching release: closest is v1 \(qemu\): PCR 9 differs'
boot_stop "$BOOT_QEMU_PID"

# --- boot 3: the fleet logs v3, the node attests as v3 -------------------------
publish_v3() {
	relay_publish "$V3" v3 3 "$BOOT_DIR/log" "$BOOT_DIR/log.key" "$BOOT_DIR/proof3" &&
		cat "$BOOT_DIR/proof1" "$BOOT_DIR/proof3" >"$RELAY_FLEET/logproofs.tmp" &&
		mv -f "$RELAY_FLEET/logproofs.tmp" "$RELAY_FLEET/logproofs" && chmod a+r "$RELAY_FLEET/logproofs"
}
check "the fleet logs v3 and serves its proof (attestd not restarted)" publish_v3
boot_swtpm_start "$BOOT_DIR/tpm"
RELAY_INITRD=$V3 relay_boot
check "boot 3 (v3): marker" boot_expect '^LETHE-BOOT version=' 180
check "boot 3: attested as v3" boot_expect 'configpull: attestation: attested as v3 \(boot path qemu\)' 300
check "boot 3: the document is installed (config mark)" boot_expect 'LETHE-MARK config t=' 120
check "boot 3: fleet status: attested v3, pass" status_has 'v3 +qemu +[0-9T:-]+Z +pass'
boot_stop "$BOOT_QEMU_PID"
tap_done
