#!/usr/bin/env bash
# image/plan.sh SPEC ORIGINS: decide every entry of the root filesystem.
#
# Writes SPEC (mkcpio's format: type path mode uid gid source) and ORIGINS
# ("path origin": the Debian package, or lethe, rootfs-overlay, generated).
# Inputs come from the environment, set by image/image.mk:
#   STAGE      merged-/usr tree of the extracted locked packages (writable: our programs are copied in)
#   OWNERS     "path package" for every file of STAGE
#   KPKG       name of the kernel package;  MODS  tree from image/modules.sh
#   TARGET     directory with our built programs (initd, tpmseal, configpull, lethe-telemetry,
#              lethe-state)
#   GEN        directory with generated files (etc/lethe-release)
#   ELFCLOSURE the closure tool;  IMAGE  the image/ directory;  OVERLAY  rootfs-overlay/
#   BUILT_LIBS libraries we build from pinned Debian sources, "FILE=ORIGIN ..." (the lean
#              libcurl of image/curl, mimalloc 2.0.9 of image/mimalloc): each is installed
#              as /usr/lib/x86_64-linux-gnu/NAME-OF-FILE, in place of a Debian one if any
#   BUILT_BINS programs we build from pinned Debian sources, "FILE=ORIGIN ..." (unbound of
#              image/unbound): each is installed as /usr/sbin/NAME-OF-FILE, mode 0755
#
# Files of locked packages that are not ELF (no closure finds them) come in
# by name: IMAGE/package-files.list.
#
# Modes, owners and times never come from the build host: files are 0755 if
# executable in their package, else 0644; directories 0755; owner 0:0.
set -euo pipefail
die() { echo "plan.sh: fatal: $*" >&2; exit 100; }
[ $# -eq 2 ] || die "usage: plan.sh SPEC ORIGINS"
out_spec=$1 out_orig=$2
for v in STAGE OWNERS KPKG MODS TARGET GEN ELFCLOSURE IMAGE OVERLAY BUILT_LIBS BUILT_BINS; do
	[ -n "${!v:-}" ] || die "$v is not set"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/plan.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
entries=$tmp/entries   # type path mode uid gid source origin

mode_of() { [ -x "$1" ] && echo 0755 || echo 0644; }

# 1. The skeleton.
sed -E 's/#.*//; /^[[:space:]]*$/d' "$IMAGE/base.spec" | awk '{ print $0, "lethe" }' > "$entries"

# 2. Our programs.
install -m 0755 "$TARGET/tpmseal" "$TARGET/configpull" "$TARGET/lethe-telemetry" "$TARGET/lethe-state" \
	"$STAGE/usr/bin/"
{
	echo "file /init 0755 0 0 $TARGET/initd lethe"
	echo "file /usr/bin/tpmseal 0755 0 0 $TARGET/tpmseal lethe"
	echo "file /usr/bin/configpull 0755 0 0 $TARGET/configpull lethe"
	echo "file /usr/bin/lethe-telemetry 0755 0 0 $TARGET/lethe-telemetry lethe"
	echo "file /usr/bin/lethe-state 0755 0 0 $TARGET/lethe-state lethe"
} >> "$entries"

# Files built from pinned Debian sources stand where Debian's would, owned
# by their source: the lean libcurl (HTTPS over OpenSSL only), mimalloc 2.0.9
# (trixie has 3.x), unbound (the daemon only).  The closure below takes them
# from the stage like any package file.
cp "$OWNERS" "$tmp/owners"
built_install() { # LISTNAME DIR MODE
	local entry file origin path
	for entry in ${!1}; do
		file=${entry%%=*} origin=${entry#*=}
		[ -f "$file" ] && [ -n "$origin" ] && [ "$origin" != "$entry" ] || die "$1 entry '$entry' is not FILE=ORIGIN"
		path=$2/${file##*/}
		rm -f "$STAGE$path"
		install -m "$3" "$file" "$STAGE$path"
		{ grep -v "^$path " "$tmp/owners" || true; echo "$path $origin"; } > "$tmp/owners.new"
		mv "$tmp/owners.new" "$tmp/owners"
	done
}
built_install BUILT_LIBS /usr/lib/x86_64-linux-gnu 0644
built_install BUILT_BINS /usr/sbin 0755

# 3. The ELF closure of the roots, with the package each file came from.
mapfile -t roots < <(sed -E 's/#.*//; /^[[:space:]]*$/d; s/[[:space:]]//g' "$IMAGE/roots.list")
"$ELFCLOSURE" --root "$STAGE" "${roots[@]}" > "$tmp/closure" ||
	die "library closure failed (a library missing from image/packages.lock? run make update-lock)"
while read -r type path target; do
	case "$path" in /usr/bin/tpmseal|/usr/bin/configpull|/usr/bin/lethe-telemetry|/usr/bin/lethe-state) continue ;; esac
	case "$type" in
	file) echo "file $path $(mode_of "$STAGE$path") 0 0 $STAGE$path" ;;
	slink) echo "slink $path 0777 0 0 $target" ;;
	*) die "unexpected closure line: $type $path" ;;
	esac
