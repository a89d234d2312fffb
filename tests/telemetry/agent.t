#!/bin/bash
# lethe-telemetry run against the fleet server's real pieces: nginx from
# scripts/configserver/render-nginx verifying the node's client
# certificate, reportd keeping reports and log lines, a Prometheus
# Pushgateway taking metrics, and a real tor whose MetricsPort the agent
# reads.  The key is a file (--key): no TPM here (show.t has one).  Then
# the server goes away twice: lines fed during a 20 s outage and the
# newest report arrive after it; lines beyond the ring are dropped, and
# said once, exactly.
set -eu -o pipefail
TM_TEST=agent
. "$(dirname "$0")/lib.sh"
tap_plan 39

tm_fleet
tm_node a
tm_node b
A=$(cat "$T/a.id")
B=$(cat "$T/b.id")
tm_server
MP=$(freeport)
tm_tor relay1 "$MP"

# The node's files as initd, configpull and the image leave them.
mkdir -p "$T/run" "$T/conf"
echo "LETHE_VERSION=test-1.0" >"$T/release"
printf 'version=1\nimage_version=test-2.0\n' >"$T/conf/node.conf"
printf '"etag-42"' >"$T/conf/etag"
echo attested >"$T/conf/attestation"
status_base=(version=1 stage=tor instances=1 inst.0.name=relay1 inst.0.state=up "inst.0.pid=$TOR_PID"
	inst.0.allocator=mimalloc inst.0.allocator_mapped=yes unseal=ok unseal_mode=authorized
	pull_exit=0 pull_ms=1234 mark.network=800 mark.tor-ready=9000)
tm_status "$T/run/status" seq=1 "${status_base[@]}"

# Standard input: a FIFO the test keeps open for writing (fd 7), as initd
# keeps the log pipe.
mkfifo "$T/logpipe"
exec 7<>"$T/logpipe"
agent_args=(--ca "$T/fleet/ca.pem" --status "$T/run/status" --conf-dir "$T/conf" --release "$T/release"
	--data-dir "$T/tordata" --metrics-base "$MP" --tor "$(command -v tor)")
"$LETHE_TELEMETRY" run "${agent_args[@]}" --cert "$T/a.pem" --key "$T/a.key" --interval 30 "$URL" \
	<"$T/logpipe" >"$T/agent.out" 2>&1 &
AGENT=$!
PIDS+=("$AGENT")
say() { printf '%s %s\n' "$(now_ms)" "$1" >&7; }

# --- running ------------------------------------------------------------
check "the agent says it started, as node A, towards the document's origin" \
	wait_until 10 grep -q "node $A, server https://localhost:$P, every 30 s" "$T/agent.out"
check "the node's metrics reach the Pushgateway in group job=lethe, node=A" \
	wait_until 15 pgw_has "^lethe_uptime_seconds\{instance=\"\",job=\"lethe\",node=\"$A\"\} [0-9]"
check "tor's MetricsPort (--metrics-base) reaches it as job=tor, instance=relay1" \
	wait_until 15 pgw_has "^tor_relay_connections\{.*instance=\"relay1\",job=\"tor\",node=\"$A\".*\} [0-9]"
check "lethe_tor_up and lethe_tor_rss_bytes of relay1 are there" \
	bash -c "curl -sf http://127.0.0.1:$PGW/metrics | grep -qE '^lethe_tor_up\{instance=\"relay1\",job=\"lethe\",node=\"$A\"\} 1$' &&
		curl -sf http://127.0.0.1:$PGW/metrics | grep -qE '^lethe_tor_rss_bytes\{instance=\"relay1\",job=\"lethe\",node=\"$A\"\} [1-9]'"
check "the first report reaches reportd (which checks it strictly)" wait_until 15 rd_report "$A"
check "report: image from --release, image_wanted and mismatch from --conf-dir's node.conf" \
	test "$(rd_field "$A" '[r["image"], r["image_wanted"], r["image_mismatch"]]')" = '["test-1.0", "test-2.0", true]'
check "report: config_etag and attestation from --conf-dir" \
	test "$(rd_field "$A" '[r["config_etag"], r["attestation"]]')" = '["\"etag-42\"", "attested"]'
check "report: stage, unseal, pull and marks from --status" \
	test "$(rd_field "$A" '[r["stage"], r["unseal"], r["pull"], r["marks"]]')" = \
	'["tor", {"mode": "authorized", "result": "ok"}, {"exit": 0, "ms": 1234}, {"network": 800, "tor-ready": 9000}]'
check "report: relay1's fingerprint from --data-dir (tor's own file)" \
	test "$(rd_field "$A" 'r["instances"][0]["fingerprint"]')" = "\"$(cut -d' ' -f2 "$T/tordata/relay1/fingerprint")\""
check "report: tor_version from --tor's --version" \
	test "$(rd_field "$A" 'r["instances"][0]["tor_version"]')" = "\"$(tor --version | sed -n '1s/^Tor version \(.*\)\.$/\1/p')\""
