#!/bin/bash
# A server that refuses every report (400, as reportd does for one it
# cannot accept): each report is dropped and counted, said at most once a
# minute, without backoff, and the rest (logs, metrics, later reports)
# still flows.  The server is a stub nginx with mTLS, not the fleet's.
set -eu -o pipefail
TM_TEST=refused
. "$(dirname "$0")/lib.sh"
tap_plan 5

tm_fleet
tm_node a
P=$(freeport)
d=$T/ngx-stub
mkdir -p "$d/tmp"
cat >"$d/nginx.conf" <<EOC
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 16; }
http {
	access_log $d/access.log;
	client_body_temp_path $d/tmp;
	server {
		listen 127.0.0.1:$P ssl;
		server_name localhost;
		ssl_certificate $T/fleet/server/localhost.pem;
		ssl_certificate_key $T/fleet/server/localhost.key;
		ssl_client_certificate $T/fleet/ca.pem;
		ssl_verify_client on;
		location = /v1/report { return 400 "report: refused by this test\n"; }
		location = /v1/logs { return 204; }
		location /v1/metrics/ { return 204; }
	}
}
EOC
tm_nginx_start stub "$P"
echo "LETHE_VERSION=test-1.0" >"$T/release"
tm_status "$T/status" version=1 stage=tor
mkfifo "$T/logpipe"
exec 7<>"$T/logpipe"
"$LETHE_TELEMETRY" run --ca "$T/fleet/ca.pem" --cert "$T/a.pem" --key "$T/a.key" --status "$T/status" \
	--release "$T/release" --conf-dir "$T/conf" --interval 1 --tor /nonexistent "https://localhost:$P/v1/node.json" \
	<"$T/logpipe" >"$T/agent.out" 2>&1 &
AGENT=$!
PIDS+=("$AGENT")
printf '%s initd: a line\n' "$(now_ms)" >&7
sleep $((7 * SCALE))
check "the refusal is said with the server's reason, once a minute at most" \
	test "$(grep -c 'the server refused the report (dropped): HTTP 400: report: refused by this test' "$T/agent.out")" = 1
check "no backoff: a refused report is not a failed server" bash -c "! grep -q 'retrying with backoff' '$T/agent.out'"
n=$(grep -c 'POST /v1/report HTTP/1.1" 400' "$d/access.log")
check "the queue is not wedged: a new report every second, each sent once ($n in 7 s)" \
	test "$n" -ge 5 -a "$n" -le $((7 * SCALE + 2))
check "logs and metrics still go" \
	bash -c "grep -q 'POST /v1/logs HTTP/1.1\" 204' '$d/access.log' && grep -q 'PUT /v1/metrics/job/lethe/node/$(cat "$T/a.id") HTTP/1.1\" 204' '$d/access.log'"
kill -TERM "$AGENT"
rc=0
wait "$AGENT" || rc=$?
check "SIGTERM: exit 0" test "$rc" = 0
tap_done
