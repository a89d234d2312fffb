# shellcheck shell=bash
# Shared start of the rollout tests (TAP; docs/rollouts.md), sourced after
# `set -eu -o pipefail` with RL_TEST set to the test's name: the telemetry
# tests' helpers (tests/telemetry/lib.sh: tm_fleet, tm_node, and tm_server's
# pieces: nginx as rendered, reportd, the Pushgateway), reportd keeping the
# fleet's reports.db as on a config server; releases logged with real
# entries and proofs (lethe-log, tests/logrelease.sh) into the fleet's
# logproofs and approved by a policy key (tpmseal approve) into its
# approvals; nodes that report as an agent does (curl with the node's
# client certificate, through nginx to reportd).  The rollout's clock is
# FLEET_NOW: every tick says what time it is.  Environment: REPORTD,
# CONFIGPULL, LETHE_LOG, TPMSEAL, LETHE_TELEMETRY (build/host/ by default).
TM_TEST=rollout-$RL_TEST
# shellcheck source=tests/telemetry/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../telemetry/lib.sh"
# shellcheck source=tests/logrelease.sh
. "$TOP/tests/logrelease.sh"
LETHE_LOG=$(realpath "${LETHE_LOG:-build/host/lethe-log}")
cs_need nginx prometheus-pushgateway python3 curl openssl
F=$T/fleet
# A day's start: FLEET_NOW of the tests, and the reports' "time".
T0=1767225600

TPMSEAL=$(realpath "${TPMSEAL:-build/host/tpmseal}")
# scripts/fleet as the operator runs it, checking a release with lethe-log
# and tpmseal approved (LETHE_LOG, TPMSEAL) before it rolls it out
fleet() {
	CONFIGPULL=$CONFIGPULL REPORTD=$REPORTD LETHE_LOG=$LETHE_LOG TPMSEAL=$TPMSEAL "$TOP/scripts/fleet" "$@"
}
# at SECONDS CMD...: CMD (fleet ...) with the rollout's clock at T0 + SECONDS
at() {
	local s=$1
	shift
	FLEET_NOW=$((T0 + s)) "$@"
}

# tick SECONDS: fleet rollout tick at T0 + SECONDS, what it says as
# diagnostics; its exit status.
tick() {
	local rc=0
	at "$1" fleet rollout tick "$F" >"$T/tick.out" 2>&1 || rc=$?
	sed 's/^/# /' "$T/tick.out" >&2
	return "$rc"
}

# rl_server NODE...: the fleet F, its server (nginx on port P) and the
# nodes (tm_node: their keys, certificates and ids $T/NODE.{key,pem,id}),
# the release log's key (F/log.pub), the policy key (F/policy.pub), empty
# logproofs and approvals.
rl_server() {
	local n
	tm_fleet
	for n in "$@"; do tm_node "$n"; done
	# tm_server, with reportd's database where the operator keeps it
	cs_pushgateway
	P=$(freeport)
	mkdir -p "$T/ngx-main"
	cs_reportd "$F/reports.db" "$T/ngx-main/reportd.sock"
	tm_nginx main "$P"
	"$LETHE_LOG" keygen --name rollout.lethe.invalid/log --key "$T/log.key" --pub "$T/log.pub" >/dev/null
	cp "$T/log.pub" "$F/log.pub"
	: >"$F/logproofs"
	# the policy key: its public half is the image's /etc/lethe/policy.pub
	openssl ecparam -name prime256v1 -genkey -noout -out "$T/policy.pem" 2>/dev/null
	openssl ec -in "$T/policy.pem" -pubout -out "$F/policy.pub" 2>/dev/null
	: >"$F/approvals"
}

# rl_release VERSION EPOCH [unapproved]: VERSION logged with that approval
# epoch ("" for approval-epoch none: version-1 approvals), its proof added
# to the fleet's logproofs as make publish's out/lethe.logproof is, and
# (unless "unapproved") the policy key's approval of its PCRs for that
# epoch to the fleet's approvals, as make approvals makes it.
rl_release() {
	local o=$T/rel-$1 p7 p13
	mkdir -p "$o"
	p7=$(printf '%s-7' "$1" | sha256sum | cut -c1-64)
	p13=$(printf '%s-13' "$1" | sha256sum | cut -c1-64)
	printf 'stboot 7 %s\nstboot 13 %s\n' "$p7" "$p13" >"$o/lethe.pcrs"
	(cd "$TOP" && LETHE_LOG=$LETHE_LOG log_release "$o" "$1" "$2" "$T/log" "$T/log.key" "$o/proof") || return 1
	cat "$o/proof" >>"$F/logproofs"
	[ -n "$2" ] && [ "${3:-}" != unapproved ] || return 0
	"$TPMSEAL" approve --key "$T/policy.pem" --pcr 7="$p7" --pcr 13="$p13" --epoch "$2" --out "$o/approval" >/dev/null &&
		cat "$o/approval" >>"$F/approvals"
}

