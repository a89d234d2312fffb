#!/bin/bash
# tpmseal approved: may this node reboot into release V with approval epoch
# E (docs/tpmseal.md, docs/rollouts.md)?  Offline, no TPM: no swtpm runs,
# and LETHE_TCTI names a socket that does not exist, so any TPM access
# would be exit 111.  Approvals made with tpmseal approve and
# image/uki/approve.sh, proofs with real lethe-log:
#
#   - 0: a record for E signed by the policy key, and a proof (by the log
#     key) of an entry with version V, approval-epoch E and PCR values that
#     give that record's PCR policy; also with one record per boot path;
#   - 1, one line naming why: a record for E by another key only, a record
#     whose signature was altered, no record for E, only version-1 records
#     (they carry no epoch), no approvals file, V logged with another epoch
#     or approval-epoch none, E logged for another version, an entry whose
#     PCRs the record does not name, a proof by another log key of the same
#     name, a tampered proof, no proofs file;
#   - 100: a truncated approvals file (as unseal: all or nothing), a
#     missing or malformed log key, a bad --version, a missing option.
set -u
. tests/tpm/lib.sh
LETHE_LOG=${LETHE_LOG:-build/host/lethe-log}
export TPMSEAL
# nothing listens there: a TPM access fails with 111
export LETHE_TCTI="swtpm:path=$T/no-tpm.sock" TPM2TOOLS_TCTI="swtpm:path=$T/no-tpm.sock"

openssl ecparam -name prime256v1 -genkey -noout -out "$T/op.pem" 2>/dev/null
openssl ec -in "$T/op.pem" -pubout -out "$T/op.pub" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$T/rogue.pem" 2>/dev/null
check "log key and another log's key of the same name" bash -c "'$LETHE_LOG' keygen --name test.lethe.invalid/log --key '$T/log.key' --pub '$T/log.pub' >/dev/null &&
	'$LETHE_LOG' keygen --name test.lethe.invalid/log --key '$T/rogue.key' --pub '$T/rogue.pub' >/dev/null"

hex() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
p7=$(hex pcr7) p13=$(hex pcr13) other13=$(hex other13)
u4=$(hex u4) u7=$(hex u7) u9=$(hex u9) u11=$(hex u11)
# record VERSION EPOCH PCR13 [uefi]: a lethe-release/v1 entry with the
# stboot path (PCR 7 and 13) and, with "uefi", the uefi path (4, 7, 9, 11)
record() {
	local h
	h=$(hex "$1")
	printf 'lethe-release/v1\nversion %s\ncommit %s\nsource-date-epoch 1700000000\napproval-epoch %s\n' \
		"$1" "${h:0:40}" "$2"
	for a in zip descriptor kernel initramfs uki manifest; do printf 'sha256 %s %s\n' "$a" "$h"; done
	printf 'pcr stboot 7 %s\npcr stboot 13 %s\n' "$p7" "$3"
	[ "${4:-}" != uefi ] || printf 'pcr uefi 4 %s\npcr uefi 7 %s\npcr uefi 9 %s\npcr uefi 11 %s\n' \
		"$u4" "$u7" "$u9" "$u11"
}
record v1.0 100 "$other13" >"$T/e-old"
record v2.0 200 "$p13" >"$T/e-cur"
record v2.1 250 "$p13" >"$T/e-cur-250"
record v2.2 none "$p13" >"$T/e-noepoch"
record v2.3 300 "$other13" uefi >"$T/e-paths"
record v2.4 400 "$other13" >"$T/e-pcrs"
mklog() {
	local i
	"$LETHE_LOG" append --log "$T/log" --key "$T/log.key" "$T/e-old" "$T/e-cur" "$T/e-cur-250" \
		"$T/e-noepoch" "$T/e-paths" "$T/e-pcrs" >/dev/null || return 1
	for i in 0 1 2 3 4 5; do
		"$LETHE_LOG" proof --log "$T/log" --pub "$T/log.pub" --index $i --out "$T/p$i" || return 1
	done
	cat "$T"/p[0-5] >"$T/proofs"
}
check "log: six entries appended, the proofs of all of them in one file" mklog
mkrogue() {
	"$LETHE_LOG" append --log "$T/rogue" --key "$T/rogue.key" "$T/e-cur" >/dev/null &&
		"$LETHE_LOG" proof --log "$T/rogue" --pub "$T/rogue.pub" --index 0 --out "$T/p-rogue"
}
check "a rogue log (same name, another key) with the same entry, and its proof" mkrogue
# one hash line of the proof flipped (a valid base64 character for another)
sed '4s/^./\U&/;4s/^\([A-Z]\)/\L\1/' "$T/p1" >"$T/p-tampered"
cmp -s "$T/p1" "$T/p-tampered" && sed -i '4s/^./A/' "$T/p-tampered"

