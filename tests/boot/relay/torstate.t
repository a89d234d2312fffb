#!/bin/bash
# Issue 18 in the guest: tor's state survives a planned reboot, sealed
# (docs/torstate.md), and what the reboot costs.  The demo image on a
# private one-authority Tor network on the host's loopback (as
# telemetry.t), the node's state kept by the fleet's real server
# (render-nginx, reportd), one machine (one swtpm state), four boots:
#
#  1. enrollment, provisioning; `torstate: nothing to restore`; the relay
#     runs with AccountingMax (a small daily quota) and a one-minute
#     heartbeat, its descriptor reaches the authority; a heartbeat with
#     traffic counted; then ctrl-alt-del (a planned reboot): tor gets
#     SIGINT, the state's last save runs after tor ended; reportd keeps a
#     blob with no plaintext of the state in it;
#  2. the same machine again: `torstate: restored`, and tor's first
#     heartbeat counts at least the bytes of the last one before the
#     reboot (the accounting period goes on instead of starting over);
#     the downtime (tor's SIGINT to the authority taking the relay's next
#     descriptor) and the counters are printed for docs/performance.md;
#     the periodic save (every minute under lethe.testnet) raises the
#     counter while tor runs; a planned reboot again (a higher counter);
#  3. the server replays the first blob (an older state): refused, and tor
#     starts all the same;
#  4. reportd down (nginx answers 502 for the state): the restore fails,
#     is retried and given up after its third run, and tor starts.
#
# Environment: KERNEL, INITRD (the demo image: make demo-image), FLEET,
# CONFIGPULL, REPORTD, LETHE_TIMEOUT_SCALE, LETHE_KEEP.  Needs tor,
# tor-gencert, nginx, socat, curl, python3, sqlite3.
set -u -o pipefail

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../relay.sh"
. "$(dirname "$0")/../authority.sh"
TOP=$PWD
REPORTD=$(realpath "${REPORTD:-build/host/reportd}")
# shellcheck source=tests/configserver/server.sh
. "$TOP/tests/configserver/server.sh"

boot_need_image
cs_need tor tor-gencert curl socat python3 nginx sqlite3
[[ -x $REPORTD ]] || { echo "Bail out! $REPORTD not built"; exit 1; }

AUTH_PID=
torstate_cleanup() {
	local rc=$?
	boot_stop "$AUTH_PID"
	(exit "$rc")
	relay_cleanup
}

boot_init torstate
relay_init "$FLEET"
trap torstate_cleanup EXIT
DB=$RELAY_FLEET/reports.db
boot_swtpm_start "$BOOT_DIR/tpm"
A_OR=$(relay_free_port) && A_DIR=$(relay_free_port) && R_OR=$(relay_free_port) ||
	boot_die "no free port"

relay_nginx_start   # and reportd behind it, on $DB

# the authority logs at info level: the descriptors it takes, with times
authority_init "$BOOT_DIR/auth" "$A_OR" "$A_DIR" <<<"Log info file $BOOT_DIR/auth/info.log" ||
	boot_die "unable to make the authority"
authority_start "$BOOT_DIR/auth"
authority_guest "$A_OR" "$A_DIR" "$R_OR"

doc_json() { # one instance with a daily quota far above what the test moves
	printf '{"version":1,"node":"%s","refresh_interval":60,' "$RELAY_NODE"
	printf '"provisioning":{"allow_new_identities":true},"instances":[{"name":"relay1",'
	printf '"addresses":["10.0.2.21/24"],'
	printf '"torrc":{"Nickname":"lethest1","ORPort":"10.0.2.21:%s","Address":"127.0.0.1",' "$R_OR"
	printf '"AssumeReachable":1,"ExitRelay":0,"ContactInfo":"lethe torstate",'
	printf '"AccountingMax":"100 MBytes","AccountingStart":"day 00:00","HeartbeatPeriod":"1 minute"}}]}\n'
}

