#!/usr/bin/env bash
# attest_mkelog, the event log writer of the attestd tests, checked against
# two outside judges: tpm2_eventlog parses its logs and replays them to the
# PCR values it prints, and a swtpm extended with its digests ends with the
# same values.  (attestd's own replay is in the unit tests, on logs built
# there: tests/unit/attestd/test_eventlog.c.)
set -eu -o pipefail
AT_TEST=eventlog
cd "$(dirname "$0")/../.."
# shellcheck source=tests/attest/lib.sh
. tests/attest/lib.sh
ATTEST_MKELOG=$(realpath "${ATTEST_MKELOG:-build/host/attest_mkelog}")

# An outline of OVMF's log on a UEFI direct boot, in event types
# tpm2_eventlog reads without more structure than given here.  No
# EV_NO_ACTION: tpm2-tools before 5.5 extends those too (fixed upstream in
# "tpm2_eventlog.c Fix pcr extension for EV_NO_ACTION"), so its values
# would be wrong, not ours.
IMAGE_LOAD=$(printf '%032d%032d' 0 0)
hexof() { printf '%b' "$1" | xxd -p | tr -d '\n'; }
cat >"$T/ovmf.spec" <<EOF
# PCR TYPE DATA
0 0x8 0000
0 0x80000008 00008200000000000000160000000000
0 0x80000008 00001000000000000000120000000000
1 0x1 $(hexof 'ACPI DATA')
4 0x80000007 $(hexof 'Calling EFI Application from Boot Option')
0 0x4 00000000
1 0x4 00000000
2 0x4 00000000
3 0x4 00000000
4 0x4 00000000
5 0x4 00000000
6 0x4 00000000
7 0x4 00000000
4 0x80000003 $IMAGE_LOAD
9 0xd $(hexof 'initrd\0')
11 0xd -
14 0x5 $(hexof 'MokList')
23 0x1 ff
EOF

# el_pcrs LOG: tpm2_eventlog's SHA-256 bank, as mkelog's "pcr N HEX" lines.
el_pcrs() {
	tpm2_eventlog "$1" >"$1.yaml"
	awk '/^pcrs:/ { p = 1; next }
		p && /^  [a-z0-9_]+:/ { bank = $1; next }
		p && bank == "sha256:" { sub(/^0x/, "", $3); print "pcr", $1, $3 }' "$1.yaml"
}

# same SPEC BANKS NAME: mkelog's log of SPEC with BANKS ($T/NAME.log)
# parses, and tpm2_eventlog's PCRs are mkelog's ($T/NAME.pcrs).
same() {
	{ echo "banks $2"; cat "$1"; } | "$ATTEST_MKELOG" "$T/$3.log" >"$T/$3.out"
	grep '^pcr ' "$T/$3.out" >"$T/$3.pcrs"
	el_pcrs "$T/$3.log" >"$T/$3.el"
	[ -s "$T/$3.pcrs" ] && diff -u "$T/$3.pcrs" "$T/$3.el"
}

check "tpm2_eventlog replays mkelog's SHA-1 + SHA-256 log to its values" same "$T/ovmf.spec" sha1,sha256 agile
check "the log has both banks in every event" \
	test "$(grep -c 'DigestCount: 2' "$T/agile.log.yaml")" = "$(grep -vc '^#' "$T/ovmf.spec")"
check "tpm2_eventlog replays mkelog's SHA-256 log to its values" same "$T/ovmf.spec" sha256 sha256
check "the log has one bank in every event" \
	test "$(grep -c 'DigestCount: 1' "$T/sha256.log.yaml")" = "$(grep -vc '^#' "$T/ovmf.spec")"
check "the same values from either log" sh -c 'test -s "$1" && cmp "$1" "$2"' - "$T/agile.pcrs" "$T/sha256.pcrs"
check "a Spec ID event alone is a log" sh -c 'printf "" | "$1" "$2" && tpm2_eventlog "$2" >/dev/null' - \
	"$ATTEST_MKELOG" "$T/empty.log"

