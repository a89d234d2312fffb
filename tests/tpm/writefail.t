#!/bin/bash
# unseal writes the keys, then read-locks the index: a --out that cannot
# work is refused before the TPM is read (no lock, a retry can succeed); a
# write that fails after the read is reported as a write failure, leaves no
# partial key directory, and still locks the index for the rest of the boot.
set -u
. tests/tpm/lib.sh
tpm_start

check "provision 2 instances and a family key" \
	bash -c "'$TPMSEAL' provision --instances 2 --family relays > '$T/prov.ids'"
tpm_reboot

# --out under a regular file: refused before the read.
: >"$T/plain"
is_rc 111 "--out under a regular file: exit 111" "$TPMSEAL" unseal --out "$T/plain/out"
check "the message names the path and the cause, not a lock" bash -c "
	grep -qF 'unable to create directory $T/plain/out: Not a directory' '$T/rc.err' &&
	! grep -q 'read-locked' '$T/rc.err'"
check "checked before the TPM was read: the index is not read-locked" \
	bash -c "! '$TPMSEAL' status | grep -q 'read-locked'"

# A file where instance 1's directory must go: instance 0 is written first.
mkdir -m 0700 "$T/bad"
: >"$T/bad/1"
is_rc 111 "a file in place of OUT/1: exit 111 (TEMP), not 4" "$TPMSEAL" unseal --out "$T/bad"
check "the message names the write failure and says the index is locked" bash -c "
	grep -qF 'unable to write keys to $T/bad: unable to create directory $T/bad/1: Not a directory; the index is read-locked until the next boot' '$T/rc.err' &&
	! grep -q 'already unsealed' '$T/rc.err'"
check "no partial keys: instance 0's files and directories are gone" \
	bash -c "[ \"\$(find '$T/bad' -mindepth 1)\" = '$T/bad/1' ] && [ ! -s '$T/bad/1' ]"
check "nothing printed on stdout" bash -c "[ ! -s '$T/last.out' ]"
check "the index was read-locked anyway" bash -c "'$TPMSEAL' status | grep -q 'read-locked'"
is_rc 4 "a retry in the same boot: locked (4)" "$TPMSEAL" unseal --out "$T/retry"
check "the retry's message says read-locked until the next boot" \
	grep -q 'read-locked until the next boot' "$T/rc.err"
check "the retry wrote nothing and left no directory" test ! -e "$T/retry"

# The next boot unseals normally, and the normal path locks after writing.
tpm_reboot
check "unseal after reboot" bash -c "'$TPMSEAL' unseal --out '$T/good' > '$T/good.ids'"
check "the identities provision printed" cmp "$T/prov.ids" "$T/good.ids"
check "all 6 key files written" bash -c "[ \$(find '$T/good' -type f | wc -l) = 6 ]"
check "read-locked after a successful unseal" bash -c "'$TPMSEAL' status | grep -q 'read-locked'"
is_rc 4 "a second unseal in that boot: locked (4)" "$TPMSEAL" unseal --out "$T/again"
check "the keys of the first unseal are untouched" bash -c "[ \$(find '$T/good' -type f | wc -l) = 6 ]"

# Unsealing into a directory that already holds the keys: a write failure
# too (never overwritten), and the first keys stay as they were.
tpm_reboot
cp -a "$T/good" "$T/good.before"
is_rc 111 "unseal over existing keys: exit 111" "$TPMSEAL" unseal --out "$T/good"
check "the message names the existing file" \
	grep -qF "unable to write keys to $T/good: unable to rename $T/good/0/keys/.secret_id_key.tmp to secret_id_key: File exists" "$T/rc.err"
check "the existing keys are unchanged, no temporary left" diff -r "$T/good.before" "$T/good"
check "locked after that failure too" bash -c "'$TPMSEAL' status | grep -q 'read-locked'"
tap_done