check "report: relay1's RSS from /proc/PID/status (the pid of the status file), the agent's own" \
	test "$(rd_field "$A" 'r["instances"][0]["rss_kib"] > 1000 and r["telemetry"]["rss_kib"] > 1000 and r["instances"][0]["allocator"] == "mimalloc"')" = true

say "initd: hello from the log pipe"
say "tor.relay1: Bootstrapped 100% (done): Done"
printf 'not a record\n' >&7
check "log lines arrive, oldest first, within 5 s of the oldest (+ a margin)" \
	wait_until 12 bash -c "rd_logs() { \"$REPORTD\" logs --db \"$T/reportd.db\" --node $A; }
		rd_logs | grep -A1 'initd: hello from the log pipe' | grep -q 'tor.relay1: Bootstrapped 100%'"
check "a line that is not a record arrives framed as the agent's" \
	bash -c "'$REPORTD' logs --db '$T/reportd.db' --node $A | grep -qE '^[0-9]+ telemetry: unframed: not a record$'"

# --- a status change: a report within the second, not at the interval ---
n0=$("$REPORTD" report --db "$T/reportd.db" --node "$A" --history | wc -l)
for i in 1 2 3 4 5; do
	tm_status "$T/run/status" "seq=$((i + 1))" "${status_base[@]}" "last_error=change $i"
	sleep 0.1
done
check "a status change brings a report within 4 s (the interval is 30 s)" \
	wait_until 4 bash -c "'$REPORTD' report --db '$T/reportd.db' --node $A | $JV 'r[\"last_error\"] == \"change 5\"'"
sleep 1.5
n1=$("$REPORTD" report --db "$T/reportd.db" --node "$A" --history | wc -l)
check "five changes in half a second make one or two reports (at most one a second): $((n1 - n0))" \
	test $((n1 - n0)) -ge 1 -a $((n1 - n0)) -le 2
check "the metrics follow a change within 5 s, pushed again" \
	wait_until 8 pgw_has "^lethe_telemetry_connections_total\{instance=\"\",job=\"lethe\",node=\"$A\"\} 1$"
