#!/usr/bin/env bash
# image/curl/fetch.sh: the pinned Debian source of curl, present and verified.
#
#   fetch.sh [LOCK]        every file LOCK names (default: source.lock next to this script) is in
#                          $LETHE_CACHE/src and has the locked SHA-256; missing files are downloaded
#                          from the Debian archive, present ones are never downloaded again
#   fetch.sh verify [LOCK] check the files LOCK names without downloading anything, then
#                          print the path of the .dsc (build.sh uses this right before unpacking)
#   fetch.sh pin VERSION   print a lock for Debian source version VERSION of curl on stdout
#
# Exit codes: 0 ok, 100 usage, malformed lock or a file whose SHA-256 is not the
# locked one, 111 the archive could not be reached or does not serve the version.
#
# The host's apt sources have no deb-src entries, so downloads go through a
# private apt configuration in $LETHE_CACHE/apt-src that reuses the host's
# mirrors (or deb.debian.org).  apt checks the archive's signed Sources index;
# the lock then pins the bytes, so a later change in the archive is an error.
set -euo pipefail

prog=curl/fetch.sh
die() { echo "$prog: fatal: $1" >&2; exit "${2:-100}"; }
[ -n "${LETHE_CACHE:-}" ] || LETHE_CACHE=${HOME:?neither LETHE_CACHE nor HOME is set}/.cache/lethe
cache=$LETHE_CACHE/src
aptdir=$LETHE_CACHE/apt-src
here=$(cd "$(dirname "$0")" && pwd)
# The image is Debian bookworm: its source comes from the same suites.
suite=bookworm
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

# Read a lock: check every line, print "version V" once, then "file NAME SHA" per file.
lock_read() {
	[ -r "$1" ] || die "unable to read lock file $1"
	awk -v f="$1" '
		function bad(why) { printf "%s: fatal: %s:%d: %s\n", "'"$prog"'", f, NR, why > "/dev/stderr"; err = 1; exit 100 }
		/^[ \t]*(#|$)/ { next }
		$1 == "version" {
			if (NF != 2 || $2 !~ /^[0-9][0-9A-Za-z.+~-]*$/) bad("malformed version line")
			if (version != "") bad("second version line")
			version = $2; next
		}
		NF != 2 || $1 !~ /^curl_[0-9A-Za-z.+~_-]+$/ || length($2) != 64 || $2 !~ /^[0-9a-f]+$/ {
			bad("malformed file line (want: NAME SHA256)")
		}
		$1 in seen { bad("file " $1 " is listed twice") }
		{ seen[$1] = 1; files[++n] = $1 " " $2 }
		END {
			if (err) exit 100
			if (version == "") { printf "%s: fatal: %s: no version line\n", "'"$prog"'", f > "/dev/stderr"; exit 100 }
			if (!(("curl_" version ".dsc") in seen)) {
				printf "%s: fatal: %s: curl_%s.dsc is not listed\n", "'"$prog"'", f, version > "/dev/stderr"; exit 100
			}
			print "version", version
			for (i = 1; i <= n; i++) print "file", files[i]
		}' "$1"
}

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# "URI SUITE" for every enabled deb entry of the host's apt configuration,
# one-line (.list) and deb822 (.sources) formats.
host_mirrors() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk '$1 == "deb" {
			i = 2
			if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
			if (i + 1 <= NF) print $i, $(i + 1)
		}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk '
			function flush(   n, m, i, j, u, s) {
				if (types ~ /(^|[ \t])deb([ \t]|$)/ && enabled != "no") {
					n = split(uris, u, /[ \t]+/); m = split(suites, s, /[ \t]+/)
					for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) if (u[i] != "" && s[j] != "") print u[i], s[j]
				}
				types = uris = suites = enabled = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			/^[ \t]/ { next }
			{
				k = tolower($0); sub(/:.*/, "", k); v = $0; sub(/^[^:]*:[ \t]*/, "", v)
				if (k == "types") types = v; else if (k == "uris") uris = v
				else if (k == "suites") suites = v; else if (k == "enabled") enabled = tolower(v)
			}
			END { flush() }' "$f"
	done
}

