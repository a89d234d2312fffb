#!/bin/bash
# scripts/fleet rollout, the ways it refuses or stops (docs/rollouts.md):
#
#   - refused at the start: a release without an approval epoch in the log
#     (approval-epoch none), one not logged, one without the policy key's
#     approval (tpmseal approved); a second rollout while one runs;
#   - a node whose report has no rollout object (an image without
#     rollouts) is left out as manual, its document untouched;
#   - stopped: wave 1's node back from its reboot with unseal refused (the
#     status names the node and "unseal refused"; wave 2's documents stay
#     untouched, also by later ticks); a node that says it refused the
#     rollout (its reason); no healthy report within --timeout; the
#     operator's abort.
#
# Three nodes a, b, c: c runs an image without rollouts; a and b are waves 1
# and 2 in node id order.
set -eu -o pipefail
RL_TEST=stop
. "$(dirname "$0")/lib.sh"
TAP_CAPTURE=$T
tap_plan 31

rl_server a b c
check "logged: v1.0 (epoch 100), v2.0 (200), v0.9 (approval-epoch none), v2.1 (250, not approved)" \
	eval 'rl_release v1.0 100 && rl_release v2.0 200 && rl_release v0.9 "" && rl_release v2.1 250 unapproved'
check "each node has a document" eval 'rl_doc a && rl_doc b && rl_doc c'
check "a and b report v1.0; c an agent before rollouts (no rollout object), 204" \
	eval 'rl_report a && rl_report b && rl_report c norollout=1 image=v0.8'
id() { cat "$T/$1.id"; }
if [[ $(id a) < $(id b) ]]; then W1=a W2=b; else W1=b W2=a; fi
before2=$(doc_image "$W2") beforec=$(doc_image c)
untouched() { [ "$(doc_image "$W2")" = "$before2" ] && [ "$(doc_image c)" = "$beforec" ]; }
row() { grep -Eq "^$(id "$1") +$2 +$3 +$4" "$T/status.out"; }
# start NAME SECONDS ARGS...: fleet rollout at that time; its output in $T/NAME.out, its exit code printed
start() {
	local name=$1 s=$2 rc=0
	shift 2
	at "$s" fleet rollout "$F" "$@" >"$T/$name.out" 2>&1 || rc=$?
	sed 's/^/# /' "$T/$name.out" >&2
	echo "$rc"
}

# --- refused at the start -------------------------------------------------------------------------
check "v0.9 (approval-epoch none): refused, exit 1, said why" \
	eval 'test "$(start none 0 v0.9)" = 1 && grep -q "v0.9: its entry says approval-epoch none" "$T/none.out"'
check "v3.0 (not in the log): refused, exit 1" \
	eval 'test "$(start unlogged 0 v3.0)" = 1 && grep -q "v3.0: no verified entry in" "$T/unlogged.out"'
check "v2.1 (logged, no approval for epoch 250): refused by tpmseal approved, exit 1" \
	eval 'test "$(start unapproved 0 v2.1)" = 1 && grep -q "v2.1: release v2.1 epoch 250 not approved" "$T/unapproved.out"'
check "no rollout file after them: status exit 100" \
	eval 'src=0; fleet rollout status "$F" >/dev/null 2>&1 || src=$?; test "$src" = 100 && test ! -e "$F/rollout/rollout.json"'

# --- stopped: unseal refused after the reboot --------------------------------------------------------
check "rollout of v2.0 (2 waves of 1): started, exit 0" test "$(start r1 0 v2.0 --waves 2 --spacing 0)" = 0
check "c is manual: runs an image without rollouts" eval 'status_has . && row c - manual "runs an image without rollouts \\(v0\\.8\\)"'
check "c's document untouched; wave 2's too" untouched
check "a second rollout while one runs: refused, exit 1" \
	eval 'test "$(start second 10 v2.0)" = 1 && grep -q "rollout 1 (v2.0) is running: one at a time" "$T/second.out"'
check "wave 1's node back from its reboot: v2.0, epoch 200, unseal refused" \
	rl_report "$W1" boot=11111111-2222-4333-8444-555555555555 image=v2.0 epoch=200 unseal=refused inst=down uptime=30 \
	wanted=1 done=1 state=current
trc=0
tick 60 || trc=$?
check "the tick stops the rollout: exit 1" test "$trc" = 1
check "status: exit 1; its first line names the node and unseal refused" \
	eval 'status_has "^rollout 1: v2.0 \\(epoch 200\\): stopped at 2026-01-01T00:01:00Z by node $(id "$W1"): unseal refused after the reboot" &&
		test "$(cat "$T/status.rc")" = 1 && test "$(head -n 1 "$T/status.out" | grep -c "unseal refused")" = 1'
