#!/bin/bash
# provision -> reboot -> unseal: the same keys every boot, the identities
# real tor computes, read-locked after one unseal per boot.
set -u
. tests/tpm/lib.sh
tpm_start

is_rc 2 "status before provisioning: not provisioned" "$TPMSEAL" status
is_rc 2 "unseal before provisioning: not provisioned" "$TPMSEAL" unseal --out "$T/none"
check "provision 2 instances and a family key" \
	bash -c "'$TPMSEAL' provision --instances 2 --family relays > '$T/prov.ids'"
check "provision printed 2 identities and the family id" \
	bash -c "[ \$(grep -c '^[01] [0-9A-F]\{40\} [A-Za-z0-9+/]\{43\}\$' '$T/prov.ids') = 2 ] && grep -q '^family relays ' '$T/prov.ids'"
is_rc 5 "provision again: refused, a bundle exists" "$TPMSEAL" provision --instances 1
check "status lists the provisioned identities (public record)" \
	bash -c "'$TPMSEAL' status > '$T/status' && grep -q '^instances 2\$' '$T/status' && grep -q '^record mode authority pcrs 7 13\$' '$T/status' && grep -E '^([0-9]|family) ' '$T/status' | cmp - '$T/prov.ids'"
check "status: present, ours, authority mode" \
	bash -c "'$TPMSEAL' status | grep -q 'attributes 0x[0-9a-f]* (ours)' && '$TPMSEAL' status | grep -q '^mode authority'"

tpm_reboot
check "unseal after reboot" bash -c "'$TPMSEAL' unseal --out '$T/boot1' > '$T/boot1.ids'"
check "unseal prints what provision printed" cmp "$T/prov.ids" "$T/boot1.ids"
check "key files 0600 in 0700 directories" bash -c "
	[ \$(stat -c %a '$T/boot1') = 700 ] && [ \$(stat -c %a '$T/boot1/0/keys') = 700 ] &&
	[ \$(stat -c %a '$T/boot1/1/keys/secret_id_key') = 600 ] &&
	[ \$(stat -c %a '$T/boot1/1/keys/ed25519_master_id_secret_key') = 600 ] &&
	[ \$(stat -c %a '$T/boot1/0/keys/relays.secret_family_key') = 600 ]"
check "secret_id_key is PKCS#1 RSA-1024" bash -c "
	head -n 1 '$T/boot1/0/keys/secret_id_key' | grep -qx -- '-----BEGIN RSA PRIVATE'' KEY-----' &&
	openssl rsa -in '$T/boot1/0/keys/secret_id_key' -noout -text 2>/dev/null | grep -q 'Private-Key: (1024 bit'"
is_rc 4 "second unseal in the same boot: read-locked" "$TPMSEAL" unseal --out "$T/again"
check "the refused unseal wrote nothing" no_files "$T/again"
check "status shows read-locked" bash -c "'$TPMSEAL' status | grep -q 'read-locked'"

tpm_reboot
check "unseal after a second reboot" bash -c "'$TPMSEAL' unseal --out '$T/boot2' > '$T/boot2.ids'"
check "identical key files on every boot" diff -r "$T/boot1" "$T/boot2"

for i in 0 1; do
	mkdir -m 0700 "$T/dd$i"
	cp -a "$T/boot2/$i/keys" "$T/dd$i/"
	same "instance $i: tor --list-fingerprint matches" "$(tor_ids "$T/dd$i")" "$(ids_of "$T/prov.ids" $i)"
done
tpm_reboot
check "unseal --owner 4242:4343" "$TPMSEAL" unseal --out "$T/owned" --owner 4242:4343
check "every directory and file is owned by the instance user" \
	bash -c "[ -z \"\$(find '$T/owned' ! -user 4242 -o ! -group 4343)\" ] && [ \$(find '$T/owned' -type f | wc -l) = 6 ]"
tpm_reboot
check "unseal --owner 4242:4343 --owner-step" "$TPMSEAL" unseal --out "$T/stepped" --owner 4242:4343 --owner-step
check "one user per instance: 0 is 4242's, 1 is 4243's; the top is root:4343 0710" \
	bash -c "[ -z \"\$(find '$T/stepped/0' ! -user 4242 -o ! -group 4343)\" ] &&
		[ -z \"\$(find '$T/stepped/1' ! -user 4243 -o ! -group 4343)\" ] &&
		[ \"\$(stat -c '%u:%g %a' '$T/stepped')\" = '0:4343 710' ] &&
		[ \$(stat -c %a '$T/stepped/1/keys') = 700 ]"
is_rc 100 "--owner-step without --owner: usage" "$TPMSEAL" unseal --out "$T/x" --owner-step
is_rc 111 "no TPM: TPM error" "$TPMSEAL" status --tcti "swtpm:path=$T/nonexistent"
is_rc 100 "usage error" "$TPMSEAL" provision --instances 9
tap_done
