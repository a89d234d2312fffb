#!/bin/bash
# Ctrl-alt-del test (TAP): init disables the kernel's ctrl-alt-del reboot,
# so the key sequence (sent over QMP) reaches it as SIGINT and it powers
# the machine off cleanly instead.  INITD_HOLD=600 on the command line
# keeps the placeholder initd up long enough to receive it (the kernel
# passes KEY=value words to init as environment); a long-running init
# ignores it.
#
# Environment: as smoke.t (KERNEL, INITRD, LETHE_ALLOW_SKIP, harness
# settings).  Needs socat for QMP.
set -u -o pipefail

. "$(dirname "$0")/lib.sh"

boot_need_image

echo "1..4"
boot_init cad
boot_swtpm_start "$BOOT_DIR/tpm"
boot_qemu "$KERNEL" "$INITRD" "INITD_HOLD=600"

check "booted to the marker" boot_expect '^LETHE-BOOT version=' 120
boot_mark
keys='{"keys":[{"type":"qcode","data":"ctrl"},{"type":"qcode","data":"alt"},{"type":"qcode","data":"delete"}]}'
if boot_qmp send-key "$keys" >"$BOOT_DIR/qmp.out" 2>&1; then
	ok "QMP accepts send-key"
else
	not_ok "QMP accepts send-key"
	sed 's/^/#   /' "$BOOT_DIR/qmp.out" >&2
fi
check "init receives SIGINT" boot_expect 'initd: received SIGINT' 30
if boot_wait_exit 60 && boot_log_has 'reboot: Power down'; then
	ok "powers off, not reboots"
else
	not_ok "powers off, not reboots"
fi

[[ $failed -eq 0 ]]