# The private apt configuration: deb-src for the image's suites on the host's mirrors.
apt_setup() {
	local main sec
	main=$(host_mirrors | awk -v s="$suite" '($2 == s || $2 == s "-updates") && $1 ~ /^https?:\/\// { sub(/\/+$/, "", $1); print $1; exit }')
	sec=$(host_mirrors | awk -v s="$suite-security" '$2 == s && $1 ~ /^https?:\/\// { sub(/\/+$/, "", $1); print $1; exit }')
	main=${main:-http://deb.debian.org/debian}
	sec=${sec:-http://deb.debian.org/debian-security}
	mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
	{
		echo "# written by image/curl/fetch.sh from the host's apt sources"
		echo "deb-src [signed-by=$keyring] $main $suite main"
		echo "deb-src [signed-by=$keyring] $main $suite-updates main"
		echo "deb-src [signed-by=$keyring] $sec $suite-security main"
	} > "$aptdir/sources.list.tmp"
	mv -f "$aptdir/sources.list.tmp" "$aptdir/sources.list"
	apt_opts=(-o "Dir::Etc::SourceList=$aptdir/sources.list" -o Dir::Etc::SourceParts=/nonexistent
		-o "Dir::State::Lists=$aptdir/lists" -o "Dir::Cache=$aptdir/cache")
	# apt's download sandbox user cannot enter a root-owned cache; say so
	# instead of letting apt warn on every download (the hashes are checked anyway).
	[ "$(id -u)" -ne 0 ] || apt_opts+=(-o APT::Sandbox::User=root)
	echo "$prog: updating the Debian source index ($main, $sec)" >&2
	if ! apt-get "${apt_opts[@]}" -q update > "$aptdir/update.log" 2>&1; then
		grep -E '^(E|W):' "$aptdir/update.log" | sed 's/^/  apt: /' >&2 || true
		die "unable to update the source index in $aptdir (log: $aptdir/update.log)" 111
	fi
}

# Download the source package VERSION into the directory DIR.
apt_source() { # VERSION DIR
	if ! (cd "$2" && apt-get "${apt_opts[@]}" -q source --download-only "curl=$1" > .log 2>&1); then
		grep -E '^(E|W):' "$2/.log" | sed 's/^/  apt: /' >&2 || true
		rm -rf "$2"
		die "unable to download the source of curl $1: the archive does not serve it (if it was superseded, pin the new version: $prog pin VERSION)" 111
	fi
	rm -f "$2/.log"
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
	[ -e "$f" ] || die "source file $f is missing: image/curl/fetch.sh downloads it"
	got=$(sha_of "$f")
	[ "$got" = "$2" ] || die "cached $f has sha256 $got, the lock says $2: delete the file and run make again"
}

cmd_fetch() { # LOCK download|verify
	local lines=() l kw name sha version="" miss=() tmp
	mapfile -t lines < <(lock_read "$1")
	[ ${#lines[@]} -gt 0 ] || exit 100
	for l in "${lines[@]}"; do
		[ "$2" = download ] || break
		read -r kw name sha <<< "$l"
		if [ "$kw" = version ]; then version=$name; continue; fi
		[ -e "$cache/$name" ] || miss+=("$name")
	done
	if [ ${#miss[@]} -gt 0 ]; then
		mkdir -p "$cache"
		apt_setup
		tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
		echo "$prog: downloading the source of curl $version into $cache" >&2
		apt_source "$version" "$tmp"
		for name in "${miss[@]}"; do
			[ -e "$tmp/$name" ] || { rm -rf "$tmp"; die "the archive's curl $version source has no file $name: fix the lock"; }
			mv -f "$tmp/$name" "$cache/$name.part"
		done
		rm -rf "$tmp"
	fi
	for l in "${lines[@]}"; do
		read -r kw name sha <<< "$l"
		case $kw in
		version) version=$name ;;
		file) src_verify "$name" "$sha" ;;
		esac
	done
	[ "$2" = download ] || echo "$cache/curl_${version#*:}.dsc"
}

cmd_pin() { # VERSION
	local version=$1 tmp dsc f
	[[ $version =~ ^[0-9][0-9A-Za-z.+~-]*$ ]] || die "malformed version $version"
	mkdir -p "$cache"
	apt_setup
	tmp=$(mktemp -d "$cache/.pin.XXXXXX")
	apt_source "$version" "$tmp"
	dsc=$tmp/curl_${version#*:}.dsc
	[ -r "$dsc" ] || { rm -rf "$tmp"; die "the download of curl $version has no $(basename "$dsc")"; }
	cat <<-'EOF'
	# image/curl/source.lock: the Debian source package our lean libcurl is built from.
	#
	# Format: blank lines and lines starting with '#' are ignored; otherwise
	#   version VERSION     exactly once: the Debian version of the source package curl
	#   NAME SHA256         one line per file of that source package (the .dsc and every
	#                       file it lists), SHA-256 in lower-case hex
	#
	# image/curl/fetch.sh downloads missing files into $LETHE_CACHE/src and checks
	# each one against this list before use; dpkg-source then checks the .dsc's own
	# checksums.  Keep VERSION equal to libcurl4's version in image/packages.lock.
	# To move to a new Debian version: image/curl/fetch.sh pin VERSION > image/curl/source.lock
	EOF
	echo "version $version"
	echo "$(basename "$dsc") $(sha_of "$dsc")"
	# The files in the .dsc's order; apt has checked them against the signed index.
	while read -r f; do
		[ -e "$tmp/$f" ] || { rm -rf "$tmp"; die "the download of curl $version has no $f"; }
		echo "$f $(sha_of "$tmp/$f")"
	done < <(awk '/^Checksums-Sha256:/ { on = 1; next } on && /^ / { print $3; next } { on = 0 }' "$dsc")
	rm -rf "$tmp"
}

usage="usage: fetch.sh [LOCK] | fetch.sh verify [LOCK] | fetch.sh pin VERSION"
case "${1:-}" in
pin) [ $# -eq 2 ] || die "$usage"; cmd_pin "$2" ;;
verify) [ $# -le 2 ] || die "$usage"; cmd_fetch "${2:-$here/source.lock}" verify ;;
-*) die "$usage" ;;
*) [ $# -le 1 ] || die "$usage"; cmd_fetch "${1:-$here/source.lock}" download ;;
esac
