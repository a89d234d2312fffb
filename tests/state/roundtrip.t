#!/bin/bash
# lethe-state as initd runs it, against the fleet's own server (nginx as
# render-nginx renders it, reportd) and the node's TPM (swtpm: the node key
# and the state counter): nothing on the server and no counter yet is
# `none`; a save then a restore gives back every instance's state file
# byte for byte, 0600 and its instance's (uid 100+I when root), with the
# rollout; each save increments the TPM counter exactly once (swtpm's
# command log), a restore never; what reportd keeps is the header in the
# clear and ciphertext, and nothing the server or lethe-state wrote holds
# a byte of plaintext state or of a key.
set -eu -o pipefail
ST_TEST=roundtrip
. "$(dirname "$0")/lib.sh"
tap_plan 30

tm_fleet
st_node a "relay1 relay2"
ID=$(cat "$T/a.id")
tm_server
D=$T/a/data R=$T/a/run

# --- nothing saved yet ---------------------------------------------------
st_rc 2 "nothing on the server, no counter yet: none (exit 2)" a restore
check "result: none, with its reason" test "$(cat "$R/result")" = "none
no state on the server, none saved yet"
check "rollout 0: nothing was rolled out" test "$(cat "$R/rollout")" = 0
check "the run directory is 0700 (as root: root's)" test "$(stat -c %a "$R")" = 700
check "nothing written to the DataDirectories" test -z "$(ls -A "$D")"
same "no NV write yet: the index is not defined by a restore" "$(st_increments a)x" 0x

# --- the first save --------------------------------------------------------
st_state a relay1
st_state a relay2
head -c 5000 /dev/urandom | base64 -w 76 | sed 's/^/BWHistoryReadValues /' >>"$D/relay2/state"
cp "$D/relay1/state" "$T/relay1.orig"
cp "$D/relay2/state" "$T/relay2.orig"
echo 3 >"$R/rollout"
n0=$(st_increments a)
st_rc 0 "save: exit 0" a save
check "it says what it saved" grep -q "^lethe-state: saved 2 of 2 instances, counter [0-9]*, rollout 3, [0-9]* bytes$" "$T/out"
same "one NV_Increment for the save (the index defined by it)" "$(($(st_increments a) - n0))" 1
C1=$(awk '{print $2}' "$R/saved")
check "saved: UNIX_SECONDS COUNTER" grep -qxE "[0-9]{10} [0-9]+" "$R/saved"
check "the counter is the TPM's" \
	test "$(TPM2TOOLS_TCTI="$TCTI_a" tpm2_nvread 0x$NV -C 0x$NV 2>/dev/null | xxd -p)" = "$(printf '%016x' "$C1")"
check "reportd state: the node's row, its counter and rollout, never the blob" \
	bash -c "'$REPORTD' state --db '$T/reportd.db' | grep -qxE '$ID bytes=[0-9]+ counter=$C1 rollout=3 received=[0-9]+'"
st_blob a "$T/blob1"
"$LETHE_STATE" show "$T/blob1" >"$T/show.out" 2>&1
cat "$T/show.out" >>"$T/all.out"
check "show: node, counter, rollout, the instances' ciphertext sizes" bash -c "
	grep -qx 'lethe-state: node $ID' '$T/show.out' && grep -qx 'lethe-state: counter $C1' '$T/show.out' &&
	grep -qx 'lethe-state: rollout 3' '$T/show.out' && grep -qx 'lethe-state: instances 2' '$T/show.out' &&
	grep -qx \"lethe-state: instance relay1 \$((\$(stat -c %s '$T/relay1.orig') + 16)) bytes\" '$T/show.out'"

# --- restore into empty DataDirectories -------------------------------------
rm -rf "${D:?}"/*
echo 99 >"$R/rollout"
n1=$(st_increments a)
st_rc 0 "restore: exit 0" a restore
check "relay1's state is back, byte for byte" cmp "$T/relay1.orig" "$D/relay1/state"
check "relay2's (with 6 KB of history) too" cmp "$T/relay2.orig" "$D/relay2/state"
check "mode 0600, DataDirectories 0700" \
	test "$(stat -c %a "$D/relay1/state" "$D/relay2/state" "$D/relay1" "$D/relay2" | tr '\n' ' ')" = "600 600 700 700 "
if ((EUID == 0)); then
	check "owned by the instance's user: uid 100 and 101, gid 100 (files and directories)" \
		test "$(stat -c %u:%g "$D/relay1/state" "$D/relay1" "$D/relay2/state" "$D/relay2" | tr '\n' ' ')" = \
		"100:100 100:100 101:100 101:100 "
else
	skip "owned by the instance's user" "not root (--no-chown)"
fi
check "no temporary left" test -z "$(find "$D" -name '.*')"
check "result: restored, its counter and instances" test "$(cat "$R/result")" = "restored
counter $C1, rollout 3, 2 instances: relay1 relay2"
check "rollout: the blob's (3), not the file's before" test "$(cat "$R/rollout")" = 3
same "no NV write for a restore" "$(($(st_increments a) - n1))" 0

# --- a second save and restore ------------------------------------------------
echo 7 >"$R/rollout"
echo "AccountingBytesReadInInterval 223456789" >>"$D/relay1/state"
cp "$D/relay1/state" "$T/relay1.orig2"
rm -f "$D/relay2/state"
n2=$(st_increments a)
st_rc 0 "a second save" a save
check "relay2 without a state file: left out, said" grep -q "^lethe-state: instance relay2: no state file .*: left out$" "$T/out"
same "one more NV_Increment, one only" "$(($(st_increments a) - n2))" 1
rm -rf "${D:?}"/*
st_rc 0 "restore: the newest" a restore
check "relay1's newest state, rollout 7, relay2 not written" \
	bash -c "cmp -s '$T/relay1.orig2' '$D/relay1/state' && [ \"\$(cat '$R/rollout')\" = 7 ] && [ ! -e '$D/relay2' ]"

# --- nothing readable anywhere but on the node ---------------------------------
key_file=$T/key-forms
{ st_key a 0 hex; st_key a 0 b64; } >"$key_file"
scan_finds() {
	! st_scan "$D/relay1/state" "$key_file" >"$T/scan.out" && grep -q marker "$T/scan.out" &&
		grep -q 'state line' "$T/scan.out" && grep -q 'key hex' "$T/scan.out" && grep -q 'key b64' "$T/scan.out"
}
check "the scan finds what it looks for: the marker and state lines in a state file, a key's forms" scan_finds
st_absent "reportd's database, nginx's and reportd's logs, the blob: no plaintext state, no key (raw, hex, base64)" \
	"$T/reportd.db" "$T/reportd.db-wal" "$T/reportd.db-shm" "$T/ngx-main/access.log" "$T/ngx-main/error.log" \
	"$T/ngx-main/stderr" "$T/reportd.log" "$T/blob1"
st_absent "lethe-state's own output: no plaintext state, no key" "$T/all.out"

tap_done
