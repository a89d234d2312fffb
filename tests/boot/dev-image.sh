#!/bin/bash
# Builds a throwaway boot-test image for working on the harness or initd
# before (or without) the real image build: Debian's current kernel plus a
# tiny initramfs holding only initd as /init, /etc/lethe-release and
# /dev/console.  Not reproducible and not the product; never commit it.
#
# Usage: tests/boot/dev-image.sh OUTDIR [INITD [VERSION]]
#   INITD    static initd binary (build/target/initd)
#   VERSION  LETHE_VERSION written into /etc/lethe-release (0.0.0-dev)
# Writes OUTDIR/vmlinuz and OUTDIR/initramfs.cpio.zst; then, for example:
#   KERNEL=OUTDIR/vmlinuz INITRD=OUTDIR/initramfs.cpio.zst \
#     LETHE_VERSION=0.0.0-dev tests/boot/smoke.t
# Needs apt-get (the Debian archive), dpkg-deb, cpio, zstd; run as root
# (mknod for /dev/console).
set -eu -o pipefail

prog=dev-image
die() { echo "$prog: fatal: $*" >&2; exit "${2:-111}"; }

[[ $# -ge 1 && $# -le 3 ]] || die "usage: $prog OUTDIR [INITD [VERSION]]" 100
out=$1
initd=${2:-build/target/initd}
version=${3:-0.0.0-dev}
[[ $version =~ ^[A-Za-z0-9._+~-]{1,64}$ ]] || die "bad version '$version'" 100
[[ -x $initd ]] || die "unable to find $initd (make build/target/initd)" 100

mkdir -p -- "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/lethe-dev-image.XXXXXX")
trap 'rm -rf -- "$work"' EXIT

if [[ ! -e $out/vmlinuz ]]; then
	pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ && !p { print $2; p = 1 }')
	[[ -n $pkg ]] || die "unable to resolve linux-image-amd64 (apt-get update?)"
	(cd "$work" && apt-get -q -o APT::Sandbox::User=root download "$pkg" >/dev/null) ||
		die "unable to download $pkg"
	dpkg-deb -x "$work"/"$pkg"_*.deb "$work/kernel" || die "unable to unpack $pkg"
	cp -- "$work"/kernel/boot/vmlinuz-* "$out/vmlinuz.tmp" || die "no vmlinuz in $pkg"
	mv -f -- "$out/vmlinuz.tmp" "$out/vmlinuz"
fi

root=$work/root
mkdir -p "$root/etc" "$root/dev"
install -m 0755 -- "$initd" "$root/init"
printf 'LETHE_VERSION=%s\nLETHE_EPOCH=%s\n' "$version" "${SOURCE_DATE_EPOCH:-0}" >"$root/etc/lethe-release"
# The kernel opens /dev/console for /init before anything is mounted.
mknod -m 0600 "$root/dev/console" c 5 1 || die "unable to mknod dev/console (root needed)"
if ! (cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible -R 0:0) |
	zstd -19 -q >"$out/initramfs.cpio.zst.tmp"; then
	rm -f -- "$out/initramfs.cpio.zst.tmp"
	die "unable to write $out/initramfs.cpio.zst"
fi
mv -f -- "$out/initramfs.cpio.zst.tmp" "$out/initramfs.cpio.zst"
echo "$out/vmlinuz"
echo "$out/initramfs.cpio.zst"
