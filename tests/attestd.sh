# Helpers of the tests that run the verifier (tests/attest/lib.sh,
# tests/configpull/attestlib.sh, tests/boot/relay/attest.t).
#
# attestd_serve SOCKET LOG ARGS...: `attestd serve --socket SOCKET ARGS...`
# in the background ($ATTESTD), stderr appended to LOG, its pid in
# ATTESTD_PID and PIDS; returns once the socket exists (at most 5 s).
attestd_serve() {
	local sock=$1 log=$2 i
	shift 2
	"$ATTESTD" serve --socket "$sock" "$@" 2>>"$log" &
	ATTESTD_PID=$!
	PIDS+=("$ATTESTD_PID")
	for ((i = 0; i < 100; i++)); do
		[ -S "$sock" ] && return 0
		sleep 0.05
	done
	return 1
}

# attest_extend TCTI OUT [FIRST]: a node's "firmware" measures: the
# "extend PCR HEX" lines of attest_mkelog's output OUT (its log's digests),
# from the FIRST on (default 1), extended into the TPM at TCTI.
attest_extend() {
	local n=0 pcr hex
	while read -r _ pcr hex; do
		n=$((n + 1))
		[ "$n" -ge "${3:-1}" ] || continue
		TPM2TOOLS_TCTI=$1 tpm2_pcrextend "$pcr:sha256=$hex" || return 1
	done < <(grep '^extend ' "$2")
}