# EV_NO_ACTION events (StartupLocality on PCR 0, another on PCR 5) print
# no extend line and leave their PCRs' values alone.
cat >"$T/noaction.spec" <<EOF
0 0x3 $(hexof 'StartupLocality\0')03
0 0x8 0000
5 0x3 $(hexof 'SP800-155 Event\0')
EOF
"$ATTEST_MKELOG" "$T/noaction.log" <"$T/noaction.spec" >"$T/noaction.out"
sha() { xxd -r -p | sha256sum | cut -c1-64; }
want0=$( { printf '%062d03' 0; printf '0000' | sha; } | sha)
check "EV_NO_ACTION: one extend line, PCR 0 from locality 3, PCR 5 zero" test "$(cat "$T/noaction.out")" = \
	"$(printf 'extend 0 %s\npcr 0 %s\npcr 5 %064d' "$(printf '0000' | sha)" "$want0" 0)"
check "tpm2_eventlog parses it" tpm2_eventlog "$T/noaction.log"

# swtpm: the extend lines into a fresh TPM give the pcr lines.
at_swtpm tpm1
"$ATTEST_MKELOG" "$T/tpm.log" <"$T/ovmf.spec" >"$T/tpm.out"
while read -r _ pcr digest; do
	TPM2TOOLS_TCTI=$TCTI_tpm1 tpm2_pcrextend "$pcr:sha256=$digest"
done < <(grep '^extend ' "$T/tpm.out")
pcrs=$(grep '^pcr ' "$T/tpm.out" | cut -d' ' -f2 | paste -sd,)
TPM2TOOLS_TCTI=$TCTI_tpm1 tpm2_pcrread "sha256:$pcrs" |
	awk '/^  sha256:/ { p = 1; next } p && /^ +[0-9]+ *:/ { sub(/:$/, "", $1); sub(/^0x/, "", $NF);
		print "pcr", $1, tolower($NF) }' >"$T/tpm.pcrs"
grep '^pcr ' "$T/tpm.out" >"$T/tpm.want"
check "swtpm extended with the extend lines reads the pcr lines" \
	sh -c 'test -s "$1" && diff -u "$1" "$2"' - "$T/tpm.want" "$T/tpm.pcrs"

# Strict about its input: exit 100 and a message naming the line.
refuses() {
	local out rc=0
	out=$(printf '%b' "$1" | "$ATTEST_MKELOG" "$T/refused.log" 2>&1 >/dev/null) || rc=$?
	if [ "$rc" != 100 ] || [[ $out != *"$2"* ]]; then
		diag "exit $rc, stderr: $out (want 100 and '$2')"
		return 1
	fi
}
check "PCR 24 is refused" refuses '0 0x4 00\n24 0x4 00\n' 'line 2: PCR must be decimal 0 to 23: 24'
check "a type without 0x is refused" refuses '4 80000003 00\n' 'TYPE must be 0x'
check "a type of 9 digits is refused" refuses '4 0x800000031 00\n' 'TYPE must be 0x'
check "odd hex is refused" refuses '4 0x4 000\n' 'DATA must be hex bytes'
check "non-hex is refused" refuses '4 0x4 0g\n' 'DATA must be hex bytes'
check "a fourth field is refused" refuses '4 0x4 00 00\n' 'line 1: want PCR TYPE DATA'
check "two fields are refused" refuses '4 0x4\n' 'line 1: want PCR TYPE DATA'
check "banks after an event are refused" refuses '4 0x4 00\nbanks sha256\n' 'line 2: banks'
check "unknown banks are refused" refuses 'banks sha384\n' 'banks must be sha1,sha256 or sha256'
check "CRLF is refused" refuses '4 0x4 00\r\n' 'DATA must be hex bytes'
check "no log is written on a refusal" test ! -e "$T/refused.log"
check "comments and blank lines are skipped" sh -c 'printf "# x\n\n  # y\n4 0x4 00\n" | "$1" "$2" >/dev/null' - \
	"$ATTEST_MKELOG" "$T/comments.log"

tap_done
