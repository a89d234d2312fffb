#!/bin/bash
# Issue 18 booted: a two-wave rollout driven by `scripts/fleet rollout`, and
# tor's state sealed across its reboots (docs/rollouts.md, docs/torstate.md,
# include/lethe_state.h).  Two relays in authorized mode (make
# demo-auth-image), booted one after another on this machine of 2 cores
# (three TCG guests at once would starve each other: the issue allows fewer
# relays, one after another), each with its own swtpm state; the reference
# nginx (render-nginx) with reportd behind it (reports; /v1/state keeps each
# node's sealed blob).  The harness plays stboot: when a guest reboots
# (QEMU -no-reboot exits), it boots the newest image the test published.
#
#   releases: v1 (the demo-auth image, epoch E1), v2 (v1 with another
#   /etc/lethe-release: version V2, epoch E2), v3 (V3, E3), all approved
#   by the policy key and in the test log; v3x is v3 with one byte of
#   /etc/hosts changed: not the image v3's approval names.
#
#   1. node A, then node B, on v1: enrollment, provisioning, no rollout;
#      "nothing to restore"; a clean reboot saves the state (reportd holds
#      a blob without plaintext);
#   2. `fleet rollout DIR V2 --waves 2`: wave 1 is the node with the lower
#      id (X), only its document names rollout 1;
#   3. X on v1: state restored, the rollout is approved and its window open:
#      tor drains (SIGINT, its ShutdownWaitLength), the state is saved, X
#      reboots; X on v2: unseals with v2's approval, restores the state,
#      reports v2 healthy and rollout 1 current (the number came back in the
#      sealed blob: no second reboot); `fleet rollout tick` starts wave 2;
#   4. Y the same way; the tick after its healthy report: done;
#   5. `fleet rollout DIR V3 --waves 2`: X reboots for it, and boots v3x
#      (stboot found another package than the approved one): unseal refused;
#      the tick stops the rollout, `fleet rollout status` names X and "unseal
#      refused", Y's document is untouched;
#   6. a rollout of v3 to Y with a window that is closed now: Y, approved,
#      says "waiting, outside the window" and does not reboot.
#
# The node's verdicts are read from the agent's reports (the status file's
# rollout_state is not on the console).  ShutdownWaitLength is 5 s in these
# documents (the drain itself is timed with tor's default 30 s in
# torstate.t).
#
# Environment: AUTH_KERNEL, AUTH_INITRD (make demo-auth-image), FLEET,
# POLICY_KEY, LOG_KEY, PCRPREDICT, TPMSEAL, CONFIGPULL, LETHE_LOG, REPORTD,
# LETHE_TIMEOUT_SCALE, LETHE_KEEP.  Needs nginx, socat, python3, zstd,
# cpio, openssl.
set -u -o pipefail

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../relay.sh"
. "$(dirname "$0")/../authority.sh" # until_s
TOP=$PWD
REPORTD=$(realpath "${REPORTD:-build/host/reportd}")
export REPORTD
# shellcheck source=tests/configserver/server.sh
. "$TOP/tests/configserver/server.sh"

KERNEL=${AUTH_KERNEL:-out/demo-auth/vmlinuz}
INITRD=${AUTH_INITRD:-out/demo-auth/initramfs.cpio.zst}
boot_need_image
: "${POLICY_KEY:=build/demo-auth/policy.pem}"
: "${PCRPREDICT:=build/host/pcrpredict}"
: "${TPMSEAL:=build/host/tpmseal}"
: "${LOG_KEY:=build/demo-auth/log.key}"
: "${LETHE_LOG:=build/host/lethe-log}"
export TPMSEAL LETHE_LOG
PCR_PROFILE=${PCR_PROFILE:-image/pcr-profiles/ovmf-q35.txt}
for f in "$POLICY_KEY" "$PCRPREDICT" "$TPMSEAL" "$LOG_KEY" "${LOG_KEY%.key}.pub" "$LETHE_LOG" "$REPORTD"; do
	[[ -r $f ]] || { echo "1..0"; echo "Bail out! $f missing (make demo-auth-image, build/host/reportd)"; exit 1; }
done
cs_need nginx socat python3 zstd cpio openssl
# (grep -c, not -q: pipefail)
if (($(zstd -dcq -- "$INITRD" | grep -ac 'usr/bin/lethe-state') == 0)); then
	echo "1..0"
	echo "Bail out! $INITRD has no usr/bin/lethe-state (the image must ship it for issue 18)"
	exit 1
fi

