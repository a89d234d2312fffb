#!/bin/bash
# The node's whole telemetry chain on the host, with the relay's own
# programs and nothing faked but the boot steps: initd (--supervise-tor, the
# pipeline PID 1 runs) supervises a real tor and starts the real agent after
# the first pull with the log pipe as its standard input; the agent talks to
# the fleet server's real pieces (nginx from render-nginx with client
# certificates, reportd, a Prometheus Pushgateway).  Then, as the issue
# asks of a booted relay (QEMU cannot kill a process in the guest; the boot
# test restarts tor by a document change instead):
#
#   - tor killed (SIGKILL): the restart is in the report and in the metrics
#     within 30 s, and tor's last lines before the kill are on the server;
#   - nothing shipped (reports, log lines, metrics, reportd's database)
#     holds a byte of tor's secret keys or of the node's TLS key, in any of
#     the encodings a leak would take (PEM lines, hex, base64).
#
# Environment: INITD (build/target/initd), LETHE_TELEMETRY, CONFIGPULL,
# REPORTD, LETHE_TIMEOUT_SCALE.
set -eu -o pipefail
TM_TEST=node
. "$(dirname "$0")/lib.sh"
INITD=$(realpath "${INITD:-build/target/initd}")
LIBDIR=${LIBDIR:-/usr/lib/x86_64-linux-gnu}
tap_plan 12

tm_fleet
tm_node a
A=$(cat "$T/a.id")
tm_server
MP=$(freeport)
OR=$(freeport)
DA=$(freeport)

