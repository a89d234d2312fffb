#!/bin/bash
# import: keys tor made itself (a relay with reputation) sealed, unsealed
# after a reboot with the same identities; 8 instances plus a family key.
set -u
. tests/tpm/lib.sh
tpm_start

: >"$T/want"
dirs=()
for i in 0 1 2 3 4 5 6 7; do
	mkdir -m 0700 "$T/orig$i"
	echo "$i $(tor_ids "$T/orig$i")" >>"$T/want"   # tor generates the keys here
	dirs+=("$T/orig$i/keys")
done
(cd "$T" && tor --keygen-family oldfam >/dev/null 2>&1)
fam=$(cut -d' ' -f1 <"$T/oldfam.public_family_id" 2>/dev/null)
check "tor made 8 identities and a family key" \
	bash -c "[ \$(awk 'NF == 3' '$T/want' | wc -l) = 8 ] && [ -s '$T/oldfam.secret_family_key' ]"

mkdir "$T/p8"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$T/p8/secret_id_key" 2>/dev/null
cp "$T/orig0/keys/ed25519_master_id_secret_key" "$T/p8/"
is_rc 100 "import refuses a PKCS#8 key (tor would not read it)" "$TPMSEAL" import "$T/p8"
check "the refusal names the file" grep -q "p8/secret_id_key" "$T/rc.err"
is_rc 2 "nothing was sealed" "$TPMSEAL" status
check "import 8 instances and the family key" \
	bash -c "'$TPMSEAL' import --family-key '$T/oldfam.secret_family_key' ${dirs[*]} > '$T/import.ids'"
check "import printed tor's identities" \
	bash -c "grep -v '^family' '$T/import.ids' | cmp - '$T/want'"
same "import printed tor's family id" "$(awk '$1 == "family" { print $3 }' "$T/import.ids")" "$fam"
check "the bundle fits one index" bash -c "s=\$('$TPMSEAL' status | awk '/^size/ { print \$2 }'); [ \"\$s\" -le 2048 ] && echo \"# 8 instances + family: \$s bytes\" >&2"

tpm_reboot
check "unseal after reboot" bash -c "'$TPMSEAL' unseal --out '$T/restored' > '$T/unseal.ids'"
check "unseal printed the same identities" cmp "$T/import.ids" "$T/unseal.ids"
for i in 0 7; do
	mkdir -m 0700 "$T/dd$i"
	cp -a "$T/restored/$i/keys" "$T/dd$i/"
	same "instance $i: tor on the restored keys reports the original identity" \
		"$i $(tor_ids "$T/dd$i")" "$(grep "^$i " "$T/want")"
	check "instance $i: ed25519 master key byte-identical to tor's" \
		cmp "$T/orig$i/keys/ed25519_master_id_secret_key" "$T/restored/$i/keys/ed25519_master_id_secret_key"
done
check "family key byte-identical to tor's" cmp "$T/oldfam.secret_family_key" "$T/restored/3/keys/oldfam.secret_family_key"
tap_done
