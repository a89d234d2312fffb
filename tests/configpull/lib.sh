# Shared start of the configpull shell tests (TAP), sourced after
# `set -eu -o pipefail` with CP_TEST set to the test's name: the binary,
# a scratch directory that nginx workers (nobody) can read, the cleanup of
# every process in PIDS, the TAP helpers (tests/tap.sh), scripts/fleet and a
# free port.
# shellcheck source=tests/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
CONFIGPULL=${CONFIGPULL:-build/host/configpull}
CONFIGPULL=$(realpath "$CONFIGPULL")
TOP=$PWD
# Under the build tree when run by make (tap_scratch): nginx's workers run as
# nobody and must reach the fleet here even when TMPDIR is 0700.
tap_scratch_served "configpull-$CP_TEST"
tap_cleanup_on_exit

fleet() { CONFIGPULL=$CONFIGPULL "$TOP/scripts/fleet" "$@"; }
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# cp_nginx NAME FLEET-DIR PORT HOSTNAME [EXTRA-LOCATIONS]: the reference
# config server (scripts/configserver/nginx.conf) on 127.0.0.1:PORT; pulls
# attested if CP_ATTEST=on (default off).
cp_nginx() {
	local d=$T/ngx-$1
	mkdir -p "$d/tmp"
	scripts/configserver/render-nginx "$2" "$d" "127.0.0.1:$3" "$4" "${CP_ATTEST:-off}" "${5:-}" \
		>"$d/nginx.conf" || return 1
	nginx -p "$d" -c "$d/nginx.conf" -g 'daemon off;' 2>"$d/stderr" &
	PIDS+=($!)
	cp_wait_nginx "$1" "$!" "$3"
}

# cp_wait_nginx NAME PID PORT: nginx writes its pid file once it has bound
# its port.  If it exits first (the free port was taken meanwhile, by
# another run), the test stops here: its clients would reach another server.
cp_wait_nginx() {
	local d=$T/ngx-$1 i
	for ((i = 0; i < 100; i++)); do
		[ -s "$d/nginx.pid" ] && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	echo "Bail out! nginx $1 did not start on 127.0.0.1:$3 within 10 s"
	sed 's/^/# /' "$d/stderr" "$d/error.log" 2>/dev/null >&2
	exit 1
}