approve() { # OUT KEY P13 [EPOCH]
	"$TPMSEAL" approve --key "$2" --pcr 7="$p7" --pcr 13="$3" ${4:+--epoch "$4"} --out "$T/$1" >/dev/null
}
mkapprovals() {
	approve a200 "$T/op.pem" "$p13" 200 && approve a200-rogue "$T/rogue.pem" "$p13" 200 &&
		approve a250 "$T/op.pem" "$p13" 250 && approve a400 "$T/op.pem" "$p13" 400 &&
		approve a-v1 "$T/op.pem" "$p13"
}
check "approvals: epoch 200 (policy key, another key), 250, 400, version 1" mkapprovals
# the stboot record names a PCR 13 that is not the logged one: only the
# uefi path's record matches the entry
printf 'stboot 7 %s\nstboot 13 %s\nuefi 4 %s\nuefi 7 %s\nuefi 9 %s\nuefi 11 %s\n' \
	"$p7" "$(hex stale13)" "$u4" "$u7" "$u9" "$u11" >"$T/paths.pcrs"
check "approve.sh: one epoch-300 record per boot path" \
	env POLICY_KEY="$T/op.pem" APPROVE_FLAGS="--epoch 300" image/uki/approve.sh "$T/a300" "$T/paths.pcrs" \
	"stboot:7 13" "uefi:4 7 9 11"
cat "$T/a200-rogue" "$T/a-v1" "$T/a200" "$T/a250" "$T/a300" "$T/a400" >"$T/approvals"

approved() { # APPROVALS PROOFS VERSION EPOCH [LOGKEY]
	"$TPMSEAL" approved --authorize-key "$T/op.pub" --approval "$1" --log-key "${5:-$T/log.pub}" \
		--log-proofs "$2" --version "$3" --epoch "$4"
}
one_reason() { # VERSION EPOCH REASON-REGEX: the refusal is one line, naming why
	[ "$(wc -l <"$T/rc.err")" = 1 ] &&
		grep -qE "^tpmseal: fatal: release $1 epoch $2 not approved: .*$3" "$T/rc.err"
}
refused() { # NAME APPROVALS PROOFS VERSION EPOCH REASON-REGEX
	is_rc 1 "$1: refused (1)" approved "$2" "$3" "$4" "$5"
	check "$1: one line: $6" one_reason "$4" "$5" "$6"
}

is_rc 0 "approved: v2.0 epoch 200, signed and logged" approved "$T/approvals" "$T/proofs" v2.0 200
check "it says so on stdout" grep -qx 'release v2.0 epoch 200 approved and logged' "$T/last.out"
check "no TPM involved: LETHE_TCTI points nowhere, --tcti too" \
	"$TPMSEAL" approved --tcti "swtpm:path=$T/none.sock" --authorize-key "$T/op.pub" --approval "$T/a200" \
	--log-key "$T/log.pub" --log-proofs "$T/p1" --version v2.0 --epoch 200
is_rc 111 "(while a command that needs the TPM fails there: 111)" \
	"$TPMSEAL" status --authorize-key "$T/op.pub"
is_rc 0 "approved through one record per boot path (the uefi path's)" approved "$T/a300" "$T/proofs" v2.3 300
is_rc 0 "approved from several approvals files" \
	"$TPMSEAL" approved --authorize-key "$T/op.pub" --approval "$T/a-v1" --approval "$T/a200" \
	--log-key "$T/log.pub" --log-proofs "$T/proofs" --version v2.0 --epoch 200

refused "a record for epoch 200 by another key only" "$T/a200-rogue" "$T/proofs" v2.0 200 \
	"the approval for epoch 200 is not signed by the policy key"
