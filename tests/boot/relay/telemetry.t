#!/bin/bash
# Issue 17 in the guest: the booted relay's status reports, metrics and logs
# leave it over its mTLS channel and reach the operator's real components
# on the host (docs/observability.md): the reference nginx (render-nginx),
# reportd (SQLite), a Prometheus Pushgateway and Prometheus with the
# reference configuration, alert rules and consoles.  One boot, in a
# private one-authority Tor network on the host's loopback (as testnet.t:
# tor's MetricsPort does not open under DisableNetwork, so lethe.offline
# would have no tor metrics to push):
#
#   - after the first pull the agent starts; the report (stage, unseal,
#     the instance with its sealed fingerprint, the image hint's mismatch,
#     the attestation outcome) and the log lines (initd's, configpull's,
#     tor's) are in reportd; Prometheus answers a PromQL query for the
#     relay's tor metrics under its node id, and for the node's own;
#   - a document change that restarts tor: the restart is in the report and
#     the metrics, with tor's last lines before it on the server;
#   - the server down for a minute (nginx stopped: the guest's connections
#     are refused), a re-pull fails meanwhile: the node goes on (initd's
#     lines keep coming on the console), and once the server is back the
#     report and the log lines of that minute arrive;
#   - the dashboard (Prometheus console) in headless Chromium: its DOM has
#     the relay's row, Tesseract reads its id in the screenshot;
#   - a clean power-off stops the agent with tor.
#
# Environment: KERNEL, INITRD (the demo image: make demo-image), FLEET,
# CONFIGPULL, REPORTD, LETHE_TIMEOUT_SCALE, LETHE_KEEP.  Needs tor,
# tor-gencert, nginx, socat, curl, python3, prometheus,
# prometheus-pushgateway, chromium, tesseract.
set -u -o pipefail

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../relay.sh"
. "$(dirname "$0")/../authority.sh"
TOP=$PWD
REPORTD=$(realpath "${REPORTD:-build/host/reportd}")
# shellcheck source=tests/configserver/server.sh
. "$TOP/tests/configserver/server.sh"

boot_need_image
cs_need tor tor-gencert curl socat python3 nginx prometheus prometheus-pushgateway chromium tesseract
[[ -x $REPORTD ]] || { echo "Bail out! $REPORTD not built"; exit 1; }

AUTH_PID=
PIDS=()
telemetry_cleanup() {
	local rc=$? p
	boot_stop "$AUTH_PID"
	for p in "${PIDS[@]}"; do boot_stop "$p"; done
	(exit "$rc")
	relay_cleanup
}

boot_init telemetry
relay_init "$FLEET"
trap telemetry_cleanup EXIT
T=$BOOT_DIR
DB=$RELAY_FLEET/reports.db
boot_swtpm_start "$BOOT_DIR/tpm"
A_OR=$(relay_free_port) && A_DIR=$(relay_free_port) && R_OR=$(relay_free_port) &&
	PROM=$(relay_free_port) || boot_die "no free port"

# --- the operator's side: reportd on nginx's FastCGI socket, the Pushgateway,
# Prometheus scraping it, nginx in front (render-nginx reads PUSHGATEWAY) ---
mkdir -p "$BOOT_DIR/ngx"
cs_reportd "$DB" "$BOOT_DIR/ngx/reportd.sock"
cs_pushgateway
cs_prometheus "$PROM" "$PGW"
export PUSHGATEWAY=127.0.0.1:$PGW
relay_nginx_start

# --- the directory authority, on the host's loopback ---
authority_init "$BOOT_DIR/auth" "$A_OR" "$A_DIR" </dev/null || boot_die "unable to make the authority"
authority_start "$BOOT_DIR/auth"

authority_guest "$A_OR" "$A_DIR" "$R_OR"
doc_json() { # ALLOW-NEW-IDENTITIES [EXTRA-TORRC-JSON]: one instance; the image hint is not this image
	printf '{"version":1,"node":"%s","refresh_interval":60,"allocator":"mimalloc",' "$RELAY_NODE"
	printf '"image":{"version":"v-wanted"},'
	printf '"provisioning":{"allow_new_identities":%s},"instances":[{"name":"relay1",' "$1"
	printf '"addresses":["10.0.2.21/24"],'
	printf '"torrc":{"Nickname":"lethetm1","ORPort":"10.0.2.21:%s","Address":"127.0.0.1",' "$R_OR"
	printf '"AssumeReachable":1,"ExitRelay":0,"ContactInfo":"lethe telemetry"%s}}]}\n' "${2:-}"
}

