#!/usr/bin/env bash
# The operator's side of telemetry (docs/observability.md), end to end on
# loopback with the real components: nginx as rendered by
# scripts/configserver/render-nginx (mTLS with a fleet made by scripts/fleet),
# reportd behind it, the Pushgateway it forwards metric pushes to,
# Prometheus with the reference configuration, alert rules and consoles,
# its dashboard loaded in headless Chromium and read back by Tesseract, and
# scripts/fleet status.  Node A sends as a node does; node B is another
# enrolled node whose id A must not use.  Limits come from
# include/lethe_telemetry.h.
set -eu -o pipefail
CS_TEST=telemetry
cd "$(dirname "$0")/../.."
# shellcheck source=tests/configserver/lib.sh
. tests/configserver/lib.sh
cs_need nginx prometheus promtool prometheus-pushgateway chromium tesseract python3 curl openssl
# check's commands print data, not TAP.
TAP_CAPTURE=$T
tap_plan 61

REPORT_MAX=$(contract LETHE_REPORT_MAX)
LOGS_MAX=$(contract LETHE_LOGS_BATCH_MAX)
LINE_MAX=$(contract LETHE_LOGLINE_MAX)
PUSH_MAX=$(contract LETHE_METRICS_PUSH_MAX)
F=$T/fleet RUN=$T/run
IMAGE=v2.0.4-dashboard
BOOT=6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f

# --- the fleet, the servers ---------------------------------------------------

fleet init "$F" >/dev/null 2>&1
fleet server "$F" 127.0.0.1 >/dev/null 2>&1
cs_node A "$F"
cs_node B "$F"
A=$(cat "$T/A.id") B=$(cat "$T/B.id")
mkdir -p "$RUN"
chmod 755 "$RUN"
BASE=$(scripts/free-ports 3) || { echo "Bail out! no free ports"; exit 1; }
NGX=$BASE PGW=$((BASE + 1)) PROM=$((BASE + 2))
cs_reportd "$F/reports.db" "$RUN/reportd.sock"
cs_pushgateway
cs_prometheus "$PROM" "$PGW"
cs_nginx "$F" "$RUN" "$NGX" "$PGW"
URL=https://127.0.0.1:$NGX
check "reportd leaves no core dump: core limit 0" grep -Eq '^Max core file size +0 +0 ' "/proc/$REPORTD_PID/limits"
check "reportd's database is the operator's alone (0600)" test "$(stat -c %a "$F/reports.db")" = 600

# req WHO CURL-ARGS...: a request as node WHO (A or B: its client
# certificate; "-" for none); the body in $T/resp, the status printed.
req() {
	local who=$1 cert=()
	shift
	[ "$who" = - ] || cert=(--cert "$T/$who.pem" --key "$T/$who.key")
	curl -s --max-time 10 --cacert "$F/ca.pem" "${cert[@]}" -o "$T/resp" -w '%{http_code}' "$@"
}
# is WANT WHO CURL-ARGS...: req answers WANT.
is() {
	local want=$1 got
	shift
	got=$(req "$@") || true
	[ "$got" = "$want" ] || { diag "status $got, want $want: $(head -c 300 "$T/resp")"; return 1; }
}

# --- reports --------------------------------------------------------------------

# report NODE SEQ: a version 1 report with every key, as the agent sends it.
report() {
	cat <<EOF
{"version": 1, "node": "$1", "seq": $2, "time": $(date +%s), "boot_id": "$BOOT", "uptime_s": 3600,
 "image": "$IMAGE", "image_wanted": "", "image_mismatch": false,
 "stage": "tor", "stage_error": "", "last_error": "tor.relay2: exited 1 (marker-7f3a)",
 "unseal": {"result": "ok", "mode": "literal"}, "attestation": "off", "config_etag": "\"5f3e\"",
 "pull": {"exit": 0, "ms": 412},
 "marks": {"network": 900, "clock": 1200, "config": 2500, "keys": 3100, "tor-exec": 3200},
 "instances": [
  {"name": "relay1", "fingerprint": "0123456789ABCDEF0123456789ABCDEF01234567", "tor_version": "0.4.9.11",
   "state": "up", "restarts": 0, "last_exit": "-", "crashloop": false, "rss_kib": 412000,
   "allocator": "mimalloc", "allocator_mapped": "yes"},
  {"name": "relay2", "fingerprint": "", "tor_version": "0.4.9.11", "state": "backoff", "restarts": 4,
   "last_exit": "exit 1", "crashloop": false, "rss_kib": 0, "allocator": "mimalloc", "allocator_mapped": "unknown"}],
 "memory": {"total_kib": 2048000, "available_kib": 1024000, "swap_total_kib": 0, "swap_free_kib": 0},
 "psi": {"some_avg10": 0.12, "full_avg10": 0, "events": 0},
 "zram": {"disksize_bytes": 536870912, "orig_bytes": 1000, "compr_bytes": 300},
 "telemetry": {"reports_dropped": 0, "lines_dropped": 0, "send_failures": 0, "rss_kib": 3000}}
EOF
}
post_report() { # WHO FILE
	is "$3" "$1" -H 'Content-Type: application/json' --data-binary @"$2" "$URL/v1/report"
}
reportd_cmd() { "$REPORTD" "$@" --db "$F/reports.db"; }

