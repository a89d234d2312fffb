#!/bin/bash
# The tor instances and the re-pull, without root (TAP): initd
# --supervise-tor runs PID 1's pipeline tail (configpull, tpmseal, tor per
# instance, periodic re-pull) over fake programs in a scratch directory.
# Every wait is bounded.  Usage: INITD=build/target/initd tor.t
set -u -o pipefail

INITD=${INITD:-build/target/initd}
LIBDIR=${LIBDIR:-/usr/lib/x86_64-linux-gnu}
# shellcheck source=tests/unit/initd/lib.sh
. "$(dirname "$0")/lib.sh"
initd_scratch tor

tap_plan 40
if [[ ! -x $INITD ]]; then echo "Bail out! $INITD not built"; exit 1; fi

"$INITD" --supervise-tor a b c >/dev/null 2>&1; rc=$?
check "too few arguments: usage (100)" test "$rc" -eq 100

conf=$scratch/conf run=$scratch/run data=$scratch/data stage=$scratch/stage
mkdir -p "$conf" "$run" "$data" "$stage"

# node.conf (nodeconf, lib.sh) and torrc files as configpull renders them
torrc() { # torrc NAME NICK ORPORT
	printf 'DataDirectory %s/%s\nUser debian-tor\nRunAsDaemon 0\nNickname %s\nORPort %s\n' \
		"$data" "$1" "$2" "$3"
}

# configpull: the first run renders the stage; later runs copy the stage
# when "$scratch/pending" exists (exit 0), else exit 3 (unchanged).
cat >"$scratch/pull" <<SH
#!/bin/bash
echo pull >>"$scratch/pulls"
if [[ ! -f $conf/node.conf || -f $scratch/pending ]]; then
	cp "$stage"/torrc.* "$conf"/ && cp "$stage/node.conf" "$conf/node.conf" || exit 111
	rm -f "$scratch/pending"
	exit 0
fi
exit 3
SH
# tpmseal: exits with the number in $scratch/unseal.rc (default 0)
cat >"$scratch/unseal" <<SH
#!/bin/bash
echo unseal >>"$scratch/unseals"
exit \$(cat "$scratch/unseal.rc" 2>/dev/null || echo 0)
SH
# tor: records its argv, LD_PRELOAD and HUPs; SIGINT stops it;
# --verify-config exits with the number in $scratch/verify.rc (default 0)
cat >"$scratch/tor" <<SH
#!/bin/bash
if [[ \$1 == --verify-config ]]; then
	echo "\$*" >>"$scratch/verifies"
	exit \$(cat "$scratch/verify.rc" 2>/dev/null || echo 0)