# rl_doc NODE [IMAGE-JSON]: the node's document (a relay on TEST-NET-3),
# installed with fleet doc; its image object IMAGE-JSON if given.
rl_doc() {
	local n=$1 id image=
	id=$(cat "$T/$n.id")
	[ -z "${2:-}" ] || image=" \"image\": $2,"
	cat >"$T/doc-$n.json" <<EOF
{"version": 1, "node": "$id", "refresh_interval": 600,$image
 "instances": [{"name": "relay1", "torrc": {"Nickname": "lethe$n", "ORPort": "203.0.113.10:443"}}]}
EOF
	fleet doc "$F" "$id" "$T/doc-$n.json"
}

# doc_image NODE: the image object of the node's document as installed
# (JSON, keys sorted; null without one).
doc_image() {
	python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1])).get("image"), sort_keys=True))' \
		"$F/nodes/$(cat "$T/$1.id").json"
}

# rl_report NODE KEY=VALUE...: a report as node NODE's agent sends it,
# POSTed with its certificate through nginx (204 expected).  KEYs: boot
# (a boot id; default the node's first), image, epoch, unseal, attestation,
# inst (the instance's state), uptime, wanted, done, state, reason (the
# rollout object), norollout=1 (an agent before rollouts: no epoch,
# rollout, tor_state).  seq grows with every report.
RL_SEQ=0
rl_report() {
	local n=$1 code
	shift
	RL_SEQ=$((RL_SEQ + 1))
	python3 - "$(cat "$T/$n.id")" "$RL_SEQ" "$T0" "$@" >"$T/report-$n.json" <<'PY'
import json, sys
node, seq, t0 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
a = dict(boot="00000000-0000-4000-8000-" + node[:12], image="v1.0", epoch="100", unseal="ok",
         attestation="off", inst="up", uptime="3600", wanted="0", done="0", state="none", reason="")
a.update(kv.split("=", 1) for kv in sys.argv[4:])
r = {"version": 1, "node": node, "seq": seq, "time": t0, "boot_id": a["boot"], "uptime_s": int(a["uptime"]),
     "image": a["image"], "epoch": int(a["epoch"]), "stage": "tor",
     "unseal": {"result": a["unseal"], "mode": "authorized"}, "attestation": a["attestation"],
     "instances": [{"name": "relay1", "fingerprint": "", "tor_version": "0.4.9.15", "state": a["inst"],
                    "restarts": 0, "last_exit": "-", "crashloop": False, "rss_kib": 1000,
                    "allocator": "jemalloc", "allocator_mapped": "yes"}],
     "rollout": {"wanted": int(a["wanted"]), "done": int(a["done"]), "state": a["state"], "reason": a["reason"]},
     "tor_state": {"restore": "restored", "reason": "", "saved": t0, "counter": 3}}
if a.get("norollout"):
    for k in ("epoch", "rollout", "tor_state"):
        del r[k]
print(json.dumps(r))
PY
	code=$(curl -s --max-time 10 --cacert "$F/ca.pem" --cert "$T/$n.pem" --key "$T/$n.key" -o "$T/resp" \
		-w '%{http_code}' --data-binary @"$T/report-$n.json" "https://localhost:$P/v1/report") || true
	[ "$code" = 204 ] || { diag "report of $n: $code $(head -c 300 "$T/resp")"; return 1; }
}

# status_has REGEX: a line of fleet rollout status matches (the output in
# $T/status.out, its exit code in $T/status.rc).
status_has() {
	local rc=0
	fleet rollout status "$F" >"$T/status.out" 2>&1 || rc=$?
	echo "$rc" >"$T/status.rc"
	grep -Eq -- "$1" "$T/status.out" || { sed 's/^/# /' "$T/status.out" >&2; return 1; }
}
