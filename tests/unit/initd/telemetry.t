#!/bin/bash
# initd's side of the telemetry contract (include/lethe_telemetry.h,
# docs/observability.md), without root (TAP): initd --supervise-tor runs PID
# 1's pipeline tail over fake programs, with -Z (the status file) and -Y (a
# fake lethe-telemetry that copies its stdin, the log pipe, to a file).
#
#   - tor's stdout and stderr pass through initd: on initd's stdout as tor
#     wrote them (long lines whole), in the log pipe as "MS tor.NAME: TEXT"
#     records, cut at LETHE_LOGLINE_MAX, a last line without newline flushed at exit;
#   - so do the steps' and the agent's: "MS configpull: TEXT",
#     "MS tpmseal: TEXT" (an "initd: fatal: ..." line of the --seal child
#     kept as written), "MS telemetry: TEXT";
#   - initd's own lines in the pipe as "MS initd: TEXT";
#   - the status file: keys, values, stage progression, unseal refused then
#     ok, an instance's restart after kill -9;
#   - the agent restarted when it exits, reading what was logged meanwhile;
#   - a flood while the agent does not read: initd never blocks, and the
#     agent then sees "initd: log: dropped N lines (pipe full)";
#   - with /usr/sbin/tor: a real tor's stderr lines on stdout and in the pipe.
#
# Every wait is bounded.  Usage: INITD=build/target/initd telemetry.t
set -u -o pipefail
export LC_ALL=C

INITD=${INITD:-build/target/initd}
LIBDIR=${LIBDIR:-/usr/lib/x86_64-linux-gnu}
TOR_BIN=${TOR_BIN:-/usr/sbin/tor}
# shellcheck source=tests/unit/initd/lib.sh
. "$(dirname "$0")/lib.sh"
initd_scratch telemetry

conf=$scratch/conf run=$scratch/run data=$scratch/data stage=$scratch/stage
status=$scratch/status out=$scratch/stdout agent_out=$scratch/agent.out
mkdir -p "$conf" "$run" "$data" "$stage"

# st KEY (lib.sh), and whether it is VALUE
st_is() { [[ $(st "$1") == "$2" ]]; }
export status
export -f st st_is
# say NAME TEXT (lib.sh): the fake tor NAME prints TEXT (or floods, for
# "flood"); agent_has: the agent's copy of the pipe is "RUN RECORD" lines
count() { grep -cE "$1" "$2" 2>/dev/null; }
# every line KEY=VALUE, value printable ASCII of at most 256 bytes, the
# file at most 8192 bytes, 0640, nothing left at PATH.tmp
status_valid() {
	[[ -f $status && ! -e $status.tmp && $(stat -c %a "$status") == 640 &&
		$(stat -c %s "$status") -le 8192 ]] || return 1
	LC_ALL=C awk '!/^[a-z0-9_.-]+=[ -~]*$/ { bad = 1 }
		{ v = $0; sub(/^[^=]*=/, "", v); if (length(v) > 256) bad = 1 }
		END { exit bad }' "$status"
}

tap_plan 52
if [[ ! -x $INITD ]]; then echo "Bail out! $INITD not built"; exit 1; fi

stage_plain alpha beta

