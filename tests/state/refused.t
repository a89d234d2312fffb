#!/bin/bash
# What a restore refuses, the config server being the adversary (it can
# withhold, replay or swap blobs, never read or forge one): an older blob
# of this node put back into reportd's database (a replay), a blob whose
# counter was raised, another node's blob, another node's blob given this
# node's id and counter, one byte flipped, a truncated blob, a blob when the
# TPM counter is gone, nothing on the server after a save.  Each is
# `refused` (exit 1) with its reason in the result file, the rollout file
# removed, and the DataDirectory not touched.  A server that cannot be
# reached is `failed` (111).  And reportd refuses what is not a node's own
# blob before keeping it.
set -eu -o pipefail
ST_TEST=refused
. "$(dirname "$0")/lib.sh"
tap_plan 44

tm_fleet
st_node a
st_node b
tm_node c
A=$(cat "$T/a.id")
tm_server
D=$T/a/data R=$T/a/run

# the DataDirectory as tor left it: every refusal must leave it so
fingerprint() { (cd "$D" && find . -printf '%p %m %s\n' | sort && find . -type f -exec sha256sum {} + | sort); }
# refused DESC REASON-REGEX: a restore refused with that reason, nothing touched
refused() {
	local before
	before=$(fingerprint)
	echo 5 >"$R/rollout"
	st_rc 1 "$1: refused (exit 1)" a restore
	if grep -qx refused <(head -1 "$R/result") && sed -n 2p "$R/result" | grep -qE "$2" && [ ! -e "$R/rollout" ] &&
		[ "$(fingerprint)" = "$before" ]; then
		ok "$1: said why, no rollout file, the DataDirectory untouched"
	else
		not_ok "$1: said why, no rollout file, the DataDirectory untouched"
		diag "result: $(tr '\n' '|' <"$R/result") rollout: $(cat "$R/rollout" 2>/dev/null || echo absent)"
	fi
}
# patch IN OUT OFFSET HEXBYTES: a copy of blob IN with bytes replaced
patch() {
	python3 - "$@" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
new = bytes.fromhex(sys.argv[4])
off = int(sys.argv[3])
b[off:off + len(new)] = new
open(sys.argv[2], "wb").write(b)
PY
}

st_state a relay1
st_rc 0 "save 1" a save
C1=$(awk '{print $2}' "$R/saved")
st_blob a "$T/old.blob"
echo "AccountingBytesReadInInterval 2" >>"$D/relay1/state"
st_rc 0 "save 2" a save
C2=$(awk '{print $2}' "$R/saved")
st_blob a "$T/new.blob"
check "save 2's counter is one more than save 1's" test "$C2" = $((C1 + 1))
echo "tor's newest state, written after the last save" >>"$D/relay1/state"

# --- the server replays the older blob (a malicious operator with sqlite) ----
check "the server's database now holds the older blob" st_put_blob a "$T/old.blob"
check "reportd state shows the header of the blob it serves: counter $C1" \
	bash -c "'$REPORTD' state --db '$T/reportd.db' --node $A | grep -qE '^$A bytes=[0-9]+ counter=$C1 rollout=0 received=[0-9]+$'"
refused "an older blob replayed" "^older state: counter $C1, the node wrote $C2$"

# --- a raised counter (the header is covered by every instance's tag) -------
patch "$T/new.blob" "$T/newer.blob" 40 "$(printf '%016x' $((C2 + 1)))"
st_put_blob a "$T/newer.blob"
refused "a blob with its counter raised" "^newer state than the node ever wrote: counter $((C2 + 1)), the node's counter is $C2$"
patch "$T/old.blob" "$T/forged.blob" 40 "$(printf '%016x' "$C2")"
st_put_blob a "$T/forged.blob"
refused "the older blob with the current counter written in" "^instance relay1: does not decrypt with its key"

# --- another node's ----------------------------------------------------------
st_state b relay1
st_rc 0 "node b saves its own state" b save
st_blob b "$T/b.blob"
st_put_blob a "$T/b.blob"
refused "another node's blob" "^another node's state: node $(head -c 16 "$T/b.id")\.\.\., this node is $(head -c 16 "$T/a.id")\.\.\.$"
patch "$T/b.blob" "$T/b-as-a.blob" 8 "$A"
patch "$T/b-as-a.blob" "$T/b-as-a.blob" 40 "$(printf '%016x' "$C2")"
st_put_blob a "$T/b-as-a.blob"
refused "another node's blob with this node's id and counter (another key)" "^instance relay1: does not decrypt with its key"

