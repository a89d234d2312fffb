#!/bin/bash
# make bench-attest: what attestation on every pull costs (docs/attestation.md,
# "Cost").  One node on a swtpm with an EK certificate, enrolled and
# activated through the real configpull, attestd and nginx (as
# tests/configpull/attest.t does), then N pulls with attestation (nginx
# rendered ATTEST=on) and N without (a second nginx, ATTEST=off, same
# fleet).  Prints, not asserts:
#   - the verifier's time per quote (attestd's own "(N us)" on each attest
#     line: parse, signature, event-log replay, release match, SQLite) and
#     the quotes per second that makes for one attestd;
#   - TPM commands per pull (swtpm's command log, through tpm2-abrmd, which
#     adds its context swaps, as the kernel's resource manager does) with
#     and without attestation, and the difference: the quote's share;
#   - wall time per pull (configpull fetch, TLS handshakes included).
# Env: BENCH_PULLS (default 20), and the binaries as check-configpull.
set -eu -o pipefail
CP_TEST=bench-attest
cd "$(dirname "$0")/../.."
. tests/configpull/lib.sh
CPA_SWTPM_LOG=1
. tests/configpull/attestlib.sh
N=${BENCH_PULLS:-20}
die() { echo "bench-attest: $*" >&2; exit 1; }

tpm A 1 || die "no swtpm"
fleet init "$T/fleet" >/dev/null 2>&1
fleet server "$T/fleet" localhost >/dev/null 2>&1
cp "$T/ca-1/ca.pem" "$T/fleet/ek-ca/ca1.pem"
"$CONFIGPULL" enroll --tcti "swtpm:path=$T/tpm-A/sock" >"$T/A.enroll" 2>/dev/null || die "enroll failed"
id=$(sed -n 's/^node-id: //p' "$T/A.enroll")
fleet sign "$T/fleet" "$T/A.enroll" >/dev/null 2>&1 || die "fleet sign failed"
sed "s/\"node\": \"[0-9a-f]*\"/\"node\": \"$id\"/" tests/configpull/example.json >"$T/doc.json"
fleet doc "$T/fleet" "$id" "$T/doc.json"
chmod -R a+rX "$T/fleet/nodes" "$T/fleet/certs" "$T/fleet/credentials"
fw_boot A "$T/A.elog" && log_init && release v1 "$T/A.elog.pcrs" "$T/fleet/logproofs" || die "no release"
cp "$T/log.pub" "$T/fleet/log.pub"
chmod a+r "$T/fleet/logproofs"
P=$(freeport)
cpa_attestd
CP_ATTEST=on cp_nginx main "$T/fleet" "$P" localhost
P_ON=$P P_OFF=$(freeport)
cp_nginx off "$T/fleet" "$P_OFF" localhost
cpa_bus
abrmd A
pull A || die "the first pull (activation, attestation) failed: $(tail -n 1 "$T/pull-A.err")"

cmds() { grep -c 'SWTPM_IO_Read' "$T/tpm-A/swtpm.log"; }
now_us() { echo $(($(date +%s%N) / 1000)); }
# run LABEL PORT: N pulls; "LABEL commands-per-pull wall-ms-per-pull"
run() {
	local i c0 c1 t0 t1 rc
	P=$2
	c0=$(cmds) t0=$(now_us)
	for ((i = 0; i < N; i++)); do
		rm -f "$T/out-A/etag"
		rc=0
		pull A || rc=$?
		[ $rc = 0 ] || [ $rc = 3 ] || die "pull $i ($1) exited $rc: $(tail -n 1 "$T/pull-A.err")"
	done
	c1=$(cmds) t1=$(now_us)
	awk -v l="$1" -v c=$((c1 - c0)) -v t=$((t1 - t0)) -v n="$N" \
		'BEGIN { printf "%s %.1f %.1f\n", l, c / n, t / n / 1000 }'
}
run attested "$P_ON" >"$T/on"
run plain "$P_OFF" >"$T/off"
grep -E '^attestd: attest [0-9a-f]{64}: 200 ok ' "$T/attestd.log" | sed -n 's/.*(\([0-9]*\) us)$/\1/p' |
	sort -n >"$T/verify-us"
grep -E '^attestd: gate [0-9a-f]{64}: 204 ' "$T/attestd.log" | sed -n 's/.*(\([0-9]*\) us)$/\1/p' |
	sort -n >"$T/gate-us"
[ -s "$T/verify-us" ] || die "no timed attest lines in attestd's log"
median() { awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }' "$1"; }
awk -v n="$N" -v vq="$(median "$T/verify-us")" -v vg="$(median "$T/gate-us")" -v nq="$(wc -l <"$T/verify-us")" \
	-v on="$(cat "$T/on")" -v off="$(cat "$T/off")" -v elog="$(stat -c %s "$T/A.elog")" 'BEGIN {
	split(on, a, " "); split(off, b, " ")
	printf "bench-attest: %d pulls each way, swtpm through tpm2-abrmd, one attestd\n", n
	printf "  verifier: %.0f us per quote (median of %d, event log %d bytes): %.0f quotes/s; gate %.0f us per file\n", vq, nq, elog, 1e6 / vq, vg
	printf "  TPM commands per pull: attested %.1f, not attested %.1f, the attestation %.1f\n", a[2], b[2], a[2] - b[2]
	printf "  wall time per pull: attested %.1f ms, not attested %.1f ms\n", a[3], b[3]
}'
