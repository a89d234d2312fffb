#!/bin/bash
# The console's backlog (initd/console.c) from outside, without root (TAP):
# initd --supervise-tor runs PID 1's pipeline tail over fake programs with
# its stdout a FIFO that nobody reads for a few seconds, as a serial
# console that cannot keep up.
#
#   - a tor instance prints 216 KB at once: initd keeps reading it, keeps
#     answering (an instance killed meanwhile is reaped and restarted, the
#     status file says so) and the other instance's lines still reach the
#     log pipe;
#   - once the FIFO is read: every line on the console whole and in order,
#     and "initd: console: dropped N lines" markers whose counts are
#     exactly the lines missing (every fake program counts what it printed);
#   - a line after the marker, the instances' last words at the stop (the
#     backlog drained before initd exits), no descriptor leak.
#
# Every wait is bounded.  Usage: INITD=build/target/initd console.t
set -u -o pipefail
export LC_ALL=C

INITD=${INITD:-build/target/initd}
LIBDIR=${LIBDIR:-/usr/lib/x86_64-linux-gnu}
# shellcheck source=tests/unit/initd/lib.sh
. "$(dirname "$0")/lib.sh"
initd_scratch console
cat_pid=""
cleanup_more() { [[ -n $cat_pid ]] && kill -KILL "$cat_pid" 2>/dev/null; }

conf=$scratch/conf run=$scratch/run data=$scratch/data stage=$scratch/stage
status=$scratch/status out=$scratch/stdout agent_out=$scratch/agent.out
printed=$scratch/printed
mkdir -p "$conf" "$run" "$data" "$stage"
: >"$printed"

export status
export -f st
marker='^initd: console: dropped [1-9][0-9]* lines$'

tap_plan 13
if [[ ! -x $INITD ]]; then echo "Bail out! $INITD not built"; exit 1; fi

stage_plain alpha beta

# Every fake program prints through initd and adds the number of lines
# it printed to $printed.
cat >"$scratch/pull" <<SH
#!/bin/bash
echo "pull: rendering"; echo 1 >>"$printed"
[[ -f $conf/node.conf ]] && exit 3
cp "$stage"/torrc.* "$stage/node.conf" "$conf"/ || exit 111
SH
cat >"$scratch/unseal" <<SH
#!/bin/bash
echo "unseal: ok" >&2; echo 1 >>"$printed"
SH
# tor: two lines at its start; "flood": 4,000 lines of 54 bytes, 216 KB at
# once (seq, one stdio buffer after another); anything else: that line;
# SIGINT: a last line
cat >"$scratch/tor" <<SH
#!/bin/bash
name=\${2##*torrc.}
trap 'echo "bye \$name"; echo 1 >>"$printed"; exit 0' INT
echo "hello \$name"; echo "hello-err \$name" >&2; echo 2 >>"$printed"
while :; do
	if mv "$scratch/say.\$name" "$scratch/said.\$name" 2>/dev/null; then
		cmd=\$(<"$scratch/said.\$name")
		if [[ \$cmd == flood ]]; then
			seq -f "flood %06g $(printf '%040d' 0)" 1 4000; echo 4000 >>"$printed"
			touch "$scratch/flood.done"
		else
			echo "\$cmd"; echo 1 >>"$printed"
		fi
	fi
	sleep 0.05
done
SH
# lethe-telemetry: copies its stdin (the log pipe) to a file; prints nothing
cat >"$scratch/agent" <<SH
#!/bin/bash
while IFS= read -r line; do printf '%s\n' "\$line" >>"$agent_out"; done
SH
chmod +x "$scratch/pull" "$scratch/unseal" "$scratch/tor" "$scratch/agent"

# the console: a FIFO that the test holds open (read and write, so that
# initd's open does not wait) and does not read
mkfifo "$scratch/con"
exec 3<>"$scratch/con"
: >"$scratch/log"
"$INITD" --supervise-tor -I 600000 -Z "$status" -Y "$scratch/agent" "$conf" "$run" "$data" "$LIBDIR" \
	"$scratch/pull" "$scratch/unseal" "$scratch/tor" >"$scratch/con" 2>"$scratch/log" 3>&- &
sup_pid=$!
wait_for 15 bash -c '[[ $(st inst.0.state) == up && $(st inst.1.state) == up ]]'

# 1. the flood, with nobody reading the console
t0=$(now_ms)
say alpha flood
wait_for 30 test -e "$scratch/flood.done"
check "flood: alpha printed its 216 KB (initd kept reading it)" test -e "$scratch/flood.done"
old=$(st inst.1.pid)
kill -KILL "$old"
wait_for 10 bash -c '[[ $(st inst.1.restarts) == 1 && $(st inst.1.state) == up ]]'
check "console unread: kill -9 of beta reaped, restarted, status written" bash -c \
	'[[ $(st inst.1.restarts) == 1 && $(st inst.1.state) == up && $(st inst.1.pid) != "$1" &&
	$(st inst.1.last_exit) == "signal 9" ]]' _ "$old"
