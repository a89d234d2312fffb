#!/bin/bash
# The whole relay, booted (issue 6, scenarios 1, 3, 2, 6, 7, 8), on one
# machine (one swtpm state, one UEFI variable store) and three boots:
#
#  1. first boot: enrollment (the CSR is read from the serial console and
#     signed with scripts/fleet, as an operator would), provisioning allowed
#     by the node document, two identities sealed, two tor instances up with
#     mimalloc really mapped, fingerprints printed;
#  2. the same image with one byte of the initramfs changed: PCR 9 differs,
#     unseal refused, nothing provisioned, tor not started, the console says why;
#  3. the good image again, with a document that forbids new identities:
#     unsealed, the same fingerprints, nothing provisioned; then document
#     changes applied by the re-pull (a reloadable one: SIGHUP, same tor; a
#     non-reloadable one: only that instance restarts), the node's sysctls
#     and addresses set and changed (read back from the guest's /proc/sys;
#     no tor restarts for them), then a forbidden option pushed and refused
#     while tor keeps running; then ACPI power-down.
#
# Environment: KERNEL, INITRD (the demo image: make demo-image), FLEET (its
# fleet directory), LETHE_TIMEOUT_SCALE, LETHE_KEEP.  Needs nginx, socat,
# python3; scripts/fleet needs CONFIGPULL (a host configpull) for `doc`.
set -u -o pipefail

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../relay.sh"

boot_need_image

figures=()
mark_figures() { # LABEL: the LETHE-MARK times of this boot
	local m v line=
	for m in init modules network config keys tor-exec tor-ready ready; do
		v=$(relay_mark_ms "$m")
		line+=" $m=${v:-?}"
	done
	figures+=("$1:$line")
	echo "# $1 marks (ms since kernel start):$line"
}


boot_init lifecycle
relay_init "$FLEET"
relay_nginx_start
boot_swtpm_start "$BOOT_DIR/tpm"

# --- boot 1: enrollment, provisioning, tor ---------------------------------
relay_boot
check "boot 1: marker" boot_expect '^LETHE-BOOT version=' 180
check "boot 1: configpull enrolls: node id and CSR on the console; signed" relay_enroll 300
relay_doc_json true 2 >"$BOOT_DIR/doc1.json"
check "boot 1: node document installed (provisioning allowed, 2 instances)" relay_doc "$BOOT_DIR/doc1.json"
check "boot 1: certificate fetched, document fetched (config mark)" boot_expect 'LETHE-MARK config t=' 240
check "boot 1: not provisioned, provisioning as the document allows" \
	boot_expect 'initd: tpmseal: no identities in this TPM; provisioning 2' 120
check "boot 1: 2 identities sealed and unsealed (keys mark)" boot_expect 'LETHE-MARK keys t=' 300
relay_identities >"$BOOT_DIR/ids1"
sed 's/^/# identity: /' "$BOOT_DIR/ids1"
check "boot 1: fingerprints printed for relay1 and relay2" \
	bash -c '[ "$(cut -d" " -f1 "$1" | tr "\n" " ")" = "relay1 relay2 " ]' _ "$BOOT_DIR/ids1"
check "boot 1: tor.relay1 up, mimalloc mapped" boot_expect 'initd: tor\.relay1: allocator mimalloc' 180
check "boot 1: tor.relay2 up, mimalloc mapped" boot_expect 'initd: tor\.relay2: allocator mimalloc' 120
check "boot 1: tor runs with DisableNetwork (lethe.offline), and says so" \
	bash -c 'boot_log_has() { grep -qE -- "$1" "$2"; }
		boot_log_has "initd: offline: tor runs with DisableNetwork 1" "$1" &&
		boot_log_has "DisableNetwork is set. Tor will not make or accept" "$1"' _ "$BOOT_DIR/serial.log"
boot_expect 'LETHE-MARK ready t=' 60 >/dev/null 2>&1
mark_figures "boot 1 (enroll+provision)"
check "boot 1: stops cleanly (ctrl-alt-del: reboot)" relay_power_cad

