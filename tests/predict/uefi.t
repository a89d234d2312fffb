#!/bin/bash
# Prediction equals reality, UEFI direct boot: UKIs made by image/uki/mkuki.sh
# (as out/lethe.efi is) boot from an ESP in QEMU q35 + OVMF + swtpm; in the
# rescue shell the guest prints its SHA-256 PCRs 4, 7, 9, 11 and the
# firmware event log; every value must equal pcrpredict's prediction, and
# the event log must replay to the PCRs read.  Three images: the base one,
# one with one more file in the initramfs, one with another command line.
#
# Env: KERNEL, INITRD (out/vmlinuz, out/initramfs.cpio.zst), PCRPREDICT
# (build/host/pcrpredict), PCR_PROFILE (image/pcr-profiles/ovmf-q35.txt),
# UKI_CMDLINE (the base command line; lethe.rescue is added),
# PREDICT_CASES (default "base file cmdline"), LETHE_TIMEOUT_SCALE, LETHE_KEEP.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/boot/lib.sh
. tests/predict/lib.sh

PCRPREDICT=${PCRPREDICT:-build/host/pcrpredict}
PCR_PROFILE=${PCR_PROFILE:-image/pcr-profiles/ovmf-q35.txt}
# tsc=unstable: the TCG workaround of tests/boot/lib.sh (BOOT_KERNEL_ARGS).
BASE_CMDLINE="${UKI_CMDLINE:-console=tty0 console=ttyS0,115200 panic=10} lethe.rescue tsc=unstable"
CASES=${PREDICT_CASES:-base file cmdline}
PCRS="4 7 9 11"
# mkuki.sh and systemd-measure run in the build root (image/buildroot), as
# `make` runs mkuki.sh: its systemd-boot-efi stub and its systemd-measure are
# the same systemd version, the one out/lethe.efi is made with.
MEASURE=${MEASURE:-/usr/lib/systemd/systemd-measure}
BUILDROOT=${BUILDROOT:-image/buildroot/buildroot.sh}
in_root() { BUILDROOT_BIND=$W TOP=$PWD "$BUILDROOT" run "$@"; }

boot_need_image
for t in mformat mcopy tpm2_eventlog zstd cpio; do
	command -v $t >/dev/null || { echo "1..0"; echo "Bail out! $t not installed"; exit 1; }
done
[[ -x $PCRPREDICT ]] || { echo "1..0"; echo "Bail out! $PCRPREDICT not built"; exit 1; }
# shellcheck disable=SC2086 # a list of case names
set -- $CASES
tap_plan $((1 + $# * 5 + 2))
boot_init predict
W=$BOOT_DIR/w
mkdir -p "$W"
printf 'NAME=lethe\nID=lethe\nVERSION_ID=predict-test\n' >"$W/os-release"

check "two UKI builds from the same inputs are identical" bash -c "
	BUILDROOT_BIND='$W' TOP='$PWD' '$BUILDROOT' run image/uki/mkuki.sh '$W/r1.efi' '$KERNEL' '$INITRD' '$BASE_CMDLINE' '$W/os-release' &&
	BUILDROOT_BIND='$W' TOP='$PWD' '$BUILDROOT' run image/uki/mkuki.sh '$W/r2.efi' '$KERNEL' '$INITRD' '$BASE_CMDLINE' '$W/os-release' &&
	cmp -s '$W/r1.efi' '$W/r2.efi'"

# case_uki NAME: builds $W/NAME.efi for a case (inputs kept in CASE_*).
case_uki() {
	local initrd=$INITRD cmdline=$BASE_CMDLINE
	case $1 in
	base) ;;
	file)
		# One more file: the same archive with a second newc archive
		# (one regular file) after it, recompressed.
		mkdir -p "$W/extra/etc/lethe"
		echo "one more file" >"$W/extra/etc/lethe/predict-test"
		(cd "$W/extra" && find etc/lethe/predict-test | cpio -o -H newc --quiet) >"$W/extra.cpio"
		{ zstd -dc -- "$INITRD"; cat "$W/extra.cpio"; } | zstd -q -3 -T1 >"$W/file.cpio.zst"
		initrd=$W/file.cpio.zst
		;;
	cmdline) cmdline="$BASE_CMDLINE mitigations=auto" ;;
	*) boot_die "unknown case $1" ;;
	esac
	CASE_INITRD=$initrd CASE_CMDLINE=$cmdline
	in_root image/uki/mkuki.sh "$W/$1.efi" "$KERNEL" "$initrd" "$cmdline" "$W/os-release"
}

