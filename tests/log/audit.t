#!/bin/bash
# make publish and make audit, end to end on this checkout's build (make
# check's one image): the build's entry is published into a scratch log
# (the development flow: make publish with LOG_DIR/LOG_KEY of this test),
# its proof verifies; then make audit rebuilds the entry's commit in a
# scratch clone and finds every hash equal; the same entry with one hash
# changed, in a second log, is reported with the field it differs in.
#
# A modified tree cannot be audited (its build is not its commit's): the
# audit steps are skipped then, never faked.
set -u -o pipefail
. "$(dirname "$0")/../tap.sh"
LETHE_LOG=${LETHE_LOG:-build/host/lethe-log}
T=$(tap_scratch audit)
TAP_CAPTURE=$T
trap 'rc=$?; tap_exit_status "$rc" || rc=$?; [ "${LETHE_KEEP:-0}" = 1 ] || rm -rf "$T"; exit "$rc"' EXIT

check "a log key for this test" "$LETHE_LOG" keygen --name audit.lethe.invalid/log --key "$T/log.key" --pub "$T/log.pub"
check "make publish: this build's entry appended, out/lethe.logproof written" \
	make --no-print-directory publish LOG_DIR="$T/log" LOG_KEY="$T/log.key" PUBLISH_DIRTY=1
check "the proof verifies against the log key" "$LETHE_LOG" verify --pub "$T/log.pub" out/lethe.logproof
version=$(awk '$1 == "version" { print $2 }' out/lethe.logentry)
check "the entry names this commit and version" \
	bash -c '[ "$(awk '\''$1 == "commit" { print $2 }'\'' out/lethe.logentry)" = "$(git rev-parse HEAD)" ] && [ -n "$1" ]' _ "$version"
check "make publish again: the same entry is not appended twice" \
	bash -c 'make --no-print-directory publish LOG_DIR="$1/log" LOG_KEY="$1/log.key" PUBLISH_DIRTY=1 &&
		[ "$(cat "$1/log/checkpoint" | sed -n 2p)" = 1 ]' _ "$T"

if [[ $version == *-dirty ]]; then
	skip "make audit: the rebuild equals the logged entry" "modified tree ($version): commit first"
	skip "audit of a tampered entry names the field" "modified tree"
	tap_done
	exit
fi
# the stboot PCRs too: this build's signed descriptor (as stboot would be
# served it) and its signing root
check "make audit: the rebuild of the commit equals every compared hash" \
	make --no-print-directory audit VERSION="$version" LOG_DIR="$T/log" LOG_KEY="$T/log.key" AUDIT_WORK="$T/work" \
		DESCRIPTOR="$PWD/out/lethe.json" SIGN_ROOT="$PWD/out/dev-keys/root.pem"
cp "$T/tap.out" "$T/audit1.out"
sed 's/^/# /' "$T/audit1.out" >&2
check "make audit compared the six artifacts, the uefi and the stboot PCRs" \
	bash -c '[ "$(grep -c "^ok - " "$1")" -ge 13 ] && grep -q "^ok - pcr uefi 11" "$1" && grep -q "^ok - pcr stboot 12" "$1" &&
		! grep -q "^not compared" "$1"' _ "$T/audit1.out"

# The same entry with the initramfs hash changed, in another log: the
# audit's rebuild (incremental, same commit and version) differs there only.
awk '$1 == "sha256" && $2 == "initramfs" { $3 = "00" substr($3, 3) } { print }' out/lethe.logentry >"$T/tampered"
check "a second log holding the entry with one hash changed" \
	"$LETHE_LOG" append --log "$T/log2" --key "$T/log.key" "$T/tampered"
rc=0
LETHE_LOG=$LETHE_LOG AUDIT_WORK=$T/work scripts/log-audit "$T/log2" "$T/log.pub" "$version" >"$T/audit2.out" 2>&1 || rc=$?
sed 's/^/# /' "$T/audit2.out" >&2
check "audit of the tampered entry: exit 1" test "$rc" = 1
check "it names the differing field, and only that one" \
	bash -c '[ "$(grep -c "^DIFFERS" "$1")" = 1 ] && grep -q "^DIFFERS - sha256 initramfs" "$1"' _ "$T/audit2.out"
tap_done
