#!/bin/bash
# Boot smoke test (TAP): UEFI (OVMF) + swtpm boot of the image under TCG;
# the EFI stub measures the initrd, initd reports the release and the TPM,
# runs its boot pipeline until it waits for configpull (no network here:
# lethe.net=none), and reboots the machine cleanly on ctrl-alt-del.
#
# Environment: KERNEL (out/vmlinuz), INITRD (out/initramfs.cpio.zst),
# LETHE_VERSION (the version initd must report; unset: any),
# LETHE_ALLOW_SKIP=1 (skip instead of failing when there is no image),
# plus the harness's settings (tests/boot/lib.sh): LETHE_TIMEOUT_SCALE,
# LETHE_KEEP.
set -u -o pipefail

. "$(dirname "$0")/lib.sh"

boot_need_image

# LETHE_VERSION as a literal inside an extended regex.
version_re='[A-Za-z0-9._+~-]+'
if [[ -n ${LETHE_VERSION:-} ]]; then
	version_re=$(printf '%s' "$LETHE_VERSION" | sed 's/[][\.*^$+?(){}|/]/\\&/g')
fi

tap_plan 7
boot_init smoke
boot_swtpm_start "$BOOT_DIR/tpm"
boot_qemu "$KERNEL" "$INITRD" "lethe.net=none"

# In the order they appear on the console.  Timeouts are for TCG on two
# busy cores: OVMF alone takes 10-15 s there.
check "EFI stub measured the initrd" boot_expect 'EFI stub: Measured initrd' 120
check "initd reports lethe ${LETHE_VERSION:-<any>}" \
	boot_expect "initd: lethe $version_re \\(epoch [0-9]+\\)" 120
check "initd sees the TPM" boot_expect 'initd: tpm: present' 30
if boot_expect "^LETHE-BOOT version=$version_re"$'\r?$' 30; then
	ok "boot marker"
	echo "# boot to marker: $(boot_elapsed) s"
else
	not_ok "boot marker"
fi
check "waits for configpull" boot_expect 'initd: warning: waiting for configpull: exited' 60
# Expected warnings: configpull is a placeholder and there is no lethe.config.
check "no other initd warnings, no fatal lines" bash -c '! grep -aE "initd: (warning|fatal):" "$1" |
	grep -avE "waiting for configpull|no lethe.config on the kernel command line"' _ "$BOOT_DIR/serial.log"
keys='{"keys":[{"type":"qcode","data":"ctrl"},{"type":"qcode","data":"alt"},{"type":"qcode","data":"delete"}]}'
boot_mark
if boot_qmp send-key "$keys" >"$BOOT_DIR/qmp.out" 2>&1 && boot_wait_exit 60 &&
	boot_log_has 'reboot: Restarting system'; then
	ok "reboots on ctrl-alt-del (qemu status $BOOT_QEMU_STATUS)"
else
	not_ok "reboots on ctrl-alt-del"
fi
echo "# total: $(boot_elapsed) s"

tap_done