check "one mTLS connection (one key signature) carried every request so far" \
	bash -c "[ \$(grep -c ' /v1/' '$T/ngx-main/access.log') -ge 6 ] &&
		pgw_has() { curl -sf http://127.0.0.1:$PGW/metrics | grep -qE \"\$1\"; }
		pgw_has '^lethe_telemetry_handshake_seconds\{instance=\"\",job=\"lethe\",node=\"$A\"\} [0-9]'"

# --- outage 1: 20 s without nginx, lines fed all along ----------------
tm_nginx_stop
outage_start=$SECONDS
for ((i = 1; i <= 200; i++)); do
	say "initd: outage line $i"
	[ "$i" != 100 ] || tm_status "$T/run/status" seq=10 "${status_base[@]}" "last_error=during the outage"
	sleep 0.1
done
check "the agent says the server is gone, once, with the reason" \
	test "$(grep -c 'warning: unable to send .* retrying with backoff' "$T/agent.out")" = 1
while ((SECONDS - outage_start < 20)); do sleep 0.2; done
tm_nginx_start main "$P"
check "after the outage, every line fed during it arrives" \
	wait_until 60 bash -c "[ \$('$REPORTD' logs --db '$T/reportd.db' --node $A | grep -c 'initd: outage line') = 200 ]"
check "after the outage, the newest report arrives" \
	wait_until 30 bash -c "'$REPORTD' report --db '$T/reportd.db' --node $A | $JV 'r[\"last_error\"] == \"during the outage\"'"
check "the agent says it recovered" grep -q "sent again after [0-9]* failed attempts" "$T/agent.out"
check "no line was dropped: no 'dropped' record" \
	bash -c "! '$REPORTD' logs --db '$T/reportd.db' --node $A | grep -q 'dropped'"
check "the report counts the failed sends" \
	wait_until 40 bash -c "'$REPORTD' report --db '$T/reportd.db' --node $A | $JV 'r[\"telemetry\"][\"send_failures\"] > 0'"

# --- outage 2: more lines than the ring holds ---------------------------
say "initd: between the outages"
check "a line after the recovery reached the server (the ring is empty)" \
	wait_until 15 bash -c "'$REPORTD' logs --db '$T/reportd.db' --node $A | grep -q 'initd: between the outages'"
tm_nginx_stop
say "initd: before the burst"
check "the agent notices the second outage" \
	wait_until 15 bash -c "[ \$(grep -c 'warning: unable to send .* retrying with backoff' '$T/agent.out') = 2 ]"
# 3000 lines of 100 bytes: 4.6 times the ring, 4.6 times the pipe
awk -v ms="$(now_ms)" 'BEGIN { for (i = 1; i <= 3000; i++) printf "%d initd: burst %04d %s\n", ms, i, substr("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 1, 67) }' \
	>"$T/burst"
check "300 KB into its standard input while the server is down: the agent keeps reading (no blocked writer)" \
	timeout $((20 * SCALE)) dd if="$T/burst" of="$T/logpipe" bs=4096 status=none
check "it says once, on the console, that the ring is full" \
	wait_until 5 test "$(grep -c 'the log ring is full' "$T/agent.out")" = 1
sleep 1
tm_nginx_start main "$P"
check "after the outage, the newest burst line arrives" \
	wait_until 60 bash -c "'$REPORTD' logs --db '$T/reportd.db' --node $A | grep -q 'initd: burst 3000 '"
"$REPORTD" logs --db "$T/reportd.db" --node "$A" >"$T/logs.after"
check "exactly one 'dropped N lines (ring full)' record" \
	test "$(grep -cE '^[0-9]+ telemetry: log: dropped [0-9]+ lines \(ring full\)$' "$T/logs.after")" = 1
N=$(sed -nE 's/^[0-9]+ telemetry: log: dropped ([0-9]+) lines \(ring full\)$/\1/p' "$T/logs.after")
K=$(awk '$2 == "initd:" && $3 == "burst" { print $4 + 0; exit }' "$T/logs.after")
got=$(grep -cE 'initd: burst [0-9]{4} ' "$T/logs.after")
# dropped: "before the burst", then bursts 1 ... K-1 (the agent's own
# lines reach the ring only through initd, which this test does not run)
check "the count is exact: N=$N = 1 + $((K - 1)) lines before burst $K; bursts $K-3000 all arrived ($got)" \
	test "$N" = "$K" -a "$got" = $((3001 - K))
check "the report's lines_dropped says the same" \
	wait_until 40 bash -c "'$REPORTD' report --db '$T/reportd.db' --node $A | $JV 'r[\"telemetry\"][\"lines_dropped\"] == $N'"

# --- nothing of the key left the node -----------------------------------
{
	"$REPORTD" logs --db "$T/reportd.db" --node "$A"
	"$REPORTD" report --db "$T/reportd.db" --node "$A" --history
	curl -sf "http://127.0.0.1:$PGW/metrics"
	cat "$T/agent.out"
} >"$T/shipped"
openssl pkey -in "$T/a.key" -text -noout 2>/dev/null |
	awk '/^priv:/ { p = 1; next } /^pub:/ { p = 0 } p' | tr -d ' :\n' >"$T/a.priv.hex"
check "no line of the key file's base64, no hex of the private key in anything shipped or printed" \
	bash -c "[ \$(wc -c <'$T/a.priv.hex') -ge 60 ] &&
		! grep -v -e '-----' '$T/a.key' | grep -F -f - '$T/shipped' &&
		! tr -d ':\n' <'$T/shipped' | grep -qiF \"\$(cat '$T/a.priv.hex')\""

# --- stop ----------------------------------------------------------------
say "initd: last words"
kill -TERM "$AGENT"
t0=$SECONDS
rc=0
wait "$AGENT" || rc=$?
check "SIGTERM: exit 0 within the 2 s flush deadline (+1 s)" test "$rc" = 0 -a $((SECONDS - t0)) -le 3
check "what was waiting left before the exit" \
	bash -c "'$REPORTD' logs --db '$T/reportd.db' --node $A | grep -q 'initd: last words'"

# --- node B: another CA, then another interval ---------------------------
fleet init "$T/other" >/dev/null 2>&1
"$LETHE_TELEMETRY" run "${agent_args[@]}" --ca "$T/other/ca.pem" --cert "$T/b.pem" --key "$T/b.key" "$URL" \
	</dev/null >"$T/b.out" 2>&1 &
BPID=$!
PIDS+=("$BPID")
check "--ca: a server certificate from another CA is refused (the reason said)" \
	wait_until 10 grep -qE 'unable to send .*(certificate|SSL)' "$T/b.out"
kill -TERM "$BPID"
wait "$BPID" || true
check "... and nothing of node B reached the server" bash -c "! '$REPORTD' report --db '$T/reportd.db' --node $B"
"$LETHE_TELEMETRY" run "${agent_args[@]}" --cert "$T/b.pem" --key "$T/b.key" --interval 2 "$URL" \
	</dev/null >"$T/b.out" 2>&1 &
BPID=$!
PIDS+=("$BPID")
sleep $((7 * SCALE))
kill -TERM "$BPID"
wait "$BPID" || true
nb=$("$REPORTD" report --db "$T/reportd.db" --node "$B" --history | wc -l)
check "--interval 2: a report every 2 s without any change ($nb in 7 s)" test "$nb" -ge 3 -a "$nb" -le $((7 * SCALE / 2 + 2))
check "--cert/--key: node B's metrics went to node B's group" \
	pgw_has "^lethe_uptime_seconds\{instance=\"\",job=\"lethe\",node=\"$B\"\} [0-9]"
check "standard input at end of file: said, and the agent ran on" grep -q 'standard input closed' "$T/b.out"

tap_done
