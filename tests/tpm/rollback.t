#!/bin/bash
# Updates without re-sealing, and rollback (docs/updates.md "Node side and
# rollback").  Boot states are simulated: after each simulated reboot
# (swtpm_ioctl -i + Startup) the "image" extends PCR 13 with the digest of
# its name via tpm2_pcrextend, as stboot extends its measurements.
#
#   image v1 (epoch 100) provisions in authorized mode and raises the
#   minimum to 100; image v2 (epoch 200, another PCR 13) unseals the same
#   identities with its approval from one approvals file, with no write to
#   the identity index, and raises the minimum to 200; then v1 with its old
#   approval is refused, an unapproved state and another key's approval
#   are refused, and v2 still unseals after a reboot.  Then the limits
#   docs/updates.md states: a version-1 record has no epoch; an owner auth
#   protects the indexes; without one the owner can re-create the epoch
#   index and re-arm v1; a replaced or missing epoch index refuses all.
set -u
SWTPM_LOGLEVEL=20
. tests/tpm/lib.sh
tpm_start
IDX=01851E7E

openssl ecparam -name prime256v1 -genkey -noout -out "$T/op.pem" 2>/dev/null
openssl ec -in "$T/op.pem" -pubout -out "$T/op.pub" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$T/other.pem" 2>/dev/null

boot() {  # IMAGE: a fresh boot into that image's measured state
	tpm_reboot
	tpm2_pcrextend 13:sha256=$(printf '%s' "$1" | sha256sum | cut -d' ' -f1)
}
approve() {  # IMAGE EPOCH KEY OUT: sign the state IMAGE boots into (computed offline)
	local p13
	p13=$(python3 -c 'import hashlib,sys; print(hashlib.sha256(bytes(32) + hashlib.sha256(sys.argv[1].encode()).digest()).hexdigest())' "$1")
	"$TPMSEAL" approve --key "$3" --pcr 7=$(pcr_value 7) --pcr 13=$p13 ${2:+--epoch $2} --out "$4"
}
unseal() {  # OUT: initd's call
	"$TPMSEAL" unseal --authorize-key "$T/op.pub" --approval "$T/approvals" --out "$1"
}
advance() {  # initd's call after a successful unseal
	"$TPMSEAL" advance --authorize-key "$T/op.pub" --approval "$T/approvals"
}
pub() { tpm2_nvreadpublic 0x$IDX; }
export T TPMSEAL
export -f unseal advance

check "approve image v1 at epoch 100" approve "image v1" 100 "$T/op.pem" "$T/v1.ap"
check "approve image v2 at epoch 200" approve "image v2" 200 "$T/op.pem" "$T/v2.ap"
check "approve image v2 with another key" approve "image v2" 200 "$T/other.pem" "$T/v2other.ap"
check "approve image v3 without an epoch (v1 record)" approve "image v3" "" "$T/op.pem" "$T/v3.ap"
same "v2 records are 116 bytes, v1 108" "$(stat -c %s "$T/v1.ap") $(stat -c %s "$T/v3.ap")" "116 108"
# The config server's file: every approval back to back, another key's first.
cat "$T/v2other.ap" "$T/v1.ap" "$T/v2.ap" "$T/v3.ap" >"$T/approvals"

boot "image v1"
check "v1 provisions (authorized mode)" \
	bash -c "'$TPMSEAL' provision --instances 2 --authorize-key '$T/op.pub' > '$T/prov.ids'"
check "status: minimum epoch 0 after provisioning" bash -c "'$TPMSEAL' status --authorize-key '$T/op.pub' | grep -qx 'epoch 0'"
w0=$(nv_writes $IDX)
same "provisioning wrote the identity index" "$([ "$w0" -ge 1 ] && echo yes)" yes