serial_since() { tail -c "+$((BOOT_MARK + 1))" -- "$BOOT_DIR/serial.log" | tr -d '\r'; }
# used_kb: what the newest accounting heartbeat since boot_mark says the
# period has used of the quota ("Used: N kB / ...": the larger of the bytes
# read and written in the period, AccountingRule max)
used_kb() {
	serial_since | sed -n 's/^.*Heartbeat: Accounting enabled\..* Used: \([0-9]*\) kB \/.*$/\1/p' | tail -n 1
}
# heartbeats N: at least N accounting heartbeats since boot_mark
heartbeats() { (($(serial_since | grep -c 'Heartbeat: Accounting enabled') >= $1)); }
# tor_time PATTERN: tor's own timestamp (UTC, the guest's clock) of the first
# line since boot_mark matching PATTERN, as Unix seconds
tor_time() {
	local l
	l=$(serial_since | grep -m1 -E -- "$1" | grep -oE '[A-Z][a-z]{2} [0-9]{2} [0-9:]{8}\.[0-9]{3}' | head -n 1)
	[[ -n $l ]] && date -u -d "$l $(date -u +%Y)" +%s.%N | cut -c1-14
}
blobs() { sqlite3 "$DB" "SELECT count(*) FROM sqlite_master WHERE name = 'state'" 2>/dev/null; }
state_counter() { "$REPORTD" state --db "$DB" 2>/dev/null | grep -oE 'counter[= ][0-9]+' | grep -oE '[0-9]+' | head -n 1; }

# --- boot 1: provisioning, a fresh state, traffic, a planned reboot ---
relay_boot
check "marker" boot_expect '^LETHE-BOOT version=' 180
check "configpull enrolls; the operator signs the CSR" relay_enroll 300
doc_json >"$BOOT_DIR/doc.json"
check "node document installed (AccountingMax 100 MBytes, a daily period, heartbeat every minute)" \
	relay_doc "$BOOT_DIR/doc.json"
check "identity sealed and unsealed (keys mark)" boot_expect 'LETHE-MARK keys t=' 420
check "no state on the server yet: tor starts with a fresh one" \
	boot_expect 'initd: torstate: nothing to restore; tor starts with a fresh state' 120
check "tor starts with the accounting period configured" boot_expect 'Configured hibernation' 120
relay_identities >"$BOOT_DIR/ids1"
fp=$(awk '$1 == "relay1" { print $2 }' "$BOOT_DIR/ids1")
check "the authority takes the relay's descriptor" until_s 180 authority_accepts "$BOOT_DIR/auth" "$fp"
check "two accounting heartbeats (two minutes of traffic with the authority)" until_s 240 heartbeats 2
used1=$(used_kb)
check "bytes were counted before the reboot (${used1:-?} kB of the quota used)" test "${used1:-0}" -gt 0
check "a planned reboot (ctrl-alt-del): tor stops, the state is saved, the machine restarts" relay_power_cad
t_int=$(tor_time 'Interrupt: we have stopped accepting new connections')
check "tor got SIGINT and stopped before the save" bash -c "
	tail -c '+$((BOOT_MARK + 1))' '$BOOT_DIR/serial.log' | tr -d '\r' |
	awk '/Interrupt: we have stopped accepting/ { i = NR } /initd: torstate: saving/ { s = NR }
	     END { exit !(i && s && i < s) }'"
check "the save reached the server: reportd keeps the node's blob" bash -c "
	'$REPORTD' state --db '$DB' 2>/dev/null | grep -q '$RELAY_NODE'"
check "no plaintext of tor's state in the server's database (no state keyword)" bash -c "
	! grep -aqE 'AccountingBytes|BWHistory|TorVersion|LastWritten' '$DB'"
check "nor in nginx's logs" bash -c "! grep -raqE 'AccountingBytes|BWHistory|TorVersion' '$BOOT_DIR/ngx/'"
c1=$(state_counter)
sqlite3 "$DB" "SELECT hex(blob) FROM state WHERE node = '$RELAY_NODE'" >"$BOOT_DIR/blob1.hex" 2>/dev/null
check "the first blob kept aside (as a malicious server would)" test -s "$BOOT_DIR/blob1.hex"

# --- boot 2: the state restored, the quota goes on ---
boot_swtpm_start "$BOOT_DIR/tpm"
relay_boot
check "restored from the server after the unseal" \
	boot_expect 'initd: torstate: restored; tor starts with its saved state' 420