report "$A" 1 >"$T/r1.json"
check "A's report: 204" post_report A "$T/r1.json" 204
check "reportd report prints it, one line of compact JSON, as A sent it" bash -c "
	'$REPORTD' report --db '$F/reports.db' --node $A >'$T/out' && test \$(wc -l <'$T/out') = 1 &&
	python3 -c 'import json, sys; a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2])); sys.exit(a != b)' \
		'$T/r1.json' '$T/out'"
check "reportd status: A's line in the documented format" grep -Eq \
	"^$A image=$IMAGE up=1/2 restarts=4 report=[0-9]+ stage=tor unseal=ok mismatch=0 error=\"tor.relay2: exited 1 \\(marker-7f3a\\)\"\$" \
	<(reportd_cmd status)
check "the same seq again: 204, not kept (a retry)" post_report A "$T/r1.json" 204
check "reportd's log says so, without the body" bash -c "
	grep -q 'reportd: report $A: 204 not kept: seq 1 of this boot is not after 1' '$T/reportd.log' &&
	! grep -q marker-7f3a '$T/reportd.log'"

sed 's/"stage": "tor"/"stage": "tor", "colour": "blue"/' "$T/r1.json" | sed 's/"seq": 1,/"seq": 2,/' >"$T/bad-key.json"
check "a report with an unknown key: 400 naming it" bash -c "
	test \"\$(curl -s --cacert '$F/ca.pem' --cert '$T/A.pem' --key '$T/A.key' --data-binary @'$T/bad-key.json' \
		-o '$T/resp' -w '%{http_code}' '$URL/v1/report')\" = 400 && grep -qx 'report: colour: unknown key' '$T/resp'"
sed 's/"restarts": 4,/"restarts": "4",/; s/"seq": 1,/"seq": 2,/' "$T/r1.json" >"$T/bad-type.json"
check "a report with a wrong type: 400" post_report A "$T/bad-type.json" 400
sed 's/"some_avg10": 0.12/"some_avg10": 101/; s/"seq": 1,/"seq": 2,/' "$T/r1.json" >"$T/bad-bound.json"
check "a report with a value out of bounds: 400" post_report A "$T/bad-bound.json" 400
printf '{"version": 1, "node": "%s"' "$A" >"$T/bad-json.json"
check "a body that is not JSON: 400" post_report A "$T/bad-json.json" 400
check "nothing of the refused reports was kept" test "$(reportd_cmd report --node "$A" --history | wc -l)" = 1
report "$B" 5 >"$T/rB.json"
check "A's report naming node B: 403" post_report A "$T/rB.json" 403
check "nothing kept for B" bash -c "! '$REPORTD' report --db '$F/reports.db' --node $B 2>/dev/null"
check "a report without a client certificate: 403" post_report - "$T/r1.json" 403
check "GET /v1/report: refused (403)" is 403 A "$URL/v1/report"
# LETHE_REPORT_MAX bytes exactly (a report and white space): through; one more: 413.
report "$A" 2 >"$T/max.json"
pad=$((REPORT_MAX - $(stat -c %s "$T/max.json")))
head -c "$pad" /dev/zero | tr '\0' ' ' >>"$T/max.json"
check "a report of exactly LETHE_REPORT_MAX ($REPORT_MAX) bytes: 204, kept" bash -c "
	test \$(stat -c %s '$T/max.json') = $REPORT_MAX &&
	test \"\$(curl -s --cacert '$F/ca.pem' --cert '$T/A.pem' --key '$T/A.key' --data-binary @'$T/max.json' \
		-o /dev/null -w '%{http_code}' '$URL/v1/report')\" = 204 &&
	test \$('$REPORTD' report --db '$F/reports.db' --node $A --history | wc -l) = 2"
