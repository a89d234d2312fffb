# shellcheck shell=bash
# The config server's telemetry half, started for tests: functions only,
# no side effect when sourced (tests/configserver/lib.sh for the host
# tests, tests/boot/relay/telemetry.t for the booted relay).  They need T
# (a scratch directory nginx's workers can reach: logs and data go there),
# the array PIDS (every process started is added; the caller stops them),
# TOP (the checkout), REPORTD (the binary) and fleet() (scripts/fleet, for
# cs_node).  Every wait is bounded; a
# server that does not come up stops the test ("Bail out!").

# cs_need PROGRAM...: every one is installed (scripts/deps test), or the
# test stops here.
cs_need() {
	local p
	for p in "$@"; do
		command -v "$p" >/dev/null || { echo "Bail out! $p is missing (scripts/deps ensure test)"; exit 1; }
	done
}

# cs_wait_http NAME PID PORT PATH: http://127.0.0.1:PORT/PATH answers 200
# within 15 s, and PID is the one listening on PORT (not another run's
# server that took the free port first); else the test stops here, with
# NAME's log.
cs_wait_http() {
	local i
	for ((i = 0; i < 150; i++)); do
		if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$3/$4" 2>/dev/null)" = 200 ]; then
			ss -ltnpH "sport = :$3" 2>/dev/null | grep -q "pid=$2," && return 0
			break
		fi
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	echo "Bail out! $1 (pid $2) did not answer on 127.0.0.1:$3 within 15 s"
	sed 's/^/# /' "$T/$1.log" >&2 2>/dev/null || true
	exit 1
}

# cs_reportd DB SOCKET: reportd serve in the background, stderr to
# $T/reportd.log, its pid in REPORTD_PID; returns once the socket exists.
cs_reportd() {
	local i
	"$REPORTD" serve --db "$1" --socket "$2" 2>>"$T/reportd.log" &
	REPORTD_PID=$!
	PIDS+=("$REPORTD_PID")
	for ((i = 0; i < 100; i++)); do
		[ -S "$2" ] && return 0
		sleep 0.05
	done
	echo "Bail out! reportd did not listen on $2 within 5 s"
	sed 's/^/# /' "$T/reportd.log" >&2
	exit 1
}

# cs_listener PID: the TCP port PID listens on (the first), "" if none.
cs_listener() {
	ss -ltnpH 2>/dev/null | awk -v p="pid=$1," 'index($0, p) && !done { n = split($4, a, ":"); print a[n]; done = 1 }'
}

# cs_owns PID PORT: PID is the one listening on 127.0.0.1:PORT (not a
# process of another test run that took the port first).
cs_owns() {
	ss -ltnpH "sport = :$2" 2>/dev/null | grep "pid=$1," >/dev/null
}

# cs_pushgateway: a Pushgateway on loopback, its port (PGW) chosen by the
# kernel, so that no other run's gateway can be mistaken for it (PGW_PID);
# its own working directory and persistence file under $T/pgw (Debian's
# default, /var/lib/prometheus/pushgateway.data, is shared by every
# gateway started without one: each would load the others' groups and
# overwrite theirs).
cs_pushgateway() {
	local i
	mkdir -p "$T/pgw"
	(cd "$T/pgw" && exec prometheus-pushgateway --web.listen-address=127.0.0.1:0 \
		--persistence.file="$T/pgw/pushgateway.data" --log.level=warn >"$T/pgw/log" 2>&1) &
	PGW_PID=$!
	PIDS+=("$!")
	PGW=
	for ((i = 0; i < 100; i++)); do
		[ -n "$PGW" ] || PGW=$(cs_listener "$PGW_PID")
		[ -n "$PGW" ] && curl -sf "http://127.0.0.1:$PGW/-/ready" >/dev/null 2>&1 && return 0
		kill -0 "$PGW_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "Bail out! the Pushgateway did not start"
	sed 's/^/# /' "$T/pgw/log" >&2
	exit 1
}