boot "image v1"
pub >"$T/pub.before"  # before any unseal of this boot: not read-locked
check "v1 unseals with its approval from the file" bash -c "unseal '$T/v1out' > '$T/v1.ids'"
check "same identities as provisioned" cmp "$T/prov.ids" "$T/v1.ids"
check "v1 raises the minimum to its epoch" bash -c "advance | grep -qx 'epoch 100 raised from 0'"
check "again: nothing to write" bash -c "advance | grep -qx 'epoch 100 unchanged'"

boot "image v2"
check "v2 unseals the same identities with its approval" bash -c "unseal '$T/v2out' > '$T/v2.ids'"
check "same identities as provisioned" cmp "$T/prov.ids" "$T/v2.ids"
check "same key files" diff -r "$T/v1out" "$T/v2out"
check "v2 raises the minimum to 200" bash -c "advance | grep -qx 'epoch 200 raised from 100'"
check "status: minimum epoch 200" bash -c "'$TPMSEAL' status --authorize-key '$T/op.pub' | grep -qx 'epoch 200'"

boot "image v1"
is_rc 1 "v1 after v2 raised the minimum: refused" unseal "$T/o1"
check "the error says rollback" grep -q "rollback refused" "$T/rc.err"
check "nothing written" no_files "$T/o1"
is_rc 1 "v1 cannot lower the minimum either" advance
check "minimum still 200" bash -c "'$TPMSEAL' status --authorize-key '$T/op.pub' | grep -qx 'epoch 200'"

boot "image x"
is_rc 1 "an unapproved state: refused" unseal "$T/o2"
check "the error says no approval matches" grep -q "no approval matches" "$T/rc.err"

boot "image v2"
cat "$T/v2other.ap" "$T/v1.ap" >"$T/approvals.other"
is_rc 1 "v2 with only another key's approval for it: refused" \
	"$TPMSEAL" unseal --authorize-key "$T/op.pub" --approval "$T/approvals.other" --out "$T/o3"
check "the error says no valid signature" grep -q "no valid approval signature" "$T/rc.err"
is_rc 1 "no approvals file (the server has none): another state" \
	"$TPMSEAL" unseal --authorize-key "$T/op.pub" --approval "$T/absent" --out "$T/o4"
head -c 100 "$T/v2.ap" >"$T/trunc.ap"
is_rc 100 "a truncated record: the file is refused" \
	"$TPMSEAL" unseal --authorize-key "$T/op.pub" --approval "$T/trunc.ap" --out "$T/o4"
check "v2 still unseals (the refusals did not read-lock)" bash -c "unseal '$T/v2b' > '$T/v2b.ids'"
check "same identities" cmp "$T/prov.ids" "$T/v2b.ids"

boot "image v2"
pub >"$T/pub.after"
check "identity index: public area (name, attributes, policy) unchanged" cmp "$T/pub.before" "$T/pub.after"
check "v2 still unseals after a reboot" bash -c "unseal '$T/v2c' > '$T/v2c.ids'"
check "same identities" cmp "$T/prov.ids" "$T/v2c.ids"
check "v2 advance after reboot: unchanged, no write" bash -c "advance | grep -qx 'epoch 200 unchanged'"
same "no NV_Write to the identity index since provisioning (swtpm's command log)" "$(nv_writes $IDX)" "$w0"
same "the log does see writes: the epoch index got 3 (first write, 100, 200)" "$(nv_writes 01851E7D)" 3

# A version-1 record (no epoch) still unseals: documented, it predates
# rollback and cannot be refused by any minimum.
boot "image v3"
check "v3 with a version-1 approval unseals (no epoch: no rollback check)" bash -c "unseal '$T/v3' > /dev/null"
is_rc 1 "advance with a version-1 approval: refused (no epoch)" advance

