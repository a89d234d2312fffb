#!/bin/bash
# Supervision tests without root (TAP): initd's supervisor core runs as a
# child subreaper (the hidden --supervise mode) over fake tor scripts that
# crash, ignore SIGINT and leave grandchildren behind.  Every wait is
# bounded.  Usage: INITD=build/target/initd supervise.t
set -u -o pipefail

INITD=${INITD:-build/target/initd}
# shellcheck source=tests/unit/initd/lib.sh
. "$(dirname "$0")/lib.sh"
initd_scratch sup
# grandchildren the tests started, should any have survived
cleanup_more() { [[ -f $scratch/gc.pid ]] && kill -KILL "$(<"$scratch/gc.pid")" 2>/dev/null; }

# start_sup ARGS...: initd --supervise in the background, log in $scratch/log.
start_sup() {
	: >"$scratch/log"
	"$INITD" --supervise "$@" 2>"$scratch/log" &
	sup_pid=$!
}
no_zombies() { ! ps -o stat= --ppid "$sup_pid" | grep -q Z; }

tap_plan 20

if [[ ! -x $INITD ]]; then
	echo "Bail out! $INITD not built"
	exit 1
fi

# usage errors are 100
"$INITD" --supervise >/dev/null 2>&1; rc=$?
check "no program: usage (100)" test "$rc" -eq 100
"$INITD" --supervise -n 9 /bin/true >/dev/null 2>&1; rc=$?
check "more than 8 instances: usage (100)" test "$rc" -eq 100

# 1. A tor that crashes at once, 1,000 times: backoff capped at a few ms
# so this takes seconds; every death is seen, no descriptor leaks.
cat >"$scratch/crash" <<'SH'
#!/bin/sh
exit 3
SH
chmod +x "$scratch/crash"
t0=$(now_ms)
"$INITD" --supervise -m 1 -M 4 -S 600000 -c 5 -R 1000 "$scratch/crash" 2>"$scratch/log"
rc=$?
t1=$(now_ms)
check "1,000 crashes: clean exit" test "$rc" -eq 0
# every death seen: the last one is "stopped" when the end of its output
# pipe woke the loop, which then stopped at the spawn limit, before its
# exit could be reaped
check "1,000 crashes: 1,000 deaths seen (restarts, then at most one stopped)" bash -c \
	'r=$(grep -c "tor0: exited 3; restart in [0-4] ms" "$1") s=$(grep -c "tor0: stopped$" "$1")
	((r + s == 1000 && s <= 1 && r >= 999))' _ "$scratch/log"
check "1,000 crashes: no descriptor leak" fds_equal
check "crash-loop verdict logged once" test "$(grep -c 'CRASH LOOP' "$scratch/log")" -eq 1
echo "# 1,000 crash/restart cycles in $((t1 - t0)) ms"

# 2. Restart latency, and backoff growth with a real minimum delay.
cat >"$scratch/short" <<SH
#!/bin/bash
echo "start \${EPOCHREALTIME/[.,]/}" >>"$scratch/times"
sleep 0.2
echo "end \${EPOCHREALTIME/[.,]/}" >>"$scratch/times"
exit 1
SH
chmod +x "$scratch/short"
start_sup -m 100 -M 400 -S 600000 -s 1000 "$scratch/short"
wait_for 20 bash -c '[[ $(grep -c "^start" "$1" 2>/dev/null) -ge 5 ]]' _ "$scratch/times"
check "no zombies while restarting" no_zombies
stop_sup TERM 10
check "backoff grows and is capped" bash -c 'grep -oE "restart in [0-9]+ ms" "$1" | head -4 |
	awk "{ d[NR] = \$3 } END { exit !(d[1] >= 50 && d[1] <= 100 && d[2] >= 100 && d[2] <= 200 &&
	d[3] >= 200 && d[3] <= 400 && d[4] >= 200 && d[4] <= 400) }"' _ "$scratch/log"
