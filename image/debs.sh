#!/usr/bin/env bash
# image/debs.sh: the pinned Debian packages: resolve, fetch, verify, extract.
#
#   debs.sh update                       download the archive's index again (make update-lock)
#   debs.sh newest NAME                  the newest version of NAME in any suite of the archive
#   debs.sh resolve LIST                 dependency closure of the roots in LIST (names, sorted)
#   debs.sh pin NAME...                  "name version arch sha256" of the archive's candidates
#   debs.sh fetch LOCK                   every locked .deb present in $LETHE_CACHE/debs and verified
#   debs.sh stage LOCK STAGE OWNERS KDIR extract the verified packages: the kernel package into
#                                        KDIR, everything else into the merged-/usr tree STAGE;
#                                        OWNERS gets "path package" for every file and link
#
# Every .deb is checked against its SHA-256 in the lock immediately before it is
# used; a mismatch is an error, never a silent re-download.  apt runs with the
# private configuration of image/apt.sh (the image's Debian release), never
# the host's.  Any LOCK in this format works: image/packages.lock and
# image/buildroot/packages.lock share the cache.
set -euo pipefail

prog=debs.sh
die() { echo "$prog: fatal: $*" >&2; exit "${2:-100}"; }
cache=${LETHE_CACHE:?LETHE_CACHE is not set}/debs
# shellcheck source=image/apt.sh
. "$(dirname "$0")/apt.sh"