# one bit of the last byte of s: the record still parses, the signature fails
cp "$T/a200" "$T/a200-flipped"
last=$(od -An -tu1 -j115 -N1 "$T/a200")
printf "\\x$(printf %02x $((last ^ 1)))" | dd of="$T/a200-flipped" bs=1 seek=115 conv=notrunc status=none
refused "a record whose signature was altered" "$T/a200-flipped" "$T/proofs" v2.0 200 \
	"the approval for epoch 200 is not signed by the policy key"
refused "no record for epoch 201" "$T/approvals" "$T/proofs" v2.0 201 \
	"no approval for epoch 201 \\(7 records: 6 for other epochs, 1 of version 1"
refused "version-1 records never count (no epoch)" "$T/a-v1" "$T/proofs" v2.2 200 \
	"no approval for epoch 200 \\(1 record: 0 for other epochs, 1 of version 1, which carry no epoch"
refused "no approvals file" "$T/none" "$T/proofs" v2.0 200 "unable to open .*/none: No such file"
refused "v2.1 is logged with epoch 250, not 200" "$T/approvals" "$T/proofs" v2.1 200 \
	"no logged release v2.1 with approval-epoch 200 \\(6 verified proofs .*v2.1 is logged with approval-epoch 250"
refused "v2.2 is logged with approval-epoch none" "$T/approvals" "$T/proofs" v2.2 200 \
	"v2.2 is logged with approval-epoch none"
refused "epoch 250 is logged for v2.1, not v9" "$T/approvals" "$T/proofs" v9 250 \
	"no logged release v9 with approval-epoch 250"
refused "v2.4 epoch 400 is logged with PCRs the record does not name" "$T/approvals" "$T/proofs" v2.4 400 \
	"is not the image the approval for epoch 400 names"
refused "a proof by another log key of the same name" "$T/approvals" "$T/p-rogue" v2.0 200 \
	"no logged release v2.0 with approval-epoch 200 \\(.*no signature by the log key"
refused "a tampered proof" "$T/approvals" "$T/p-tampered" v2.0 200 "proof 1"
refused "no proofs file" "$T/approvals" "$T/none" v2.0 200 "no proofs: .*No such file"
is_rc 0 "(the rogue log's proof checks under the rogue log's key)" \
	approved "$T/approvals" "$T/p-rogue" v2.0 200 "$T/rogue.pub"

head -c 200 "$T/approvals" >"$T/truncated"
is_rc 100 "a truncated approvals file: bad input (100), as unseal" approved "$T/truncated" "$T/proofs" v2.0 200
check "its message names the file" grep -q "unable to parse $T/truncated: not tpmseal approval records" "$T/rc.err"
is_rc 100 "a missing log key (100), even with no approval for the epoch" \
	approved "$T/a-v1" "$T/proofs" v2.0 200 "$T/none.pub"
printf 'not a key\n' >"$T/bad.pub"
is_rc 100 "a malformed log key (100)" approved "$T/approvals" "$T/proofs" v2.0 200 "$T/bad.pub"
is_rc 100 "a policy key that is not P-256 (100)" bash -c "openssl ecparam -name secp384r1 -genkey -noout 2>/dev/null |
	openssl ec -pubout -out '$T/p384.pub' 2>/dev/null && '$TPMSEAL' approved --authorize-key '$T/p384.pub' \
	--approval '$T/approvals' --log-key '$T/log.pub' --log-proofs '$T/proofs' --version v2.0 --epoch 200"
is_rc 100 "a bad --version (100)" approved "$T/approvals" "$T/proofs" 'v2.0;x' 200
is_rc 100 "--epoch missing (100)" "$TPMSEAL" approved --authorize-key "$T/op.pub" --approval "$T/approvals" \
	--log-key "$T/log.pub" --log-proofs "$T/proofs" --version v2.0
is_rc 100 "--log-key missing (100)" "$TPMSEAL" approved --authorize-key "$T/op.pub" --approval "$T/approvals" \
	--version v2.0 --epoch 200
is_rc 100 "--version outside approved (100)" "$TPMSEAL" advance --authorize-key "$T/op.pub" \
	--approval "$T/approvals" --version v2.0
tap_done