# the agent drains the log pipe meanwhile; a record finds room at the
# latest once it has caught up with the flood (bounded retries)
for ((k = 0; k < 15; k++)); do
	say beta "beta-alive $k"
	wait_for 1 agent_has "^[0-9]{13} tor.beta: beta-alive $k\$" && break
done
check "console unread: beta's lines still reach the log pipe" agent_has '^[0-9]{13} tor.beta: beta-alive [0-9]+$'
check "console unread: initd still runs" kill -0 "$sup_pid"
# a few seconds with the console full
while (($(now_ms) < t0 + 3000)); do sleep 0.1; done

# 2. the console is read again: whole lines, in order, and exact markers
# the reader opens before the test's own end closes: a FIFO without a
# reader would be EPIPE, a console gone
exec 4<"$scratch/con"
cat <&4 >"$out" 3>&- 4<&- &
cat_pid=$!
exec 3>&- 4<&-
wait_for 10 grep -qE "$marker" "$out"
check "the console falls behind: a marker initd: console: dropped N lines" grep -qE "$marker" "$out"
say alpha after-marker
wait_for 10 grep -qx after-marker "$out"
check "a line after the marker reaches the console" bash -c \
	'grep -nE "$1|^after-marker$" "$2" | tail -n 1 | grep -q ":after-marker$"' _ "$marker" "$out"
stop_sup TERM 20
wait_for 10 bash -c '! kill -0 "$1" 2>/dev/null' _ "$cat_pid"
kill -0 "$cat_pid" 2>/dev/null || { wait "$cat_pid"; cat_pid=; }
check "clean exit" test "$sup_rc" = 0
check "the console reached EOF (initd and every service gone)" test -z "$cat_pid"
check "every line on the console is whole: a fake's line or a marker" bash -c \
	'! grep -vxE "$1|flood [0-9]{6} 0{40}|(hello|hello-err|bye) (alpha|beta)|beta-alive [0-9]+|after-marker|pull: rendering|unseal: ok" "$2"' \
	_ "${marker:1:-1}" "$out"
check "alpha's flood in order on the console" bash -c \
	'grep -oE "^flood [0-9]{6}" "$1" | awk "{ if (\$2 + 0 <= last) exit 1; last = \$2 + 0 }"' _ "$out"
check "lines on the console + markers' counts = lines printed, exactly" bash -c '
	shown=$(grep -cvE "$1" "$2") lost=$(sed -nE "s/^initd: console: dropped ([0-9]+) lines$/\1/p" "$2" |
		awk "{ s += \$1 } END { print s + 0 }") total=$(awk "{ s += \$1 } END { print s }" "$3")
	echo "# console: $shown lines shown, $lost dropped (in $(grep -cE "$1" "$2") markers), $total printed"
	((lost > 0 && shown + lost == total))' _ "$marker" "$out" "$printed"
check "the last words at the stop reach the console (drained before exit)" bash -c \
	'grep -qx "bye alpha" "$1" && grep -qx "bye beta" "$1"' _ "$out"
check "no descriptor leak" fds_equal

tap_done
