#!/usr/bin/env bash
# image/modules.sh KDIR LIST OUT: copy the modules named in LIST, and every
# module they depend on, from the extracted kernel package KDIR into the tree
# OUT/usr/lib/modules/VERSION, then generate modules.dep/alias for exactly
# that set.  Prints the kernel version.
set -euo pipefail
die() { echo "modules.sh: fatal: $*" >&2; exit 100; }
[ $# -eq 3 ] || die "usage: modules.sh KDIR LIST OUT"
kdir=$1 list=$2 out=$3

vers=("$kdir"/lib/modules/*)
[ ${#vers[@]} -eq 1 ] && [ -d "${vers[0]}" ] || die "expected exactly one kernel in $kdir/lib/modules"
ver=$(basename "${vers[0]}")
src=$kdir/lib/modules/$ver

# The full module graph of this kernel (the package ships no modules.dep).
[ -e "$src/modules.dep" ] || depmod -b "$kdir" "$ver"

mapfile -t want < <(sed -E 's/#.*//; /^[[:space:]]*$/d; s/[[:space:]]//g; s/-/_/g' "$list")
# Closure over modules.dep; names compare with '-' and '_' as the same.
mapfile -t files < <(awk -v want="${want[*]}" '
	function key(p) { sub(/.*\//, "", p); sub(/\.ko(\.[a-z]+)?$/, "", p); gsub(/-/, "_", p); return p }
	BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) need[w[i]] = 1 }
	{ f = $1; sub(/:$/, "", f); k = key(f); path[k] = f; deps[k] = ""
	  for (i = 2; i <= NF; i++) deps[k] = deps[k] " " key($i) }
	END {
		for (k in need) q[++qn] = k
		for (qi = 1; qi <= qn; qi++) {
			k = q[qi]; if (k in done) continue; done[k] = 1
			if (!(k in path)) { print "MISSING " k; continue }
			print path[k]
			m = split(deps[k], d, " "); for (i = 1; i <= m; i++) if (!(d[i] in done)) q[++qn] = d[i]
		}
	}' "$src/modules.dep" | sort -u)
# A listed module the kernel has built in (Debian 13 builds virtio_pci into
# the kernel) needs nothing; one that is neither is an error.
builtin() { sed 's#.*/##; s/\.ko.*//; s/-/_/g' "$src/modules.builtin" | grep -qx "$1"; }
kept=()
for f in "${files[@]}"; do
	case "$f" in
	MISSING*)
		builtin "${f#MISSING }" || die "module ${f#MISSING } (image/modules.list) is not in kernel $ver"
		echo "modules.sh: ${f#MISSING } is built into kernel $ver" >&2 ;;
	*) kept+=("$f") ;;
	esac
done
files=("${kept[@]}")

dst=$out/usr/lib/modules/$ver
rm -rf "$out"
mkdir -p "$dst"
# Debian 13 ships its modules xz-compressed: store them plain.  initd loads
# them with finit_module() and no decompression flag, so nothing depends on
# the kernel's CONFIG_MODULE_DECOMPRESS; the price is 215 KB more of
# out/initramfs.cpio.zst (11,437,921 against 11,222,941 bytes, measured).
for f in "${files[@]}"; do
	mkdir -p "$dst/$(dirname "$f")"
	case "$f" in
	*.ko.xz) xz -dc "$src/$f" > "$dst/${f%.xz}" ;;
	*.ko.zst) zstd -qdc "$src/$f" > "$dst/${f%.zst}" ;;
	*.ko) cp "$src/$f" "$dst/$f" ;;
	*) die "module file $f is neither .ko, .ko.xz nor .ko.zst" ;;
	esac
done
cp "$src/modules.order" "$src/modules.builtin" "$src/modules.builtin.modinfo" "$dst/"
depmod -b "$out/usr" "$ver"
# Keep the text indexes initd reads; the binary ones and the rest are rebuilt
# by depmod from the same data and only add bytes.
find "$dst" -maxdepth 1 -type f -name 'modules.*' \
	! -name modules.dep ! -name modules.alias ! -name modules.softdep ! -name modules.builtin -delete
echo "$ver"
