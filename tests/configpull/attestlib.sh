# The attested node's side for tests/configpull/attest.t and make
# bench-attest (tests/attest/bench.sh), sourced after lib.sh: swtpm TPMs with
# EK certificates (tests/ekca.sh), their "firmware" (an event log from
# tests/attest/mkelog.c whose digests are extended into the TPM), a test
# release log, attestd serving next to nginx, one tpm2-abrmd per TPM and
# configpull fetch through it.
#
#   tpm NAME CA              swtpm $T/tpm-NAME (EK certificate of CA $T/ca-CA);
#                            CPA_SWTPM_LOG=1: its command log in $T/tpm-NAME/swtpm.log
#   fw_spec [EXTRA...]       the firmware's events (PCRs 4, 7, 9, 11), then EXTRA lines
#   fw_boot NAME ELOG [EXTRA...]
#                            TPM NAME extended as the firmware's log ELOG says
#                            (FW_FIRST: from that extend on; FW_TCTI: through that
#                            TCTI, not swtpm's socket); ELOG.pcrs: its PCRs as a
#                            uefi-path prediction
#   release VERSION PCRS PROOF
#                            VERSION's entry with those PCRs in the test log $T/log
#                            (key $T/log.key, made by log_init), its proof to PROOF
#   cpa_attestd              attestd serve for $T/fleet on $T/ngx-main/attestd.sock
#                            (restarts it if ATTESTD_PID runs), log in $T/attestd.log
#   cpa_bus; abrmd NAME      a session bus of this run's own; tpm2-abrmd for TPM NAME
#   pull NAME [EVENTLOG]     configpull fetch of https://localhost:$P as TPM NAME's node
# shellcheck source=tests/ekca.sh
. "$(dirname "${BASH_SOURCE[0]}")/../ekca.sh"
# shellcheck source=tests/attestd.sh
. "$(dirname "${BASH_SOURCE[0]}")/../attestd.sh"
# shellcheck source=tests/logrelease.sh
. "$(dirname "${BASH_SOURCE[0]}")/../logrelease.sh"
ATTESTD=$(realpath "${ATTESTD:-build/host/attestd}")
ATTEST_MKELOG=$(realpath "${ATTEST_MKELOG:-build/host/attest_mkelog}")
LETHE_LOG=$(realpath "${LETHE_LOG:-build/host/lethe-log}")
export ATTESTD
for c in swtpm swtpm_setup tpm2-abrmd dbus-daemon tpm2_makecredential; do
	command -v "$c" >/dev/null || { echo "1..0 # SKIP $c missing"; exit 0; }
done
ATTESTD_PID=

tpm() {
	local d=$T/tpm-$1 log=()
	ekca_manufacture "$d" "$T/ca-$2" || return 1
	[ -z "${CPA_SWTPM_LOG:-}" ] || log=(--log "file=$d/swtpm.log,level=20")
	swtpm socket --tpm2 --server type=unixio,path="$d/sock" --ctrl type=unixio,path="$d/sock.ctrl" \
		--flags startup-clear --tpmstate dir="$d" "${log[@]}" &
	PIDS+=($!)
	for _ in $(seq 100); do [ -S "$d/sock" ] && break; sleep 0.05; done
}

fw_spec() {
	printf '%s\n' '4 0x80000007 43616c6c696e67' '4 0x4 00000000' '7 0x80000001 536563757265426f6f74' \
		'7 0x4 00000000' '9 0x6 696e697472640a' '11 0xd 756b69' "$@"
}
fw_boot() {
	local n=$1 l=$2
	shift 2
	fw_spec "$@" | "$ATTEST_MKELOG" "$l" >"$l.out" &&
		attest_extend "${FW_TCTI:-swtpm:path=$T/tpm-$n/sock}" "$l.out" "${FW_FIRST:-1}" || return 1
	awk '$1 == "pcr" { print "uefi", $2, $3 }' "$l.out" >"$l.pcrs"
}

log_init() {
	"$LETHE_LOG" keygen --name attest.lethe.invalid/log --key "$T/log.key" --pub "$T/log.pub" >/dev/null
}
release() {
	mkdir -p "$T/rel-$1" && cp "$2" "$T/rel-$1/lethe.pcrs" &&
		log_release "$T/rel-$1" "$1" 1 "$T/log" "$T/log.key" "$3"
}

cpa_attestd() {
	if [ -n "$ATTESTD_PID" ]; then
		kill "$ATTESTD_PID"
		wait "$ATTESTD_PID" 2>/dev/null || true
	fi
	mkdir -p "$T/ngx-main"
	attestd_serve "$T/ngx-main/attestd.sock" "$T/attestd.log" --db "$T/fleet/attest.db" \
		--pending "$T/fleet/pending" --certs "$T/fleet/certs" \
		--log-key "$T/fleet/log.pub" --log-proofs "$T/fleet/logproofs"
}

# configpull holds the TLS key and the attestation keys in one process (on
# the relay: /dev/tpmrm0): a resource manager per TPM, on this run's bus.
cpa_bus() {
	dbus-daemon --session --address="unix:path=$T/dbus.sock" --fork --print-address=1 --print-pid=1 \
		>"$T/dbus" 2>"$T/dbus.err"
	DBUS_SESSION_BUS_ADDRESS=$(sed -n 1p "$T/dbus")
	export DBUS_SESSION_BUS_ADDRESS
	PIDS+=("$(sed -n 2p "$T/dbus")")
}
abrmd() {
	tpm2-abrmd --session --dbus-name="com.intel.tss2.Tabrmd.lethe$$$1" --tcti="swtpm:path=$T/tpm-$1/sock" \
		--allow-root 2>"$T/abrmd-$1.log" &
	PIDS+=($!)
	for _ in $(seq 50); do
		TPM2TOOLS_TCTI="tabrmd:bus_name=com.intel.tss2.Tabrmd.lethe$$$1,bus_type=session" \
			tpm2_getcap properties-fixed >/dev/null 2>&1 && break
		sleep 0.1
	done
}

pull() {
	mkdir -p "$T/out-$1" "$T/c-$1"
	"$CONFIGPULL" fetch --url "https://localhost:$P/v1/node.json" --ca "$T/fleet/ca.pem" \
		--cert "$T/c-$1/node.pem" --tcti "tabrmd:bus_name=com.intel.tss2.Tabrmd.lethe$$$1,bus_type=session" \
		--eventlog "${2:-$T/$1.elog}" \
		-o "$T/out-$1" -d "$T/data" -k "$T/keys" --attempts 1 >"$T/pull-$1.out" 2>"$T/pull-$1.err"
}