# The node's directories as initd --supervise-tor takes them, the fake
# boot steps (the document is already rendered; tpmseal has nothing to do),
# and the agent's wrapper (-Y: initd starts it with no arguments).
conf=$T/conf run=$T/run data=$T/data stage=$T/stage
mkdir -p "$conf" "$run" "$data" "$stage"
echo "LETHE_VERSION=test-1.0" >"$T/release"
printf 'version=1\nnode=%s\nrefresh_interval=3600\nimage_version=\nimage_sha256=\nfamily=0\n' "$A" >"$stage/node.conf"
printf 'allocator=glibc\nzram=0\nzram_size_mib=0\nzram_algorithm=zstd\nprovision=0\ninstances=relay1\n' >>"$stage/node.conf"
cat >"$stage/torrc.relay1" <<EOC
DataDirectory $data/relay1
RunAsDaemon 0
SocksPort 0
ControlPort 0
ORPort 127.0.0.1:$OR
AssumeReachable 1
Nickname lethenode
ContactInfo telemetry test
MetricsPort 127.0.0.1:$MP
MetricsPortPolicy accept 127.0.0.1
SafeLogging 1
Log notice stdout
EOC
cat >"$T/pull" <<SH
#!/bin/bash
[[ -f $conf/node.conf ]] && exit 3
cp "$stage"/* "$conf"/
SH
printf '#!/bin/sh\nexit 0\n' >"$T/unseal"
cat >"$T/agent" <<SH
#!/bin/sh
exec "$LETHE_TELEMETRY" run --key "$T/a.key" --cert "$T/a.pem" --ca "$T/fleet/ca.pem" \\
	--status "$T/status" --conf-dir "$conf" --release "$T/release" --data-dir "$data" \\
	--metrics-base "$MP" --interval 5 "$URL"
SH
chmod +x "$T/pull" "$T/unseal" "$T/agent"
dirauth="test orport=$DA no-v2 v3ident=$(printf '0%.0s' {1..40}) 127.0.0.1:$DA $(printf '0%.0s' {1..40})"
"$INITD" --supervise-tor -I 3600000 -T "$dirauth" -Y "$T/agent" -Z "$T/status" "$conf" "$run" "$data" \
	"$LIBDIR" "$T/pull" "$T/unseal" "$(command -v tor)" >"$T/initd.out" 2>"$T/initd.err" &
INITD_PID=$!
PIDS+=("$!")

status_pid() { sed -n 's/^inst\.0\.pid=//p' "$T/status" 2>/dev/null; }
up() { [[ $(rd_field "$A" "r['instances'][0]['state']") == '"up"' ]]; }
check "initd starts tor and the agent; the report says relay1 is up" wait_until 60 up
check "tor's metrics reach the Pushgateway under the node's id (through initd's MetricsPort port)" \
	wait_until 30 pgw_has "^tor_relay_traffic_bytes\\{direction=\"read\",instance=\"relay1\",job=\"tor\",node=\"$A\"\\}"
check "tor's lines reach reportd through initd's log pipe" \
	wait_until 30 bash -c "'$REPORTD' logs --db '$T/reportd.db' --node '$A' | grep -q ' tor\\.relay1: .*Opened Metrics listener'"

# --- tor killed -----------------------------------------------------------
pid=$(status_pid)
# tor's last line before the kill, as initd passed it on (stdout: the console)
sleep 1
last=$(grep -a '\[notice\]\|\[warn\]' "$T/initd.out" | tail -n 1)
t0=$SECONDS
kill -KILL "$pid"
restarted() {
	[[ $(rd_field "$A" "(r['instances'][0]['restarts'], r['instances'][0]['last_exit'], r['instances'][0]['state'])") == \
		'[1, "signal 9", "up"]' ]]
}
check "SIGKILL of tor (pid $pid): initd restarts it; the report says restarts 1, signal 9, up within 30 s" \
	wait_until 30 restarted
echo "# restart in the report: $((SECONDS - t0)) s after the kill"
check "and the metrics: lethe_tor_restarts_total 1, lethe_tor_up 1 within 30 s of the kill" \
	wait_until $((30 - (SECONDS - t0) > 1 ? 30 - (SECONDS - t0) : 1)) bash -c "
	$(declare -f pgw_has); PGW=$PGW
	pgw_has '^lethe_tor_restarts_total\\{instance=\"relay1\",job=\"lethe\",node=\"$A\"\\} 1$' &&
	pgw_has '^lethe_tor_up\\{instance=\"relay1\",job=\"lethe\",node=\"$A\"\\} 1$'"
echo "# restart in the metrics: $((SECONDS - t0)) s after the kill"
check "tor's last line before the kill is on the server" bash -c \
	"'$REPORTD' logs --db '$T/reportd.db' --node '$A' | grep -qF -- \"tor.relay1: \$1\"" _ "$last"
check "the pipe carried initd's own line about the kill" wait_until 15 bash -c \
	"'$REPORTD' logs --db '$T/reportd.db' --node '$A' | grep -q ' initd: warning: tor\\.relay1: killed by signal 9; restart in'"

# --- no key byte in anything shipped ----------------------------------------
check "tor wrote its secret keys (what the scan looks for)" \
	test -s "$data/relay1/keys/secret_id_key" -a -s "$data/relay1/keys/ed25519_master_id_secret_key"
"$REPORTD" logs --db "$T/reportd.db" --node "$A" >"$T/shipped.logs"
"$REPORTD" report --db "$T/reportd.db" --node "$A" --history >"$T/shipped.reports"
curl -sf "http://127.0.0.1:$PGW/metrics" >"$T/shipped.metrics"
check "something was shipped: lines, reports, metrics" \
	test "$(wc -l <"$T/shipped.logs")" -gt 20 -a -s "$T/shipped.reports" -a -s "$T/shipped.metrics"
# Every secret as bytes (a PEM's DER body; a tor binary key's 64 secret
# bytes after its 32-byte header), each 16-byte window in hex (both cases)
# and base64 (three alignments), and each PEM body line as it is.
noleak() {
	python3 - "$T/shipped.logs" "$T/shipped.reports" "$T/shipped.metrics" "$T/reportd.db" -- \
		"$data"/relay1/keys/secret_* "$data"/relay1/keys/ed25519_*_secret_key "$T/a.key" <<'PY'
import base64, binascii, sys
args = sys.argv[1:]
cut = args.index("--")
hay = b"".join(open(f, "rb").read() for f in args[:cut])
needles, files = [], args[cut + 1:]
for f in files:
    raw = open(f, "rb").read()
    if raw.startswith(b"-----BEGIN"):
        lines = [l for l in raw.splitlines() if l and not l.startswith(b"-----")]
        needles += [l for l in lines if len(l) >= 16]
        secret = base64.b64decode(b"".join(lines))
    else:
        secret = raw[32:]
    for i in range(0, max(1, len(secret) - 15), 8):
        w = secret[i:i + 16]
        needles += [binascii.hexlify(w), binascii.hexlify(w).upper()]
        for a in range(3):
            needles.append(base64.b64encode(w[a:])[:16])
bad = [n for n in needles if n in hay]
print("# %d needles from %d key files, %d bytes shipped, %d found" % (len(needles), len(files), len(hay), len(bad)))
sys.exit(1 if bad or not files else 0)
PY
}
check "no byte of tor's secret keys or the node's TLS key in the shipped logs, reports, metrics or reportd's database" noleak
initd_gone() { ! kill -0 "$INITD_PID" 2>/dev/null; }
kill -TERM "$INITD_PID"
check "initd stops tor and the agent (SIGTERM): all gone within 40 s" wait_until 40 initd_gone
check "the agent said it stopped" grep -q 'lethe-telemetry: stopping' "$T/initd.out"