check "the node failed, wave 2's pending" eval 'row "$W1" 1 failed "unseal refused" && row "$W2" 2 pending -'
check "wave 2's documents untouched" untouched
trc=0
tick 7200 || trc=$?
check "later ticks: exit 1, still nothing touched" eval 'test "$trc" = 1 && untouched'

# --- stopped: the node refused the rollout ---------------------------------------------------------------
check "rollout 2 of v2.0: started; wave 1's node, now on v2.0, is current; the rollout file before in history/1.json" \
	eval 'test "$(start r2 7300 v2.0)" = 0 && status_has "^rollout 2: v2.0" && row "$W1" - current "runs v2.0" &&
		test -f "$F/rollout/history/1.json" && row "$W2" 1 wanted -'
check "rollout 2's number is in the document" \
	test "$(doc_image "$W2")" = '{"epoch": 200, "rollout": 2, "version": "v2.0", "window": "00:00-23:59"}'
check "the node reports: rollout 2 refused, no approval" \
	rl_report "$W2" wanted=2 done=0 state=refused "reason=no approval for epoch 200 in /run/lethe/config/approvals"
trc=0
tick 7400 || trc=$?
check "the tick stops it (exit 1) with the node's reason" \
	eval 'test "$trc" = 1 && status_has "by node $(id "$W2"): refused by the node: no approval for epoch 200 in /run/lethe/config/approvals"'
check "a refusal of an earlier rollout does not stop a later one" \
	eval 'test "$(start r3 7500 v2.0 --timeout 300)" = 0 && tick 7600 && status_has "^$(id "$W2") +1 +wanted"'

# --- stopped: timeout ----------------------------------------------------------------------------------------------
check "at 299 s no report yet: still running" eval 'tick 7799 && status_has "running wave 1 of 1"'
trc=0
tick 7800 || trc=$?
check "at --timeout 300 s: stopped, exit 1, no healthy report within 300 s" \
	eval 'test "$trc" = 1 && status_has "by node $(id "$W2"): no healthy report within 300 s"'

# --- stopped: booted the wrong image, or never up -----------------------------------------------------------------------
check "rollout 4 (--grace 120): started" test "$(start r4 8000 v2.0 --grace 120)" = 0
check "a new boot of v1.0 that has not rebooted for rollout 4 yet (done 3, waiting): on its way, still running" \
	eval 'rl_report "$W2" boot=21212121-2222-4333-8444-555555555555 image=v1.0 epoch=100 uptime=2000 wanted=4 done=3 state=waiting &&
		tick 8050 && status_has "running wave 1 of 1"'
check "the node rebooted for rollout 4 (done 4) and booted v1.0 again: stopped, its image named" \
	eval 'rl_report "$W2" boot=22222222-2222-4333-8444-555555555555 image=v1.0 epoch=100 uptime=20 wanted=4 done=4 state=current &&
		! tick 8100 && status_has "by node $(id "$W2"): booted v1.0, not v2.0"'
check "rollout 5: the node back on v2.0 but its tor in backoff past --grace 120: stopped" \
	eval 'test "$(start r5 8200 v2.0 --grace 120)" = 0 &&
		rl_report "$W2" boot=33333333-2222-4333-8444-555555555555 image=v2.0 epoch=200 inst=backoff uptime=121 && ! tick 8300 &&
		status_has "by node $(id "$W2"): not healthy 121 s after the reboot: relay1 backoff"'

# --- abort ------------------------------------------------------------------------------------------------------------------
check "rollout 6, --nodes: only the node named" \
	eval 'rl_report "$W2" boot=44444444-2222-4333-8444-555555555555 && test "$(start r6 9000 v2.0 --nodes "$(id "$W2")")" = 0'
cp "$F/nodes/$(id "$W2").json" "$T/doc-before-abort"
check "fleet rollout abort: exit 0; status exit 1, aborted by the operator" \
	eval 'at 9100 fleet rollout abort "$F" && status_has "^rollout 6: v2.0 \\(epoch 200\\): stopped at 2026-01-01T02:31:40Z: aborted by the operator" &&
		test "$(cat "$T/status.rc")" = 1'
check "after the abort: a tick changes nothing (exit 1), the document stays as it was" \
	eval '! tick 9200 && cmp -s "$T/doc-before-abort" "$F/nodes/$(id "$W2").json"'
tap_done
