#!/bin/bash
# Prediction equals reality for QEMU's -kernel boot under OVMF (what
# tests/boot and make run use): PCR 7 and 9 read in the guest's rescue shell
# equal pcrpredict's "qemu" prediction.  (PCR 4 is not predictable on this
# path: QEMU patches the kernel before the firmware measures it.)
#
# Env: KERNEL, INITRD, PCRPREDICT, PCR_PROFILE, LETHE_TIMEOUT_SCALE, LETHE_KEEP.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/boot/lib.sh
. tests/predict/lib.sh

PCRPREDICT=${PCRPREDICT:-build/host/pcrpredict}
PCR_PROFILE=${PCR_PROFILE:-image/pcr-profiles/ovmf-q35.txt}
APPEND="$BOOT_KERNEL_ARGS lethe.rescue lethe.pcrs=7,9"

boot_need_image
[[ -x $PCRPREDICT ]] || { echo "1..0"; echo "Bail out! $PCRPREDICT not built"; exit 1; }
tap_plan 3
boot_init predictq
"$PCRPREDICT" predict --qemu-cmdline "$APPEND" --qemu-initrd "$INITRD" --profile "$PCR_PROFILE" \
	--out "$BOOT_DIR/pred" || boot_die "pcrpredict failed"
"$PCRPREDICT" predict --qemu-cmdline "$APPEND x" --qemu-initrd "$INITRD" --profile "$PCR_PROFILE" \
	--out "$BOOT_DIR/pred-x" || boot_die "pcrpredict failed"
boot_swtpm_start "$BOOT_DIR/tpm"
predict_boot_kernel "$KERNEL" "$INITRD" "$APPEND"
if boot_expect 'rescue: shell' 300; then
	sleep 2
	predict_type 'for i in 7 9; do echo "PCRV $i $(cat /sys/class/tpm/tpm0/pcr-sha256/$i)"; done; echo PCRV-END'
	boot_expect '^PCRV-END' 60
fi
predict_stop
for p in 7 9; do
	want=$(awk -v n=$p '$1 == "qemu" && $2 == n { print $3 }' "$BOOT_DIR/pred")
	got=$(tr -d '\r' <"$BOOT_DIR/serial.log" | awk -v n=$p '$1 == "PCRV" && $2 == n { print tolower($3) }')
	if [[ -n $want && $want == "$got" ]]; then
		ok "PCR $p equals the prediction ($got)"
	else
		not_ok "PCR $p: predicted '$want', guest has '$got'"
	fi
done
check "another -append string predicts another PCR 9" \
	test "$(grep '^qemu 9 ' "$BOOT_DIR/pred")" != "$(grep '^qemu 9 ' "$BOOT_DIR/pred-x")"
tap_done
