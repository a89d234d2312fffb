#!/bin/bash
# Ctrl-alt-del test (TAP): init disables the kernel's ctrl-alt-del reboot,
# so the key sequence (sent over QMP) reaches it as SIGINT, and it stops
# everything, unmounts and reboots cleanly (s6-linux-init's meaning of
# SIGINT; qemu -no-reboot then exits).  initd never powers off by itself
# (without a configuration it waits for configpull forever).  The same boot
# checks the static network path and the strict command line: an unknown
# lethe.* word is reported, the rest still applies.
#
# Environment: as smoke.t (KERNEL, INITRD, LETHE_ALLOW_SKIP, harness
# settings).  Needs socat for QMP.
set -u -o pipefail

. "$(dirname "$0")/lib.sh"

boot_need_image

tap_plan 7
boot_init cad
boot_swtpm_start "$BOOT_DIR/tpm"
boot_qemu "$KERNEL" "$INITRD" \
	"lethe.net=static lethe.ip=10.0.2.15/24 lethe.gw=10.0.2.2 lethe.hostname=relay-1 lethe.bogus=1"

check "booted to the marker" boot_expect '^LETHE-BOOT version=' 120
check "unknown lethe.bogus reported" \
	boot_expect 'initd: warning: kernel command line: lethe\.bogus=1: unknown parameter' 30
check "hostname from the command line" boot_expect 'initd: hostname: relay-1' 30
check "static network step done, configpull next" boot_expect 'initd: starting configpull' 60
boot_mark
keys='{"keys":[{"type":"qcode","data":"ctrl"},{"type":"qcode","data":"alt"},{"type":"qcode","data":"delete"}]}'
if boot_qmp send-key "$keys" >"$BOOT_DIR/qmp.out" 2>&1; then
	ok "QMP accepts send-key"
else
	not_ok "QMP accepts send-key"
	sed 's/^/#   /' "$BOOT_DIR/qmp.out" >&2
fi
check "init receives SIGINT" boot_expect 'initd: received SIGINT' 30
if boot_wait_exit 60 && boot_log_has 'initd: unmounted \(0 failed\); rebooting' &&
	boot_log_has 'reboot: Restarting system'; then
	ok "stops, unmounts everything and reboots"
else
	not_ok "stops, unmounts everything and reboots"
fi

tap_done