# systemd's own PCR 11 calculator (the build root's systemd, the stub's
# version) agrees with pcrpredict.
measure_agrees() { # NAME
	local m
	printf '%s' "$CASE_CMDLINE" >"$W/$1.cmdline"
	# The stub's own .sbat is a section of every UKI, measured since 257.
	in_root objcopy -O binary --only-section=.sbat "$W/$1.efi" "$W/$1.sbat" || return 1
	m=$(in_root "$MEASURE" calculate --sbat="$W/$1.sbat" --linux="$KERNEL" --initrd="$CASE_INITRD" --cmdline="$W/$1.cmdline" \
		--osrel="$W/os-release" --bank=sha256 --phase=: 2>/dev/null | awk -F= '/^11:sha256=/ { print $2 }')
	[[ -n $m && $m == "$(awk '$1 == "uefi" && $2 == 11 { print $3 }' "$W/$1.pred")" ]]
}

run_case() {
	local name=$1 p want got log_ok=1 all=1
	if ! case_uki "$name" || ! "$PCRPREDICT" predict --uki "$W/$name.efi" --profile "$PCR_PROFILE" \
			--out "$W/$name.pred"; then
		for p in measure $PCRS; do not_ok "$name: PCR $p (no UKI or no prediction)"; done
		return
	fi
	check "$name: systemd-measure computes the same PCR 11" measure_agrees "$name"
	rm -f -- "$BOOT_DIR/vars.fd"   # a fresh machine, as when the profile was recorded
	boot_swtpm_start "$BOOT_DIR/tpm"
	predict_esp "$W/$name.efi" "$W/esp.img"
	predict_boot_esp "$W/esp.img"
	if boot_expect 'rescue: shell' 300; then
		sleep 2
		predict_type 'for i in 4 7 9 11; do echo "PCRV $i $(cat /sys/class/tpm/tpm0/pcr-sha256/$i)"; done; echo ELOG-BEGIN; xxd -p /sys/kernel/security/tpm0/binary_bios_measurements; echo ELOG-END'
		boot_expect '^ELOG-END' 60
	fi
	predict_stop
	tr -d '\r' <"$BOOT_DIR/serial.log" >"$W/$name.serial"
	awk '/^ELOG-BEGIN/ { f = 1; next } /^ELOG-END/ { f = 0 } f' "$W/$name.serial" |
		xxd -r -p >"$W/$name.elog"
	tpm2_eventlog "$W/$name.elog" >"$W/$name.replay" 2>/dev/null || log_ok=0
	for p in $PCRS; do
		want=$(awk -v n=$p '$1 == "uefi" && $2 == n { print $3 }' "$W/$name.pred")
		got=$(awk -v n=$p '$1 == "PCRV" && $2 == n { print tolower($3) }' "$W/$name.serial")
		if [[ -n $want && $want == "$got" ]]; then
			ok "$name: PCR $p equals the prediction ($got)"
		else
			not_ok "$name: PCR $p: predicted '$want', guest has '$got'"
			all=0
		fi
		# The firmware's event log, replayed on the host, gives the same.
		grep -qi "^ *$p *: 0x$got\$" "$W/$name.replay" || log_ok=0
	done
	((log_ok)) || echo "# $name: event log does not replay to the PCRs read" >&2
	LOG_OK=$((LOG_OK && log_ok))
	((all)) || boot_serial_tail
}

LOG_OK=1
for c in $CASES; do
	run_case "$c"
done
check "every event log replays to the PCRs the guest read" test $LOG_OK = 1
# The cases must differ where they should, or the test proves little.
differs() { ! cmp -s <(grep "^uefi $2 " "$W/base.pred") <(grep "^uefi $2 " "$W/$1.pred"); }
if [[ -e $W/base.pred && -e $W/file.pred && -e $W/cmdline.pred ]]; then
	check "one more file changes PCR 4, 9, 11, not 7; another command line changes 4, 9, 11" \
		bash -c "$(declare -f differs); W='$W'; differs file 4 && differs file 9 && differs file 11 &&
			! differs file 7 && differs cmdline 4 && differs cmdline 9 && differs cmdline 11"
else
	skip "one more file changes PCR 4, 9, 11, not 7; another command line changes 4, 9, 11" \
		"not every case ran"
fi
tap_done
