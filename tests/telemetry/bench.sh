#!/bin/bash
# tests/telemetry/bench.sh: lethe-telemetry's figures on this machine
# (docs/observability.md, "lethe-telemetry"); prints them, asserts nothing
# about time.  The fleet server's real pieces: nginx from
# scripts/configserver/render-nginx (its access log given a format with
# $request_length and $bytes_sent), reportd, a Prometheus Pushgateway; a
# real tor for the MetricsPort.
#
#   1. one agent at the relay's defaults (a report and a metrics push every
#      60 s) with a trickle of log lines, BENCH_SECONDS (default 180): bytes
#      per minute each way, requests per minute, the agent's CPU time and RSS;
#   2. its memory at the ceiling: the server down, the ring overflowed, the
#      report queue full;
#   3. what one nginx + Pushgateway + reportd ingest: BENCH_NODES (default
#      40) simulated nodes, each a curl with its own certificate sending
#      node rounds (report, node metrics, one tor instance's metrics, a log
#      batch) over one connection for BENCH_LOAD_SECONDS (default 20).
#
# The agent of 1 and 2 is the image's build (its libcurl, OpenSSL, glibc)
# when make has built it and the image's staged tree, run through that
# tree's dynamic loader: LETHE_TARGET_AGENT, LETHE_IMAGE_LOADER,
# LETHE_IMAGE_LIBS (a library path); else the host build, LETHE_TELEMETRY.
#
# Environment: LETHE_TELEMETRY, CONFIGPULL, REPORTD (make sets them), the
# three above, and BENCH_SECONDS, BENCH_NODES, BENCH_LOAD_SECONDS.
set -eu -o pipefail
TM_TEST=bench
. "$(dirname "$0")/lib.sh"
BENCH_SECONDS=${BENCH_SECONDS:-180}
BENCH_NODES=${BENCH_NODES:-40}
BENCH_LOAD_SECONDS=${BENCH_LOAD_SECONDS:-20}
HZ=$(getconf CLK_TCK)

tm_fleet
tm_node a
A=$(cat "$T/a.id")
# the rendered configuration, with an access-log format that counts bytes
d=$T/ngx-main
tm_server sed "s|^\(\t*\)access_log $d/access.log;|\1log_format bench '\$request_length \$bytes_sent \$status \$connection \$request_method \$uri';\n\1access_log $d/access.log bench;|"
grep -q 'log_format bench' "$d/nginx.conf" || { echo "bench: the access_log line of nginx.conf moved" >&2; exit 1; }
MP=$(freeport)
tm_tor relay1 "$MP"
mkdir -p "$T/run" "$T/conf"
echo "LETHE_VERSION=bench-1.0" >"$T/release"
printf 'image_version=bench-1.0\n' >"$T/conf/node.conf"
st=(version=1 stage=tor instances=1 inst.0.name=relay1 inst.0.state=up "inst.0.pid=$TOR_PID" unseal=ok
	unseal_mode=authorized pull_exit=0 pull_ms=900 mark.network=800 mark.clock=1200 mark.config=2500
	mark.keys=3100 mark.tor-exec=3300 mark.tor-ready=9000 mark.ready=9100)
tm_status "$T/run/status" seq=1 "${st[@]}"
mkfifo "$T/logpipe"
exec 7<>"$T/logpipe"

# /proc/PID: "CPU-seconds VmRSS VmHWM RssAnon RssFile" (KiB).  On the relay
# the files are in RAM already (the initramfs): RssAnon is what the agent
# adds.
usage_of() {
	local ticks
	ticks=$(awk '{ print $14 + $15 }' "/proc/$1/stat")
	printf '%s %s\n' "$(awk -v t="$ticks" -v hz="$HZ" 'BEGIN { printf "%.2f", t / hz }')" \
		"$(awk '/^(VmRSS|VmHWM|RssAnon|RssFile):/ { v[$1] = $2 } END { print v["VmRSS:"], v["VmHWM:"], v["RssAnon:"], v["RssFile:"] }' "/proc/$1/status")"
}

agent=("$LETHE_TELEMETRY")
build="the host build ($LETHE_TELEMETRY)"
if [ -x "${LETHE_TARGET_AGENT:-}" ] && [ -x "${LETHE_IMAGE_LOADER:-}" ] &&
	"$LETHE_IMAGE_LOADER" --library-path "$LETHE_IMAGE_LIBS" "$LETHE_TARGET_AGENT" version >/dev/null 2>&1; then
	agent=("$LETHE_IMAGE_LOADER" --library-path "$LETHE_IMAGE_LIBS" "$LETHE_TARGET_AGENT")
	build="the image's build, with the image's libraries"
