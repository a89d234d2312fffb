# shellcheck shell=bash
# Shared start of the config server's telemetry tests (TAP), sourced after
# `set -eu -o pipefail` with CS_TEST set to the test's name: the binaries, a
# scratch directory nginx's workers (nobody) can reach, the cleanup of
# every process in PIDS, the contract's numbers, nginx and test nodes; the
# starters of reportd, the Pushgateway and Prometheus are server.sh's
# (free ports, every wait bounded).
# shellcheck source=tests/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
REPORTD=$(realpath "${REPORTD:-build/host/reportd}")
TOP=$PWD
tap_scratch_served "configserver-$CS_TEST"
tap_cleanup_on_exit

# shellcheck source=tests/configserver/server.sh
. "$TOP/tests/configserver/server.sh"

fleet() { "$TOP/scripts/fleet" "$@"; }

# contract NAME: a number of include/lethe_telemetry.h (never a copy).
contract() {
	local v
	v=$(sed -n "s/^#define $1 \([0-9][0-9]*\)\$/\1/p" "$TOP/include/lethe_telemetry.h")
	[ -n "$v" ] || { echo "Bail out! $1 is not in include/lethe_telemetry.h"; exit 1; }
	echo "$v"
}

# cs_nginx FLEET RUN PORT PUSHGATEWAY-PORT: the reference config server
# (render-nginx, pulls not attested) on 127.0.0.1:PORT, its server name
# 127.0.0.1; its stderr in RUN/stderr (tap_nginx).
cs_nginx() {
	mkdir -p "$2/tmp"
	PUSHGATEWAY="127.0.0.1:$4" "$TOP/scripts/configserver/render-nginx" "$1" "$2" "127.0.0.1:$3" 127.0.0.1 off \
		>"$2/nginx.conf"
	tap_nginx "$2" "$3"
}

