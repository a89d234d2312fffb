#!/bin/bash
# Policy failures do not count toward dictionary-attack lockout (swtpm
# locks out after 3 auth failures): the index is NO_DA and a PCR or
# approval mismatch is a policy failure, not an auth failure.
set -u
. tests/tpm/lib.sh
tpm_start

lockout_counter() {
	tpm2_getcap properties-variable | awk '$1 == "TPM2_PT_LOCKOUT_COUNTER:" { print $2; exit }'
}

openssl ecparam -name prime256v1 -genkey -noout -out "$T/op.pem" 2>/dev/null
openssl ec -in "$T/op.pem" -pubout -out "$T/op.pub" 2>/dev/null
check "provision (authority mode)" "$TPMSEAL" provision --instances 1
check "provision (authorized mode, second index)" "$TPMSEAL" provision --index 0x01851E60 --instances 1 --authorize-key "$T/op.pub"
"$TPMSEAL" approve --key "$T/op.pem" --pcr 7=$(printf '%064d' 1) --pcr 13=$(pcr_value 13) --out "$T/bad.ap" >/dev/null
tpm2_pcrextend 7:sha256=$(printf 'evil' | sha256sum | cut -d' ' -f1)
"$TPMSEAL" approve --key "$T/op.pem" --pcr 7=$(pcr_value 7) --pcr 13=$(pcr_value 13) --out "$T/cur.ap" >/dev/null
cp "$T/cur.ap" "$T/tampered.ap"
printf '\x02' | dd of="$T/tampered.ap" bs=1 seek=90 conv=notrunc status=none

fails=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	"$TPMSEAL" unseal --out "$T/x" >/dev/null 2>&1 && fails=99
	"$TPMSEAL" unseal --index 0x01851E60 --authorize-key "$T/op.pub" --approval "$T/bad.ap" --out "$T/x" >/dev/null 2>&1 && fails=99
	"$TPMSEAL" unseal --index 0x01851E60 --authorize-key "$T/op.pub" --approval "$T/tampered.ap" --out "$T/x" >/dev/null 2>&1 && fails=99
done
same "30 refused unseals" "$fails" 0
# The TPM's own refusal, past our pre-checks: a policy session with the
# wrong PCRs on the index, through tpm2-tools.
for i in 1 2 3 4 5; do
	tpm2_startauthsession --policy-session -S "$T/s.ctx" >/dev/null
	tpm2_policypcr -S "$T/s.ctx" -l sha256:7,13 >/dev/null
	tpm2_nvread 0x01851E7E -C 0x01851E7E -P session:"$T/s.ctx" -s 16 >/dev/null 2>&1 && fails=99
	tpm2_flushcontext "$T/s.ctx" >/dev/null
done
same "5 policy failures inside the TPM" "$fails" 0
same "lockout counter still 0" "$(lockout_counter)" 0x0
tpm_reboot
check "after reboot the right state still unseals" "$TPMSEAL" unseal --out "$T/good"
# Control: this TPM does count real auth failures on a DA-protected index.
tpm2_nvdefine 0x01851E70 -C o -s 8 -a "ownerwrite|authread" -p right >/dev/null
tpm2_nvread 0x01851E70 -C 0x01851E70 -P wrong -s 8 >/dev/null 2>&1 || true
same "control: one wrong password does count" "$(lockout_counter)" 0x1
tap_done