printf ' ' >>"$T/max.json"
check "one byte more: 413 (nginx)" post_report A "$T/max.json" 413

# --- logs -------------------------------------------------------------------------

now=$(date +%s)000
printf '%s initd: tor.relay1: started (pid 412)\n%s tor.relay1: [notice] Bootstrapped 100%% (done): Done\n%s telemetry: send: connection refused, retry in 4 s\n' \
	"$now" "$((now + 1))" "$((now + 2))" >"$T/logs1.txt"
post_logs() { is "$3" "$1" -H 'Content-Type: text/plain' --data-binary @"$2" "$URL/v1/logs"; }
check "A's log batch: 204" post_logs A "$T/logs1.txt" 204
check "reportd logs prints the lines as sent" cmp -s "$T/logs1.txt" <(reportd_cmd logs --node "$A")
{ cat "$T/logs1.txt"; printf '%s Kernel: not a source\n' "$now"; } >"$T/logs-bad.txt"
check "a batch with one bad line: 400 naming the line" bash -c "
	test \"\$(curl -s --cacert '$F/ca.pem' --cert '$T/A.pem' --key '$T/A.key' --data-binary @'$T/logs-bad.txt' \
		-o '$T/resp' -w '%{http_code}' '$URL/v1/logs')\" = 400 && grep -q '^logs: line 4: no SOURCE' '$T/resp'"