report() { "$REPORTD" report --db "$DB" --node "$RELAY_NODE" 2>/dev/null; }
# report_is PYTHON-EXPR: the node's newest report (r) makes EXPR true
report_is() {
	report | python3 -c 'import json, sys
r = json.loads(sys.stdin.readline())
sys.exit(not eval("(" + sys.argv[1] + ")"))' "$1" 2>/dev/null
}
server_logs() { "$REPORTD" logs --db "$DB" --node "$RELAY_NODE" 2>/dev/null; }
logs_have() { server_logs | grep -qE "$1"; }
now_ms() { date +%s%3N; }

# --- boot: enrollment, provisioning, tor on the test network ---
relay_boot
check "marker" boot_expect '^LETHE-BOOT version=' 180
check "configpull enrolls; the operator signs the CSR" relay_enroll 300
doc_json true >"$BOOT_DIR/doc1.json"
check "node document installed (provisioning allowed, an image hint this image is not)" \
	relay_doc "$BOOT_DIR/doc1.json"
t_pull=$SECONDS
check "the agent starts after the first pull: node id, server, tor version on the console" \
	boot_expect "lethe-telemetry: node $RELAY_NODE, server https://10\\.0\\.2\\.100" 300
check "identity sealed and unsealed (keys mark)" boot_expect 'LETHE-MARK keys t=' 420
relay_identities >"$BOOT_DIR/ids1"
fp=$(awk '$1 == "relay1" { print $2 }' "$BOOT_DIR/ids1")
check "tor uses the sealed identity" boot_expect "identity key fingerprint is 'lethetm1 $fp'" 180

# --- the report, the logs, the metrics ---
check "reportd has the node's report: stage tor, unseal ok (literal), relay1 up with the sealed fingerprint" \
	until_s 120 report_is "r['stage'] == 'tor' and r['unseal'] == {'result': 'ok', 'mode': 'literal'} and
		[(i['name'], i['state'], i['fingerprint']) for i in r['instances']] == [('relay1', 'up', '$fp')]"
echo "# first report with tor up: $((SECONDS - t_pull)) s after the document was installed"
report | python3 -c 'import json, sys; r = json.loads(sys.stdin.readline()); print("# report:", {k: r.get(k) for k in
	("seq", "image", "image_wanted", "image_mismatch", "attestation", "stage", "pull", "marks")})'
check "the report: image hint v-wanted is a mismatch; tor's version; allocator mimalloc mapped; attestation off" \
	until_s 60 report_is "r['image_wanted'] == 'v-wanted' and r['image_mismatch'] is True and r['attestation'] == 'off' and
		r['instances'][0]['tor_version'].startswith('0.4') and r['instances'][0]['allocator'] == 'mimalloc' and
		r['instances'][0]['allocator_mapped'] == 'yes' and r['instances'][0]['rss_kib'] > 0"
check "the report: memory, PSI and the telemetry's own figures" \
	report_is "r['memory']['total_kib'] > 0 and 'some_avg10' in r['psi'] and r['telemetry']['rss_kib'] > 0"
all_sources() {
	logs_have ' initd: starting tpmseal$' && logs_have ' configpull: ' && logs_have ' tpmseal: ' &&
		logs_have ' tor\.relay1: .*identity key fingerprint is'
}
check "reportd has the node's log lines: initd's, configpull's, tpmseal's and tor's" until_s 60 all_sources
check "Prometheus answers for the relay's tor metrics under its node id and instance" \
	wait_promql "$PROM" "count by (node, instance, job) ({job=\"tor\", node=\"$RELAY_NODE\"})" \
	"\"instance\": \"relay1\", \"job\": \"tor\", \"node\": \"$RELAY_NODE\"" 120
check "and tor's own series, e.g. tor_relay_traffic_bytes, carry the node id" \
	wait_promql "$PROM" "tor_relay_traffic_bytes{node=\"$RELAY_NODE\", instance=\"relay1\"}" '"direction"' 30
check "the node's metrics: relay1 up, the image mismatch, the pipeline's steps" \
	bash -c "$(declare -f promql wait_promql diag); wait_promql '$PROM' 'lethe_tor_up{node=\"$RELAY_NODE\", instance=\"relay1\"}' '\"value\": \"1\"' 30 &&
		wait_promql '$PROM' 'lethe_image_mismatch{node=\"$RELAY_NODE\"}' '\"value\": \"1\"' 30 &&
		wait_promql '$PROM' 'lethe_pipeline_done{node=\"$RELAY_NODE\", step=\"keys\"}' '\"value\": \"1\"' 30"