RELAY_CMDLINE="lethe.config=$RELAY_URL lethe.pcrs=7,9 lethe.offline lethe.netwait=30"
APPEND="$BOOT_KERNEL_ARGS $RELAY_CMDLINE"
release_of() { # INITRD KEY: KEY's value in its /etc/lethe-release
	zstd -dcq -- "$1" | cpio -i --quiet --to-stdout etc/lethe-release 2>/dev/null | sed -n "s/^$2=//p"
}
OWN=$(release_of "$INITRD" LETHE_EPOCH)
V1=$(release_of "$INITRD" LETHE_VERSION)
[[ $OWN =~ ^[1-9][0-9]*$ && -n $V1 ]] || { echo "1..0"; echo "Bail out! no LETHE_EPOCH/LETHE_VERSION in $INITRD"; exit 1; }
E1=$OWN E2=$((OWN + 100)) E3=$((OWN + 200))
# the later releases' versions: as long as V1 (the image is patched in place)
pad() { local v=$1; while ((${#v} < ${#V1})); do v+=x; done; printf '%s' "${v:0:${#V1}}"; }
V2=$(pad r2) V3=$(pad r3)

PIDS=()
rollout_cleanup() {
	local rc=$? p
	for p in "${PIDS[@]}"; do boot_stop "$p"; done
	(exit "$rc")
	relay_cleanup
}
boot_init rollout
relay_init "$FLEET"
trap rollout_cleanup EXIT
T=$BOOT_DIR
DB=$RELAY_FLEET/reports.db


approve() { # INITRD EPOCH OUT
	"$PCRPREDICT" predict --qemu-cmdline "$APPEND" --qemu-initrd "$1" --profile "$PCR_PROFILE" \
		--out "$BOOT_DIR/pred" >/dev/null || return 1
	POLICY_KEY=$POLICY_KEY TPMSEAL=$TPMSEAL APPROVE_FLAGS="--epoch $2" \
		image/uki/approve.sh "$3" "$BOOT_DIR/pred" 'qemu:7 9' >/dev/null
}

report() { "$REPORTD" report --db "$DB" --node "$1" 2>/dev/null; }
# report_is NODE PYTHON-EXPR: NODE's newest report (r) makes EXPR true
report_is() {
	report "$1" | python3 -c 'import json, sys
r = json.loads(sys.stdin.readline())
sys.exit(not eval("(" + sys.argv[1] + ")"))' "$2" 2>/dev/null
}
report_show() {
	report "$1" | python3 -c 'import json, sys
r = json.loads(sys.stdin.readline())
print("# report:", r.get("image"), "epoch", r.get("epoch"), "unseal", r.get("unseal"), "rollout", r.get("rollout"),
      "tor_state", r.get("tor_state"))' 2>/dev/null
}
since_mark() { tail -c "+$((BOOT_MARK + 1))" -- "$BOOT_DIR/serial.log" | tr -d '\r'; }
# in_order REGEX...: the console (since boot_mark) has lines matching each, in this order
in_order() {
	since_mark | awk -v n=$# 'BEGIN { for (i = 1; i < ARGC; i++) re[i] = ARGV[i]; ARGC = 1; k = 1 }
		k <= n && $0 ~ re[k] { k++ } END { exit !(k > n) }' "$@"
}
db_bytes() { cat "$DB" "$DB-wal" 2>/dev/null; }
db_no_plaintext() { ! db_bytes | grep -aqE 'TorVersion|LastWritten|AccountingIntervalStart'; }

# doc NODE [allow]: the demo document for NODE, ShutdownWaitLength 5 s
doc() {
	local allow=false
	[[ ${2:-} == allow ]] && allow=true
	RELAY_NODE=$1 RELAY_ALLOCATOR=default relay_doc_json $allow 1 ',"ShutdownWaitLength":"5 seconds"'
}
install_doc() { # NODE FILE
	RELAY_NODE=$1 relay_doc "$2"
}
doc_rollout() { # NODE: the rollout number its document names (0 none)
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get("image", {}).get("rollout", 0))' \
		"$RELAY_FLEET/nodes/$1.json"
}
hhmm() { printf '%02d:%02d' $((($1 % 1440 + 1440) % 1440 / 60)) $((($1 % 1440 + 1440) % 1440 % 60)); }
now_min() { echo $((10#$(date -u +%H) * 60 + 10#$(date -u +%M))); }
fleet_rollout() { scripts/fleet rollout "$@" >"$BOOT_DIR/fleet.out" 2>&1; }
status_has() { # REGEX: `fleet rollout status` prints a line matching it
	scripts/fleet rollout status "$RELAY_FLEET" >"$BOOT_DIR/status.out" 2>&1
	grep -qE -- "$1" "$BOOT_DIR/status.out"
}
tick_until() { # SECONDS REGEX: ticks until the status matches
	local end=$((SECONDS + $(awk -v s="$1" -v k="${LETHE_TIMEOUT_SCALE:-1}" 'BEGIN { printf "%d", s * k }')))
	while ((SECONDS < end)); do
		scripts/fleet rollout tick "$RELAY_FLEET" >>"$BOOT_DIR/tick.out" 2>&1
		status_has "$2" && return 0
		sleep 3
	done
	sed 's/^/#   /' "$BOOT_DIR/status.out" >&2
	return 1
}
# healthy NODE VERSION EPOCH: its report of this boot says it runs that
# release, unsealed, tor up
healthy() {
	report_is "$1" "r['image'] == '$2' and r['epoch'] == $3 and r['unseal']['result'] == 'ok' and
		[i['state'] for i in r['instances']] == ['up']"
}

# --- releases: images, approvals, the log ---------------------------------------
I1=$INITRD I2=$BOOT_DIR/v2.cpio.zst I3=$BOOT_DIR/v3.cpio.zst I3X=$BOOT_DIR/v3x.cpio.zst
releases_make() {
	relay_release "$I1" "$I2" "$V2" "$E2" "$V1" "$E1" && relay_release "$I1" "$I3" "$V3" "$E3" "$V1" "$E1" &&
		relay_tamper "$I3" "$I3X" 10
}
check "releases: $V2 (epoch $E2) and $V3 (epoch $E3) from $V1 (epoch $E1), and v3x (v3 with a byte changed)" \
	releases_make
approvals_make() {
	approve "$I1" "$E1" "$BOOT_DIR/a1" && approve "$I2" "$E2" "$BOOT_DIR/a2" && approve "$I3" "$E3" "$BOOT_DIR/a3"
}
check "approvals of v1, v2 and v3 signed with the policy key" approvals_make
cat "$BOOT_DIR/a1" "$BOOT_DIR/a2" "$BOOT_DIR/a3" >"$RELAY_FLEET/approvals"
publish_all() {
	relay_publish "$I1" "$V1" "$E1" "$BOOT_DIR/log" "$LOG_KEY" "$BOOT_DIR/proof1" &&
		relay_publish "$I2" "$V2" "$E2" "$BOOT_DIR/log" "$LOG_KEY" "$BOOT_DIR/proof2" &&
		relay_publish "$I3" "$V3" "$E3" "$BOOT_DIR/log" "$LOG_KEY" "$BOOT_DIR/proof3"
}
check "the three releases in the test log" publish_all
cat "$BOOT_DIR/proof1" "$BOOT_DIR/proof2" "$BOOT_DIR/proof3" >"$RELAY_FLEET/logproofs"
# what fleet rollout checks a release with (TPMSEAL, LETHE_LOG): the fleet's keys
cp "${LOG_KEY%.key}.pub" "$RELAY_FLEET/log.pub"
openssl pkey -in "$POLICY_KEY" -pubout -out "$RELAY_FLEET/policy.pub" 2>/dev/null
chmod a+r "$RELAY_FLEET/approvals" "$RELAY_FLEET/logproofs" "$RELAY_FLEET/log.pub" "$RELAY_FLEET/policy.pub"

relay_nginx_start # and reportd behind it, on $DB

# --- 1. two nodes on v1 ------------------------------------------------------------
first_boot() { # NAME: enrollment, provisioning, a clean reboot; sets NODE_NAME
	local n=$1
	boot_swtpm_start "$BOOT_DIR/tpm$n"
	RELAY_INITRD=$I1 relay_boot
	check "node $n (v1): configpull enrolls; CSR signed" relay_enroll 300
	printf -v "NODE_$n" '%s' "$RELAY_NODE"
	doc "$RELAY_NODE" allow >"$BOOT_DIR/doc$n.json"
	check "node $n (v1): node document installed (no rollout)" install_doc "$RELAY_NODE" "$BOOT_DIR/doc$n.json"
	check "node $n (v1): unsealed; nothing to restore" \
		boot_expect 'initd: torstate: nothing to restore; tor starts with a fresh state' 420
	check "node $n (v1): its report: v1, rollout none, a rollout-capable agent" \
		until_s 180 report_is "$RELAY_NODE" "r['image'] == '$V1' and r['rollout']['state'] == 'none' and
			r['tor_state']['restore'] == 'none' and [i['state'] for i in r['instances']] == ['up']"
	check "node $n (v1): clean reboot (ctrl-alt-del): tor stops, then the state's save" relay_power_cad
	check "node $n (v1): the save ran after tor stopped, and did not fail" bash -c "
		$(declare -f since_mark in_order); BOOT_DIR='$BOOT_DIR' BOOT_MARK='$BOOT_MARK'
		in_order 'initd: tor\\.relay1: stopped' 'initd: torstate: saving tor' &&
		! since_mark | grep -q 'torstate: save failed'"
}
first_boot A
first_boot B
check "reportd holds two sealed blobs, no plaintext of a tor state in its database" \
	bash -c "[[ \$('$REPORTD' state --db '$DB' | grep -c 'counter=1 rollout=0') == 2 ]] &&
		$(declare -f db_bytes db_no_plaintext); DB='$DB'; db_no_plaintext"

# wave order: node ids sorted
if [[ $NODE_A < $NODE_B ]]; then X=$NODE_A XN=A Y=$NODE_B YN=B; else X=$NODE_B XN=B Y=$NODE_A YN=A; fi

# --- 2. the rollout of v2 ------------------------------------------------------------
m=$(now_min)
WIN="$(hhmm $((m - 60)))-$(hhmm $((m + 120)))"
check "fleet rollout $V2 --waves 2 --window $WIN: started (the release checked with tpmseal approved and lethe-log)" \
	fleet_rollout "$RELAY_FLEET" "$V2" --waves 2 --spacing 0 --window "$WIN" --grace 900 --timeout 3600
check "status: wave 1 of 2 running; node $XN (lower id) in wave 1 wanted, node $YN pending" \
	bash -c "$(declare -f status_has); RELAY_FLEET='$RELAY_FLEET' BOOT_DIR='$BOOT_DIR';
		status_has '^rollout 1: $V2 \\(epoch $E2\\): running wave 1 of 2' && status_has '^$X +1 +wanted' &&
		status_has '^$Y +2 +pending'"
check "only wave 1's document names rollout 1" test "$(doc_rollout "$X") $(doc_rollout "$Y")" = "1 0"

wave() { # NAME NODE: its v1 boot reboots for the rollout; its v2 boot is healthy
	local n=$1 id=$2
	boot_swtpm_start "$BOOT_DIR/tpm$n"
	RELAY_INITRD=$I1 relay_boot
	check "node $n (v1): torstate: restored" \
		boot_expect 'initd: torstate: restored; tor starts with its saved state' 420
	check "node $n (v1): rollout 1 approved, window open: drain, save, reboot" \
		boot_expect "initd: rollout 1: release $V2 \\(epoch $E2\\) is approved and the window is open" 300
	check "node $n (v1): the guest reboots by itself" boot_wait_exit 300
	check "node $n (v1): in order: tor's SIGINT and its drain, tor stopped, the save, the reboot" \
		in_order "initd: rollout 1: release $V2" 'initd: tor\.relay1: stopping \(SIGINT' \
		'Interrupt: we have stopped accepting new connections' 'initd: tor\.relay1: stopped' \
		'initd: torstate: saving tor' 'reboot: Restarting system'
	boot_swtpm_start "$BOOT_DIR/tpm$n"
	RELAY_INITRD=$I2 relay_boot
	check "node $n (v2, stboot's newest): unsealed with v2's approval, the minimum epoch raised to $E2" \
		boot_expect "epoch $E2 raised from $E1" 420
	check "node $n (v2): torstate: restored" \
		boot_expect 'initd: torstate: restored; tor starts with its saved state' 120
	check "node $n (v2): reports $V2 (epoch $E2) healthy; rollout 1 current (done 1, from the sealed state)" \
		until_s 180 report_is "$id" "r['image'] == '$V2' and r['epoch'] == $E2 and r['unseal']['result'] == 'ok' and
			[i['state'] for i in r['instances']] == ['up'] and r['rollout']['state'] == 'current' and
			r['rollout']['done'] == 1 and r['tor_state']['restore'] == 'restored'"
	report_show "$id"
}

# --- 3. wave 1 -------------------------------------------------------------------------
wave "$XN" "$X"
check "the tick: node $XN healthy, wave 2 running, node $YN's document now names rollout 1" \
	bash -c "$(declare -f tick_until status_has); RELAY_FLEET='$RELAY_FLEET' BOOT_DIR='$BOOT_DIR'
		LETHE_TIMEOUT_SCALE='${LETHE_TIMEOUT_SCALE:-1}'; tick_until 60 'running wave 2 of 2' &&
		status_has '^$X +1 +healthy'" && test "$(doc_rollout "$Y")" = 1
check "node $XN (v2) does not reboot again for rollout 1" bash -c "
	sleep 15; kill -0 $BOOT_QEMU_PID && ! tail -c +$((BOOT_MARK + 1)) '$BOOT_DIR/serial.log' | grep -aq 'reboot: Restarting'"
boot_stop "$BOOT_QEMU_PID" # a power cut: the server keeps X's newest blob

# --- 4. wave 2 -------------------------------------------------------------------------
wave "$YN" "$Y"
check "the tick: node $YN healthy, the rollout done" \
	bash -c "$(declare -f tick_until status_has); RELAY_FLEET='$RELAY_FLEET' BOOT_DIR='$BOOT_DIR'
		LETHE_TIMEOUT_SCALE='${LETHE_TIMEOUT_SCALE:-1}'; tick_until 60 '^rollout 1: $V2 .*: done at '"
sed 's/^/# /' "$BOOT_DIR/status.out"
boot_stop "$BOOT_QEMU_PID"

# --- 5. a rollout whose first node fails to unseal ------------------------------------
check "fleet rollout $V3 --waves 2: started; node $XN in wave 1" \
	fleet_rollout "$RELAY_FLEET" "$V3" --waves 2 --spacing 0 --window "$WIN" --grace 900 --timeout 3600
check "only node $XN's document names rollout 2" test "$(doc_rollout "$X") $(doc_rollout "$Y")" = "2 1"
boot_swtpm_start "$BOOT_DIR/tpm$XN"
RELAY_INITRD=$I2 relay_boot
check "node $XN (v2): rollout 2 approved, window open: it reboots" \
	boot_expect "initd: rollout 2: release $V3 \\(epoch $E3\\) is approved and the window is open" 420
check "node $XN (v2): the guest reboots by itself" boot_wait_exit 300
boot_swtpm_start "$BOOT_DIR/tpm$XN"
RELAY_INITRD=$I3X relay_boot
check "node $XN (v3x, not the approved image): tpmseal refuses to unseal" \
	boot_expect 'initd: warning: waiting for tpmseal: exited 1' 420
check "node $XN (v3x): its report says unseal refused" \
	until_s 180 report_is "$X" "r['unseal']['result'] == 'refused'"
check "the tick stops the rollout; status names node $XN and the refused unseal" \
	bash -c "$(declare -f tick_until status_has); RELAY_FLEET='$RELAY_FLEET' BOOT_DIR='$BOOT_DIR'
		LETHE_TIMEOUT_SCALE='${LETHE_TIMEOUT_SCALE:-1}'; tick_until 60 '^rollout 2: $V3 .*stopped at .* by node $X: .*unseal refused'"
sed 's/^/# /' "$BOOT_DIR/status.out"
check "fleet rollout status exits 1 (stopped)" bash -c "! scripts/fleet rollout status '$RELAY_FLEET' >/dev/null 2>&1"
check "node $YN's document still names rollout 1 only (wave 2 never started)" test "$(doc_rollout "$Y")" = 1
check "no tor started on v3x (no relay with keys it could not unseal)" bash -c "
	! tail -c +$((BOOT_MARK + 1)) '$BOOT_DIR/serial.log' | grep -aq 'LETHE-MARK tor-exec'"
boot_stop "$BOOT_QEMU_PID"

# --- 6. never outside the window --------------------------------------------------------
m=$(now_min)
WIN_SHUT="$(hhmm $((m + 180)))-$(hhmm $((m + 240)))"
check "fleet rollout $V3 --nodes $YN --window $WIN_SHUT (closed now): started, node $YN's document names rollout 3" \
	fleet_rollout "$RELAY_FLEET" "$V3" --nodes "$Y" --window "$WIN_SHUT" --timeout 3600 &&
	test "$(doc_rollout "$Y")" = 3
boot_swtpm_start "$BOOT_DIR/tpm$YN"
RELAY_INITRD=$I2 relay_boot
check "node $YN (v2): approved, but outside the window: waiting (its report)" \
	until_s 240 report_is "$Y" "r['rollout']['wanted'] == 3 and r['rollout']['state'] == 'waiting' and
		'outside the window' in r['rollout']['reason']"
report_show "$Y"
check "node $YN (v2): does not reboot (20 s more)" bash -c "
	sleep 20; kill -0 $BOOT_QEMU_PID && ! tail -c +$((BOOT_MARK + 1)) '$BOOT_DIR/serial.log' | grep -aqE 'reboot: Restarting|initd: rollout 3:'"
boot_stop "$BOOT_QEMU_PID"
check "reportd's database: still no plaintext of a tor state" \
	bash -c "$(declare -f db_bytes db_no_plaintext); DB='$DB'; db_no_plaintext"

tap_done
