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
	tap_nginx "$d" "$3"
}
