# shellcheck shell=bash
# Shared start of the lethe-telemetry tests (TAP), sourced after
# `set -eu -o pipefail` with TM_TEST set to the test's name: the binaries, a
# scratch directory nginx's workers (nobody) can reach, the cleanup of every
# process in PIDS, scripts/fleet, free ports, and the fleet server's pieces
# as the operator runs them: reportd, a Prometheus Pushgateway, nginx from
# scripts/configserver/render-nginx; and a real tor whose MetricsPort
# answers on loopback.
# shellcheck source=tests/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
TOP=$PWD
LETHE_TELEMETRY=$(realpath "${LETHE_TELEMETRY:-build/host/lethe-telemetry}")
CONFIGPULL=$(realpath "${CONFIGPULL:-build/host/configpull}")
REPORTD=$(realpath "${REPORTD:-build/host/reportd}")
SCALE=${LETHE_TIMEOUT_SCALE:-1}
tap_scratch_served "telemetry-$TM_TEST"
tap_cleanup_on_exit
# shellcheck source=tests/configserver/server.sh
. "$TOP/tests/configserver/server.sh"

fleet() { CONFIGPULL=$CONFIGPULL "$TOP/scripts/fleet" "$@"; }
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }
# a test node (cs_node) of the test fleet $T/fleet: $T/NAME.{key,pem,id}
tm_node() { cs_node "$1" "$T/fleet"; }
# reportd serving nginx NAME's socket, its database $T/reportd.db
tm_reportd() { mkdir -p "$T/ngx-$1" && cs_reportd "$T/reportd.db" "$T/ngx-$1/reportd.sock"; }

# wait_until SECONDS CMD...: runs CMD every 0.2 s until it succeeds (0) or
# SECONDS (times LETHE_TIMEOUT_SCALE) have passed (1).
wait_until() {
	local end=$((SECONDS + $1 * SCALE))
	shift
	while ((SECONDS <= end)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# tm_fleet: the fleet CA, the server's certificate for localhost, node a.
tm_fleet() {
	fleet init "$T/fleet" >/dev/null 2>&1
	fleet server "$T/fleet" localhost >/dev/null 2>&1
	chmod -R a+rX "$T/fleet/certs" "$T/fleet/nodes" 2>/dev/null || true
}

# tm_nginx NAME PORT [FILTER...]: scripts/configserver/nginx.conf rendered
# for the test fleet on 127.0.0.1:PORT (pulls not attested), through the
# command FILTER if given (bench.sh), its metrics going to the Pushgateway;
# its state directory $T/ngx-NAME also holds reportd's socket.
tm_nginx() {
	local name=$1 port=$2 d=$T/ngx-$1
	shift 2
	mkdir -p "$d/tmp"
	PUSHGATEWAY=127.0.0.1:$PGW scripts/configserver/render-nginx "$T/fleet" "$d" "127.0.0.1:$port" localhost off |
		"${@:-cat}" >"$d/nginx.conf"
	tm_nginx_start "$name" "$port"
}

# tm_nginx_start NAME PORT: (again) the nginx of tm_nginx (tap_nginx); its
# pid in NGINX_PID.
tm_nginx_start() { tap_nginx "$T/ngx-$1" "$2"; }

# tm_server [FILTER...]: the fleet server of a test fleet (tm_fleet) as the
# operator runs it: the Pushgateway (PGW), reportd and nginx main (its
# configuration through FILTER, tm_nginx) on a free port, P; URL the
# node document's.
tm_server() {
	cs_pushgateway
	P=$(freeport)
	tm_reportd main
	tm_nginx main "$P" "$@"
	URL="https://localhost:$P/v1/node.json"
}

tm_nginx_stop() {
	kill "$NGINX_PID" 2>/dev/null || true
	wait "$NGINX_PID" 2>/dev/null || true
}

# tm_tor NAME PORT: a real tor relay, on loopback only, its MetricsPort on
# 127.0.0.1:PORT (docs/observability.md: the port configpull renders).
# DisableNetwork would keep the MetricsPort closed, so it runs as a test
# network's relay whose only directory authority is a port nobody
# listens on.  DataDirectory $T/tordata/NAME; pid in TOR_PID.
tm_tor() {
	local d=$T/tordata/$1 or da i
	or=$(freeport)
	da=$(freeport)
	mkdir -p "$d"
	chmod 700 "$d"
	cat >"$T/torrc.$1" <<EOC
TestingTorNetwork 1
DataDirectory $d
DirAuthority test orport=$da no-v2 v3ident=0000000000000000000000000000000000000000 127.0.0.1:$da 0000000000000000000000000000000000000000
SocksPort 0
ControlPort 0
ORPort 127.0.0.1:$or
AssumeReachable 1
Nickname $1
MetricsPort 127.0.0.1:$2
MetricsPortPolicy accept 127.0.0.1
SafeLogging 1
Log notice stdout
EOC
	tor -f "$T/torrc.$1" >"$T/tor.$1.log" 2>&1 &
	TOR_PID=$!
	PIDS+=("$!")
	for ((i = 0; i < 300; i++)); do
		[ -s "$d/fingerprint" ] && cs_owns "$TOR_PID" "$2" &&
			curl -sf "http://127.0.0.1:$2/metrics" >/dev/null 2>&1 && return 0
		kill -0 "$TOR_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "Bail out! tor did not open its MetricsPort on 127.0.0.1:$2"
	sed 's/^/# /' "$T/tor.$1.log" >&2
	exit 1
}

# tm_status FILE KEY=VALUE...: initd's status file, written whole and
# renamed into place as initd does.
tm_status() {
	local f=$1
	shift
	printf '%s\n' "$@" >"$f.tmp"
	mv "$f.tmp" "$f"
}

# pgw_has REGEX: a line of the Pushgateway's /metrics matches.  (Read
# whole first: grep -q stopping early would fail curl, and pipefail the
# test.)
pgw_has() {
	local m
	m=$(curl -sf "http://127.0.0.1:$PGW/metrics") && grep -qE "$1" <<<"$m"
}

# rd_report NODE: the node's newest report kept by reportd (one JSON line).
rd_report() {
	"$REPORTD" report --db "$T/reportd.db" --node "$1" 2>/dev/null
}
rd_logs() {
	"$REPORTD" logs --db "$T/reportd.db" --node "$1" 2>/dev/null
}
# JV EXPR: the first JSON line of standard input as r, EXPR of it printed
# as JSON, true or false as the status (tests/telemetry/jv.py).
JV="python3 $TOP/tests/telemetry/jv.py"
# rd_field NODE EXPR: EXPR of the newest report (r), as JSON.
rd_field() {
	rd_report "$1" | $JV "$2" || true
}