fi
name=\${2##*torrc.}
echo "\$\$ \$*" >>"$scratch/starts.\$name"
echo "\${LD_PRELOAD:-none}" >"$scratch/preload.\$name"
echo "\${MALLOC_CONF:-none}" >"$scratch/mconf.\$name"
trap 'echo hup >>"$scratch/hups.\$name"' HUP
trap 'exit 0' INT
while :; do sleep 0.05; done
SH
chmod +x "$scratch/pull" "$scratch/unseal" "$scratch/tor"

start() { # start ARGS...
	: >"$scratch/log"
	"$INITD" --supervise-tor "$@" "$conf" "$run" "$data" "$LIBDIR" \
		"$scratch/pull" "$scratch/unseal" "$scratch/tor" 2>"$scratch/log" &
	sup_pid=$!
}
count() { cat "$1" 2>/dev/null | wc -l; }

# 1. fail closed: tpmseal refuses (sealed to another state): no tor
nodeconf jemalloc relay1 relay2 >"$stage/node.conf"
torrc relay1 lethe1 9001 >"$stage/torrc.relay1"
torrc relay2 lethe2 9002 >"$stage/torrc.relay2"
echo 1 >"$scratch/unseal.rc"
start
wait_for 10 bash -c '[[ $(cat "$1" 2>/dev/null | wc -l) -ge 3 ]]' _ "$scratch/unseals"
check "tpmseal exit 1: retried" log_has 'waiting for tpmseal: exited 1; retry in'
check "tpmseal exit 1: no tor started" bash -c '! ls "$1"/starts.* >/dev/null 2>&1 && ! grep -q "tor\." "$2"' _ "$scratch" "$scratch/log"
stop_sup TERM 10
check "fail closed: clean exit" test "$sup_rc" -eq 0
rm -f "$conf"/* "$scratch/unseals"

# 2. jemalloc: two instances from private torrc copies, LD_PRELOAD, maps check
echo 0 >"$scratch/unseal.rc"
start -I 600
wait_for 10 log_has 'tor.relay2: allocator'
check "two instances started" bash -c '[[ -s $1/starts.relay1 && -s $1/starts.relay2 ]]' _ "$scratch"
check "tor runs from its private copy: -f RUNDIR/torrc.NAME" \
	grep -q -- "-f $run/torrc.relay1\$" "$scratch/starts.relay1"
check "private copy: the rendered torrc, then MaxMemInQueues" bash -c \
	'head -c "$(stat -c %s "$2")" "$1" | cmp -s - "$2" && [[ $(tail -n 1 "$1") =~ ^MaxMemInQueues\ [0-9]+\ MB$ ]]' \
	_ "$run/torrc.relay1" "$conf/torrc.relay1"
check "MaxMemInQueues computed and logged" log_has 'tor: MaxMemInQueues [0-9]+ MB per instance'
check "DataDirectory created 0700" test "$(stat -c %a "$data/relay1")" = 700
check "LD_PRELOAD of jemalloc and MALLOC_CONF" bash -c \
	'[[ $(<"$1/preload.relay1") == "$2/libjemalloc.so.2" && $(<"$1/mconf.relay1") == *background_thread* ]]' \
	_ "$scratch" "$LIBDIR"
if [[ -e $LIBDIR/libjemalloc.so.2 ]]; then
	check "maps check: allocator jemalloc logged" log_has 'tor.relay1: allocator jemalloc$'
else
	skip "maps check: allocator jemalloc logged" "no libjemalloc on this host"
fi

# 3. re-pull: unchanged (exit 3) touches nothing
wait_for 10 bash -c '[[ $(cat "$1" | wc -l) -ge 3 ]]' _ "$scratch/pulls"
check "re-pull runs periodically" test "$(count "$scratch/pulls")" -ge 3
check "unchanged: no HUP, no restart" bash -c \
	'[[ ! -e $1/hups.relay1 && $(wc -l <"$1/starts.relay1") -eq 1 ]]' _ "$scratch"

# 4. a reloadable change (Nickname) in relay1: SIGHUP to relay1 only
torrc relay1 renamed1 9001 >"$stage/torrc.relay1"
touch "$scratch/pending"
wait_for 10 test -s "$scratch/hups.relay1"
check "reloadable change: tor --verify-config of the new copy first" bash -c \
	'grep -q -- "--verify-config --hush -f $2/torrc.relay1.new" "$1/verifies"' _ "$scratch" "$run"
check "reloadable change: SIGHUP" log_has 'tor.relay1: torrc changed \(reloadable options\): SIGHUP'
check "reloadable change: copy updated, no restart" bash -c \
	'grep -q "Nickname renamed1" "$1/run/torrc.relay1" && [[ $(wc -l <"$1/starts.relay1") -eq 1 ]]' _ "$scratch"
check "other instance untouched" bash -c '[[ ! -e $1/hups.relay2 && $(wc -l <"$1/starts.relay2") -eq 1 ]]' _ "$scratch"

# 5. ORPort changed in relay2: restart of relay2 only
torrc relay2 lethe2 9443 >"$stage/torrc.relay2"
touch "$scratch/pending"
wait_for 10 bash -c '[[ $(wc -l <"$1/starts.relay2") -ge 2 ]]' _ "$scratch"
check "non-reloadable change: restart" log_has 'tor.relay2: torrc changed: restart'
check "restarted from the new torrc" grep -q "ORPort 9443" "$run/torrc.relay2"
check "relay1 not restarted" test "$(count "$scratch/starts.relay1")" -eq 1

# 6. tor --verify-config refuses the new torrc: the instance keeps running
# its configuration, no SIGHUP, loudly logged
echo 1 >"$scratch/verify.rc"
torrc relay1 broken1 9001 >"$stage/torrc.relay1"
touch "$scratch/pending"
wait_for 10 log_has 'tor.relay1: NEW TORRC REFUSED'
check "verify-config failure: logged loudly" log_has 'fatal: tor.relay1: NEW TORRC REFUSED by tor --verify-config \(exit 1\)'
check "verify-config failure: no SIGHUP, no restart, copy kept" bash -c \
	'[[ $(wc -l <"$1/hups.relay1") -eq 1 && $(wc -l <"$1/starts.relay1") -eq 1 ]] &&
	grep -q "Nickname renamed1" "$2/torrc.relay1" && [[ ! -e $2/torrc.relay1.new ]]' _ "$scratch" "$run"
rm -f "$scratch/verify.rc"
stop_sup TERM 10
check "clean exit" test "$sup_rc" = 0
check "no descriptor leak" fds_equal

# 7. glibc: no LD_PRELOAD
rm -f "$conf"/* "$scratch"/starts.* "$scratch"/preload.*
nodeconf glibc relay1 >"$stage/node.conf"
start -I 600000
wait_for 10 log_has 'tor.relay1: allocator'
check "glibc: no LD_PRELOAD, allocator glibc" bash -c \
	'[[ $(<"$1/preload.relay1") == none ]] && grep -q "tor.relay1: allocator glibc$" "$2"' _ "$scratch" "$scratch/log"
stop_sup TERM 10

# 8. a torrc that sets MaxMemInQueues itself: nothing appended
rm -f "$conf"/* "$run"/*
{ torrc relay1 lethe1 9001; echo 'maxmeminqueues 300 MB'; } >"$stage/torrc.relay1"
start -I 600000
wait_for 10 log_has 'tor.relay1: allocator'
check "operator's MaxMemInQueues: copy equals the rendered torrc" cmp -s "$run/torrc.relay1" "$conf/torrc.relay1"
stop_sup TERM 10

# 8b. lethe.testnet (-T here): tor's command line, not the torrc, carries
# TestingTorNetwork and the one DirAuthority, for the instance and for
# --verify-config alike
rm -f "$conf"/* "$run"/* "$scratch"/starts.* "$scratch/verifies"
da="lethetest orport=5001 no-v2 v3ident=$(printf 'A%.0s' {1..40}) 10.0.2.101:5002 $(printf 'B%.0s' {1..40})"
torrc relay1 lethe1 9001 >"$stage/torrc.relay1"
start -I 500 -T "$da"
wait_for 10 test -s "$scratch/starts.relay1"
check "testnet: tor -f COPY --TestingTorNetwork 1 --DirAuthority LINE" \
	grep -qF -- "-f $run/torrc.relay1 --TestingTorNetwork 1 --DirAuthority $da" "$scratch/starts.relay1"
torrc relay1 renamed1 9001 >"$stage/torrc.relay1"
touch "$scratch/pending"
wait_for 10 test -s "$scratch/verifies"
check "testnet: --verify-config gets the same options" \
	grep -qF -- "--verify-config --hush -f $run/torrc.relay1.new --TestingTorNetwork 1 --DirAuthority $da" "$scratch/verifies"
stop_sup TERM 10

# 9. real tor (DisableNetwork 1, Sandbox 1) under jemalloc: readiness
# through sd_notify, the maps check, SIGHUP reload, SIGINT stop
TOR_BIN=${TOR_BIN:-/usr/sbin/tor}
if [[ -x $TOR_BIN && -e $LIBDIR/libjemalloc.so.2 ]]; then
	rm -f "$conf"/* "$run"/*
	rm -rf "$data"/*
	nodeconf jemalloc real >"$stage/node.conf"
	printf 'DataDirectory %s/real\nRunAsDaemon 0\nDisableNetwork 1\nSocksPort 0\nLog notice stdout\nAvoidDiskWrites 1\nSandbox 1\nContactInfo a\n' \
		"$data" >"$stage/torrc.real"
	: >"$scratch/log"
	"$INITD" --supervise-tor -I 500 -N "$scratch/notify" -W 3000 "$conf" "$run" "$data" "$LIBDIR" \
		"$scratch/pull" "$scratch/unseal" "$TOR_BIN" >"$scratch/torout" 2>"$scratch/log" &
	sup_pid=$!
	wait_for 30 log_has 'tor.real: allocator'
	check "real tor: READY=1 through sd_notify" log_has 'tor.real: ready'
	check "real tor: jemalloc mapped" log_has 'tor.real: allocator jemalloc$'
	check "real tor: marks tor-exec, tor-ready, ready in order" bash -c \
		'[[ $(grep -oE "LETHE-MARK (tor-exec|tor-ready|ready) " "$1" | tr -d "\n") == "LETHE-MARK tor-exec LETHE-MARK tor-ready LETHE-MARK ready " ]]' _ "$scratch/log"
	check "real tor: initd RSS logged at ready" log_has 'ready: initd rss [0-9]+ kB'
	grep -oE 'ready: initd rss [0-9]+ kB' "$scratch/log" | sed 's/^/# /'
	# WATCHDOG_USEC=3000000: tor pings every 1.5 s; 5 s without a kill
	sleep 5
	check "real tor: WATCHDOG=1 keeps it alive (no watchdog kill)" bash -c \
		'! grep -q "no WATCHDOG=1" "$1" && [[ $(grep -c "Tor .* running on" "$2") -eq 1 ]]' _ "$scratch/log" "$scratch/torout"
	sed -i 's/^ContactInfo a$/ContactInfo b/' "$stage/torrc.real"
	touch "$scratch/pending"
	wait_for 20 grep -q 'Received reload signal' "$scratch/torout"
	check "real tor: tor --verify-config passed before the reload" log_has 'tor.real: torrc changed \(reloadable options\): SIGHUP'
	check "real tor: reloaded on SIGHUP, still one start" bash -c \
		'grep -q "Received reload signal" "$1" && [[ $(grep -c "Tor .* running on" "$1") -eq 1 ]]' _ "$scratch/torout"
	# restart latency: SIGKILL to the next READY=1 (backoff 0.5-1 s included)
	tpid=$(pgrep -P "$sup_pid" -x tor | head -n 1)
	t0=$(now_ms)
	kill -KILL "$tpid" 2>/dev/null
	wait_for 30 bash -c '[[ $(grep -c "tor.real: ready" "$1") -ge 2 ]]' _ "$scratch/log"
	t1=$(now_ms)
	check "real tor: restarted after a crash, ready again" bash -c \
		'[[ $(grep -c "tor.real: ready" "$1") -ge 2 ]]' _ "$scratch/log"
	echo "# restart latency (SIGKILL of tor to its next READY=1): $((t1 - t0)) ms"
	stop_sup TERM 20
	check "real tor: SIGINT, clean exit" bash -c \
		'[[ $1 == 0 ]] && grep -q "Interrupt: exiting cleanly" "$2"' _ "$sup_rc" "$scratch/torout"
else
	for d in "READY=1" "jemalloc mapped" "marks" "RSS" "watchdog" "verify-config" "SIGHUP" "restart" "clean exit"; do
		skip "real tor: $d" "no $TOR_BIN or libjemalloc"
	done
fi

# 10. PID 1's notify socket (-P: tor_notify_open, as pid1.c opens it):
# real tor started as root drops to debian-tor and still reaches it
# through the 0750 root:debian-tor directory and the 0660 socket
if [[ -x $TOR_BIN && -e $LIBDIR/libjemalloc.so.2 && $(id -u) == 0 ]] &&
	tgid=$(id -g debian-tor 2>/dev/null); then
	rm -f "$conf"/* "$run"/*
	rm -rf "$data"/*
	chmod 711 "$scratch" "$data"
	mkdir -m 700 "$data/real"
	chown debian-tor:debian-tor "$data/real"
	nodeconf jemalloc real >"$stage/node.conf"
	printf 'DataDirectory %s/real\nUser debian-tor\nRunAsDaemon 0\nDisableNetwork 1\nSocksPort 0\nLog notice stdout\nAvoidDiskWrites 1\nSandbox 1\n' \
		"$data" >"$stage/torrc.real"
	: >"$scratch/log"
	"$INITD" --supervise-tor -I 600000 -P "$scratch/pn" -G "$tgid" -W 3000 "$conf" "$run" "$data" \
		"$LIBDIR" "$scratch/pull" "$scratch/unseal" "$TOR_BIN" >"$scratch/torout" 2>"$scratch/log" &
	sup_pid=$!
	wait_for 30 log_has 'tor.real: ready'
	check "PID 1 socket: tor as debian-tor says READY=1" bash -c \
		'grep -q "tor.real: ready" "$1" && [[ $(ps -o user= -p "$(pgrep -P "$2" -x tor | head -n 1)") == debian-tor ]]' \
		_ "$scratch/log" "$sup_pid"
	check "PID 1 socket: directory 0750 root:debian-tor, socket 0660 root:debian-tor" bash -c \
		'[[ $(stat -c "%a %u %g" "$1") == "750 0 $3" && $(stat -c "%a %u %g %F" "$2") == "660 0 $3 socket" ]]' \
		_ "$scratch/pn" "$scratch/pn/notify" "$tgid"
	sleep 4
	check "PID 1 socket: WATCHDOG=1 from the unprivileged tor keeps it alive" bash -c \
		'! grep -q "no WATCHDOG=1" "$1"' _ "$scratch/log"
	stop_sup TERM 20
	chmod 700 "$scratch"
else
	for d in "READY=1 as debian-tor" "socket modes" "WATCHDOG=1 as debian-tor"; do
		skip "PID 1 socket: $d" "needs root, debian-tor, $TOR_BIN and libjemalloc"
	done
fi

tap_done
