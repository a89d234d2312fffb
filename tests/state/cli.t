#!/bin/bash
# lethe-state's command line without a server or a TPM: usage errors (100),
# show on what is not a blob (1) and on no file (111), and the failures
# that come before the network: no node.conf, no TPM.  A restore that
# fails still writes its result, and removes the rollout file.
set -eu -o pipefail
. "$(dirname "$0")/../tap.sh"
LETHE_STATE=$(realpath "${LETHE_STATE:-build/host/lethe-state}")
T=$(tap_scratch state-cli) || exit 1
trap 'rm -rf "$T"' EXIT
tap_plan 9

URL=https://localhost:1/v1/node.json
rc_of() { local rc=0; "$@" >/dev/null 2>&1 || rc=$?; echo "$rc"; }

check "usage errors exit 100: no command, no URL, an http URL, --nv outside 0x01..., --handle outside 0x81..., two URLs, show without a file" \
	test "$(rc_of "$LETHE_STATE") $(rc_of "$LETHE_STATE" save) $(rc_of "$LETHE_STATE" restore http://localhost/x) $(rc_of "$LETHE_STATE" save --nv 0x81000000 "$URL") $(rc_of "$LETHE_STATE" save --handle 0x1 "$URL") $(rc_of "$LETHE_STATE" restore "$URL" "$URL") $(rc_of "$LETHE_STATE" show)" = \
	"100 100 100 100 100 100 100"
printf 'LTSTATE1 but nothing more' >"$T/junk"
check "show: not a blob, exit 1, said why" bash -c "'$LETHE_STATE' show '$T/junk' 2>&1 >/dev/null | grep -qx 'lethe-state: $T/junk: refused: 25 bytes, shorter than the 68-byte header'; [ \${PIPESTATUS[0]} = 1 ]"
check "show: no file, exit 111" test "$(rc_of "$LETHE_STATE" show "$T/none")" = 111

mkdir -p "$T/conf" "$T/run"
opts=(--key /dev/null --conf-dir "$T/conf" --keys-dir "$T/keys" --data-dir "$T/data" --run-dir "$T/run" --no-chown)
echo 4 >"$T/run/rollout"
rc=0
"$LETHE_STATE" restore "${opts[@]}" "$URL" >"$T/out" 2>&1 || rc=$?
check "restore without node.conf: failed, exit 111" test "$rc" = 111
check "... its result written, the rollout file removed" \
	bash -c "[ \"\$(head -1 '$T/run/result')\" = failed ] && grep -q '^unable to read $T/conf/node.conf: No such file or directory$' '$T/run/result' && [ ! -e '$T/run/rollout' ]"
check "... every line it printed begins with lethe-state:" bash -c "! grep -v '^lethe-state: ' '$T/out'"
printf 'node=%064d\ninstances=relay1\n' 0 >"$T/conf/node.conf"
rc=0
"$LETHE_STATE" restore "${opts[@]}" --tcti "swtpm:path=$T/no-tpm" "$URL" >"$T/out" 2>&1 || rc=$?
check "restore without a TPM: failed, exit 111, said" \
	bash -c "[ $rc = 111 ] && grep -q '^lethe-state: restore: failed: unable to reach the TPM' '$T/out'"
mkdir -p "$T/data/relay1"
echo "AccountingBytesReadInInterval 1" >"$T/data/relay1/state"
rc=0
"$LETHE_STATE" save "${opts[@]}" "$URL" >"$T/out" 2>&1 || rc=$?
check "save without the instance's key: exit 111 before the TPM, said" \
	bash -c "[ $rc = 111 ] && grep -q '^lethe-state: save failed: unable to read $T/keys/0/keys/ed25519_master_id_secret_key: No such file or directory$' '$T/out'"
rm "$T/data/relay1/state"
rc=0
"$LETHE_STATE" save "${opts[@]}" "$URL" >"$T/out" 2>&1 || rc=$?
check "save with no state file at all: nothing to save, exit 0, no counter touched" \
	bash -c "[ $rc = 0 ] && grep -q '^lethe-state: nothing to save: no instance has a state file; the counter is not incremented$' '$T/out' && [ ! -e '$T/run/saved' ]"

tap_done
