#!/bin/bash
# mkuki.sh OUT KERNEL INITRD CMDLINE OSREL: a unified kernel image (UKI) for
# UEFI direct boot: systemd-stub with the sections .osrel, .cmdline, .linux
# and .initrd added by objcopy at page-aligned addresses after the stub's
# last section.  Runs inside the build root (make: $(BR_RUN)): the stub is
# the root's systemd-boot-efi, pinned with its SHA-256 in
# image/buildroot/packages.lock, and objcopy is the root's binutils.  A new
# systemd-boot-efi changes out/lethe.efi and every UEFI PCR prediction
# (image/pcrpredict/uefi.c names the stub version it follows).
#
# Deterministic: the same inputs give the same bytes (objcopy keeps the
# stub's PE timestamp; the section addresses depend only on the sizes).
# Written to OUT.tmp and renamed into place only when complete.
set -eu -o pipefail

STUB=${UKI_STUB:-/usr/lib/systemd/boot/efi/linuxx64.efi.stub}

die() {
	echo "mkuki: fatal: $*" >&2
	exit "${2:-111}"
}

(($# == 5)) || die "usage: mkuki.sh OUT KERNEL INITRD CMDLINE OSREL" 100
out=$1 kernel=$2 initrd=$3 cmdline=$4 osrel=$5
for f in "$kernel" "$initrd" "$osrel"; do
	[[ -r $f && -s $f ]] || die "unable to read $f: missing or empty" 100
done
[[ $cmdline != *$'\n'* ]] || die "kernel command line has a newline" 100
stub=$STUB
[[ -r $stub ]] || die "unable to read $stub: run mkuki.sh in the build root (image/buildroot/buildroot.sh run)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkuki.XXXXXX")
trap 'rm -rf -- "$tmp" "$out.tmp"' EXIT
# The stub (and the kernel's EFI stub) takes the command line as it is,
# without a trailing newline.
printf '%s' "$cmdline" >"$tmp/cmdline"

# End of the stub's last section (VMA + size), from objdump's table.
end=0
while read -r idx _ size vma _; do
	[[ $idx =~ ^[0-9]+$ ]] || continue
	((0x$vma + 0x$size > end)) && end=$((0x$vma + 0x$size))
done < <(objdump -h "$stub")
((end > 0)) || die "unable to read the section table of $stub"

align() { echo $((($1 + 4095) / 4096 * 4096)); }
args=()
vma=$(align "$end")
# Order as ukify writes them; the stub finds sections by name, not order.
for s in osrel:"$osrel" cmdline:"$tmp/cmdline" linux:"$kernel" initrd:"$initrd"; do
	name=.${s%%:*} file=${s#*:}
	size=$(stat -c %s -- "$file")
	args+=(--add-section "$name=$file" --change-section-vma "$name=$(printf '0x%x' "$vma")")
	vma=$(align $((vma + size)))
done
objcopy "${args[@]}" "$stub" "$out.tmp"
# objcopy stamps the PE header with the current time and a checksum over it:
# put back the stub's own timestamp and a zero checksum ("not computed";
# UEFI ignores it, Authenticode skips it), so the bytes depend on the inputs.
pe_offset() {
	local off
	off=$(od -An -tu4 -j 60 -N 4 -- "$1" | tr -d ' ')
	if ! [[ $off =~ ^[0-9]+$ ]] || ((off <= 0 || off >= 4096)); then
		die "unable to find the PE header of $1"
	fi
	echo "$off"
}
pe=$(pe_offset "$out.tmp")
spe=$(pe_offset "$stub")
dd if="$stub" of="$out.tmp" bs=1 skip=$((spe + 8)) seek=$((pe + 8)) count=4 conv=notrunc status=none
head -c 4 /dev/zero | dd of="$out.tmp" bs=1 seek=$((pe + 88)) count=4 conv=notrunc status=none
chmod 0644 -- "$out.tmp"
mv -f -- "$out.tmp" "$out"
