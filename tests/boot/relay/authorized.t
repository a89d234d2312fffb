#!/bin/bash
# Updates without re-sealing, and rollback, booted (issue 7): the demo
# relay built in authorized mode (make demo-auth-image: /etc/lethe/policy.pub
# of a test policy key), on one machine (one swtpm state, one UEFI variable
# store), six boots:
#
#  1. image v1, first boot: enrollment, provisioning in authorized mode,
#     unseal with v1's approval (another key's record for the same PCRs is
#     served first and skipped), `tpmseal advance`: minimum epoch E1;
#  2. image v2 (v1 with one byte of /etc/hosts changed, as an update would
#     change a file): provisioning forbidden by the document; unseals the
#     same identities with v2's approval, no write to the identity NV index
#     (swtpm's command log), advance raises the minimum to E2;
#  3. image v1 again, its valid approval still served: rollback refused,
#     tor not started, the console says why;
#  4. image v2 again: unseals, minimum unchanged;
#  5. image v3 (another byte changed), no approval for it: refused;
#  6. image v3 with an approval signed by another key: refused;
#  7. image v3 approved by the policy key but not in the transparency log
#     (docs/transparency.md; the image has /etc/lethe/log.pub): refused;
#  8. image v3 "logged" in a rogue log (same name, another key): refused.
#
# v1 and v2 are in a test log (lethe-log, the key whose public half is in
# the image), their entries written by scripts/log-record as make publish
# does, their proofs served at /v1/logproofs.
#
# Approvals are made here as the build makes them (image/uki/approve.sh over
# pcrpredict's `qemu` path, PCR 7 and 9, for the exact -append string the
# guest boots with), since v2 and v3 are made here.  Between boots the
# minimum epoch is read on the host (tpm2_nvread on the same swtpm state).
#
# Environment: AUTH_KERNEL, AUTH_INITRD (make demo-auth-image), FLEET (the demo
# fleet), POLICY_KEY and LOG_KEY (the keys whose public halves are in the
# image), PCRPREDICT, TPMSEAL, CONFIGPULL, LETHE_LOG, LETHE_TIMEOUT_SCALE,
# LETHE_KEEP.
set -u -o pipefail

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../relay.sh"

# check-boot-relay's KERNEL and INITRD are the demo image's: ours are others
KERNEL=${AUTH_KERNEL:-out/demo-auth/vmlinuz}
INITRD=${AUTH_INITRD:-out/demo-auth/initramfs.cpio.zst}
boot_need_image
: "${POLICY_KEY:=build/demo-auth/policy.pem}"
: "${PCRPREDICT:=build/host/pcrpredict}"
: "${TPMSEAL:=build/host/tpmseal}"
: "${LOG_KEY:=build/demo-auth/log.key}"
: "${LETHE_LOG:=build/host/lethe-log}"
LOG_PUB=${LOG_KEY%.key}.pub
PCR_PROFILE=${PCR_PROFILE:-image/pcr-profiles/ovmf-q35.txt}
for f in "$POLICY_KEY" "$PCRPREDICT" "$TPMSEAL" "$LOG_KEY" "$LOG_PUB" "$LETHE_LOG"; do
	[[ -r $f ]] || { echo "1..0"; echo "Bail out! $f missing (make demo-auth-image)"; exit 1; }
done
command -v tpm2_nvread >/dev/null || { echo "1..0"; echo "Bail out! tpm2-tools needed"; exit 1; }

E1=100 E2=200
ID_INDEX=01851E7E EPOCH_INDEX=0x01851E7D
RELAY_CMDLINE="lethe.config=$RELAY_URL lethe.pcrs=7,9 lethe.offline lethe.netwait=30"
# what boot_qemu passes to -append: the string PCR 9 measures
APPEND="$BOOT_KERNEL_ARGS $RELAY_CMDLINE"
export BOOT_SWTPM_LOGLEVEL=20 # command dump: NV_Write counts
figures=()

boot_init authorized
relay_init "$FLEET"

# approve KEY INITRD EPOCH OUT: an approval of the qemu path for INITRD
approve() {
	"$PCRPREDICT" predict --qemu-cmdline "$APPEND" --qemu-initrd "$2" --profile "$PCR_PROFILE" \
		--out "$BOOT_DIR/pred" >/dev/null || return 1
	POLICY_KEY=$1 TPMSEAL=$TPMSEAL APPROVE_FLAGS="--epoch $3" \
		image/uki/approve.sh "$4" "$BOOT_DIR/pred" 'qemu:7 9' >/dev/null
}

