#!/bin/bash
# Boot pipeline test (TAP): the image boots under OVMF + swtpm, initd loads
# the virtio NIC's modules by coldplug, applies the sysctl baseline, gets a
# lease from QEMU's slirp DHCP server, and then waits for configpull (a
# placeholder today, so it fails and is retried with backoff): tpmseal and
# tor never start.  Ctrl-alt-del (QMP send-key, SIGINT to initd) then
# (a reboot: qemu -no-reboot exits)
# powers the machine off cleanly within a bound.
#
# Environment: as smoke.t (KERNEL, INITRD, LETHE_ALLOW_SKIP, harness
# settings).  Needs socat for QMP.
set -u -o pipefail

. "$(dirname "$0")/lib.sh"

boot_need_image

tap_plan 11
boot_init pipeline
boot_swtpm_start "$BOOT_DIR/tpm"
boot_qemu "$KERNEL" "$INITRD" "lethe.netwait=30"

check "booted to the marker" boot_expect '^LETHE-BOOT version=' 120
t_init=$(boot_elapsed)
check "sysctl baseline applied in full" boot_expect 'initd: sysctl: baseline applied \(0 failed\)' 30
check "virtio_net loaded by coldplug" boot_expect 'initd: module virtio_net loaded' 30
check "lo up, hostname set" boot_expect 'initd: hostname: lethe' 30
# (slirp with restrict=on offers no router and no DNS server)
check "DHCP lease from slirp" boot_expect 'udhcpc: lease 10\.0\.2\.15/24 on eth0' 60
t_net=$(boot_elapsed)
check "network step done" boot_expect 'initd: network: done' 30
check "configpull started after the network" boot_expect 'initd: starting configpull' 30
check "says it waits for configpull, with a retry delay" \
	boot_expect 'initd: warning: waiting for configpull: exited [0-9]+; retry in [0-9]+ ms' 30
echo "# marker at ${t_init} s, lease by ${t_net} s (TCG)"
boot_mark
keys='{"keys":[{"type":"qcode","data":"ctrl"},{"type":"qcode","data":"alt"},{"type":"qcode","data":"delete"}]}'
if boot_qmp send-key "$keys" >"$BOOT_DIR/qmp.out" 2>&1; then
	ok "QMP accepts send-key"
else
	not_ok "QMP accepts send-key"
	sed 's/^/#   /' "$BOOT_DIR/qmp.out" >&2
fi
if boot_wait_exit 60 && boot_log_has 'reboot: Restarting system'; then
	ok "reboots cleanly after ctrl-alt-del ($(boot_elapsed) s)"
else
	not_ok "reboots cleanly after ctrl-alt-del"
fi
# fail closed: nothing after configpull ran
check "tpmseal and tor never started" \
	bash -c '! grep -aE "initd: starting (tpmseal|tor)" "$1"' _ "$BOOT_DIR/serial.log"

tap_done
