# attestd_serve SOCKET LOG ARGS...: `attestd serve --socket SOCKET ARGS...`
# in the background ($ATTESTD), stderr appended to LOG, its pid in
# ATTESTD_PID and PIDS; returns once the socket exists (at most 5 s).
# Sourced by the tests that run the verifier: tests/attest/lib.sh,
# tests/configpull/attestlib.sh, tests/boot/relay/attest.t.
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