# The remedy for the owner-level limits below: an owner auth the node
# does not know.  unseal and advance need none (nothing they do uses the
# owner's authorization); undefining the indexes then does.
tpm2_changeauth -c o ownersecret
boot "image v2"
check "owner auth set: v2 still unseals" bash -c "unseal '$T/v2d' > '$T/v2d.ids'"
check "owner auth set: advance still works" bash -c "advance | grep -qx 'epoch 200 unchanged'"
is_rc 1 "owner auth set: the epoch index cannot be undefined without it" tpm2_nvundefine 0x01851E7D -C o
tpm2_changeauth -c o -p ownersecret

# The documented limit (docs/updates.md): with the empty owner auth, root
# on any boot can re-create the epoch index with the identical public area
# and give it any first value through the first-write branch; the old
# image then unseals again on this node.  tpm2-tools only, as an attacker
# would; both OR branches are public (status prints the key's one).
tpm2_nvreadpublic 0x01851E7D | awk '/authorization policy/ { print $3 }' | xxd -r -p >"$T/epoch.pol"
"$TPMSEAL" status --authorize-key "$T/op.pub" | awk '/^policy/ { print $2 }' | xxd -r -p >"$T/epoch.branch1"
python3 -c 'import hashlib, sys
z, cc = bytes(32), lambda c: c.to_bytes(4, "big")
h = hashlib.sha256
open(sys.argv[1], "wb").write(h(h(z + cc(0x16C) + cc(0x137)).digest() + cc(0x18F) + b"\0").digest())' "$T/epoch.branch2"
same "first-write branch: the digest tpmseal uses" "$(xxd -p -c 64 "$T/epoch.branch2")" \
	b7afecee9bf7bcbd5078f264de85f7e361dc84f745da7efa34e91fdaf200ee9b
tpm2_nvundefine 0x01851E7D -C o
tpm2_nvdefine 0x01851E7D -C o -s 8 -a "authread|policywrite|no_da" -L "$T/epoch.pol" >/dev/null
boot "image v1"
is_rc 1 "owner re-created the index, unwritten: v1 still refused" unseal "$T/o9"
check "attacker: first write of 0 through PolicyNvWritten(NO)" bash -c "
	set -e
	cd '$T'
	tpm2_startauthsession --policy-session -S fw.ctx
	tpm2_policycommandcode -S fw.ctx TPM2_CC_NV_Write >/dev/null
	tpm2_policynvwritten -S fw.ctx c >/dev/null
	tpm2_policyor -S fw.ctx -l sha256:epoch.branch1,epoch.branch2 >/dev/null
	head -c 8 /dev/zero | tpm2_nvwrite 0x01851E7D -P session:fw.ctx -i -
	tpm2_flushcontext fw.ctx"
check "limit: after that, v1 unseals again on this node (owner-level rollback)" unseal "$T/o10"

# The owner replaces the epoch index with one that has no policy: the
# TPM names it differently and no approval verifies (fail closed).
tpm2_nvundefine 0x01851E7D -C o
tpm2_nvdefine 0x01851E7D -C o -s 8 -a "ownerwrite|authread|no_da" >/dev/null
printf '\0\0\0\0\0\0\0\0' | tpm2_nvwrite 0x01851E7D -C o -i -
boot "image v1"
is_rc 1 "foreign epoch index with 0: v1 still refused" unseal "$T/o5"
boot "image v2"
is_rc 1 "foreign epoch index: v2 refused too (denial of service, documented)" unseal "$T/o6"
tpm2_nvundefine 0x01851E7D -C o
tpm2_nvdefine 0x01851E7D -C o -s 8 -a "ownerwrite|ownerread|no_da" >/dev/null
printf '\0\0\0\0\0\0\0\0' | tpm2_nvwrite 0x01851E7D -C o -i -
is_rc 1 "foreign epoch index nobody may read: refused, not a TPM failure" unseal "$T/o7"
tpm2_nvundefine 0x01851E7D -C o
is_rc 1 "epoch index undefined by the owner: refused (denial of service)" unseal "$T/o8"
check "the error names the missing index" grep -q "minimum-epoch NV index 0x01851e7d" "$T/rc.err"
tap_done
