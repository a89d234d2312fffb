#!/bin/bash
# scripts/fleet rollout, the way it goes when every node comes back
# healthy (docs/rollouts.md): three nodes in two waves of 1 and 2 (sorted
# node ids), the second at most one node at a time (--max-unavailable 1).
# Only the nodes of a started wave get the image object in their documents,
# which configpull accepts; a node of the wave counts once it reports the
# new image and epoch from a new boot, unsealed, with its tor up; the next
# wave waits for --spacing; after the last, done.  Real nginx, reportd,
# configpull, lethe-log and tpmseal; the clock is FLEET_NOW.
set -eu -o pipefail
RL_TEST=waves
. "$(dirname "$0")/lib.sh"
TAP_CAPTURE=$T
tap_plan 34

rl_server a b c
check "v1.0 (epoch 100) and v2.0 (epoch 200) logged and approved" eval 'rl_release v1.0 100 && rl_release v2.0 200'
sha=$(printf x | sha256sum | cut -c1-64)
check "each node has a document (a's names v1.0 and its zip's digest)" \
	eval 'rl_doc a "{\"version\": \"v1.0\", \"sha256\": \"$sha\"}" && rl_doc b && rl_doc c'
check "each node reports v1.0, epoch 100, rollout state none" eval 'rl_report a && rl_report b && rl_report c'

# the waves: sorted node ids
mapfile -t order < <(for n in a b c; do echo "$(cat "$T/$n.id") $n"; done | sort | cut -d' ' -f2)
W1=${order[0]} W2=${order[1]} W3=${order[2]}
id() { cat "$T/$1.id"; }
before2=$(doc_image "$W2") before3=$(doc_image "$W3")
WANT='{"epoch": 200, "rollout": 1, "version": "v2.0", "window": "00:00-23:59"}'
image_is() { [ "$(doc_image "$1")" = "$2" ]; }
untouched() { image_is "$W2" "$before2" && image_is "$W3" "$before3"; }
row() { grep -Eq "^$(id "$1") +$2 +$3 " "$T/status.out"; }

rc=0
at 0 fleet rollout "$F" v2.0 --waves 2 --spacing 600 --max-unavailable 1 --timeout 3600 \
	>"$T/start.out" 2>"$T/start.err" || rc=$?
sed 's/^/# /' "$T/start.out" "$T/start.err" >&2
check "fleet rollout v2.0 --waves 2: started (exit 0)" test "$rc" = 0
check "rollout 1, approval epoch 200 from the log, the default window" \
	grep -q 'rollout 1: v2.0, approval epoch 200, window 00:00-23:59' "$T/start.err"
check "wave 1's document has the image object: v2.0, epoch 200, rollout 1, window" image_is "$W1" "$WANT"
check "configpull check accepts it as that node's document" \
	"$CONFIGPULL" check --node "$(id "$W1")" "$F/nodes/$(id "$W1").json"
check "wave 2's documents are untouched" untouched
check "the rollout file: lethe-rollout/1, rollout 1, running, waves of 1 and 2" python3 -c "
import json, sys
st = json.load(open('$F/rollout/rollout.json'))
sys.exit(not (st['format'] == 'lethe-rollout/1' and st['rollout'] == 1 and st['state'] == 'running'
	and [len(w['nodes']) for w in st['waves']] == [1, 2]))"
check "status: running wave 1 of 2" status_has '^rollout 1: v2.0 \(epoch 200\): running wave 1 of 2 since 2026-01-01T00:00:00Z'
check "status: exit 0; wave 1's node wanted, wave 2's pending" \
	eval 'test "$(cat "$T/status.rc")" = 0 && row "$W1" 1 wanted && row "$W2" 2 pending && row "$W3" 2 pending'

check "tick before anything happened: exit 0" tick 60
check "the node drains for rollout 1 (still its old boot)" rl_report "$W1" wanted=1 state=draining
check "tick: exit 0" tick 120
check "it is still wanted" status_has "^$(id "$W1") +1 +wanted "

