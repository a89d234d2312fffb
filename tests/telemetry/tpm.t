#!/bin/bash
# The agent as the relay runs it: the node key in a TPM (swtpm, its key made
# by configpull enroll, its certificate signed by scripts/fleet), every
# request over one persistent mTLS connection.  swtpm's command dump counts
# the TPM2_Sign commands: one per connection, not one per request.
set -eu -o pipefail
TM_TEST=tpm
. "$(dirname "$0")/lib.sh"
tap_plan 8

HANDLE=0x81000020
mkdir -p "$T/tpm"
# level 20: every command's bytes in the log
swtpm socket --tpm2 --server type=unixio,path="$T/tpm/sock" --ctrl type=unixio,path="$T/tpm/sock.ctrl" \
	--flags startup-clear --tpmstate dir="$T/tpm" --log file="$T/tpm/swtpm.log",level=20 &
PIDS+=("$!")
wait_until 5 test -S "$T/tpm/sock"
TCTI="swtpm:path=$T/tpm/sock"
# TPM2_Sign is command code 0x15d; a command starts with its tag (8001 or
# 8002) and size.
tpm_signs() {
	grep -E '^( [0-9A-F]{2})+ ?$' "$T/tpm/swtpm.log" | tr -d ' \n' | grep -oiE '800[12][0-9A-F]{8}0000015D' | wc -l
}

tm_fleet
"$CONFIGPULL" enroll --handle "$HANDLE" --tcti "$TCTI" >"$T/enroll.out" 2>/dev/null
ID=$(sed -n 's/^node-id: //p' "$T/enroll.out")
fleet sign "$T/fleet" "$T/enroll.out" >/dev/null 2>&1
cp "$T/fleet/certs/$ID.pem" "$T/node.pem"
tm_server
echo "LETHE_VERSION=test-1.0" >"$T/release"
tm_status "$T/status" version=1 seq=1 stage=tor instances=0
signs0=$(tpm_signs)

"$LETHE_TELEMETRY" run --ca "$T/fleet/ca.pem" --cert "$T/node.pem" --handle "$HANDLE" --tcti "$TCTI" \
	--status "$T/status" --release "$T/release" --conf-dir "$T/conf" --interval 1 --tor /nonexistent \
	"$URL" </dev/null >"$T/agent.out" 2>&1 &
AGENT=$!
PIDS+=("$AGENT")
check "the agent, with the TPM key, reports as the TPM key's node" \
	wait_until 15 bash -c "'$REPORTD' report --db '$T/reportd.db' --node $ID | $JV 'r[\"node\"] == \"$ID\"'"
# a report and a metrics push every second
sleep $((6 * SCALE))
nreq=$(grep -c ' /v1/' "$T/ngx-main/access.log")
check "many requests ($nreq), one TPM2_Sign ($(($(tpm_signs) - signs0))): the connection is reused" \
	test "$nreq" -ge 10 -a $(($(tpm_signs) - signs0)) = 1
check "the node metrics say one connection, and its handshake time" \
	wait_until 5 bash -c "curl -sf http://127.0.0.1:$PGW/metrics | grep -qE '^lethe_telemetry_connections_total\{instance=\"\",job=\"lethe\",node=\"$ID\"\} 1$' &&
		curl -sf http://127.0.0.1:$PGW/metrics | grep -qE '^lethe_telemetry_handshake_seconds\{instance=\"\",job=\"lethe\",node=\"$ID\"\} [0-9]'"
grep -oE 'TLS handshake [0-9.]+ s' "$T/agent.out" | sed 's/^/# with swtpm: /' >&2 || true

# the server restarts: one new connection, one more signature
tm_nginx_stop
check "the server goes: said once" wait_until 10 grep -q 'unable to send' "$T/agent.out"
tm_nginx_start main "$P"
check "it comes back: the agent reconnects" wait_until 30 grep -q 'sent again after' "$T/agent.out"
sleep $((3 * SCALE))
check "one more TPM2_Sign for the new connection, none for the requests after it" \
	test $(($(tpm_signs) - signs0)) = 2
check "connections_total 2" \
	wait_until 5 bash -c "curl -sf http://127.0.0.1:$PGW/metrics | grep -qE '^lethe_telemetry_connections_total\{instance=\"\",job=\"lethe\",node=\"$ID\"\} 2$'"
kill -TERM "$AGENT"
rc=0
wait "$AGENT" || rc=$?
check "SIGTERM: exit 0" test "$rc" = 0

tap_done