# The console libraries (prom.lib, menu.lib) Debian ships with Prometheus.
cs_console_libraries() {
	local d
	for d in /etc/prometheus/console_libraries /usr/share/prometheus/console_libraries \
		/usr/share/doc/prometheus/examples/console_libraries; do
		[ -f "$d/prom.lib" ] && { echo "$d"; return 0; }
	done
	echo "Bail out! no Prometheus console libraries (prom.lib) found"
	exit 1
}

# cs_prometheus PORT PUSHGATEWAY-PORT: Prometheus on 127.0.0.1:PORT with
# the reference configuration (render-prometheus: scrape and rules every
# second here), the alert rules and the lethe consoles; data and log under
# $T/prom.
cs_prometheus() {
	local libs
	libs=$(cs_console_libraries)
	mkdir -p "$T/prom"
	INTERVAL=1s PUSHGATEWAY="127.0.0.1:$2" "$TOP/scripts/configserver/render-prometheus" >"$T/prom/prometheus.yml"
	prometheus --config.file="$T/prom/prometheus.yml" --storage.tsdb.path="$T/prom/data" \
		--web.listen-address="127.0.0.1:$1" --web.console.templates="$TOP/scripts/configserver/consoles" \
		--web.console.libraries="$libs" >"$T/prometheus.log" 2>&1 &
	PIDS+=($!)
	cs_wait_http prometheus "$!" "$1" -/ready
}

# promql PORT EXPR: the query's result vector as JSON lines, one sample
# each: {"metric": {...}, "value": "V"}.
promql() {
	curl -s --max-time 5 --get --data-urlencode "query=$2" "http://127.0.0.1:$1/api/v1/query" |
		python3 -c 'import json, sys
for r in json.load(sys.stdin)["data"]["result"]:
    print(json.dumps({"metric": r["metric"], "value": r["value"][1]}, sort_keys=True))'
}

# wait_promql PORT EXPR GREP-REGEX [SECONDS]: promql's output matches the
# regex within SECONDS (default 20), queried every 0.5 s.
wait_promql() {
	local i
	for ((i = 0; i < ${4:-20} * 2; i++)); do
		promql "$1" "$2" | grep -Eq "$3" && return 0
		sleep 0.5
	done
	diag "$2: $(promql "$1" "$2" | head -n 5)"
	return 1
}

# cs_chromium OUT-FILE CHROMIUM-ARGS...: headless Chromium, bounded (60 s),
# its own profile and HOME under $T, a 1280x800 window; stdout to OUT-FILE.
cs_chromium() {
	local out=$1
	shift
	HOME=$T/home timeout 60 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$T/chromium" \
		--window-size=1280,800 "$@" >"$out" 2>"$T/chromium.log"
}

# cs_ocr_near FILE HEX: Tesseract's text in FILE holds HEX (a node id's
# prefix) with at most one character wrong.  OCR reads a random hex string
# with an error now and then ('c1' as 'c', a first character lost): a
# 16-digit prefix read with at most one character wrong is still that
# node's and no other's.
cs_ocr_near() {
	python3 - "$1" "$2" <<'PY'
import sys
text, want = open(sys.argv[1]).read(), sys.argv[2]
def lev(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
m = len(want)
best = min((lev(want, w[i:i + k]), w[i:i + k]) for line in text.splitlines() for w in ["".join(line.split())]
           for k in (m - 1, m, m + 1) for i in range(max(1, len(w) - k + 1)))
print("closest: %s at distance %d" % (best[1], best[0]), file=sys.stderr)
sys.exit(best[0] > 1)
PY
}

# cs_node NAME FLEET: a node key (software, in this test), its CSR with the
# node id as CN, signed by the fleet: $T/NAME.{key,pem,id}.
cs_node() {
	local id
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/$1.key" 2>/dev/null
	id=$(fleet nodeid "$T/$1.key")
	openssl req -new -key "$T/$1.key" -subj "/CN=$id" -out "$T/$1.csr" 2>/dev/null
	fleet sign "$2" "$T/$1.csr" >/dev/null 2>&1
	cp "$2/certs/$id.pem" "$T/$1.pem"
	echo "$id" >"$T/$1.id"
}