done < "$tmp/closure" | awk -v owners="$tmp/owners" '
	BEGIN { while ((getline l < owners) > 0) { split(l, f, " "); own[f[1]] = f[2] } }
	{ o = ($2 in own) ? own[$2] : ""; if (o == "" && ($2 == "/lib" || $2 == "/lib64" || $2 == "/bin" || $2 == "/sbin")) o = "lethe"
	  if (o == "") { print "plan.sh: fatal: no package owns " $2 > "/dev/stderr"; exit 100 }
	  print $0, o }' >> "$entries"

# Package files by name ("PATH SOURCE": SOURCE of the stage, installed as
# PATH, 0644), from the package that ships SOURCE.
sed -E 's/#.*//; /^[[:space:]]*$/d' "$IMAGE/package-files.list" | while read -r path from extra; do
	[ -n "$from" ] && [ -z "$extra" ] && [ "${path#/}" != "$path" ] || die "package-files.list: malformed line '$path $from $extra'"
	[ -f "$STAGE$from" ] && [ ! -L "$STAGE$from" ] || die "package-files.list: $from is not a file of a locked package"
	origin=$(awk -v p="$from" '$1 == p { print $2; exit }' "$tmp/owners")
	[ -n "$origin" ] || die "package-files.list: no package owns $from"
	echo "file $path 0644 0 0 $STAGE$from $origin"
done >> "$entries"

# 4. Busybox applets.
sed -E 's/#.*//' "$IMAGE/busybox.applets" | tr -s ' \t' '\n\n' | sed '/^$/d' |
	awk '{ print "slink /usr/bin/" $1, "0777 0 0 busybox lethe" }' >> "$entries"

# 5. Kernel modules and their indexes.
(cd "$MODS" && find . -mindepth 1 | LC_ALL=C sort) | while read -r p; do
	p=${p#.}
	if [ -d "$MODS$p" ]; then echo "dir $p 0755 0 0 - $KPKG"
	else echo "file $p 0644 0 0 $MODS$p $KPKG"; fi
done >> "$entries"

# 6. rootfs-overlay and generated files.
for tree in "$OVERLAY:rootfs-overlay" "$GEN:generated"; do
	dir=${tree%:*} origin=${tree#*:}
	[ -d "$dir" ] || continue
	(cd "$dir" && find . -mindepth 1 | LC_ALL=C sort) | while read -r p; do
		p=${p#.}
		if [ -d "$dir$p" ]; then echo "dir $p 0755 0 0 - $origin"
		elif [ -f "$dir$p" ] && [ ! -L "$dir$p" ]; then echo "file $p 0644 0 0 $dir$p $origin"
		else die "$dir$p: only plain files and directories are allowed in $origin"; fi
	done >> "$entries"
done

# 7. Parent directories nobody named, then one entry per path: the same path
# twice must agree exactly, or the build stops.
awk '
	function parent(p) { sub(/\/[^\/]*$/, "", p); return p }
	{ line[NR] = $0; n = NR; key = $2; def = $1 " " $3 " " $4 " " $5 " " $6
	  if (key in seen && seen[key] != def && !($1 == "dir" && seendir[key])) {
		print "plan.sh: fatal: " key " is defined twice: " seen[key] " / " def > "/dev/stderr"; bad = 1 }
	  if (!(key in origin)) origin[key] = $7; seen[key] = def; if ($1 == "dir") seendir[key] = 1; out[key] = $1 " " $2 " " $3 " " $4 " " $5 " " $6 }
	END {
		if (bad) exit 100
		for (k in out) for (p = parent(k); p != ""; p = parent(p)) if (!(p in out)) { out[p] = "dir " p " 0755 0 0 -"; origin[p] = "lethe" }
		for (k in out) print out[k] > "/dev/stdout"
		for (k in origin) print k, origin[k] > "/dev/stderr"
	}' "$entries" > "$tmp/spec" 2> "$tmp/orig" || { cat "$tmp/orig" >&2; exit 100; }
LC_ALL=C sort -k2,2 "$tmp/spec" > "$out_spec.tmp" && mv "$out_spec.tmp" "$out_spec"
LC_ALL=C sort "$tmp/orig" > "$out_orig.tmp" && mv "$out_orig.tmp" "$out_orig"