# configpull: a line on stdout and one on stderr, waits for $scratch/pull.go
# (bounded), renders the stage; later runs: unchanged (3)
cat >"$scratch/pull" <<SH
#!/bin/bash
echo "pull: stdout hello"
echo "configpull: fatal: not attested: test refusal" >&2
for ((i = 0; i < 400; i++)); do [[ -e $scratch/pull.go ]] && break; sleep 0.05; done
[[ -f $conf/node.conf ]] && exit 3
cp "$stage"/torrc.* "$stage/node.conf" "$conf"/ || exit 111
SH
# tpmseal: exits with the number in $scratch/unseal.rc, saying so on
# stdout, and when it refuses, a line as initd --seal writes it (initd's
# log functions in the child: "initd: fatal: ...") on stderr
cat >"$scratch/unseal" <<SH
#!/bin/bash
rc=\$(cat "$scratch/unseal.rc" 2>/dev/null || echo 0)
echo "unseal: stdout \$rc"
[[ \$rc == 0 ]] || echo "initd: fatal: tpmseal: unseal refused: test policy" >&2
exit \$rc
SH
# tor: a few lines on stdout and stderr (a tab and a non-ASCII byte, one
# line of 2000 bytes), then what the test says; a last line without
# newline on SIGINT
cat >"$scratch/tor" <<'SH'
#!/bin/bash
scratch=${0%/*}
name=${2##*torrc.}
trap 'printf "bye %s" "$name"; exit 0' INT
echo "out: hello $name"
echo "err: warn $name" >&2
printf 'tab\there \377 end\n'
printf '%02000d\n' 0
while :; do
	if mv "$scratch/say.$name" "$scratch/said.$name" 2>/dev/null; then
		cmd=$(<"$scratch/said.$name")
		if [[ $cmd == flood ]]; then
			for ((i = 1; i <= 20000; i++)); do echo "flood $i"; done
			touch "$scratch/flood.done"
		else
			echo "$cmd"
		fi
	fi
	sleep 0.05
done
SH
# lethe-telemetry: counts its runs, waits while $scratch/agent.hold exists
# (bounded), then copies records as "RUN RECORD" until it reads one ending
# in "agent-quit" (exit 0)
cat >"$scratch/agent" <<SH
#!/bin/bash
n=\$((\$(cat "$scratch/agent.runs" 2>/dev/null || echo 0) + 1))
echo "\$n" >"$scratch/agent.runs"
echo "agent: run \$n" >&2
for ((i = 0; i < 600; i++)); do [[ -e $scratch/agent.hold ]] || break; sleep 0.05; done
while IFS= read -r line; do
	printf '%s %s\n' "\$n" "\$line" >>"$agent_out"
	[[ \$line == *agent-quit ]] && exit 0
done
SH
chmod +x "$scratch/pull" "$scratch/unseal" "$scratch/tor" "$scratch/agent"

"$INITD" --supervise-tor -Y >/dev/null 2>&1; rc=$?
check "-Y without a program: usage (100)" test "$rc" -eq 100

echo 1 >"$scratch/unseal.rc"
: >"$scratch/log"
"$INITD" --supervise-tor -I 600000 -Z "$status" -Y "$scratch/agent" "$conf" "$run" "$data" "$LIBDIR" \
	"$scratch/pull" "$scratch/unseal" "$scratch/tor" >"$out" 2>"$scratch/log" &
sup_pid=$!

# 1. the status file and the stage, step by step
wait_for 10 st_is stage config
check "status: stage=config while configpull runs" st_is stage config
check "status: version=1, seq, no pull yet (pull_exit=-1), unseal=pending, literal" bash -c \
	'[[ $(sed -n "1p" "$1") == version=1 && $(sed -n "2p" "$1") =~ ^seq=[0-9]+$ ]] &&
	grep -qx "pull_exit=-1" "$1" && grep -qx "unseal=pending" "$1" && grep -qx "unseal_mode=literal" "$1" &&
	grep -qx "instances=0" "$1"' _ "$status"
check "status: no agent before configpull's first success" test ! -e "$scratch/agent.runs"
touch "$scratch/pull.go"
wait_for 10 st_is unseal refused
check "tpmseal exit 1: unseal=refused, stage=keys" bash -c '[[ $(st unseal) == refused && $(st stage) == keys ]]'
check "status: stage_error names the failing step" st_is stage_error "tpmseal: exited 1"
check "status: pull_exit=0, pull_ms, mark.config" bash -c \
	'[[ $(st pull_exit) == 0 && $(st pull_ms) =~ ^[0-9]+$ && $(st mark.config) =~ ^[0-9]+$ ]]'
check "status: last_error is the newest warning, with its time" bash -c \
	'[[ $(st last_error) == "warning: waiting for tpmseal: exited 1; retry in "* &&
	$(st last_error_ms) -gt 1600000000000 ]]'
check "status: keys, values and size within the contract" status_valid

# 2. the agent: started after configpull, reading the log pipe
wait_for 10 agent_has '^1 [0-9]+ initd: warning: waiting for tpmseal: exited 1; retry in [0-9]+ ms$'
check "agent started after the first pull, stdin the log pipe" test "$(cat "$scratch/agent.runs")" = 1
check "initd's own lines in the pipe: MS initd: TEXT (warning: kept)" \
	agent_has '^1 [0-9]{13} initd: warning: waiting for tpmseal: exited 1; retry in [0-9]+ ms$'
check "initd's lines before the agent started wait in the pipe" agent_has '^1 [0-9]{13} initd: starting configpull$'

# 2b. the steps' and the agent's output pass through initd too
wait_for 10 agent_has '^1 [0-9]{13} tpmseal: initd: fatal: tpmseal: unseal refused: test policy$'
check "configpull's stdout and stderr lines on initd's stdout, unchanged" bash -c \
	'grep -qx "pull: stdout hello" "$1" && grep -qx "configpull: fatal: not attested: test refusal" "$1"' _ "$out"
check "in the pipe: MS configpull: TEXT, stdout and stderr" bash -c \
	'grep -qE "^1 [0-9]{13} configpull: pull: stdout hello$" "$1" &&
	grep -qE "^1 [0-9]{13} configpull: configpull: fatal: not attested: test refusal$" "$1"' _ "$agent_out"
check "tpmseal's lines on initd's stdout, the --seal child's initd: line unchanged" bash -c \
	'grep -qx "unseal: stdout 1" "$1" && grep -qx "initd: fatal: tpmseal: unseal refused: test policy" "$1"' _ "$out"
check "in the pipe: MS tpmseal: TEXT, an initd: line kept as written" bash -c \
	'grep -qE "^1 [0-9]{13} tpmseal: unseal: stdout 1$" "$1" &&
	grep -qE "^1 [0-9]{13} tpmseal: initd: fatal: tpmseal: unseal refused: test policy$" "$1"' _ "$agent_out"
check "the agent's own stderr: on stdout and in the pipe as MS telemetry: TEXT" bash -c \
	'grep -qx "agent: run 1" "$1" && grep -qE "^1 [0-9]{13} telemetry: agent: run 1$" "$2"' _ "$out" "$agent_out"
check "SOURCE initd is PID 1's own lines only (no initd: initd: records)" bash -c \
	'! grep -qE "^[0-9]+ [0-9]{13} initd: initd: " "$1"' _ "$agent_out"

echo 0 >"$scratch/unseal.rc"
wait_for 10 st_is inst.1.allocator_mapped yes
check "unseal ok: unseal=ok, unseal_ms, stage=tor, stage_error empty" bash -c \
	'[[ $(st unseal) == ok && $(st unseal_ms) =~ ^[0-9]+$ && $(st stage) == tor && -z $(st stage_error) ]] &&
	grep -qx "stage_error=" "$1"' _ "$status"
check "status: marks keys and tor-exec" bash -c '[[ $(st mark.keys) =~ ^[0-9]+$ && $(st mark.tor-exec) =~ ^[0-9]+$ ]]'
check "status: instances=2, names, up with their pids" bash -c \
	'[[ $(st instances) == 2 && $(st inst.0.name) == alpha && $(st inst.1.name) == beta &&
	$(st inst.0.state) == up && $(st inst.1.state) == up ]] &&
	grep -q "torrc.alpha" /proc/$(st inst.0.pid)/cmdline && grep -q "torrc.beta" /proc/$(st inst.1.pid)/cmdline'
check "status: restarts=0, last_exit=-, crashloop=0, allocator glibc mapped" bash -c \
	'[[ $(st inst.0.restarts) == 0 && $(st inst.0.last_exit) == - && $(st inst.0.crashloop) == 0 &&
	$(st inst.0.allocator) == glibc && $(st inst.0.allocator_mapped) == yes && $(st pressure_events) == 0 ]]'
check "status: still valid with instances" status_valid

# 3. tor's output: on initd's stdout as written, in the pipe as records
wait_for 10 agent_has 'tor.beta: err: warn beta$'
check "tor's stdout line on initd's stdout, unchanged" grep -qx "out: hello alpha" "$out"
check "tor's stderr line on initd's stdout, unchanged" grep -qx "err: warn beta" "$out"
check "a tab and a non-ASCII byte pass to stdout as they are" grep -qx "$(printf 'tab\there \377 end')" "$out"
check "in the pipe: MS tor.NAME: TEXT, stdout and stderr" bash -c \
	'grep -qE "^1 [0-9]{13} tor.alpha: out: hello alpha$" "$1" && grep -qE "^1 [0-9]{13} tor.alpha: err: warn alpha$" "$1"' \
	_ "$agent_out"
check "in the pipe: non-printable bytes become ?" agent_has '^1 [0-9]{13} tor.alpha: tab\?here \? end$'
check "a 2000-byte line: whole on stdout (an operator copies long lines from the console)" bash -c \
	'[[ $(grep -c "^0\{2000\}$" "$1") -eq 2 && $(grep -c "^0*$" "$1") -eq 2 ]]' _ "$out"
check "a 2000-byte line: the record with its newline is 1024 bytes" bash -c \
	'[[ $(grep " tor.alpha: 0" "$1" | sed "s/^1 //" | awk "{ print length(\$0) + 1 }") == 1024 ]]' _ "$agent_out"

# 4. kill -9 of an instance: restarts=1, last_exit=signal 9, up again
old=$(st inst.0.pid) seq0=$(st seq)
kill -KILL "$old"
wait_for 10 bash -c '[[ $(st inst.0.restarts) == 1 && $(st inst.0.state) == up ]]'
check "after kill -9: inst.0.restarts=1, last_exit=signal 9" bash -c \
	'[[ $(st inst.0.restarts) == 1 && $(st inst.0.last_exit) == "signal 9" ]]'
check "after kill -9: up with a new pid" bash -c \
	'[[ $(st inst.0.state) == up && $(st inst.0.pid) != "$1" && $(st inst.0.pid) -gt 0 ]] &&
	kill -0 "$(st inst.0.pid)"' _ "$old"
check "status rewritten with a higher seq" test "$(st seq)" -gt "$seq0"
check "the other instance untouched" bash -c '[[ $(st inst.1.restarts) == 0 && $(st inst.1.last_exit) == - ]]'

# 5. the agent exits: restarted, and reads what was logged while it was down
say beta agent-quit
wait_for 10 agent_has '^2 [0-9]{13} initd: warning: telemetry: exited 0; restart in [0-9]+ ms$'
check "agent exited: restarted (run 2)" test "$(cat "$scratch/agent.runs")" = 2
check "run 2 reads the line logged while the agent was down" \
	agent_has '^2 [0-9]{13} initd: warning: telemetry: exited 0; restart in [0-9]+ ms$'
check "nothing read twice, nothing lost at the handover" bash -c \
	'[[ $(grep -c "tor.beta: agent-quit$" "$1") -eq 1 ]] && grep -q "^1 .*tor.beta: agent-quit$" "$1"' _ "$agent_out"

# 6. a flood while the agent does not read: initd never blocks
touch "$scratch/agent.hold"
say alpha agent-quit
wait_for 15 test "$(cat "$scratch/agent.runs")" = 3
check "agent run 3 started (holding: it reads nothing)" test "$(cat "$scratch/agent.runs")" = 3
t0=$(now_ms)
say beta flood
wait_for 30 test -e "$scratch/flood.done"
wait_for 30 bash -c '[[ $(grep -c "^flood " "$1") -ge 20000 ]]' _ "$out"
echo "# 20000 lines through initd in $(($(now_ms) - t0)) ms with the log pipe full"
check "flood: the fake tor wrote all 20000 lines (initd kept reading)" test -e "$scratch/flood.done"
check "flood: all 20000 on initd's stdout, in order" bash -c \
	'grep "^flood " "$1" | awk "{ if (\$2 != NR) exit 1 } END { exit NR != 20000 }"' _ "$out"
old=$(st inst.0.pid)
kill -KILL "$old"
wait_for 10 bash -c '[[ $(st inst.0.restarts) == 2 && $(st inst.0.state) == up ]]'
check "flood: the loop still answers (kill -9 reaped, restarted, status written)" bash -c \
	'[[ $(st inst.0.restarts) == 2 && $(st inst.0.state) == up && $(st inst.0.pid) != "$1" ]]' _ "$old"
rm -f "$scratch/agent.hold"
wait_for 15 agent_has '^3 [0-9]{13} tor.beta: flood [0-9]+$'
# once the agent has made room, the next line fits (until then it is one
# more drop): bounded retries
for ((k = 0; k < 15; k++)); do
	say alpha after-flood
	wait_for 1 agent_has '^3 [0-9]{13} tor.alpha: after-flood$' && break
done
check "flood: the agent sees initd: log: dropped N lines (pipe full), N > 0" \
	agent_has '^3 [0-9]{13} initd: log: dropped [1-9][0-9]* lines \(pipe full\)$'
check "flood: records read + dropped >= 20000 (every drop counted)" bash -c \
	'got=$(grep -c "^3 [0-9]* tor.beta: flood " "$1")
	lost=$(sed -n "s/^3 [0-9]* initd: log: dropped \([0-9]*\) lines (pipe full)$/\1/p" "$1" | awk "{ s += \$1 } END { print s + 0 }")
	echo "# flood: $got records read, $lost dropped"
	((got > 0 && got + lost >= 20000))' _ "$agent_out"
check "flood: the marker comes right before a record" bash -c \
	'grep -A1 "initd: log: dropped" "$1" | tail -n 1 | grep -qE "^3 [0-9]{13} [a-z.]+: "' _ "$agent_out"

# 7. stop: SIGINT to the instances and the agent, tor's last words flushed
stop_sup TERM 20
check "clean exit" test "$sup_rc" = 0
check "the agent stopped like every service (SIGINT)" grep -q 'telemetry: stopping (SIGINT to pid' "$scratch/log"
check "a last line without newline is flushed when tor exits" bash -c \
	'grep -qx "bye alpha" "$1" && grep -qx "bye beta" "$1"' _ "$out"
check "final status: both stopped, pid 0" bash -c \
	'[[ $(st inst.0.state) == stopped && $(st inst.1.state) == stopped && $(st inst.0.pid) == 0 ]]'
check "no descriptor leak (output pipes closed, the log pipe kept)" fds_equal

# 8. real tor: its stderr lines pass through to initd's stdout and the pipe
if [[ -x $TOR_BIN ]]; then
	rm -rf "${conf:?}"/* "${run:?}"/* "${data:?}"/* "$agent_out" "$scratch/agent.runs"
	nodeconf glibc real >"$stage/node.conf"
	rm -f "$stage"/torrc.*
	printf 'DataDirectory %s/real\nRunAsDaemon 0\nDisableNetwork 1\nSocksPort 0\nLog notice stderr\nAvoidDiskWrites 1\n' \
		"$data" >"$stage/torrc.real"
	: >"$scratch/log"
	"$INITD" --supervise-tor -I 600000 -Z "$status" -Y "$scratch/agent" "$conf" "$run" "$data" "$LIBDIR" \
		"$scratch/pull" "$scratch/unseal" "$TOR_BIN" >"$out" 2>"$scratch/log" &
	sup_pid=$!
	wait_for 30 agent_has 'tor.real: .*Tor .* running on'
	check "real tor: its stderr lines on initd's stdout, unchanged" \
		grep -qE '^[A-Z][a-z]{2} [0-9]{2} [0-9:.]{12} \[notice\] Tor .* running on' "$out"
	check "real tor: the same lines in the pipe as tor.real records" \
		agent_has '^1 [0-9]{13} tor.real: [A-Z][a-z]{2} [0-9]{2} [0-9:.]{12} \[notice\] Tor .* running on'
	stop_sup TERM 20
	check "real tor: SIGINT, its goodbye passes through, clean exit" bash -c \
		'[[ $1 == 0 ]] && grep -q "Interrupt: exiting cleanly" "$2"' _ "$sup_rc" "$out"
else
	for d in "stderr on stdout" "records in the pipe" "clean exit"; do
		skip "real tor: $d" "no $TOR_BIN"
	done
fi

tap_done
