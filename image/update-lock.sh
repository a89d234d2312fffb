#!/usr/bin/env bash
# image/update-lock.sh: rewrite the locks from the apt archive (make update-lock).
#
#   update-lock.sh sources   pin the newest fetchable Debian source of everything we
#                            build (image/curl, image/mimalloc, image/unbound) and name
#                            what could not be fetched
#   update-lock.sh image     rewrite image/packages.lock: resolve image/packages.list,
#                            pin every package's candidate, plan a trial image with all
#                            of them, keep only the packages that put a file into it
#
# `make update-lock` runs: image/buildroot/buildroot.sh lock, then `sources`, then
# rebuilds our programs in the new root, then `image`.  It prints tor's version
# change first, then the newest tor the archive offers, then the diffs.
set -euo pipefail
die() { echo "update-lock: fatal: $*" >&2; exit 100; }
B=${B:-build} HB=${HB:-build/host}
work=$B/update-lock

lock_version() { awk -v p="$1" '$1 == p { print $2 }' "$2" 2> /dev/null; }

# Re-pin one source lock: VERSION chosen by the caller, WHY lines for the lock.
source_repin() { # LOCK SOURCE SUITE VERSION WHY...
	local lock=$1 src=$2 suite=$3 v=$4
	shift 4
	image/srcpkg.sh pin "$src" "$suite" "$v" "$@" > "$work/source.lock"
	if ! cmp -s "$lock" "$work/source.lock"; then
		diff -u "$lock" "$work/source.lock" || true
		mv "$work/source.lock" "$lock"
		echo "update-lock: $lock now pins $src $v" >&2
	fi
}

cmd_sources() {
	local curl_bin curl_up v
	rm -rf "$work"; mkdir -p "$work"
	image/debs.sh update
	# The lean libcurl replaces libcurl4t64: the same upstream version, the
	# newest Debian revision whose source the archive serves.
	curl_bin=$(image/debs.sh pin libcurl4t64 | cut -d' ' -f2)
	curl_up=${curl_bin%-*}
	v=$(image/srcpkg.sh newest curl trixie "$curl_up-*")
	if [ "$v" = "$curl_bin" ]; then
		source_repin image/curl/source.lock curl trixie "$v" \
			"Why this version: the source of libcurl4t64 $curl_bin, which the image would otherwise ship."
	else
		source_repin image/curl/source.lock curl trixie "$v" \
			"Why this version: libcurl4t64 is $curl_bin, whose source the archive does not serve;" \
			"$v is the newest curl $curl_up source it does serve (make update-lock names the others)." \
			"The library is a drop-in for libcurl4t64 (same SONAME and symbol version)."
	fi
	# mimalloc stays on 2.0.9 (docs/performance.md): the newest 2.0.9 revision.
	v=$(image/srcpkg.sh newest mimalloc bookworm '2.0.9*')
	source_repin image/mimalloc/source.lock mimalloc bookworm "$v" \
		"Why this version: mimalloc 2.0.9 is the allocator operators measured best on busy relays" \
		"(1.41 GB against 10.4 GB and growing for trixie's 3.0.1; docs/performance.md); trixie ships" \
		"only 3.x, so the 2.0.9 source comes from bookworm and is built in the build root."
	# unbound: trixie's source is not served, bookworm's (security-maintained)
	# is; say so when trixie's becomes fetchable, a move to check by hand
	# (another major version: options, build dependencies).
	ub_bin=$(image/debs.sh pin unbound | cut -d' ' -f2)
	if v=$(image/srcpkg.sh newest unbound trixie "$ub_bin" 2> /dev/null); then
		echo "update-lock: warning: the archive now serves the source of trixie's unbound $v: consider building it (image/unbound)" >&2
	fi
	v=$(image/srcpkg.sh newest unbound bookworm)
	source_repin image/unbound/source.lock unbound bookworm "$v" \
		"Why this version: trixie's unbound is $ub_bin, whose source the archive does not serve;" \
		"nor, when unbound was first pinned, sid's 1.26.2-1; $v (bookworm, Debian security/LTS)" \
		"is the newest unbound source it does serve." \
		"trixie's binary is not an option either: it links libpython3.13, libhiredis, libprotobuf-c," \
		"libnghttp2 and libsystemd (several MB).  image/unbound/build.sh builds the daemon only, lean," \
		"with libevent and OpenSSL, in the build root."
}

cmd_image() {
	local old new newest
	[ -n "${BUILT_LIBS:-}" ] && [ -n "${BUILT_BINS:-}" ] || die "BUILT_LIBS or BUILT_BINS is not set"
	rm -rf "$work"; mkdir -p "$work"
	echo "update-lock: resolving image/packages.list" >&2
	image/debs.sh resolve image/packages.list > "$work/names"
	# shellcheck disable=SC2046
	image/debs.sh pin $(cat "$work/names") > "$work/full.lock"
	image/debs.sh fetch "$work/full.lock"
	image/debs.sh stage "$work/full.lock" "$work/stage" "$work/owners" "$work/kernel"
	image/buildroot/buildroot.sh run image/modules.sh "$work/kernel" image/modules.list "$work/modules" > /dev/null
	mkdir -p "$work/gen/etc"
	printf 'LETHE_VERSION=update-lock\nLETHE_EPOCH=0\n' > "$work/gen/etc/lethe-release"
	BUILT_LIBS=$BUILT_LIBS BUILT_BINS=$BUILT_BINS STAGE=$work/stage OWNERS=$work/owners KPKG=$(cat "$work/kernel/package") \
		MODS=$work/modules TARGET=$B/target GEN=$work/gen ELFCLOSURE=$HB/elfclosure IMAGE=image \
		OVERLAY=rootfs-overlay image/plan.sh "$work/spec" "$work/origins"

	{
		echo "# image/packages.lock: the Debian packages whose files make up the image."
		echo "# Written by \`make update-lock\` from image/packages.list; do not edit by hand."
		echo "# name version architecture sha256-of-the-.deb"
		awk 'NR == FNR { used[$2] = 1; next } ($1 in used)' "$work/origins" "$work/full.lock"
	} > "$work/packages.lock"
	[ "$(grep -vc '^#' "$work/packages.lock")" -gt 0 ] || die "no package contributes to the image?"

	# tor first: the reason this routine exists (docs/operating.md).
	old=$(lock_version tor image/packages.lock)
	new=$(lock_version tor "$work/packages.lock")
	newest=$(image/debs.sh newest tor)
	if [ "$old" = "$new" ]; then echo "update-lock: tor $new (unchanged)"
	else echo "update-lock: tor ${old:-none} -> $new"; fi
	echo "update-lock: the newest tor the archive offers: $newest"
	[ "$new" = "$newest" ] || echo "update-lock: warning: the lock pins tor $new, not the newest $newest" >&2
	if [ -e image/packages.lock ]; then
		diff -u image/packages.lock "$work/packages.lock" || true
	fi
	mv "$work/packages.lock" image/packages.lock
	echo "update-lock: image/packages.lock has $(grep -vc '^#' image/packages.lock) packages" >&2
}

case "${1:-}" in
sources) cmd_sources ;;
image) cmd_image ;;
*) die "usage: update-lock.sh sources|image" ;;
esac
