#!/bin/bash
# A real tor's state file through a save and a restore: tor (a relay with
# accounting, DisableNetwork 1, its KeyDirectory where tpmseal puts the
# instance's keys, so the state key comes from tor's own identity file)
# writes its state and exits; lethe-state saves it, the DataDirectory is
# wiped as a reboot wipes the RAM, lethe-state restores it, and tor started
# again takes it: no state.N moved aside, no complaint in its log, the
# accounting counters and the onion key rotation time carried over.
set -eu -o pipefail
ST_TEST=tor
. "$(dirname "$0")/lib.sh"
tap_plan 11
# tor runs as the test's user: it refuses a DataDirectory of another
ST_NOCHOWN=1

tm_fleet
st_node a relay1
tm_server
D=$T/a/data/relay1 K=$T/a/keys/0/keys
# tor makes its own identity in the KeyDirectory (tpmseal's layout)
rm -f "$K/ed25519_master_id_secret_key"
cat >"$T/torrc" <<EOC
DataDirectory $D
KeyDirectory $K
DisableNetwork 1
SocksPort 0
ControlPort 0
ORPort 127.0.0.1:$(freeport)
AssumeReachable 1
PublishServerDescriptor 0
Nickname lethestate
ContactInfo lethe-state test
AccountingMax 10 GBytes
AccountingStart month 1 0:00
SafeLogging 1
Log notice stdout
EOC

# tor_run LOG: tor until it has written its state, then SIGTERM (tor
# writes the state again as it exits).
tor_run() {
	local pid rc=0
	mkdir -p "$D"
	chmod 700 "$D"
	tor -f "$T/torrc" >"$1" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	wait_until 60 test -s "$D/state" || rc=1
	# the first write is at once; let it settle into its running state
	sleep 2
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	return "$rc"
}

check "tor writes its state file" tor_run "$T/tor1.log"
check "with its accounting lines" grep -q '^AccountingIntervalStart ' "$D/state"
# our own values, as a relay that has worked this month would have
# (tor leaves out a counter at 0)
sed -i '/^AccountingBytesReadInInterval /d' "$D/state"
echo "AccountingBytesReadInInterval 424242" >>"$D/state"
cp "$D/state" "$T/state.orig"
onion=$(sed -n 's/^LastRotatedOnionKey //p' "$T/state.orig")
st_rc 0 "lethe-state saves tor's state (its key from tor's own identity file)" a save
rm -rf "$D"
st_rc 0 "the DataDirectory wiped (a reboot): lethe-state restores it" a restore
check "tor's file, byte for byte, 0600" bash -c "cmp -s '$T/state.orig' '$D/state' && [ \$(stat -c %a '$D/state') = 600 ]"
check "tor starts with it and writes it again" tor_run "$T/tor2.log"
check "tor took it: no state.N moved aside" test -z "$(find "$D" -name 'state.*')"
check "no complaint about the state file in tor's log" bash -c "! grep -iE 'state file|unparseable|Unable to parse' '$T/tor2.log'"
# tor counts its own few bytes on top (a fresh state would start from 0)
read_bytes=$(sed -n 's/^AccountingBytesReadInInterval //p' "$D/state")
check "the accounting counter carried over (424242, now ${read_bytes:-none})" \
	test "${read_bytes:-0}" -ge 424242 -a "${read_bytes:-0}" -lt 1424242
check "the onion key's rotation time carried over ($onion)" test "$(sed -n 's/^LastRotatedOnionKey //p' "$D/state")" = "$onion"
st_absent "no plaintext state in the server's database or logs" \
	"$T/reportd.db" "$T/reportd.db-wal" "$T/ngx-main/access.log" "$T/ngx-main/error.log" "$T/reportd.log"

tap_done