printf '%s initd: a tab\there\n' "$now" >"$T/logs-byte.txt"
check "a line with a byte that is not printable ASCII: 400" post_logs A "$T/logs-byte.txt" 400
check "nothing of the refused batches was kept" cmp -s "$T/logs1.txt" <(reportd_cmd logs --node "$A")
check "a batch without a client certificate: 403" post_logs - "$T/logs1.txt" 403
# LETHE_LOGS_BATCH_MAX bytes of lines of LETHE_LOGLINE_MAX bytes: through; one more byte: 413.
python3 -c 'import sys
n, line = int(sys.argv[1]), int(sys.argv[2])
one = "1767225600000 tor.relay1: "
one += "x" * (line - len(one) - 1) + "\n"
sys.stdout.write(one * (n // line))' "$LOGS_MAX" "$LINE_MAX" >"$T/logs-max.txt"
check "a batch of exactly LETHE_LOGS_BATCH_MAX ($LOGS_MAX) bytes: 204" bash -c "
	test \$(stat -c %s '$T/logs-max.txt') = $LOGS_MAX &&
	test \"\$(curl -s --cacert '$F/ca.pem' --cert '$T/A.pem' --key '$T/A.key' --data-binary @'$T/logs-max.txt' \
		-o /dev/null -w '%{http_code}' '$URL/v1/logs')\" = 204"
check "reportd logs --tail 1: the newest line" bash -c "
	'$REPORTD' logs --db '$F/reports.db' --node $A --tail 1 | cmp -s - <(tail -n 1 '$T/logs-max.txt')"
printf '\n' >>"$T/logs-max.txt"
check "one byte more: 413 (nginx)" post_logs A "$T/logs-max.txt" 413

# --- metrics ---------------------------------------------------------------------------

# lethe_metrics RESTARTS2: the node's own metrics (job lethe), text 0.0.4.
lethe_metrics() {
	cat <<EOF
# TYPE lethe_info gauge
lethe_info{image="$IMAGE",image_wanted="",boot_id="$BOOT"} 1
# TYPE lethe_uptime_seconds gauge
lethe_uptime_seconds 3600
# TYPE lethe_unseal_ok gauge
lethe_unseal_ok 1
# TYPE lethe_unseal_refused gauge
lethe_unseal_refused 0
# TYPE lethe_image_mismatch gauge
lethe_image_mismatch 0
# TYPE lethe_tor_up gauge
lethe_tor_up{instance="relay1"} 1
lethe_tor_up{instance="relay2"} 0
# TYPE lethe_tor_restarts_total counter
lethe_tor_restarts_total{instance="relay1"} 0
lethe_tor_restarts_total{instance="relay2"} $1
# TYPE lethe_tor_rss_bytes gauge
lethe_tor_rss_bytes{instance="relay1"} 421888000
# TYPE lethe_psi_memory_some_avg10 gauge
lethe_psi_memory_some_avg10 0.12
# TYPE lethe_memory_pressure_events_total counter
lethe_memory_pressure_events_total 0
EOF
}
# A MetricsPort dump as tor 0.4.9 writes it (no timestamps).
tor_metrics() {
	cat <<'EOF'
# HELP tor_relay_traffic_bytes Traffic related counters
# TYPE tor_relay_traffic_bytes counter
tor_relay_traffic_bytes{direction="read"} 123456789
tor_relay_traffic_bytes{direction="written"} 98765432
# HELP tor_relay_flag Relay flags from consensus
# TYPE tor_relay_flag gauge
tor_relay_flag{type="Fast"} 1
tor_relay_flag{type="Running"} 1
# HELP tor_relay_connections Total number of opened connections
# TYPE tor_relay_connections gauge
tor_relay_connections{type="OR",direction="initiated",state="opened",family="ipv4"} 12
EOF
}
lethe_metrics 0 >"$T/lethe.prom"
tor_metrics >"$T/tor.prom"
put() { # WANT WHO PATH FILE
	is "$1" "$2" -X PUT -H 'Content-Type: text/plain; version=0.0.4' --data-binary @"$4" "$URL$3"
}
check "A PUTs its own metrics (job lethe): 200" put 200 A "/v1/metrics/job/lethe/node/$A" "$T/lethe.prom"
check "A PUTs tor instance relay1's MetricsPort (job tor): 200" put 200 A "/v1/metrics/job/tor/node/$A/instance/relay1" "$T/tor.prom"
check "Prometheus answers for node A: lethe_tor_up by instance" \
	wait_promql "$PROM" "lethe_tor_up{job=\"lethe\",node=\"$A\"}" "\"instance\": \"relay2\", \"job\": \"lethe\", \"node\": \"$A\"}, \"value\": \"0\""
check "and relay1's tor traffic (job tor, instance relay1)" \
	wait_promql "$PROM" "tor_relay_traffic_bytes{job=\"tor\",node=\"$A\",instance=\"relay1\",direction=\"read\"}" '"value": "123456789"'
check "A PUTs under B's id: 403" put 403 A "/v1/metrics/job/lethe/node/$B" "$T/lethe.prom"
check "and under B's id for a tor instance: 403" put 403 A "/v1/metrics/job/tor/node/$B/instance/relay1" "$T/tor.prom"
check "a PUT without a client certificate: 403" put 403 - "/v1/metrics/job/lethe/node/$A" "$T/lethe.prom"
check "nothing reached the Pushgateway for B" bash -c "
	curl -s http://127.0.0.1:$PGW/metrics >'$T/pgw.txt' && grep -q 'node=\"$A\"' '$T/pgw.txt' && ! grep -q '$B' '$T/pgw.txt'"
check "nothing in Prometheus for B" test -z "$(promql "$PROM" "{node=\"$B\"}")"
check "job tor without an instance: 403" put 403 A "/v1/metrics/job/tor/node/$A" "$T/tor.prom"
check "job lethe with an instance: 403" put 403 A "/v1/metrics/job/lethe/node/$A/instance/relay1" "$T/lethe.prom"
check "another job: 403" put 403 A "/v1/metrics/job/node/node/$A" "$T/lethe.prom"
check "POST instead of PUT: 403" is 403 A --data-binary @"$T/lethe.prom" "$URL/v1/metrics/job/lethe/node/$A"
check "DELETE of its own group: 403" is 403 A -X DELETE "$URL/v1/metrics/job/lethe/node/$A"
# LETHE_METRICS_PUSH_MAX bytes exactly (a sample and comment lines): through; one more: 413.
python3 -c 'import sys
n = int(sys.argv[1])
body = "# TYPE lethe_test_padding gauge\nlethe_test_padding 1\n"
while len(body) + 81 <= n:
    body += "#" + " " * 79 + "\n"
body += "#" + " " * (n - len(body) - 2) + "\n"
sys.stdout.write(body)' "$PUSH_MAX" >"$T/big.prom"
check "a push of exactly LETHE_METRICS_PUSH_MAX ($PUSH_MAX) bytes: 200" bash -c "
	test \$(stat -c %s '$T/big.prom') = $PUSH_MAX &&
	test \"\$(curl -s --cacert '$F/ca.pem' --cert '$T/A.pem' --key '$T/A.key' -X PUT --data-binary @'$T/big.prom' \
		-o /dev/null -w '%{http_code}' '$URL/v1/metrics/job/tor/node/$A/instance/big')\" = 200"
printf '\n' >>"$T/big.prom"
check "one byte more: 413 (nginx)" put 413 A "/v1/metrics/job/tor/node/$A/instance/big" "$T/big.prom"

# --- the alert rules, live -------------------------------------------------------------------

check "Prometheus loaded the 6 alert rules" bash -c "
	curl -s http://127.0.0.1:$PROM/api/v1/rules | python3 -c 'import json, sys
r = json.load(sys.stdin)[\"data\"][\"groups\"]
sys.exit(sum(len(g[\"rules\"]) for g in r) != 6)'"
# relay2's restarts go from 0 to 8 between two scrapes: more than 3 in an hour.
lethe_metrics 8 >"$T/lethe8.prom"
check "relay2 restarts 8 times: pushed" put 200 A "/v1/metrics/job/lethe/node/$A" "$T/lethe8.prom"
check "LetheTorRestarting fires for A's relay2 (rules evaluated every second)" \
	wait_promql "$PROM" "ALERTS{alertname=\"LetheTorRestarting\",alertstate=\"firing\"}" \
	"\"instance\": \"relay2\", \"job\": \"lethe\", \"node\": \"$A\", \"severity\": \"ticket\""
check "and LetheNoReport does not (A pushed just now)" test -z "$(promql "$PROM" "ALERTS{alertname=\"LetheNoReport\",node=\"$A\"}")"

# --- the rate limit ------------------------------------------------------------------------------

# 100 PUTs on one connection, as fast as curl sends them: beyond the burst, 429.
rate_limited() {
	local urls=() i
	for ((i = 0; i < 100; i++)); do urls+=(-o /dev/null "$URL/v1/metrics/job/tor/node/$A/instance/burst"); done
	curl -s --max-time 30 --cacert "$F/ca.pem" --cert "$T/A.pem" --key "$T/A.key" -X PUT --data-binary @"$T/tor.prom" \
		-w '%{http_code}\n' "${urls[@]}" >"$T/burst"
	diag "$(sort "$T/burst" | uniq -c | tr '\n' ' ')"
	grep -qx 200 "$T/burst" && grep -qx 429 "$T/burst" && ! grep -Evqx '200|429' "$T/burst"
}
check "a burst of 100 pushes: the first go through, then 429" rate_limited
check "node B's pushes are not limited by A's" put 200 B "/v1/metrics/job/tor/node/$B/instance/relay1" "$T/tor.prom"

# --- the dashboard ---------------------------------------------------------------------------------

check "Prometheus has A's image for the dashboard" \
	wait_promql "$PROM" "lethe_info{node=\"$A\"}" "\"image\": \"$IMAGE\""
DASH=http://127.0.0.1:$PROM/consoles/lethe.html
check "the fleet page's DOM has A's row: id, image, 1 of 2 up, 8 restarts, unseal ok" bash -c "
	$(declare -f cs_chromium); T='$T'; cs_chromium '$T/dom.html' --dump-dom '$DASH' &&
	python3 - '$T/dom.html' '$A' '$IMAGE' <<'PY'
import re, sys
dom, node, image = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
row = re.search(r'<tr class=\"lethe-node\" data-node=\"%s\">(.*?)</tr>' % node, dom, re.S)
cells = [re.sub(r'<[^>]*>', '', c).strip() for c in re.findall(r'<td[^>]*>(.*?)</td>', row.group(1), re.S)] if row else []
print(cells)
sys.exit(not (len(cells) == 7 and cells[0] == node[:16] and cells[1] == image and cells[2] == '1 / 2'
              and cells[3] == '8' and cells[4].endswith('ago') and cells[5] == 'ok' and cells[6] == 'no'))
PY"
check "a screenshot of the fleet page" bash -c "
	$(declare -f cs_chromium); T='$T'; cs_chromium /dev/null --screenshot='$T/dash.png' '$DASH' &&
	test -s '$T/dash.png' && file '$T/dash.png' | grep -q 'PNG image data, 1280 x 800'"
tesseract "$T/dash.png" "$T/ocr" >/dev/null 2>&1 || true
tesseract "$T/dash.png" "$T/ocr-hex" -c tessedit_char_whitelist=0123456789abcdef >/dev/null 2>&1 || true
diag "OCR of the screenshot: $(tr -s '\n' ' ' <"$T/ocr.txt" 2>/dev/null)"
ocr_has_id() { cs_ocr_near "$T/ocr-hex.txt" "${A:0:16}"; }
check "Tesseract reads A's id prefix (${A:0:16}) in the screenshot" ocr_has_id
check "and its image version ($IMAGE)" grep -qF "$IMAGE" "$T/ocr.txt"
check "the node page lists relay1 with its traffic, relay2 down" bash -c "
	$(declare -f cs_chromium); T='$T'; cs_chromium '$T/node.html' --dump-dom \
		'http://127.0.0.1:$PROM/consoles/lethe-node.html?node=$A' &&
	grep -q '<span class=\"lethe-id\">$A</span>' '$T/node.html' &&
	tr -d '\n' <'$T/node.html' | grep -Eq '<td>relay1</td><td>up</td><td>0</td><td>402.3MiB</td><td>[^<]*</td><td>117.7MiB</td><td>94.19MiB</td>' &&
	tr -d '\n' <'$T/node.html' | grep -q '<td>relay2</td><td><span class=\"lethe-bad\">down</span></td><td>8</td>'"
check "the node page refuses an id that is not one" bash -c "
	curl -s 'http://127.0.0.1:$PROM/consoles/lethe-node.html?node=x%27%7D' | grep -q 'no such node'"

# --- scripts/fleet status -------------------------------------------------------------------------

check "fleet status: the attestation table, then A's telemetry line" bash -c "
	REPORTD='$REPORTD' '$TOP/scripts/fleet' status '$F' >'$T/fstatus' && sed 's/^/# /' '$T/fstatus' >&2 &&
	grep -Eq '^$A +signed +- ' '$T/fstatus' &&
	grep -Eq '^NODE +IMAGE +TOR-UP +RESTARTS +LAST-REPORT +ERROR\$' '$T/fstatus' &&
	grep -Eq '^$A +$IMAGE +1/2 +4 +[0-9]+s ago +\"tor.relay2: exited 1 \\(marker-7f3a\\)\"\$' '$T/fstatus'"
mkdir -p "$T/fleet2"
cp -a "$F/ca.pem" "$F/certs" "$F/index.txt" "$T/fleet2/"
check "fleet status without reports.db: the attestation table alone" bash -c "
	'$TOP/scripts/fleet' status '$T/fleet2' >'$T/fstatus2' && grep -Eq '^$A +signed ' '$T/fstatus2' &&
	! grep -q LAST-REPORT '$T/fstatus2'"
# --- retiring a node (docs/observability.md) ----------------------------------------------------------

check "reportd forget: nothing of A is kept" bash -c "
	'$REPORTD' forget --db '$F/reports.db' --node $A 2>'$T/forget.err' &&
	grep -Eq '^reportd: forgot $A: 2 reports, [0-9]+ log lines\$' '$T/forget.err' &&
	test -z \"\$('$REPORTD' status --db '$F/reports.db')\" && test -z \"\$('$REPORTD' logs --db '$F/reports.db' --node $A)\""
# Every Pushgateway group of A, deleted one by one as the doc says.
pgw_forget() {
	local pgw=http://127.0.0.1:$PGW p i
	curl -s "$pgw/api/v1/metrics" | python3 -c '
import json, sys
for g in json.load(sys.stdin)["data"]:
    l = g["labels"]
    if l.get("node") == sys.argv[1]:
        print("/metrics/job/%s/node/%s%s" % (l["job"], l["node"], "/instance/" + l["instance"] if l.get("instance") else ""))
' "$A" >"$T/groups"
	diag "A's groups: $(tr '\n' ' ' <"$T/groups")"
	while read -r p; do curl -s -X DELETE "$pgw$p" || return 1; done <"$T/groups"
	test "$(wc -l <"$T/groups")" -ge 2 || return 1
	# 202: the deletions are queued; done within 5 s
	for ((i = 0; i < 50; i++)); do
		curl -s "$pgw/metrics" | grep -q "node=\"$A\"" || return 0
		sleep 0.1
	done
	return 1
}
check "the Pushgateway forgets A's groups (DELETE of each)" pgw_forget
# SIGTERM between requests: reportd finishes and exits 0 (bounded: 5 s).
stopped() {
	local i rc=0
	kill -TERM "$REPORTD_PID"
	for ((i = 0; i < 50; i++)); do kill -0 "$REPORTD_PID" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$REPORTD_PID" 2>/dev/null && return 1
	wait "$REPORTD_PID" || rc=$?
	[ "$rc" = 0 ] && [ ! -e "$RUN/reportd.sock" ]
}
check "reportd stops on SIGTERM: exit 0, its socket gone" stopped
tap_done