fi
echo "== 1. one agent, relay defaults (interval 60 s), ${BENCH_SECONDS} s: $build"
echo "   $("${agent[@]}" version)"
"${agent[@]}" run --ca "$T/fleet/ca.pem" --cert "$T/a.pem" --key "$T/a.key" --status "$T/run/status" \
	--conf-dir "$T/conf" --release "$T/release" --data-dir "$T/tordata" --metrics-base "$MP" \
	--tor "$(command -v tor)" "$URL" <"$T/logpipe" >"$T/agent.out" 2>&1 &
AGENT=$!
PIDS+=("$AGENT")
start=$SECONDS
n=0
while ((SECONDS - start < BENCH_SECONDS)); do
	# a relay's trickle: a tor notice line every 5 s, an initd line every 30 s
	printf '%s tor.relay1: Heartbeat: Tor'"'"'s uptime is %d minutes, with 12 circuits open. I'"'"'ve sent 1.2 MB and received 1.1 MB.\n' \
		"$(now_ms)" "$n" >&7
	((n % 6)) || printf '%s initd: pressure: memory some avg10 0.00\n' "$(now_ms)" >&7
	n=$((n + 1))
	sleep 5
done
minutes=$(awk -v s="$BENCH_SECONDS" 'BEGIN { print s / 60 }')
read -r cpu rss hwm anon file < <(usage_of "$AGENT")
awk -v min="$minutes" '
	{ up += $1; down += $2; n++; k = $5 " " ($6 ~ /^\/v1\/metrics\/job\/tor/ ? "tor-metrics" : $6 ~ /^\/v1\/metrics/ ? "node-metrics" : $6);
	  kup[k] += $1; kn[k]++ }
	END {
		printf "requests: %d (%.1f a minute)\n", n, n / min
		for (k in kn) printf "  %-22s %4d requests, %7.0f bytes a minute up\n", k, kn[k], kup[k] / min
		printf "bytes a minute, node to server (request line, headers, body; TLS records not counted): %.0f\n", up / min
		printf "bytes a minute, server to node: %.0f\n", down / min
	}' "$d/access.log"
echo "connections (nginx): $(awk '{ print $4 }' "$d/access.log" | sort -u | wc -l)"
echo "agent CPU time over the run: $cpu s (user+system, ${BENCH_SECONDS} s of wall time)"
echo "agent RSS: $rss KiB now ($anon anonymous, $file of files), $hwm KiB at most"

echo "== 2. the memory ceiling: server down, ring overflowed, report queue full"
tm_nginx_stop
awk -v ms="$(now_ms)" 'BEGIN { for (i = 1; i <= 4000; i++) printf "%d initd: burst %05d %s\n", ms, i, substr("yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy", 1, 66) }' >"$T/burst"
timeout 30 dd if="$T/burst" of="$T/logpipe" bs=4096 status=none
for i in $(seq 2 13); do
	# the longest values the status file allows: the largest reports
	tm_status "$T/run/status" "seq=$i" "${st[@]}" "stage_error=$(printf 'e%.0s' $(seq 256))" \
		"last_error=$(printf 'l%.0s' $(seq 256))"
	sleep 1.1
done
sleep 1
read -r cpu rss hwm anon file < <(usage_of "$AGENT")
echo "agent RSS with the ring full and 8 reports queued: $rss KiB now ($anon anonymous), $hwm KiB at most"
tm_nginx_start main "$P"
wait_until 120 grep -q 'sent again after' "$T/agent.out" || true
sleep 3
read -r cpu rss hwm anon file < <(usage_of "$AGENT")
echo "after the server came back: $rss KiB now ($anon anonymous), $hwm KiB at most; CPU $cpu s in all"
kill -TERM "$AGENT"
wait "$AGENT" || true

echo "== 3. ingest: ${BENCH_NODES} simulated nodes, ${BENCH_LOAD_SECONDS} s"
# the bodies: a real report and real node metrics (lethe-telemetry show),
# tor's real MetricsPort, a 2 KB log batch
"$LETHE_TELEMETRY" show --key "$T/a.key" --status "$T/run/status" --conf-dir "$T/conf" --release "$T/release" \
	--data-dir "$T/tordata" --tor "$(command -v tor)" "$URL" >"$T/show.out" 2>/dev/null