# --- boot 2: one byte of the initramfs changed --------------------------------
if relay_tamper "$INITRD" "$BOOT_DIR/tampered.cpio.zst"; then
	ok "tampered initramfs: one byte of /etc/hosts changed, repacked"
else
	not_ok "tampered initramfs: one byte of /etc/hosts changed, repacked"
fi
boot_swtpm_start "$BOOT_DIR/tpm"
RELAY_INITRD=$BOOT_DIR/tampered.cpio.zst relay_boot
boot_mark
check "boot 2 (tampered): unseal refused, the console says why" \
	boot_expect 'initd: fatal: tpmseal: unseal refused: the identities are sealed to another boot state' 420
sleep 5
check "boot 2 (tampered): nothing provisioned, no identity, tor not started" \
	bash -c '! grep -aE "initd: tpmseal: (provisioning [0-9]|provisioned)|initd: identity|starting tor|LETHE-MARK keys" "$1"' _ "$BOOT_DIR/serial.log"
check "boot 2: stops cleanly (ctrl-alt-del: reboot)" relay_power_cad
rm -f -- "$BOOT_DIR/tampered.cpio.zst"

# --- boot 3: the good image, provisioning now forbidden ----------------------
relay_doc_json false 2 >"$BOOT_DIR/doc3.json"
# the node's own settings: a sysctl, and an address for relay1 (issue 14)
python3 - "$BOOT_DIR/doc3.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d['sysctls'] = {'net.core.somaxconn': 8192}
d['instances'][0]['addresses'] = ['10.0.2.21/24']
json.dump(d, open(sys.argv[1], 'w'))
PY
relay_doc "$BOOT_DIR/doc3.json" || echo "# unable to install doc3" >&2
boot_swtpm_start "$BOOT_DIR/tpm"
relay_boot
boot_mark
check "boot 3: unsealed again (keys mark)" boot_expect 'LETHE-MARK keys t=' 420
relay_identities >"$BOOT_DIR/ids3"
check "boot 3: the same fingerprints as boot 1" cmp -s "$BOOT_DIR/ids1" "$BOOT_DIR/ids3"
check "boot 3: nothing provisioned" bash -c '! tail -c "+$2" "$1" | grep -aqE "initd: tpmseal: (provisioning [0-9]|provisioned)"' _ \
	"$BOOT_DIR/serial.log" "$((BOOT_MARK + 1))"
check "boot 3: the document's sysctl is set; the guest's /proc/sys reads it back" \
	boot_log_has 'initd: sysctl: net\.core\.somaxconn = 8192 \(node document\)'
check "boot 3: relay1's address is on the interface (rtnetlink)" \
	boot_log_has 'initd: network: eth0: address 10\.0\.2\.21/24 for relay1'
check "boot 3: tor.relay2 up" boot_expect 'initd: tor\.relay2: allocator mimalloc' 180
boot_expect 'LETHE-MARK ready t=' 60 >/dev/null 2>&1
mark_figures "boot 3 (unseal)"

# Scenario 6: relay1 gets a reloadable change, relay2 a non-reloadable one.
boot_mark
relay_doc_json false 2 >"$BOOT_DIR/doc6.json"
python3 - "$BOOT_DIR/doc6.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d['instances'][0]['torrc']['RelayBandwidthRate'] = '10 MBytes'
d['instances'][1]['torrc']['ORPort'] = '9102'
d['sysctls'] = {'net.core.somaxconn': 8192}
d['instances'][0]['addresses'] = ['10.0.2.21/24']
json.dump(d, open(sys.argv[1], 'w'))
PY
check "node document changed (bandwidth of relay1, ORPort of relay2)" relay_doc "$BOOT_DIR/doc6.json"
check "re-pull within the refresh interval applies it" boot_expect 'initd: repull: configuration changed' 150
check "relay1: reloadable change: SIGHUP, tor keeps its pid" \
	boot_expect 'tor\.relay1: .*SIGHUP' 60
