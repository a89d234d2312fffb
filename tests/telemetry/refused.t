#!/bin/bash
# A server that refuses every report (400, as reportd does for one it
# cannot accept): each report is dropped and counted, said at most once a
# minute, without backoff, and the rest (logs, metrics, later reports)
# still flows.  The server is the fleet's own (render-nginx, reportd, the
# Pushgateway) with its report location made to refuse.
set -eu -o pipefail
TM_TEST=refused
. "$(dirname "$0")/lib.sh"
tap_plan 5

tm_fleet
tm_node a
# The fleet's server (render-nginx, reportd, the Pushgateway) with one
# change: its report location answers 400 before reportd sees the body.
refuse_reports() { sed 's|location = /v1/report {|&\n\t\t\treturn 400 "report: refused by this test\\n";|'; }
tm_server refuse_reports
d=$T/ngx-main
echo "LETHE_VERSION=test-1.0" >"$T/release"
tm_status "$T/status" version=1 stage=tor
mkfifo "$T/logpipe"
exec 7<>"$T/logpipe"
"$LETHE_TELEMETRY" run --ca "$T/fleet/ca.pem" --cert "$T/a.pem" --key "$T/a.key" --status "$T/status" \
	--release "$T/release" --conf-dir "$T/conf" --interval 1 --tor /nonexistent "$URL" \
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
	bash -c "grep -q 'POST /v1/logs HTTP/1.1\" 204' '$d/access.log' && grep -q 'PUT /v1/metrics/job/lethe/node/$(cat "$T/a.id") HTTP/1.1\" 200' '$d/access.log'"
kill -TERM "$AGENT"
rc=0
wait "$AGENT" || rc=$?
check "SIGTERM: exit 0" test "$rc" = 0
tap_done