lat=$(awk '/^end/ { e = $2 } /^start/ && e { s += ($2 - e) / 1000; k++; e = 0 }
	END { if (k) printf "%d ms over %d restarts (backoff 50..400 ms included)", s / k, k }' "$scratch/times")
echo "# mean restart latency (death to next start): $lat"

# 3. A tor that ignores SIGINT: SIGKILL after the stop deadline, then exit.
cat >"$scratch/stubborn" <<'SH'
#!/bin/bash
trap '' INT
while :; do sleep 0.1; done
SH
chmod +x "$scratch/stubborn"
start_sup -n 2 -s 300 -k 2000 "$scratch/stubborn"
wait_for 5 bash -c '[[ $(pgrep -c -P "$1") -ge 2 ]]' _ "$sup_pid"
t0=$(now_ms)
stop_sup TERM 10
t1=$(now_ms)
check "ignores SIGINT: SIGINT first, SIGKILL after 300 ms" bash -c '
	grep -n "tor0: stopping (SIGINT" "$1" >/dev/null &&
	grep -n "tor0: still running 300 ms after SIGINT; SIGKILL" "$1" >/dev/null &&
	[[ $(grep -n "SIGINT to pid" "$1" | head -1 | cut -d: -f1) -lt $(grep -n "SIGKILL" "$1" | head -1 | cut -d: -f1) ]]' _ "$scratch/log"
check "ignores SIGINT: exit 0 within 2 s (took $((t1 - t0)) ms)" \
	bash -c '[[ $1 == 0 && $2 -lt 2000 ]]' _ "$sup_rc" "$((t1 - t0))"

# 4. A tor that leaves a daemonized grandchild (own session) and crashes:
# the grandchild is reparented to initd, reaped, killed at shutdown.
cat >"$scratch/forker" <<SH
#!/bin/bash
if [[ ! -f $scratch/gc.pid ]]; then
	setsid bash -c 'echo \$\$ >"$scratch/gc.pid"; exec sleep 300' </dev/null >/dev/null 2>&1 &
	sleep 0.2
fi
sleep 0.3
exit 2
SH
chmod +x "$scratch/forker"
start_sup -m 50 -M 100 "$scratch/forker"
wait_for 10 test -s "$scratch/gc.pid"
gc=$(<"$scratch/gc.pid")
check "grandchild reparented to initd" wait_for 5 bash -c '[[ $(ps -o ppid= -p "$1" | tr -d " ") == "$2" ]]' _ "$gc" "$sup_pid"
wait_for 5 bash -c '[[ $(grep -c "restart in" "$1") -ge 3 ]]' _ "$scratch/log"
stop_sup TERM 10
check "grandchild killed at shutdown" bash -c '! kill -0 "$1" 2>/dev/null' _ "$gc"

# 5. Clean shutdown of well-behaved instances: SIGINT, they exit, exit 0.
cat >"$scratch/polite" <<'SH'
#!/bin/bash
trap 'sleep 0.2; exit 0' INT
while :; do sleep 0.1; done
SH
chmod +x "$scratch/polite"
start_sup -n 3 -s 5000 "$scratch/polite"
wait_for 5 bash -c '[[ $(pgrep -c -P "$1") -ge 3 ]]' _ "$sup_pid"
stop_sup INT 10
check "clean shutdown: exit 0, every instance stopped, no SIGKILL" bash -c '
	[[ $2 == 0 ]] && [[ $(grep -c ": stopped$" "$1") -eq 3 ]] && ! grep -q SIGKILL "$1"' _ "$scratch/log" "$sup_rc"
check "clean shutdown: no restart after the stop" bash -c '! sed -n "/received SIGINT/,\$p" "$1" | grep -q "restart in"' _ "$scratch/log"

# 6. sd_notify: READY=1 from the instance is logged once; malformed
# datagrams, strangers' datagrams and a spamming grandchild are dropped and
# never stop initd from answering SIGTERM.
cat >"$scratch/notifier" <<'SH'
#!/bin/bash
send() { printf "$1" | socat -u - UNIX-SENDTO:"$NOTIFY_SOCKET"; }
send 'READY=0'
send 'MAINPID=99999999999'
send "MAINPID=$$\nREADY=1"
send 'READY=1'
# (READY=1 again in the spam: a datagram whose short-lived sender is gone
# before initd reads it is dropped; it must still be logged only once)
( while :; do send 'READY=1\nWATCHDOG=1\nSTATUS=spam'; send 'garbage'; done ) &
trap 'exit 0' INT
while :; do sleep 0.1; done
SH
chmod +x "$scratch/notifier"
start_sup -N "$scratch/notify.sock" -s 2000 "$scratch/notifier"
wait_for 10 log_has 'tor0: ready'
printf 'READY=1' | socat -u - UNIX-SENDTO:"$scratch/notify.sock" 2>/dev/null
sleep 1
t0=$(now_ms)
stop_sup TERM 10
t1=$(now_ms)
check "notify: ready logged exactly once" test "$(grep -c 'tor0: ready' "$scratch/log")" -eq 1
check "notify: malformed and strangers' datagrams dropped" \
	bash -c 'grep -qE "spawned 1 processes; [1-9][0-9]* notify messages dropped" "$1"' _ "$scratch/log"
check "notify: spam does not delay shutdown (exit $sup_rc in $((t1 - t0)) ms), socket removed" \
	bash -c '[[ $1 == 0 && $2 -lt 3000 && ! -e $3 ]]' _ "$sup_rc" "$((t1 - t0))" "$scratch/notify.sock"

# 7. Watchdog: after READY=1, a tor that stops sending WATCHDOG=1 within
# WATCHDOG_USEC (1.5 s: pings every 0.1 s must survive a loaded machine)
# is killed and restarted; one that keeps pinging is not.
cat >"$scratch/hang" <<'SH'
#!/bin/bash
send() { printf "$1" | socat -u - UNIX-SENDTO:"$NOTIFY_SOCKET"; }
[[ $WATCHDOG_USEC == 1500000 ]] || exit 9
# The senders are short-lived socat processes, and a datagram whose sender
# is gone when initd reads it cannot be attributed (tor sends its own), so
# READY=1 is repeated rather than sent once.
if [[ $INITD_INSTANCE == 1 ]]; then
	while :; do send 'READY=1\nWATCHDOG=1'; sleep 0.1; done
fi
for i in 1 2 3 4 5; do send 'READY=1'; sleep 0.1; done
while :; do sleep 0.1; done
SH
chmod +x "$scratch/hang"
start_sup -n 2 -N "$scratch/wd.sock" -W 1500 -m 50 -M 100 -s 1000 "$scratch/hang"
wait_for 30 bash -c '[[ $(grep -c "tor0: no WATCHDOG=1 for 1500 ms; SIGKILL" "$1") -ge 2 ]]' _ "$scratch/log"
sleep 0.5
stop_sup TERM 10
check "watchdog: a silent instance is killed and restarted" \
	bash -c 'grep -q "tor0: killed by signal 9; restart in" "$1" && [[ $(grep -c "tor0: ready" "$1") -ge 2 ]]' _ "$scratch/log"
check "watchdog: a pinging instance is left alone" \
	bash -c '! grep -q "tor1: no WATCHDOG" "$1" && [[ $(grep -c "tor1: ready" "$1") -eq 1 ]]' _ "$scratch/log"
check "watchdog: clean exit" test "$sup_rc" -eq 0

tap_done
