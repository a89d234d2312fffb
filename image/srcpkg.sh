#!/usr/bin/env bash
# image/srcpkg.sh: pinned Debian source packages (the lean libcurl, mimalloc), present and verified.
#
#   srcpkg.sh fetch LOCK                 every file LOCK names is in $LETHE_CACHE/src with the
#                                        locked SHA-256; missing ones are downloaded, present ones
#                                        never again
#   srcpkg.sh verify LOCK                check the files without downloading anything, then print
#                                        the path of the .dsc (the build scripts, right before
#                                        unpacking; this runs inside the build root too)
#   srcpkg.sh newest SOURCE SUITE [GLOB] the newest version of SOURCE in SUITE (matching the shell
#                                        pattern GLOB) whose files the archive really serves; every
#                                        newer one it does not serve is reported on stderr
#   srcpkg.sh pin SOURCE SUITE VERSION [WHY...]
#                                        print a lock for that version on stdout (WHY: comment
#                                        lines saying why this version)
#
# Exit codes: 0 ok, 100 usage, malformed lock or a file whose SHA-256 is not the
# locked one, 111 the archive could not be reached or does not serve the files.
#
# Why "newest fetchable": the archive reachable here serves the binary packages
# of every current version but not always their sources (curl 8.14.1-2+deb13u5's
# source is there, +deb13u7's is not).  The lock therefore names the version it
# could fetch and says why.  Downloads go through the private apt configuration
# of image/apt.sh for the lock's suite; apt checks the archive's signed Sources
# index, the lock then pins the bytes, so a later change is an error.
set -euo pipefail

prog=srcpkg.sh
die() { echo "$prog: fatal: $1" >&2; exit "${2:-100}"; }
[ -n "${LETHE_CACHE:-}" ] || LETHE_CACHE=${HOME:?neither LETHE_CACHE nor HOME is set}/.cache/lethe
export LETHE_CACHE
cache=$LETHE_CACHE/src
# shellcheck source=image/apt.sh
. "$(dirname "$0")/apt.sh"