check "tor uses the same identity" boot_expect "identity key fingerprint is 'lethest1 $fp'" 180
t_up=$(tor_time 'Bootstrapped 100%|Self-testing indicates|Publishing server descriptor')
check "tor's first heartbeat after the reboot" until_s 180 heartbeats 1
# under lethe.testnet initd saves every minute (TORSTATE_TESTNET_INTERVAL_S;
# every hour on a relay): a save while tor runs, the counter up, no reboot
counter_above() { (($(state_counter) > $1)); }
check "the periodic save while tor runs: lethe-state saved, the server's counter above $c1" \
	bash -c "$(declare -f counter_above state_counter until_s); REPORTD='$REPORTD' DB='$DB'
		LETHE_TIMEOUT_SCALE='${LETHE_TIMEOUT_SCALE:-1}'; until_s 150 counter_above '$c1'" &&
	boot_log_has 'lethe-state: saved 1 of 1 instances, counter'
c_live=$(state_counter)
used2=$(used_kb)
# a fresh period would count this boot's minute alone, about what boot 1's
# first minute counted (less than used1); the restored one adds it to used1
check "accounting continues: ${used1:-?} kB used before the reboot, ${used2:-?} kB at the first heartbeat after it" \
	test "${used2:-0}" -gt "${used1:-0}"
# the descriptor the authority took after tor's SIGINT: its info log's time
t_desc=
desc_after() {
	local l
	l=$(grep -aE "lethest1" "$BOOT_DIR/auth/info.log" | grep -aiE 'descriptor' |
		awk -v t="$t_int" '{ cmd = "date -u -d \"" $1 " " $2 " " $3 "\" +%s"; cmd | getline s; close(cmd);
			if (s > t) { print s; exit } }')
	[[ -n $l ]] && t_desc=$l
}
check "the authority takes the relay's descriptor after the reboot" until_s 180 desc_after
if [[ -n $t_int && -n $t_desc ]]; then
	echo "# reboot cost: tor's SIGINT $(date -u -d "@${t_int%.*}" +%T), descriptor taken again $(date -u -d "@$t_desc" +%T):" \
		"$(awk -v a="$t_int" -v b="$t_desc" 'BEGIN { printf "%.0f", b - a }') s off the network" \
		"(ShutdownWaitLength 30 s included; QEMU restarted at once, no firmware or stboot fetch)"
fi
[[ -n ${t_up:-} && -n $t_int ]] &&
	echo "# tor SIGINT to tor ready again: $(awk -v a="$t_int" -v b="$t_up" 'BEGIN { printf "%.0f", b - a }') s"
echo "# accounting: $used1 kB of the quota used at the last heartbeat before the reboot, $used2 kB at the first after it"
check "a second planned reboot: another save, a higher counter" relay_power_cad
c2=$(state_counter)
check "the counter went up ($c1 -> $c_live while up -> $c2 at the shutdown)" test "${c2:-0}" -gt "${c_live:-0}"

# --- boot 3: the server replays the older blob ---
sqlite3 "$DB" "UPDATE state SET blob = X'$(cat "$BOOT_DIR/blob1.hex")' WHERE node = '$RELAY_NODE'"
check "the server now serves the older blob" test "$(state_counter)" = "$c1"
boot_swtpm_start "$BOOT_DIR/tpm"
relay_boot
check "the older state is refused, and says why" \
	boot_expect 'initd: warning: torstate: refused \(.*older' 420
check "tor starts all the same (fresh state)" boot_expect "identity key fingerprint is 'lethest1 $fp'" 180
boot_stop "$BOOT_QEMU_PID"

# --- boot 4: the state's server down ---
boot_stop "$RELAY_REPORTD_PID"
boot_swtpm_start "$BOOT_DIR/tpm"
relay_boot
check "the state's server down: the restore fails and is given up after three runs" \
	boot_expect 'initd: torstate: given up; going on without it' 420
check "the console says why, and that tor starts without it" \
	boot_expect 'initd: warning: torstate: failed \(.*\); tor starts with a fresh state' 30
check "three runs of the restore: two retried, the third given up" bash -c "(( \$(tail -c +$((BOOT_MARK + 1)) '$BOOT_DIR/serial.log' |
	tr -d '\r' | grep -c '^initd: warning: waiting for torstate: exited 111') == 2 ))"
check "tor starts" boot_expect "identity key fingerprint is 'lethest1 $fp'" 180
boot_stop "$BOOT_QEMU_PID"
check "the authority ran throughout" boot_alive "$AUTH_PID"

tap_done
