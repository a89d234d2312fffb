#!/usr/bin/env bash
# image/manifest.sh SPEC ORIGINS LOCK: every entry of the image, for auditors.
#
# One line per entry, sorted by path:
#   sha256 mode uid:gid type path origin [-> target]
# sha256 is "-" for anything but a regular file; origin is package=version
# for files from a Debian package, else lethe, rootfs-overlay or generated.
set -euo pipefail
[ $# -eq 3 ] || { echo "manifest.sh: usage: manifest.sh SPEC ORIGINS LOCK" >&2; exit 100; }
spec=$1 orig=$2 lock=$3
tmp=$(mktemp "${TMPDIR:-/tmp}/manifest.XXXXXX")
trap 'rm -f "$tmp"' EXIT
# Hash all regular files in one pass; paths in the spec never contain spaces.
awk '$1 == "file" { print $6 }' "$spec" | xargs -r sha256sum | awk '{ print $2, $1 }' > "$tmp"
echo "# lethe image manifest: sha256 mode uid:gid type path origin [-> target]"
awk -v orig="$orig" -v lock="$lock" -v sums="$tmp" '
	BEGIN {
		while ((getline l < orig) > 0) { split(l, f, " "); o[f[1]] = f[2] }
		while ((getline l < lock) > 0) { if (l ~ /^[ \t]*(#|$)/) continue; split(l, f, " "); ver[f[1]] = f[2] }
		while ((getline l < sums) > 0) { split(l, f, " "); sum[f[1]] = f[2] }
	}
	{
		origin = o[$2]; if (origin in ver) origin = origin "=" ver[origin]
		h = ($1 == "file") ? sum[$6] : "-"
		if (h == "") { print "manifest.sh: fatal: no hash for " $6 > "/dev/stderr"; exit 100 }
		line = h " " $3 " " $4 ":" $5 " " $1 " " $2 " " origin
		if ($1 == "slink") line = line " -> " $6
		print line
	}' "$spec" | LC_ALL=C sort -k5,5