sed -n 1p "$T/show.out" >"$T/report.tmpl"
sed 1d "$T/show.out" >"$T/node.prom"
curl -sf "http://127.0.0.1:$MP/metrics" >"$T/tor.prom"
awk -v ms="$(now_ms)" 'BEGIN { for (i = 0; i < 20; i++) printf "%d tor.relay1: a notice line of about a hundred bytes, as tor writes them when it runs %02d\n", ms, i }' \
	>"$T/logs.batch"
echo "bodies: report $(wc -c <"$T/report.tmpl") B, node metrics $(wc -c <"$T/node.prom") B, tor metrics $(wc -c <"$T/tor.prom") B, logs $(wc -c <"$T/logs.batch") B"
# enough rounds for the run: nginx lets one node push 10 metrics a second
rounds=$((5 * BENCH_LOAD_SECONDS + 20))
for ((k = 0; k < BENCH_NODES; k++)); do
	tm_node "n$k"
	id=$(cat "$T/n$k.id")
	sed "s/\"node\":\"$A\"/\"node\":\"$id\"/" "$T/report.tmpl" >"$T/n$k.report"
	{
		for ((r = 0; r < rounds; r++)); do
			for req in "POST /v1/report application/json $T/n$k.report" \
				"PUT /v1/metrics/job/lethe/node/$id text/plain;version=0.0.4 $T/node.prom" \
				"PUT /v1/metrics/job/tor/node/$id/instance/relay1 text/plain;version=0.0.4 $T/tor.prom" \
				"POST /v1/logs text/plain $T/logs.batch"; do
				# shellcheck disable=SC2086 # four words
				set -- $req
				printf 'url = "https://localhost:%s%s"\nrequest = "%s"\nheader = "Content-Type: %s"\nheader = "Expect:"\n' "$P" "$2" "$1" "$3"
				printf 'data-binary = "@%s"\ncacert = "%s"\ncert = "%s"\nkey = "%s"\noutput = "/dev/null"\nsilent\nnext\n' \
					"$4" "$T/fleet/ca.pem" "$T/n$k.pem" "$T/n$k.key"
			done
		done
	} >"$T/n$k.curl"
done
# ingest LABEL: every simulated node at once for BENCH_LOAD_SECONDS
ingest() {
	local load=() p t0 t1 k
	echo "-- $1"
	: >"$d/access.log" # nginx appends: it writes on from the start
	t0=$(now_ms)
	for ((k = 0; k < BENCH_NODES; k++)); do
		curl -K "$T/n$k.curl" >/dev/null 2>&1 &
		load+=("$!")
	done
	sleep "$BENCH_LOAD_SECONDS"
	for p in "${load[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${load[@]}"; do wait "$p" 2>/dev/null || true; done
	t1=$(now_ms)
	awk -v s="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1000 }')" '
		{ n++; st[$3]++; if ($6 ~ /^\/v1\/metrics\/job\/tor/ && $3 == 200) rounds++; bytes += $1 }
		END {
			printf "requests: %d in %.1f s (%.0f a second), by status:", n, s, n / s
			for (c in st) printf " %s=%d", c, st[c]
			printf "\n"
			printf "node rounds (report, node metrics, tor metrics, logs) ingested: %.0f a second\n", rounds / s
			printf "  = %.0f nodes at the default interval of 60 s (uploads %.1f MB/s)\n", rounds / s * 60, bytes / s / 1e6
			if (st[429]) printf "  (429: nginx'"'"'s per-node rate limit, 10 pushes/s: the figure is then a lower bound)\n"
			if (st[500] || st[502]) printf "  (500, 502: see nginx'"'"'s error.log: worker_connections, reportd'"'"'s backlog)\n"
		}' "$d/access.log"
	echo "  nginx's \"worker_connections are not enough\": $(grep -c 'worker_connections are not enough' "$d/error.log" || true)"
}
ingest "nginx as rendered (worker_connections $(sed -n 's/.*worker_connections \([0-9]*\);.*/\1/p' "$d/nginx.conf"))"
echo "Pushgateway: $(curl -sf "http://127.0.0.1:$PGW/metrics" | wc -l) lines served; its RSS $(awk '/^VmRSS:/ { print $2 }' "/proc/$PGW_PID/status") KiB"
echo "machine: $(nproc) CPUs, $(awk '/^model name/ { $1 = $2 = $3 = ""; print; exit }' /proc/cpuinfo)"