# --- a restart of tor, by a document change initd cannot reload ---
doc_json false ',"DirCache":0' >"$BOOT_DIR/doc2.json"
check "a document with a change tor cannot reload (DirCache)" relay_doc "$BOOT_DIR/doc2.json"
check "the re-pull restarts relay1" boot_expect 'initd: tor\.relay1: torrc changed: restart' 150
t_restart=$SECONDS
check "the restart is in the report (restarts 1, up again)" \
	until_s 120 report_is "r['instances'][0]['restarts'] == 1 and r['instances'][0]['state'] == 'up'"
echo "# restart in the report: $((SECONDS - t_restart)) s after initd's restart line (tor's ShutdownWaitLength included)"
check "and in the metrics: lethe_tor_restarts_total 1" \
	wait_promql "$PROM" "lethe_tor_restarts_total{node=\"$RELAY_NODE\", instance=\"relay1\"}" '"value": "1"' 60
check "tor's last lines before the restart are on the server" logs_have ' tor\.relay1: .*Interrupt: '

# --- the server down for a minute ---
boot_mark
t_down=$(now_ms)
relay_nginx_stop
check "the server is down: its port refuses" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$RELAY_PORT) 2>/dev/null"
check "meanwhile a re-pull fails, and the node goes on: initd's lines keep coming" \
	boot_expect 'initd: warning: repull: failed; the running configuration stays' 75
sleep_until=$((t_down + 60000))
while (($(now_ms) < sleep_until)); do sleep 1; done
t_up=$(now_ms)
relay_nginx_start
in_outage() { # a server line of the outage (node time in [t_down, t_up]) matching $1
	server_logs | awk -v a="$t_down" -v b="$t_up" -v re="$1" '$1 >= a && $1 <= b && $0 ~ re { f = 1 } END { exit !f }'
}
check "back up: the log lines of that minute arrive (the re-pull's failure, with its time on the node)" \
	until_s 120 in_outage ' initd: warning: repull: failed'
# (the newest warning of the outage: the re-pull's, or the tor state's
# save, which runs every minute under lethe.testnet)
check "and the newest report says so (last_error: the re-pull's or the state save's failure)" \
	until_s 60 report_is "'repull: failed' in r['last_error'] or 'torstate: save failed' in r['last_error']"
no_drops() { ! logs_have 'log: dropped'; }
check "no line was lost to a full ring in that minute (no dropped-lines marker)" no_drops
echo "# outage: $(((t_up - t_down) / 1000)) s; the agent's console lines during it:"
boot_serial_since() { tail -c "+$((BOOT_MARK + 1))" "$BOOT_DIR/serial.log" | tr -d '\r'; }
boot_serial_since | grep -a 'lethe-telemetry' | head -n 5 | sed 's/^/#   /'

# --- the dashboard ---
DASH=http://127.0.0.1:$PROM/consoles/lethe.html
check "the fleet page's DOM has the relay's row (id, image, 1 / 1 up)" bash -c "
	$(declare -f cs_chromium); T='$T'; cs_chromium '$T/dom.html' --dump-dom '$DASH' &&
	tr -d '\n' <'$T/dom.html' | grep -q '<tr class=\"lethe-node\" data-node=\"$RELAY_NODE\">.*1 / 1'"
check "a screenshot of the fleet page" bash -c "
	$(declare -f cs_chromium); T='$T'; cs_chromium /dev/null --screenshot='$T/dash.png' '$DASH' && test -s '$T/dash.png'"
tesseract "$T/dash.png" "$T/ocr-hex" -c tessedit_char_whitelist=0123456789abcdef >/dev/null 2>&1 || true
check "Tesseract reads the relay's id (${RELAY_NODE:0:16}) in the screenshot" cs_ocr_near "$T/ocr-hex.txt" "${RELAY_NODE:0:16}"

# --- power-off: the agent stops with tor ---
boot_mark
check "stops cleanly (ctrl-alt-del: reboot)" relay_power_cad
check "the agent was told to stop, and stopped" bash -c "
	tail -c '+$((BOOT_MARK + 1))' '$BOOT_DIR/serial.log' | grep -aq 'initd: telemetry: stopped'"
check "the authority ran throughout" boot_alive "$AUTH_PID"

tap_done