# Read a lock: check every line, print "source S", "suite S", "version V",
# then "file NAME SHA" per file.
lock_read() {
	[ -r "$1" ] || die "unable to read lock file $1"
	awk -v f="$1" -v prog="$prog" '
		function bad(why) { printf "%s: fatal: %s:%d: %s\n", prog, f, NR, why > "/dev/stderr"; err = 1; exit 100 }
		/^[ \t]*(#|$)/ { next }
		$1 == "source" || $1 == "suite" || $1 == "version" {
			if (NF != 2 || $2 !~ /^[0-9a-z][0-9A-Za-z.+~:-]*$/) bad("malformed " $1 " line")
			if ($1 in kv) bad("second " $1 " line")
			kv[$1] = $2; next
		}
		NF != 2 || $1 !~ /^[a-z0-9][a-z0-9+.-]*_[0-9A-Za-z.+~_-]+$/ || length($2) != 64 || $2 !~ /^[0-9a-f]+$/ {
			bad("malformed file line (want: NAME SHA256)")
		}
		$1 in seen { bad("file " $1 " is listed twice") }
		{ seen[$1] = 1; files[++n] = $1 " " $2 }
		END {
			if (err) exit 100
			split("source suite version", w, " ")
			for (i = 1; i <= 3; i++) if (!(w[i] in kv)) {
				printf "%s: fatal: %s: no %s line\n", prog, f, w[i] > "/dev/stderr"; exit 100
			}
			v = kv["version"]; sub(/^[0-9]+:/, "", v)
			if (!((kv["source"] "_" v ".dsc") in seen)) {
				printf "%s: fatal: %s: %s_%s.dsc is not listed\n", prog, f, kv["source"], v > "/dev/stderr"; exit 100
			}
			print "source", kv["source"]; print "suite", kv["suite"]; print "version", kv["version"]
			for (i = 1; i <= n; i++) print "file", files[i]
		}' "$1"
}

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# Download the source package SOURCE=VERSION into the directory DIR (apt checks
# every file against the signed index).  Quiet: the caller says what failed.
apt_source() { # SOURCE VERSION DIR
	(cd "$3" && apt-get "${apt_opts[@]}" -q source --download-only "$1=$2" > .log 2>&1)
}

# A fresh download waits as NAME.part until its hash matches; a cached file
# that does not match is an error and is never replaced behind the user's back.
src_verify() { # NAME SHA
	local f=$cache/$1 got
	if [ -e "$f.part" ]; then
		got=$(sha_of "$f.part")
		if [ "$got" != "$2" ]; then
			rm -f "$f.part"
			die "downloaded $1 has sha256 $got, the lock says $2: the archive changed; check why before pinning again"
		fi
		mv -f "$f.part" "$f"
		return 0
	fi
	[ -e "$f" ] || die "source file $1 is neither in $cache nor served by the archive"
	got=$(sha_of "$f")
	[ "$got" = "$2" ] || die "cached $f has sha256 $got, the lock says $2: delete the file and run make again"
}

cmd_fetch() { # LOCK download|verify
	local lines=() l kw name sha src="" suite="" version="" miss=() tmp
	mapfile -t lines < <(lock_read "$1")
	[ ${#lines[@]} -gt 0 ] || exit 100
	for l in "${lines[@]}"; do
		read -r kw name sha <<< "$l"
		case $kw in
		source) src=$name ;;
		suite) suite=$name ;;
		version) version=$name ;;
		file) [ -e "$cache/$name" ] || miss+=("$name") ;;
		esac
	done
	if [ ${#miss[@]} -gt 0 ] && [ "$2" = download ]; then
		mkdir -p "$cache"
		lethe_suite=$suite
		apt_setup
		tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
		echo "$prog: downloading the source of $src $version ($suite) into $cache" >&2
		apt_source "$src" "$version" "$tmp" || { apt_retry_update && apt_source "$src" "$version" "$tmp"; } || true
		for name in "${miss[@]}"; do
			[ -e "$tmp/$name" ] || { rm -rf "$tmp"; die "source file $name is neither in $cache nor served by the archive" 111; }
			mv -f "$tmp/$name" "$cache/$name.part"
		done
		rm -rf "$tmp"
	fi
	for l in "${lines[@]}"; do
		read -r kw name sha <<< "$l"
		[ "$kw" != file ] || src_verify "$name" "$sha"
	done
	[ "$2" = download ] || echo "$cache/${src}_${version#*:}.dsc"
}

# Versions of SOURCE in the index, newest first (dpkg's order, not sort -V's).
src_versions() { # SOURCE
	local vs=() i j t
	mapfile -t vs < <(apt-cache "${apt_opts[@]}" showsrc "$1" 2> /dev/null |
		awk -v s="$1" '/^Package:/ { p = $2 } /^Version:/ && p == s { print $2 }' | sort -u)
	for ((i = 0; i < ${#vs[@]}; i++)); do
		for ((j = i + 1; j < ${#vs[@]}; j++)); do
			if dpkg --compare-versions "${vs[j]}" gt "${vs[i]}"; then t=${vs[i]} vs[i]=${vs[j]} vs[j]=$t; fi
		done
	done
	[ ${#vs[@]} -eq 0 ] || printf '%s\n' "${vs[@]}"
}

cmd_newest() { # SOURCE SUITE [GLOB]
	local src=$1 glob=${3:-*} v tmp
	lethe_suite=$2
	apt_setup update
	mkdir -p "$cache"
	while read -r v; do
		[ -n "$v" ] || continue
		# shellcheck disable=SC2053 # GLOB is a pattern on purpose
		[[ $v == $glob ]] || continue
		tmp=$(mktemp -d "$cache/.newest.XXXXXX")
		if apt_source "$src" "$v" "$tmp"; then
			rm -rf "$tmp"
			echo "$v"
			return 0
		fi
		rm -rf "$tmp"
		echo "$prog: the archive lists $src $v ($2) but does not serve its source files" >&2
	done < <(src_versions "$src")
	die "no version of $src in $2 matching '$glob' can be fetched" 111
}

cmd_pin() { # SOURCE SUITE VERSION [WHY...]
	local src=$1 version=$3 tmp dsc f
	lethe_suite=$2
	shift 3
	[[ $version =~ ^[0-9][0-9A-Za-z.+~:-]*$ ]] || die "malformed version $version"
	mkdir -p "$cache"
	apt_setup
	tmp=$(mktemp -d "$cache/.pin.XXXXXX")
	apt_source "$src" "$version" "$tmp" || { rm -rf "$tmp"; die "the archive does not serve the source of $src $version" 111; }
	dsc=$tmp/${src}_${version#*:}.dsc
	[ -r "$dsc" ] || { rm -rf "$tmp"; die "the download of $src $version has no $(basename "$dsc")"; }
	cat <<-EOF
	# The Debian source package $src, pinned (image/srcpkg.sh).
	#
	# Format: blank lines and lines starting with '#' are ignored; otherwise
	#   source NAME / suite SUITE / version VERSION   once each
	#   FILE SHA256     one line per file of that source package (the .dsc and every
	#                   file it lists), SHA-256 in lower-case hex
	#
	# image/srcpkg.sh fetch downloads missing files into \$LETHE_CACHE/src and checks
	# each one against this list before use; dpkg-source then checks the .dsc's own
	# checksums.  Written by \`make update-lock\`; do not edit by hand.
	EOF
	for f in "$@"; do echo "# $f"; done
	echo "source $src"
	echo "suite $lethe_suite"
	echo "version $version"
	echo "$(basename "$dsc") $(sha_of "$dsc")"
	# The files in the .dsc's order; apt has checked them against the signed index.
	while read -r f; do
		[ -e "$tmp/$f" ] || { rm -rf "$tmp"; die "the download of $src $version has no $f"; }
		echo "$f $(sha_of "$tmp/$f")"
	done < <(awk '/^Checksums-Sha256:/ { on = 1; next } on && /^ / { print $3; next } { on = 0 }' "$dsc")
	rm -rf "$tmp"
}

usage="usage: srcpkg.sh fetch LOCK | verify LOCK | newest SOURCE SUITE [GLOB] | pin SOURCE SUITE VERSION [WHY...]"
case "${1:-}" in
fetch) [ $# -eq 2 ] || die "$usage"; cmd_fetch "$2" download ;;
verify) [ $# -eq 2 ] || die "$usage"; cmd_fetch "$2" verify ;;
newest) [ $# -ge 3 ] && [ $# -le 4 ] || die "$usage"; shift; cmd_newest "$@" ;;
pin) [ $# -ge 4 ] || die "$usage"; shift; cmd_pin "$@" ;;
*) die "$usage" ;;
esac
