# UEFI direct boot of a UKI from an EFI System Partition, for the PCR
# prediction test.  Sourced after tests/boot/lib.sh (boot_init,
# boot_swtpm_start, boot_expect, boot_wait_exit, boot_stop are used as they
# are); adds what that harness does not do: no -kernel (QEMU would patch
# the bzImage and PCR 4 would measure its patch), and a serial console we
# can type into (the rescue shell), through two fifos.
#
#   predict_esp UKI IMG             FAT ESP image holding UKI as \EFI\BOOT\BOOTX64.EFI
#   predict_boot_esp IMG            starts the guest (like boot_qemu) from the ESP
#   predict_boot_kernel K I APPEND  starts it with QEMU's -kernel/-initrd/-append
#   predict_type LINE               sends LINE and a newline to the guest console
#   predict_stop                    kills the guest and the console reader

# shellcheck source=tests/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"

PREDICT_CAT_PID=
PREDICT_IN_FD=

predict_esp() {
	local uki=$1 img=$2 mib
	mib=$((($(stat -c %s -- "$uki") >> 20) + 16))
	rm -f -- "$img"
	truncate -s "${mib}M" -- "$img" || boot_die "unable to create $img"
	mformat -i "$img" -F -v LETHEESP :: >/dev/null || boot_die "unable to format $img"
	mmd -i "$img" ::/EFI ::/EFI/BOOT || boot_die "unable to make directories in $img"
	mcopy -i "$img" -- "$uki" ::/EFI/BOOT/BOOTX64.EFI || boot_die "unable to copy $uki to $img"
}

predict_boot_esp() {
	predict_boot -drive "file=$1,format=raw,if=virtio,readonly=on"
}

predict_boot_kernel() {
	predict_boot -kernel "$1" -initrd "$2" -append "$3"
}

# predict_boot QEMU-ARGS...: the machine, firmware, console and TPM; the
# boot source comes from the arguments.
predict_boot() {
	boot_machine_args "pipe,id=ser0,path=$BOOT_DIR/ser"
	rm -f -- "$BOOT_DIR/ser.in" "$BOOT_DIR/ser.out"
	mkfifo -m 0600 -- "$BOOT_DIR/ser.in" "$BOOT_DIR/ser.out" || boot_die "unable to make fifos"
	: >"$BOOT_DIR/serial.log"
	# Open both ends here first: qemu opens them read-write and never
	# blocks; the reader copies the console to serial.log for boot_expect.
	cat -- "$BOOT_DIR/ser.out" >>"$BOOT_DIR/serial.log" &
	PREDICT_CAT_PID=$!
	exec {PREDICT_IN_FD}<>"$BOOT_DIR/ser.in"
	rm -f -- "$BOOT_DIR/qmp.sock"
	BOOT_MARK=0
	BOOT_QEMU_STATUS=
	BOOT_T0_US=$(boot_now_us)
	"${BOOT_QEMU:-qemu-system-x86_64}" "${BOOT_ARGS[@]}" "$@" </dev/null >>"$BOOT_DIR/qemu.log" 2>&1 &
	BOOT_QEMU_PID=$!
}

predict_type() {
	printf '%s\n' "$1" >&"$PREDICT_IN_FD"
}

predict_stop() {
	boot_stop "$BOOT_QEMU_PID"
	boot_stop "$PREDICT_CAT_PID"
	if [[ -n $PREDICT_IN_FD ]]; then
		exec {PREDICT_IN_FD}>&-
		PREDICT_IN_FD=
	fi
}