check "relay2: non-reloadable change: only relay2 restarts" boot_expect 'tor\.relay2: .*restart' 60
check "relay2 back up after its restart" boot_expect 'initd: tor\.relay2: allocator mimalloc' 120
check "relay1 is not restarted" bash -c '! tail -c "+$2" "$1" | grep -aE "tor\.relay1: .*restart"' _ \
	"$BOOT_DIR/serial.log" "$((BOOT_MARK + 1))"

# The node's settings change, and nothing else: the sysctl takes its new
# value, a new one is set, the address moves; no tor restarts or reloads.
boot_mark
python3 - "$BOOT_DIR/doc6.json" "$BOOT_DIR/doc6b.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d['sysctls'] = {'net.core.somaxconn': 2048, 'vm.swappiness': 10}
d['instances'][0]['addresses'] = ['10.0.2.22/24']
json.dump(d, open(sys.argv[2], 'w'))
PY
check "node document changed (sysctls and relay1's address only)" relay_doc "$BOOT_DIR/doc6b.json"
check "re-pull applies the changed sysctl (read back from /proc/sys)" \
	boot_expect 'initd: sysctl: net\.core\.somaxconn = 2048 \(node document\)' 150
check "and the new one" boot_log_has 'initd: sysctl: vm\.swappiness = 10 \(node document\)'
check "the old address is removed, the new one added" bash -c 'tail -c "+$2" "$1" |
	grep -aq "initd: network: eth0: address 10.0.2.21/24 removed" && tail -c "+$2" "$1" |
	grep -aq "initd: network: eth0: address 10.0.2.22/24 for relay1"' _ "$BOOT_DIR/serial.log" "$((BOOT_MARK + 1))"
sleep 5
check "no tor restarted or reloaded for it" bash -c '! tail -c "+$2" "$1" | grep -aE "tor\.relay[12]: .*(restart|SIGHUP)"' _ \
	"$BOOT_DIR/serial.log" "$((BOOT_MARK + 1))"

# Scenario 7: a forbidden option, installed behind the fleet tool's back.
boot_mark
python3 - "$BOOT_DIR/doc6b.json" "$RELAY_FLEET/nodes/$RELAY_NODE.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d['instances'][0]['torrc']['ServerTransportPlugin'] = 'obfs4 exec /bin/sh'
json.dump(d, open(sys.argv[2], 'w'))
PY
chmod a+r "$RELAY_FLEET/nodes/$RELAY_NODE.json"
check "forbidden ServerTransportPlugin refused by the re-pull; tor keeps running" \
	boot_expect 'initd: warning: repull: failed; the running configuration stays' 150
check "the console says why" bash -c 'tail -c "+$2" "$1" | grep -aqi "configpull: .*ServerTransportPlugin"' _ \
	"$BOOT_DIR/serial.log" "$((BOOT_MARK + 1))"
check "no instance restarted for it" bash -c '! tail -c "+$2" "$1" | grep -aE "tor\.relay[12]: .*(restart|SIGHUP)"' _ \
	"$BOOT_DIR/serial.log" "$((BOOT_MARK + 1))"

# Scenario 8: ACPI power-down from the QEMU monitor.
boot_mark
if boot_qmp system_powerdown >"$BOOT_DIR/qmp.out" 2>&1; then
	ok "QMP system_powerdown accepted"
else
	not_ok "QMP system_powerdown accepted"
fi
t0=$(boot_now_us)
if boot_wait_exit 120 && boot_log_has 'reboot: Power down'; then
	ok "ACPI power-down: clean power-off in $((($(boot_now_us) - t0) / 1000000)) s"
else
	not_ok "ACPI power-down: clean power-off"
fi
check "tor was told to stop (SIGINT)" boot_log_has 'Interrupt|exiting cleanly|Catching signal'

for f in "${figures[@]}"; do echo "# figures: $f"; done
tap_done