# the node reboots into v2.0: a new boot id, unsealed, tor up
check "it reports again: a new boot, v2.0, epoch 200, unsealed, tor up" \
	rl_report "$W1" boot=11111111-2222-4333-8444-555555555555 image=v2.0 epoch=200 wanted=1 done=1 state=current uptime=40
check "tick: exit 0" tick 180
check "it is healthy" status_has "^$(id "$W1") +1 +healthy "
check "wave 2 waits for --spacing 600: not started, its documents untouched" \
	eval 'grep -q "running wave 1 of 2" "$T/status.out" && untouched'
tick 599
check "still not at 599 s" untouched
tick 600
check "at 600 s wave 2 starts" status_has '^rollout 1: v2.0 \(epoch 200\): running wave 2 of 2 since 2026-01-01T00:10:00Z'
check "--max-unavailable 1: only the wave's first node's document changed" \
	eval 'image_is "$W2" "$WANT" && image_is "$W3" "$before3" && row "$W3" 2 pending'
rl_report "$W2" boot=22222222-2222-4333-8444-555555555555 image=v2.0 epoch=200 wanted=1 done=1 state=current \
	inst=backoff uptime=20
tick 660
status_has . || true
check "rebooted, tor not up yet (within --grace): rebooted; the next node still waits" \
	eval 'row "$W2" 2 rebooted && image_is "$W3" "$before3"'
rl_report "$W2" boot=22222222-2222-4333-8444-555555555555 image=v2.0 epoch=200 wanted=1 done=1 state=current uptime=80
tick 700
status_has . || true
check "once it is healthy the wave's next node gets the document" \
	eval 'row "$W2" 2 healthy && row "$W3" 2 wanted && image_is "$W3" "$WANT"'
check "a's zip digest (v1.0's zip) is not kept under v2.0" eval '! grep -q "$sha" "$F/nodes/$(id a).json"'
rl_report "$W3" boot=33333333-2222-4333-8444-555555555555 image=v2.0 epoch=200 wanted=1 done=1 state=current uptime=30
check "the last node healthy: tick exit 0" tick 760
check "status: done, 2 waves" status_has '^rollout 1: v2.0 \(epoch 200\): done at 2026-01-01T00:12:40Z, 2 waves'
check "status: exit 0, the three nodes healthy" \
	eval 'test "$(cat "$T/status.rc")" = 0 && test "$(grep -Ec " healthy +-$" "$T/status.out")" = 3'
cp "$F/rollout/rollout.json" "$T/done.json"
check "tick after done: exit 0, the rollout file unchanged" \
	eval 'tick 9000 && cmp -s "$T/done.json" "$F/rollout/rollout.json"'
check "fleet status: the telemetry table, then the rollout" \
	eval 'fleet status "$F" >"$T/fstatus" && grep -Eq "^NODE +IMAGE +TOR-UP" "$T/fstatus" &&
		grep -q "^rollout 1: v2.0 (epoch 200): done" "$T/fstatus"'
again=0
at 800 fleet rollout "$F" v2.0 >"$T/again.out" 2>&1 || again=$?
sed 's/^/# /' "$T/again.out" >&2
check "v2.0 again: refused (exit 1), every node current" \
	eval 'test "$again" = 1 && grep -q "no node can take this rollout" "$T/again.out" &&
		test "$(grep -c ": current: runs v2.0" "$T/again.out")" = 3'
check "and the finished rollout stays the newest" cmp -s "$T/done.json" "$F/rollout/rollout.json"
rc_of() { local rc=0; "$@" >/dev/null 2>&1 || rc=$?; echo "$rc"; }
check "fleet rollout abort with none running: exit 1" test "$(rc_of fleet rollout abort "$F")" = 1
check "usage: two of --waves/--wave-size/--fraction, an empty or bad window, --fraction 0: exit 100" \
	test "$(rc_of fleet rollout "$F" v2.0 --waves 2 --wave-size 1) $(rc_of fleet rollout "$F" v2.0 --window 22:00-22:00) $(rc_of fleet rollout "$F" v2.0 --window 24:00-01:00) $(rc_of fleet rollout "$F" v2.0 --fraction 0)" = \
	"100 100 100 100"
tap_done
