#!/bin/bash
# The node's side of a rollout's report, end to end: the real lethe-telemetry
# (key file, as tests/telemetry/agent.t) reads initd's status file and
# /etc/lethe-release and sends epoch, rollout and tor_state through nginx
# to reportd, which keeps them (docs/observability.md); a status file
# without the new keys (an initd before rollouts) reads as their defaults;
# a change of them is reported.  Then scripts/fleet rollout takes the node
# (its report has a rollout object: not manual).
set -eu -o pipefail
RL_TEST=agent
. "$(dirname "$0")/lib.sh"
TAP_CAPTURE=$T
tap_plan 9

rl_server a
A=$(cat "$T/a.id")
URL="https://localhost:$P/v1/node.json"
mkdir -p "$T/conf" "$T/data"
printf 'LETHE_VERSION=v1.0\nLETHE_EPOCH=100\n' >"$T/release"
base=(version=1 stage=tor unseal=ok unseal_mode=authorized pull_exit=0 instances=1 inst.0.name=relay1 inst.0.state=up)
tm_status "$T/status" seq=1 "${base[@]}"
"$LETHE_TELEMETRY" run --ca "$F/ca.pem" --cert "$T/a.pem" --key "$T/a.key" --status "$T/status" \
	--conf-dir "$T/conf" --release "$T/release" --data-dir "$T/data" --tor /nonexistent --interval 30 "$URL" \
	</dev/null >"$T/agent.out" 2>&1 &
PIDS+=("$!")

# field EXPR: EXPR of node A's newest report kept by reportd (r), as JSON
field() { "$REPORTD" report --db "$F/reports.db" --node "$A" 2>/dev/null | $JV "$1" || true; }
is() { [ "$(field "$1")" = "$2" ]; }

check "the agent's first report reaches reportd" wait_until 15 is 'r["image"]' '"v1.0"'
check "epoch: LETHE_EPOCH of --release" is 'r["epoch"]' 100
check "a status file without the rollout keys: rollout none, nothing done known, restore pending" \
	is '[r["rollout"], r["tor_state"]]' \
	'[{"done": -1, "reason": "", "state": "none", "wanted": 0}, {"counter": 0, "reason": "", "restore": "pending", "saved": 0}]'
tm_status "$T/status" seq=2 "${base[@]}" rollout_wanted=7 rollout_done=6 rollout_state=waiting \
	"rollout_reason=outside the window 22:00-02:00" torstate=restored torstate_reason= torstate_saved=1767222000 \
	torstate_counter=42
check "initd's rollout keys: reported within 5 s of the change" \
	wait_until 5 is 'r["rollout"]' '{"done": 6, "reason": "outside the window 22:00-02:00", "state": "waiting", "wanted": 7}'
check "and the tor state's" is 'r["tor_state"]' '{"counter": 42, "reason": "", "restore": "restored", "saved": 1767222000}'
tm_status "$T/status" seq=3 "${base[@]}" rollout_wanted=7 rollout_done=6 rollout_state=refused \
	"rollout_reason=no approval for epoch 200" torstate=refused "torstate_reason=counter 41, the TPM says 42"
check "a refusal, and the tor state refused: reported" \
	wait_until 5 is '[r["rollout"]["state"], r["rollout"]["reason"], r["tor_state"]["restore"], r["tor_state"]["reason"]]' \
	'["refused", "no approval for epoch 200", "refused", "counter 41, the TPM says 42"]'
check "reportd kept every report of the agent (no 400 in its log)" eval '! grep -q " 400 " "$T/reportd.log"'

# the node is rollout-capable: fleet rollout takes it
tm_status "$T/status" seq=4 "${base[@]}"
check "v2.0 logged and approved; the node's document" eval 'rl_release v2.0 200 && rl_doc a'
check "fleet rollout v2.0: the node is in wave 1, its document names v2.0" \
	eval 'at 0 fleet rollout "$F" v2.0 >"$T/start.out" 2>&1 &&
		test "$(doc_image a)" = "{\"epoch\": 200, \"rollout\": 1, \"version\": \"v2.0\", \"window\": \"00:00-23:59\"}"'
tap_done