# Read a lock file: skip comments, check every field, print "name version arch sha".
lock_read() {
	[ -r "$1" ] || die "unable to read lock file $1"
	awk -v f="$1" '
		/^[ \t]*(#|$)/ { next }
		NF != 4 || $1 !~ /^[a-z0-9][a-z0-9+.-]*$/ || $2 !~ /^[0-9A-Za-z.+:~-]+$/ ||
		    $3 !~ /^(amd64|all)$/ || length($4) != 64 || $4 !~ /^[0-9a-f]+$/ {
			printf "debs.sh: fatal: %s:%d: malformed lock line\n", f, NR > "/dev/stderr"; bad = 1; exit 100
		}
		{ print }
		END { if (bad) exit 100 }' "$1"
}

deb_file() { # name version arch -> cache path (apt-get download naming: ':' as %3a)
	echo "$cache/${1}_${2//:/%3a}_${3}.deb"
}

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# Verify one cached package.  A fresh download waits as FILE.part until its
# hash matches; a cached file that does not match is an error, not re-fetched.
deb_verify() { # name version arch sha
	local f got
	f=$(deb_file "$1" "$2" "$3")
	if [ -e "$f.part" ]; then
		got=$(sha_of "$f.part")
		if [ "$got" != "$4" ]; then
			rm -f "$f.part"
			die "downloaded $1 $2 has sha256 $got, the lock says $4: the archive changed; check why, then run make update-lock"
		fi
		mv "$f.part" "$f"
		return 0
	fi
	[ -e "$f" ] || die "package $1 $2 is not in the cache ($f): run make"
	got=$(sha_of "$f")
	[ "$got" = "$4" ] || die "cached $f has sha256 $got, ${lockname:-the lock} says $4: delete the file and run make again"
}

cmd_fetch() {
	local n v a s miss=() tmp f
	lockname=$1
	while read -r n v a s; do
		[ -e "$(deb_file "$n" "$v" "$a")" ] || miss+=("$n=$v")
	done < <(lock_read "$1")
	if [ ${#miss[@]} -gt 0 ]; then
		# One apt-get call for all: each call loads the whole package cache.
		mkdir -p "$cache"
		tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
		echo "$prog: downloading ${#miss[@]} packages into $cache" >&2
		apt_setup
		# An index older than the lock does not name its versions: update once.
		if ! (cd "$tmp" && apt-get "${apt_opts[@]}" download -q "${miss[@]}" >/dev/null 2>"$tmp/err") &&
			! { apt_retry_update && (cd "$tmp" && apt-get "${apt_opts[@]}" download -q "${miss[@]}" >/dev/null 2>"$tmp/err"); }; then
			grep -E '^E:' "$tmp/err" | sed 's/^/  apt: /' >&2
			rm -rf "$tmp"
			die "a locked package version is not served by the $lethe_suite archive (if it is gone, run make update-lock)" 111
		fi
		for f in "$tmp"/*.deb; do mv "$f" "$cache/$(basename "$f").part"; done
		rm -rf "$tmp"
	fi
	while read -r n v a s; do deb_verify "$n" "$v" "$a" "$s"; done < <(lock_read "$1")
}

# Merged /usr: the image has only /usr/{bin,sbin,lib,lib64}; Debian's
# packages still ship some files under /bin, /sbin, /lib and /lib64.
canon() { sed -E 's#^\./#/#; s#^/(bin|sbin|lib|lib64)(/|$)#/usr/\1\2#'; }

cmd_stage() { # LOCK STAGE OWNERS KDIR
	local lock=$1 stage=$2 owners=$3 kdir=$4 n v a s f
	lockname=$1
	rm -rf "$stage" "$kdir" "$owners.tmp"
	mkdir -p "$stage/usr/bin" "$stage/usr/sbin" "$stage/usr/lib" "$stage/usr/lib64" "$kdir"
	ln -s usr/bin "$stage/bin"; ln -s usr/sbin "$stage/sbin"
	ln -s usr/lib "$stage/lib"; ln -s usr/lib64 "$stage/lib64"
	: > "$owners.tmp"
	while read -r n v a s; do
		deb_verify "$n" "$v" "$a" "$s"
		f=$(deb_file "$n" "$v" "$a")
		case "$n" in
		linux-image-[0-9]*)
			# Only the kernel and its modules; nothing of the package's scripts.
			# Debian 13's kernel ships its modules under /usr/lib/modules
			# (merged /usr), older ones under /lib/modules: KDIR gets lib/modules.
			dpkg-deb --fsys-tarfile "$f" | tar -x -C "$kdir" --wildcards \
				'./boot/vmlinuz-*' './lib/modules/*' './usr/lib/modules/*' 2> "$kdir.err" || {
				grep -v 'Not found in archive\|Exiting with failure status' "$kdir.err" >&2 || true; }
			rm -f "$kdir.err"
			if [ -d "$kdir/usr/lib/modules" ]; then
				mkdir -p "$kdir/lib"
				mv "$kdir/usr/lib/modules" "$kdir/lib/modules"
				rm -rf "${kdir:?}/usr"
			fi
			ls "$kdir"/boot/vmlinuz-* > /dev/null 2>&1 && [ -d "$kdir/lib/modules" ] ||
				die "kernel package $n $v has no /boot/vmlinuz-* or no modules"
			echo "$n" > "$kdir/package"
			continue ;;
		esac
		dpkg-deb --fsys-tarfile "$f" | tar -x -C "$stage" --keep-directory-symlink --no-same-owner
		dpkg-deb --fsys-tarfile "$f" | tar -t | grep -v '/$' | canon | sed "s|\$| $n|" >> "$owners.tmp"
	done < <(lock_read "$lock")
	sort -u "$owners.tmp" > "$owners"
	rm -f "$owners.tmp"
	# Two packages shipping one path would make the image depend on extraction order.
	dup=$(awk '{ c[$1]++ } END { for (p in c) if (c[p] > 1) print p }' "$owners" | sort | head -5)
	[ -z "$dup" ] || die "paths shipped by more than one locked package: $dup"
}

# Dependency closure over Depends and Pre-Depends, first alternative of each
# group, virtual packages skipped (libraries are never virtual in Debian).
cmd_resolve() {
	local -A seen=()
	local level=() next=() p dep
	mapfile -t level < <(sed -E 's/#.*//; /^[[:space:]]*$/d; s/[[:space:]]//g' "$1")
	# One apt-cache call per level of the graph: each call loads the whole cache.
	while [ ${#level[@]} -gt 0 ]; do
		next=()
		for p in "${level[@]}"; do seen[$p]=1; done
		while read -r dep; do
			[ -z "${seen[$dep]:-}" ] && { seen[$dep]=1; next+=("$dep"); }
		done < <(apt-cache "${apt_opts[@]}" depends --no-recommends --no-suggests --no-conflicts --no-breaks \
			--no-replaces --no-enhances "${level[@]}" | awk '
			/^[^ ]/ { alt = 0; next }
			/^ *\|(Pre)?Depends:/ { if (!alt) { alt = 1; if ($2 !~ /^</) print $2 } ; next }
			/^ *(Pre)?Depends:/ { if (!alt && $2 !~ /^</) print $2; alt = 0; next }')
		level=("${next[@]}")
	done
	printf '%s\n' "${!seen[@]}" | sort
}

cmd_pin() {
	[ $# -gt 0 ] || return 0
	apt-cache "${apt_opts[@]}" show --no-all-versions "$@" | awk '
		/^Package:/ { p = $2 } /^Version:/ { v = $2 } /^Architecture:/ { a = $2 } /^SHA256:/ { s = $2 }
		/^$/ { if (p) print p, v, a, s; p = v = a = s = "" }
		END { if (p) print p, v, a, s }' | sort -u > "${TMPDIR:-/tmp}/pin.$$"
	# apt-cache names a package it has no candidate for only on stderr: check all came back.
	local got
	got=$(cut -d' ' -f1 "${TMPDIR:-/tmp}/pin.$$" | sort -u | wc -l)
	[ "$got" -eq $# ] || { rm -f "${TMPDIR:-/tmp}/pin.$$"; die "apt-cache gave $got candidates for $# packages"; }
	cat "${TMPDIR:-/tmp}/pin.$$"; rm -f "${TMPDIR:-/tmp}/pin.$$"
}

cmd_newest() { # NAME
	local v best=
	while read -r v; do
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then best=$v; fi
	done < <(apt-cache "${apt_opts[@]}" madison "$1" | awk -F'|' '{ gsub(/ /, "", $2); print $2 }')
	[ -n "$best" ] || die "the archive has no package $1"
	echo "$best"
}

[ $# -ge 1 ] || die "usage: debs.sh update|newest|resolve|pin|fetch|stage ..."
c=$1; shift
case "$c" in
update) apt_setup update ;;
newest) [ $# -eq 1 ] || die "usage: debs.sh newest NAME"; apt_setup; cmd_newest "$1" ;;
resolve) [ $# -eq 1 ] || die "usage: debs.sh resolve LIST"; apt_setup; cmd_resolve "$1" ;;
pin) apt_setup; cmd_pin "$@" ;;
fetch) [ $# -eq 1 ] || die "usage: debs.sh fetch LOCK"; cmd_fetch "$1" ;;
stage) [ $# -eq 4 ] || die "usage: debs.sh stage LOCK STAGE OWNERS KDIR"; cmd_stage "$@" ;;
*) die "unknown command $c" ;;
esac
