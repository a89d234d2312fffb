#!/bin/bash
# Power button test (TAP): QEMU's system_powerdown (over QMP) is an ACPI
# power button press; the kernel's `button` driver reports KEY_POWER on an
# input device (evdev), which initd watches and treats as poweroff (the
# SIGUSR2 path).  With no configuration server nothing starts tor, so the
# shutdown has only boot steps to stop.  The same boot checks the PID 1
# host pieces that need no network: PSI triggers armed, oom_score_adj.
#
# Environment: as smoke.t (KERNEL, INITRD, LETHE_ALLOW_SKIP, harness
# settings).  Needs socat for QMP.
set -u -o pipefail

. "$(dirname "$0")/lib.sh"

boot_need_image

tap_plan 8
boot_init powerdown
boot_swtpm_start "$BOOT_DIR/tpm"
boot_qemu "$KERNEL" "$INITRD" "lethe.net=none"

check "booted to the marker" boot_expect '^LETHE-BOOT version=' 120
check "button and evdev coldplugged: a KEY_POWER device watched" \
	boot_expect 'initd: power button: /dev/input/event[0-9]+' 60
check "pressure triggers armed" boot_expect 'initd: pressure: 3 trigger\(s\) armed' 30
check "pipeline waits for configpull" boot_expect 'initd: starting configpull' 60
boot_mark
if boot_qmp system_powerdown >"$BOOT_DIR/qmp.out" 2>&1; then
	ok "QMP accepts system_powerdown"
else
	not_ok "QMP accepts system_powerdown"
	sed 's/^/#   /' "$BOOT_DIR/qmp.out" >&2
fi
check "power button press: poweroff marker" \
	boot_expect '^LETHE-MARK poweroff t=[0-9]+' 30
check "initd's RSS logged once the services stopped" boot_expect '^initd: initd rss [0-9]+ kB' 30
grep -aoE '^initd: initd rss [0-9]+ kB' "$BOOT_DIR/serial.log" | head -n 1 | sed 's/^/# /'
if boot_wait_exit 60 && boot_log_has 'reboot: Power down'; then
	ok "powers off"
else
	not_ok "powers off"
fi

tap_done