# --- tampered bytes -----------------------------------------------------------
size=$(stat -c %s "$T/new.blob")
patch "$T/new.blob" "$T/flip.blob" $((size - 1)) "$(xxd -p -s $((size - 1)) -l 1 "$T/new.blob" | tr 0-9a-f 1-9a-f0)"
st_put_blob a "$T/flip.blob"
refused "one byte of ciphertext changed" "does not decrypt with its key"
patch "$T/new.blob" "$T/flip2.blob" 60 "$(xxd -p -s 60 -l 1 "$T/new.blob" | tr 0-9a-f 1-9a-f0)"
st_put_blob a "$T/flip2.blob"
refused "one byte of the header's time changed" "does not decrypt with its key"
head -c $((size - 7)) "$T/new.blob" >"$T/short.blob"
st_put_blob a "$T/short.blob"
refused "a truncated blob" "^malformed state: instance relay1: cut short$"

# --- the counter gone ------------------------------------------------------------
st_put_blob a "$T/new.blob"
check "the TPM owner undefines the counter" env TPM2TOOLS_TCTI="$TCTI_a" tpm2_nvundefine "0x$NV" -C o
refused "a valid blob, no counter index" "^no counter to check it against: NV index 0x${NV,,} is not defined$"
st_rc 0 "a save defines the counter again" a save
check "... and its first value is above every earlier one (the TPM's rule)" \
	test "$(awk '{print $2}' "$R/saved")" -gt "$C2"
rm -f "$D/relay1/state"
st_rc 0 "that save restores" a restore

# --- withheld ---------------------------------------------------------------------
C3=$(awk '{print $2}' "$R/saved")
"$REPORTD" forget --db "$T/reportd.db" --node "$A" 2>"$T/forget.err"
check "reportd forget drops the state too" grep -qx "reportd: forgot $A: its sealed tor state" "$T/forget.err"
refused "nothing on the server after a save" "^no state on the server, the node saved state $C3$"

# --- reportd's own checks (curl as node c, a key file) ------------------------------
put() { curl -s -o "$T/put.out" -w '%{http_code}' --cacert "$T/fleet/ca.pem" --cert "$T/c.pem" --key "$T/c.key" \
	-X "${2:-PUT}" --data-binary "@$1" -H 'Content-Type: application/octet-stream' "https://localhost:$P/v1/state"; }
same "another node's blob PUT with node c's certificate: 403" "$(put "$T/new.blob")" 403
check "... with reportd's reason" grep -qx "state: node is not this certificate's node" "$T/put.out"
head -c 100 /dev/urandom >"$T/junk"
same "not a blob: 400" "$(put "$T/junk")" 400
head -c $((262700 + 1024)) /dev/zero >"$T/big"
same "over LETHE_STATE_BLOB_MAX: 413 (nginx)" "$(put "$T/big")" 413
same "POST: 403 (nginx: PUT and GET only)" "$(put "$T/junk" POST)" 403
same "GET without a client certificate: 403" \
	"$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/fleet/ca.pem" "https://localhost:$P/v1/state")" 403
same "GET as node c, which saved nothing: 404" "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/fleet/ca.pem" \
	--cert "$T/c.pem" --key "$T/c.key" "https://localhost:$P/v1/state")" 404

# --- the server down ------------------------------------------------------------------
tm_nginx_stop
echo 5 >"$R/rollout"
st_rc 111 "the server down: restore failed (exit 111)" a restore
check "result failed with curl's reason, no rollout file" \
	bash -c "[ \"\$(head -1 '$R/result')\" = failed ] && sed -n 2p '$R/result' | grep -q 'unable to GET https://localhost:$P/v1/state' && [ ! -e '$R/rollout' ]"
st_state a relay1
n=$(st_increments a)
st_rc 111 "the server down: save failed (exit 111)" a save
check "... saying the counter moved on" grep -q "the counter is at $((C3 + 1)): restore refuses the server's older state until a save succeeds" "$T/out"
same "... after its one increment" "$(($(st_increments a) - n))" 1

st_absent "lethe-state's output: no plaintext state, no key" "$T/all.out"
tap_done