# How many TPM2_NV_Write commands swtpm received for index $1 (8 hex
# digits), over every boot so far (its command dump, level 20).
nv_writes() {
	grep -E '^( [0-9A-F]{2})+ ?$' "$BOOT_DIR/swtpm.log" | tr -d ' \n' |
		grep -oiE "8002[0-9A-F]{8}00000137[0-9A-F]{8}$1" | wc -l
}

# min_epoch: the node's minimum epoch, read on the host from the machine's
# TPM state between boots (the index is AUTHREAD, empty auth).
min_epoch() {
	local d=$BOOT_DIR/htpm pid i hex
	boot_stop "$BOOT_SWTPM_PID"
	mkdir -p "$d"
	swtpm socket --tpm2 --tpmstate dir="$BOOT_DIR/tpm" --server type=unixio,path="$d/sock" \
		--ctrl type=unixio,path="$d/sock.ctrl" --flags startup-clear </dev/null >/dev/null 2>&1 &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		[[ -S $d/sock && -S $d/sock.ctrl ]] && break
		sleep 0.05
	done
	hex=$(TPM2TOOLS_TCTI="swtpm:path=$d/sock" tpm2_nvread "$EPOCH_INDEX" -C "$EPOCH_INDEX" -s 8 2>/dev/null | od -An -tx1 | tr -d ' \n')
	boot_stop "$pid"
	[[ $hex =~ ^[0-9a-f]{16}$ ]] && echo $((16#$hex))
}

mark_figures() { # LABEL: the LETHE-MARK times of this boot
	local m v line=
	for m in init network config keys tor-exec; do
		v=$(relay_mark_ms "$m")
		line+=" $m=${v:-?}"
	done
	line+=" wall=$(boot_elapsed)s"
	figures+=("$1:$line")
	echo "# $1 marks (ms since kernel start):$line"
}

halt() { boot_stop "$BOOT_QEMU_PID"; }

# a boot refused by tpmseal: the console's reason, and nothing after it
refused() { # LABEL REASON-REGEX
	check "$1: unseal refused, the console says why" \
		boot_expect 'initd: fatal: tpmseal: unseal refused: the identities are sealed to another boot state' 300
	check "$1: tpmseal's reason: $2" boot_log_has "tpmseal: .*$2"
	sleep 3
	check "$1: nothing provisioned, no identity, no advance, tor not started" \
		bash -c '! tail -c "+$2" "$1" | grep -aE "initd: tpmseal: (provisioning [0-9]|provisioned)|initd: identity|^epoch [0-9]|starting tor|LETHE-MARK (keys|tor-exec)"' _ \
		"$BOOT_DIR/serial.log" "$((BOOT_MARK + 1))"
	mark_figures "$1"
	halt
}

# --- images and approvals ---------------------------------------------------
V1=$INITRD V2=$BOOT_DIR/v2.cpio.zst V3=$BOOT_DIR/v3.cpio.zst
check "image v2: v1 with one byte of /etc/hosts changed, repacked" relay_tamper "$V1" "$V2" 10
check "image v3: v1 with another byte changed" relay_tamper "$V1" "$V3" 11
(umask 077 && openssl ecparam -name prime256v1 -genkey -noout -out "$BOOT_DIR/other.pem") ||
	boot_die "unable to make another key"
approvals_make() {
	approve "$BOOT_DIR/other.pem" "$V1" $E1 "$BOOT_DIR/a-other" &&
		approve "$POLICY_KEY" "$V1" $E1 "$BOOT_DIR/a1" &&
		approve "$POLICY_KEY" "$V2" $E2 "$BOOT_DIR/a2"
}
pcr9() { # INITRD: the predicted PCR 9
	"$PCRPREDICT" predict --qemu-cmdline "$APPEND" --qemu-initrd "$1" --profile "$PCR_PROFILE" \
		--out "$BOOT_DIR/pred9" >/dev/null && awk '$2 == 9 { print $3 }' "$BOOT_DIR/pred9"
}
check "approvals: v1 (epoch $E1) and v2 (epoch $E2) signed with the policy key; v1's also with another key" \
	approvals_make
p1=$(pcr9 "$V1") p2=$(pcr9 "$V2") p3=$(pcr9 "$V3")
echo "# predicted PCR 9: v1 $p1, v2 $p2, v3 $p3"
check "approvals: v1, v2 and v3 predict three different PCR 9" \
	test -n "$p1" -a -n "$p2" -a -n "$p3" -a "$p1" != "$p2" -a "$p2" != "$p3" -a "$p1" != "$p3"
# the server's file: the other key's record first (skipped), then v1's and v2's
cat "$BOOT_DIR/a-other" "$BOOT_DIR/a1" "$BOOT_DIR/a2" >"$RELAY_FLEET/approvals"
chmod a+r "$RELAY_FLEET/approvals"
check "approvals file: three version-2 records (116 bytes each)" \
	test "$(stat -c %s "$RELAY_FLEET/approvals")" -eq 348

publish_v1v2() {
	relay_publish "$V1" v1 $E1 "$BOOT_DIR/log" "$LOG_KEY" "$BOOT_DIR/proof1" &&
		relay_publish "$V2" v2 $E2 "$BOOT_DIR/log" "$LOG_KEY" "$BOOT_DIR/proof2"
}
check "log: v1 (epoch $E1) and v2 (epoch $E2) published in the test log" publish_v1v2
cat "$BOOT_DIR/proof1" "$BOOT_DIR/proof2" >"$RELAY_FLEET/logproofs"
chmod a+r "$RELAY_FLEET/logproofs"
# (its "ok INDEX VERSION" lines are not this test's TAP)
check "log: both proofs verify against the image's log key" \
	bash -c '"$1" verify --pub "$2" "$3" >/dev/null' _ "$LETHE_LOG" "$LOG_PUB" "$RELAY_FLEET/logproofs"
relay_nginx_start
boot_swtpm_start "$BOOT_DIR/tpm"
# --- boot 1: v1, enrollment, authorized provisioning, advance to E1 ---------
RELAY_INITRD=$V1 relay_boot
check "boot 1 (v1): marker" boot_expect '^LETHE-BOOT version=' 180
check "boot 1 (v1): configpull enrolls; CSR signed" relay_enroll 300
# no allocator in the document: the node's default (jemalloc) must be mapped
RELAY_ALLOCATOR=default relay_doc_json true 1 >"$BOOT_DIR/doc1.json"
check "boot 1 (v1): node document installed (provisioning allowed, 1 instance)" relay_doc "$BOOT_DIR/doc1.json"
check "boot 1 (v1): authorized mode (policy.pub in the image)" \
	boot_expect 'initd: tpmseal: unseal \(authorized by /etc/lethe/policy.pub\)' 300
check "boot 1 (v1): not provisioned: provisioning as the document allows" \
	boot_expect 'initd: tpmseal: no identities in this TPM; provisioning 1' 120
check "boot 1 (v1): unsealed with v1's approval (keys mark)" boot_expect 'LETHE-MARK keys t=' 300
relay_identities >"$BOOT_DIR/ids1"
sed 's/^/# identity: /' "$BOOT_DIR/ids1"
check "boot 1 (v1): identity printed for relay1" \
	bash -c '[ "$(cut -d" " -f1 "$1" | tr "\n" " ")" = "relay1 " ]' _ "$BOOT_DIR/ids1"
check "boot 1 (v1): advance raised the minimum epoch to $E1" boot_log_has "epoch $E1 raised from 0"
check "boot 1 (v1): tor started" boot_expect 'LETHE-MARK tor-exec t=' 60
check "boot 1 (v1): the default allocator, jemalloc, is mapped in tor" \
	boot_expect 'initd: tor\.relay1: allocator jemalloc' 120
mark_figures "boot 1 (v1: enroll+provision)"
halt
w1=$(nv_writes "$ID_INDEX")
echo "# NV_Write to 0x$ID_INDEX after boot 1 (provisioning): $w1"
check "boot 1: the identity index was written by provisioning (swtpm saw $w1 NV_Write)" test "$w1" -gt 0
check "host: minimum epoch is $E1" test "$(min_epoch)" = $E1

# --- boot 2: v2, an update: same identities, advance to E2 -------------------
RELAY_ALLOCATOR=default relay_doc_json false 1 >"$BOOT_DIR/doc2.json"
relay_doc "$BOOT_DIR/doc2.json" || echo "# unable to install doc2" >&2
boot_swtpm_start "$BOOT_DIR/tpm"
RELAY_INITRD=$V2 relay_boot
check "boot 2 (v2): unsealed with v2's approval (keys mark)" boot_expect 'LETHE-MARK keys t=' 300
relay_identities >"$BOOT_DIR/ids2"
check "boot 2 (v2): the same identity as boot 1" cmp -s "$BOOT_DIR/ids1" "$BOOT_DIR/ids2"
check "boot 2 (v2): advance raised the minimum epoch to $E2" boot_log_has "epoch $E2 raised from $E1"
check "boot 2 (v2): nothing provisioned" bash -c '! grep -aE "initd: tpmseal: (provisioning [0-9]|provisioned|no identities)" "$1"' _ \
	"$BOOT_DIR/serial.log"
check "boot 2 (v2): tor started" boot_expect 'LETHE-MARK tor-exec t=' 60
mark_figures "boot 2 (v2: update)"
halt
w2=$(nv_writes "$ID_INDEX")
check "boot 2: no NV_Write to the identity index 0x$ID_INDEX ($w1 before, $w2 after)" test "$w2" -eq "$w1"
check "host: minimum epoch is $E2" test "$(min_epoch)" = $E2

# --- boot 3: v1 again, with its valid old approval: rollback ----------------
boot_swtpm_start "$BOOT_DIR/tpm"
RELAY_INITRD=$V1 relay_boot
refused "boot 3 (v1 again)" "rollback refused"
check "host: minimum epoch still $E2" test "$(min_epoch)" = $E2

# --- boot 4: v2 again ----------------------------------------------------------
boot_swtpm_start "$BOOT_DIR/tpm"
RELAY_INITRD=$V2 relay_boot
check "boot 4 (v2 again): unsealed (keys mark)" boot_expect 'LETHE-MARK keys t=' 300
relay_identities >"$BOOT_DIR/ids4"
check "boot 4 (v2 again): the same identity" cmp -s "$BOOT_DIR/ids1" "$BOOT_DIR/ids4"
check "boot 4 (v2 again): minimum epoch unchanged" boot_log_has "epoch $E2 unchanged"
mark_figures "boot 4 (v2 again)"
halt

# --- boot 5: v3, no approval ----------------------------------------------------
boot_swtpm_start "$BOOT_DIR/tpm"
RELAY_INITRD=$V3 relay_boot
refused "boot 5 (v3, unapproved)" "no approval matches the current PCR values"

# --- boot 6: v3 approved, but by another key ------------------------------------
check "approvals: v3 (epoch $((E2 + 100))) signed with another key, appended" \
	approve "$BOOT_DIR/other.pem" "$V3" $((E2 + 100)) "$BOOT_DIR/a3-other"
cat "$BOOT_DIR/a-other" "$BOOT_DIR/a1" "$BOOT_DIR/a2" "$BOOT_DIR/a3-other" >"$RELAY_FLEET/approvals"
boot_swtpm_start "$BOOT_DIR/tpm"
RELAY_INITRD=$V3 relay_boot
refused "boot 6 (v3, another key's approval)" "no valid approval signature for the current PCR values"
check "host: minimum epoch still $E2" test "$(min_epoch)" = $E2

# --- boot 7: v3 approved by the policy key, not in the log -------------------
E3=$((E2 + 100))
check "approvals: v3 (epoch $E3) signed with the policy key, appended" \
	approve "$POLICY_KEY" "$V3" $E3 "$BOOT_DIR/a3"
cat "$BOOT_DIR/a-other" "$BOOT_DIR/a1" "$BOOT_DIR/a2" "$BOOT_DIR/a3" >"$RELAY_FLEET/approvals"
boot_swtpm_start "$BOOT_DIR/tpm"
RELAY_INITRD=$V3 relay_boot
refused "boot 7 (v3 approved, not logged)" "the approval for the current PCR values is not in the transparency log"
check "boot 7: the reason names the proofs checked" \
	boot_log_has "not in the transparency log \\(2 verified proofs in /run/lethe/config/logproofs"

# --- boot 8: v3 in a rogue log: same name, another key -------------------------
publish_rogue() {
	"$LETHE_LOG" keygen --name demo.lethe.invalid/log --key "$BOOT_DIR/rogue.key" \
		--pub "$BOOT_DIR/rogue.pub" >/dev/null &&
		relay_publish "$V3" v3 $E3 "$BOOT_DIR/rogue" "$BOOT_DIR/rogue.key" "$BOOT_DIR/proof3-rogue"
}
check "rogue log: another key under the same name; v3 published there" publish_rogue
cat "$BOOT_DIR/proof1" "$BOOT_DIR/proof2" "$BOOT_DIR/proof3-rogue" >"$RELAY_FLEET/logproofs"
boot_swtpm_start "$BOOT_DIR/tpm"
RELAY_INITRD=$V3 relay_boot
refused "boot 8 (v3 in a rogue log)" "not in the transparency log \\(.*proof 3: "
check "host: minimum epoch still $E2" test "$(min_epoch)" = $E2
check "no NV_Write to the identity index since provisioning ($(nv_writes "$ID_INDEX") = $w1)" \
	test "$(nv_writes "$ID_INDEX")" -eq "$w1"

for f in "${figures[@]}"; do echo "# figures: $f"; done
tap_done
