#!/bin/bash
# authority mode: a PCR the policy covers changes (a different image was
# booted; stboot's extend is simulated with tpm2_pcrextend): unseal refused
# with "another state", nothing written, the bundle intact for the right
# state.  Garbage in the index: "corrupt bundle", nothing written.
set -u
. tests/tpm/lib.sh
tpm_start

check "provision over PCRs 7,13,14" bash -c "'$TPMSEAL' provision --instances 1 --pcrs 7,13,14 > '$T/prov.ids'"
tpm2_pcrextend 13:sha256=$(printf 'another image' | sha256sum | cut -d' ' -f1)
is_rc 1 "PCR 13 changed: sealed to another state" "$TPMSEAL" unseal --pcrs 7,13,14 --out "$T/out1"
check "no key bytes written" no_files "$T/out1"
check "status: mode no longer matches the current PCRs" bash -c "'$TPMSEAL' status --pcrs 7,13,14 | grep -q '^mode unknown'"
tpm2_pcrextend 16:sha256=$(printf 'debug pcr' | sha256sum | cut -d' ' -f1)
tpm_reboot
tpm2_pcrextend 16:sha256=$(printf 'debug pcr' | sha256sum | cut -d' ' -f1)
check "after reboot into the right state: unseal works" \
	bash -c "'$TPMSEAL' unseal --pcrs 7,13,14 --out '$T/out2' > '$T/out2.ids'"
check "same identities: the bundle was intact" cmp "$T/prov.ids" "$T/out2.ids"

# The owner may write the index (OWNERWRITE): garbage must be reported as
# such, never turned into keys.
tpm_reboot
head -c 238 /dev/urandom >"$T/garbage"
size=$("$TPMSEAL" status | awk '/^size/ { print $2 }')
head -c "$size" /dev/urandom >"$T/garbage"
check "owner overwrites the index with garbage" tpm2_nvwrite 0x01851E7E -C o -i "$T/garbage"
is_rc 3 "unseal: corrupt bundle" "$TPMSEAL" unseal --pcrs 7,13,14 --out "$T/out3"
check "the error says corrupt bundle" grep -q "corrupt bundle" "$T/rc.err"
check "nothing written" no_files "$T/out3"
tap_done
