#!/bin/bash
# authorized mode: PolicyAuthorize with the operator's ECDSA P-256 key.
# An approval for the current PCRs unseals; one for other PCRs, one signed
# by another key, or a tampered one fails with "another state"; a new
# image's approval unseals the same bundle without re-sealing.
set -u
. tests/tpm/lib.sh
tpm_start

openssl ecparam -name prime256v1 -genkey -noout -out "$T/op.pem" 2>/dev/null
openssl ec -in "$T/op.pem" -pubout -out "$T/op.pub" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$T/other.pem" 2>/dev/null
check "provision in authorized mode" \
	bash -c "'$TPMSEAL' provision --instances 2 --authorize-key '$T/op.pub' > '$T/prov.ids'"
check "status: authorized (this key)" bash -c "'$TPMSEAL' status --authorize-key '$T/op.pub' | grep -q '^mode authorized'"

p7=$(pcr_value 7)
p13=$(pcr_value 13)
zero=$(printf '%064d' 0)
other=$(printf 'x' | sha256sum | cut -d' ' -f1)
check "approve the current PCRs (offline)" "$TPMSEAL" approve --key "$T/op.pem" --pcr 7=$p7 --pcr 13=$p13 --out "$T/cur.ap"
check "approve other PCR values" "$TPMSEAL" approve --key "$T/op.pem" --pcr 7=$p7 --pcr 13=$other --out "$T/otherpcr.ap"
check "approve the current PCRs with another key" "$TPMSEAL" approve --key "$T/other.pem" --pcr 7=$p7 --pcr 13=$p13 --out "$T/otherkey.ap"
cp "$T/cur.ap" "$T/tampered.ap"
# Flip a bit of s (setting the byte to a constant left it unchanged 1 time in 256).
b=$(od -An -tu1 -j100 -N1 "$T/cur.ap" | tr -d ' ')
printf "\\$(printf '%03o' $((b ^ 1)))" | dd of="$T/tampered.ap" bs=1 seek=100 conv=notrunc status=none

is_rc 1 "approval for other PCRs: another state" "$TPMSEAL" unseal --authorize-key "$T/op.pub" --approval "$T/otherpcr.ap" --out "$T/o1"
is_rc 1 "approval signed by another key: another state" "$TPMSEAL" unseal --authorize-key "$T/op.pub" --approval "$T/otherkey.ap" --out "$T/o2"
is_rc 1 "tampered approval: another state" "$TPMSEAL" unseal --authorize-key "$T/op.pub" --approval "$T/tampered.ap" --out "$T/o3"
is_rc 1 "right approval, but the index is sealed to another key" "$TPMSEAL" unseal --authorize-key <(openssl ec -in "$T/other.pem" -pubout 2>/dev/null) --approval "$T/otherkey.ap" --out "$T/o4"
check "the refusals wrote nothing" bash -c "! ls '$T'/o[1-4] >/dev/null 2>&1 || [ -z \"\$(find '$T'/o[1-4] -type f 2>/dev/null)\" ]"
check "approval for the current PCRs unseals (others tried first)" \
	bash -c "'$TPMSEAL' unseal --authorize-key '$T/op.pub' --approval '$T/otherpcr.ap' --approval '$T/tampered.ap' --approval '$T/cur.ap' --out '$T/ok1' > '$T/ok1.ids'"
check "same identities as provisioned" cmp "$T/prov.ids" "$T/ok1.ids"

# A new image: its measurement (simulated) changes PCR 13.  The operator
# signs an approval for the new value; the bundle is not touched.
tpm_reboot
tpm2_pcrextend 13:sha256=$(printf 'image v2' | sha256sum | cut -d' ' -f1)
is_rc 1 "new image with only the old approval: another state" "$TPMSEAL" unseal --authorize-key "$T/op.pub" --approval "$T/cur.ap" --out "$T/o5"
check "approve the new image's PCRs" "$TPMSEAL" approve --key "$T/op.pem" --pcr 7=$(pcr_value 7) --pcr 13=$(pcr_value 13) --out "$T/v2.ap"
check "new image unseals the same bundle" \
	bash -c "'$TPMSEAL' unseal --authorize-key '$T/op.pub' --approval '$T/cur.ap' --approval '$T/v2.ap' --out '$T/ok2' > '$T/ok2.ids'"
check "same identities, no re-sealing" cmp "$T/prov.ids" "$T/ok2.ids"
check "same key files" diff -r "$T/ok1" "$T/ok2"
tap_done
