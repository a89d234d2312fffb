#!/bin/bash
# Authorized mode with the release transparency log (docs/transparency.md):
# an approval counts only with a proof, signed by the log key, that an entry
# with the approval's PCR values and epoch is in the log.  On swtpm, with
# real lethe-log proofs:
#
#   - the approval of a logged image unseals, and advance raises the minimum;
#   - refused, nothing written, the reason on stderr: no proofs file, a
#     proof of another image's entry, a proof signed by another log key, a
#     tampered proof, an approval whose epoch is in no entry (re-approving a
#     logged image under a new epoch would undo rollback protection), a
#     version-1 approval of an image logged with an epoch;
#   - a missing or malformed log key is a usage error.
set -u
. tests/tpm/lib.sh
LETHE_LOG=${LETHE_LOG:-build/host/lethe-log}
tpm_start

openssl ecparam -name prime256v1 -genkey -noout -out "$T/op.pem" 2>/dev/null
openssl ec -in "$T/op.pem" -pubout -out "$T/op.pub" 2>/dev/null
check "log key and another log's key" bash -c "'$LETHE_LOG' keygen --name test.lethe.invalid/log --key '$T/log.key' --pub '$T/log.pub' &&
	'$LETHE_LOG' keygen --name test.lethe.invalid/log --key '$T/rogue.key' --pub '$T/rogue.pub'"
check "provision in authorized mode" \
	bash -c "'$TPMSEAL' provision --instances 1 --authorize-key '$T/op.pub' > '$T/prov.ids'"

p7=$(pcr_value 7) p13=$(pcr_value 13)
other=$(printf 'another image' | sha256sum | cut -d' ' -f1)
# record VERSION EPOCH PCR13: a lethe-release/v1 entry whose stboot path has
# PCR 7 and 13 (the PCRs these approvals bind)
record() {
	local h
	h=$(printf '%s' "$1" | sha256sum | cut -d' ' -f1)
	printf 'lethe-release/v1\nversion %s\ncommit %s\nsource-date-epoch 1700000000\napproval-epoch %s\n' \
		"$1" "${h:0:40}" "$2"
	for a in zip descriptor kernel initramfs uki manifest; do printf 'sha256 %s %s\n' "$a" "$h"; done
	printf 'pcr stboot 7 %s\npcr stboot 13 %s\n' "$p7" "$3"
}
record v-other 10 "$other" >"$T/e-other"
record v-cur 10 "$p13" >"$T/e-cur"
record v-cur-noepoch none "$p13" >"$T/e-cur-v1"
check "log: append another image's entry, then this image's" \
	"$LETHE_LOG" append --log "$T/log" --key "$T/log.key" "$T/e-other" "$T/e-cur"
check "proofs of both entries" bash -c "'$LETHE_LOG' proof --log '$T/log' --pub '$T/log.pub' --index 0 --out '$T/p-other' &&
	'$LETHE_LOG' proof --log '$T/log' --pub '$T/log.pub' --index 1 --out '$T/p-cur'"
check "a rogue log (same name, another key) with this image's entry, and its proof" \
	bash -c "'$LETHE_LOG' append --log '$T/rogue' --key '$T/rogue.key' '$T/e-cur' &&
	'$LETHE_LOG' proof --log '$T/rogue' --pub '$T/rogue.pub' --index 0 --out '$T/p-rogue'"
# one hash line of the proof flipped (a valid base64 character for another)
sed '4s/^./\U&/;4s/^\([A-Z]\)/\L\1/' "$T/p-cur" >"$T/p-tampered"
cmp -s "$T/p-cur" "$T/p-tampered" && sed -i '4s/^./A/' "$T/p-tampered"
check "approve this image's PCRs at epoch 10; at epoch 20; version 1" bash -c "
	'$TPMSEAL' approve --key '$T/op.pem' --pcr 7=$p7 --pcr 13=$p13 --epoch 10 --out '$T/a10' &&
	'$TPMSEAL' approve --key '$T/op.pem' --pcr 7=$p7 --pcr 13=$p13 --epoch 20 --out '$T/a20' &&
	'$TPMSEAL' approve --key '$T/op.pem' --pcr 7=$p7 --pcr 13=$p13 --out '$T/a-v1'"

unseal() { # OUT APPROVAL PROOFS [LOGKEY]
	"$TPMSEAL" unseal --authorize-key "$T/op.pub" --approval "$2" --log-key "${4:-$T/log.pub}" \
		--log-proofs "$3" --out "$T/$1"
}
refused() { # NAME OUT APPROVAL PROOFS REASON-REGEX
	is_rc 1 "$1: refused (another state)" unseal "$2" "$3" "$4"
	check "$1: the reason: $5" grep -qE "not in the transparency log \\(.*$5" "$T/rc.err"
	check "$1: nothing written" no_files "$T/$2"
}
refused "no proofs file" o1 "$T/a10" "$T/none" "no proofs: .*No such file"
refused "a proof of another image's entry" o2 "$T/a10" "$T/p-other" "none for an entry with these PCR values"
refused "a proof signed by another log key" o3 "$T/a10" "$T/p-rogue" "log key"
refused "a tampered proof" o4 "$T/a10" "$T/p-tampered" "proof 1"
refused "an approval whose epoch (20) is in no entry" o5 "$T/a20" "$T/p-cur" "none for an entry"
refused "a version-1 approval of an image logged with an epoch" o6 "$T/a-v1" "$T/p-cur" "none for an entry"
is_rc 100 "a missing log key: usage error" unseal o7 "$T/a10" "$T/p-cur" "$T/none.pub"
printf 'not a key\n' >"$T/bad.pub"
is_rc 100 "a malformed log key: usage error" unseal o8 "$T/a10" "$T/p-cur" "$T/bad.pub"
is_rc 100 "--log-key without --log-proofs: usage error" \
	"$TPMSEAL" unseal --authorize-key "$T/op.pub" --approval "$T/a10" --log-key "$T/log.pub" --out "$T/o9"
check "the refusals wrote nothing at all" bash -c "for d in '$T'/o[1-9]; do [ ! -e \"\$d\" ] || [ -z \"\$(find \"\$d\" -type f)\" ] || exit 1; done"

check "the logged image's approval unseals (another entry's proof first)" \
	bash -c "cat '$T/p-other' '$T/p-cur' > '$T/proofs' && '$TPMSEAL' unseal --authorize-key '$T/op.pub' --approval '$T/a20' \
	--approval '$T/a10' --log-key '$T/log.pub' --log-proofs '$T/proofs' --out '$T/ok' > '$T/ok.ids'"
check "the same identities as provisioned" cmp "$T/prov.ids" "$T/ok.ids"
is_rc 1 "advance through the unlogged epoch-20 approval alone: refused" \
	"$TPMSEAL" advance --authorize-key "$T/op.pub" --approval "$T/a20" --log-key "$T/log.pub" --log-proofs "$T/proofs"
check "advance with the logged approval raises the minimum to 10" bash -c \
	"'$TPMSEAL' advance --authorize-key '$T/op.pub' --approval '$T/a20' --approval '$T/a10' --log-key '$T/log.pub' \
	--log-proofs '$T/proofs' | grep -qx 'epoch 10 raised from 0'"
tap_done
