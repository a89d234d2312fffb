#!/usr/bin/env bash
# image/buildroot/buildroot.sh: the pinned Debian root every program of the image is compiled in.
#
#   buildroot.sh ensure        the root of image/buildroot/packages.lock exists in the cache
#                              (made from the locked .debs, each verified); prints its path
#   buildroot.sh run CMD...    run CMD inside that root, in the caller's directory (inside
#                              $TOP, the tree bound into the root at its own path; default:
#                              the caller's directory); BUILDROOT_BIND=DIR:DIR... binds more
#                              directories at their own paths (a test's scratch directory)
#   buildroot.sh lock          re-resolve packages.list against the archive and rewrite
#                              packages.lock (make update-lock)
#
# Why: the image's bytes must not depend on the build host's distribution or
# point release.  initd, tpmseal, configpull, the lean libcurl and mimalloc are
# compiled by the gcc, musl, binutils and -dev headers of this root, the same
# Debian release as the image (image/apt.sh), whatever the host has.  The host
# provides make, git, mmdebstrap, util-linux and its own compiler for the host
# tools only (mkcpio, ospkg, pcrpredict, elfclosure: they put no compiled byte
# into the image).
#
# The root: mmdebstrap --variant=essential with every locked package, installed
# from a local repository of .debs that image/debs.sh verified against the lock.
# It lives in $LETHE_CACHE/buildroot/KEY (KEY: the hash of the lock and of the
# recipe's format), is made once under a lock file and renamed into place when complete
# and checked (installed set == lock).  It is never written to afterwards:
# `run` mounts it under a throw-away overlay in a private mount namespace, with
# the source tree and the cache bound at their own paths and a fresh /tmp, and
# runs CMD with a fixed environment (PATH, TZ=UTC, LC_ALL=C, SOURCE_DATE_EPOCH
# and LETHE_CACHE; nothing else of the caller's).  Needs root (mount namespaces,
# chroot), like the rest of `make`.
#
# Exit codes: 0 ok (run: CMD's status), 100 usage or a bad lock, 111 the root
# cannot be made or entered.
set -euo pipefail

prog=buildroot.sh
die() { echo "$prog: fatal: $1" >&2; exit "${2:-100}"; }
here=$(cd "$(dirname "$0")" && pwd)
image=$(dirname "$here")
lock=$here/packages.lock
list=$here/packages.list
[ -n "${LETHE_CACHE:-}" ] || LETHE_CACHE=${HOME:?neither LETHE_CACHE nor HOME is set}/.cache/lethe
export LETHE_CACHE
# shellcheck source=image/apt.sh
. "$image/apt.sh"

# The cache key: the lock and the recipe's format (bump it when cmd_ensure
# changes what ends up in the root).
root_format=1
root_key() { { echo "format $root_format"; cat "$lock"; } | sha256sum | cut -c1-16; }

# Remove a scratch tree, first unmounting whatever a failed mmdebstrap left
# mounted in it (its file:// mirror hook binds the repository inside).
scratch_rm() {
	[ -n "${1:-}" ] && [ -d "$1" ] || return 0
	awk -v t="$1/" 'index($2, t) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r -n1 umount -l
	rm -rf "$1"
}

need_root() {
	[ "$(id -u)" -eq 0 ] || die "the build root needs root (mount namespace, chroot): run make as root" 111
	command -v mmdebstrap > /dev/null || die "mmdebstrap is missing: scripts/deps ensure build" 111
}

# Names and versions of the lock, "name=version" per line.
lock_pkgs() {
	awk '/^[ \t]*(#|$)/ { next } { print $1 "=" $2 }' "$lock"
}

# Installed set of a root: "name version arch", sorted.
root_pkgs() {
	chroot "$1" dpkg-query -W -f '${db:Status-Status} ${Package} ${Version} ${Architecture}\n' |
		awk '$1 == "installed" { print $2, $3, $4 }' | LC_ALL=C sort
}

cmd_ensure() {
	local key dir repo names
	key=$(root_key)
	dir=$LETHE_CACHE/buildroot/$key
	if [ -e "$dir/.complete" ]; then echo "$dir"; return 0; fi
	need_root
	mkdir -p "$LETHE_CACHE/buildroot"
	exec 9> "$LETHE_CACHE/buildroot/.lock"
	flock 9
	if [ -e "$dir/.complete" ]; then echo "$dir"; return 0; fi
	"$image/debs.sh" fetch "$lock" >&2
	tmp=$(mktemp -d "$LETHE_CACHE/buildroot/.new.XXXXXX")
	trap 'scratch_rm "$tmp"' EXIT
	# A flat repository of exactly the locked files, each verified just now.
	repo=$tmp/repo
	mkdir -p "$repo"
	while read -r n v a _; do
		ln "$LETHE_CACHE/debs/${n}_${v//:/%3a}_${a}.deb" "$repo/" 2> /dev/null ||
			cp "$LETHE_CACHE/debs/${n}_${v//:/%3a}_${a}.deb" "$repo/"
	done < <(awk '/^[ \t]*(#|$)/ { next } { print }' "$lock")
	awk '/^[ \t]*(#|$)/ { next } { v = $2; gsub(/:/, "%3a", v); print $4 "  " $1 "_" v "_" $3 ".deb" }' "$lock" > "$tmp/sums"
	(cd "$repo" && sha256sum -c --quiet "$tmp/sums") >&2 || die "a .deb of the build root does not match $lock" 111
	(cd "$repo" && dpkg-scanpackages -m . /dev/null > Packages 2> /dev/null) ||
		die "dpkg-scanpackages failed on $repo" 111
	mapfile -t names < <(awk '/^[ \t]*(#|$)/ { next } { print $1 }' "$lock")
	echo "$prog: making the build root $key (${#names[@]} packages)" >&2
	if ! mmdebstrap --mode=root --variant=essential --format=directory \
		--include="$(IFS=,; echo "${names[*]}")" \
		--hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount \
		--aptopt='Acquire::Languages "none"' \
		"" "$tmp/root" "deb [trusted=yes] file://$repo ./" > "$tmp/log" 2>&1; then
		cp "$tmp/log" "$LETHE_CACHE/buildroot/failed.log"
		tail -n 20 "$tmp/log" | sed 's/^/  mmdebstrap: /' >&2
		die "mmdebstrap could not make the build root" 111
	fi
	# The root must hold exactly the lock: nothing added, nothing missing.
	if ! diff <(root_pkgs "$tmp/root") <(awk '/^[ \t]*(#|$)/ { next } { print $1, $2, $3 }' "$lock" | LC_ALL=C sort) > "$tmp/diff"; then
		sed 's/^/  /' "$tmp/diff" >&2
		die "the build root's packages differ from $lock (< root, > lock): run make update-lock" 111
	fi
	rm -rf "$tmp/repo"
	mv "$tmp/root" "$dir"
	touch "$dir/.complete"
	echo "$dir"
}

# Inside a private mount namespace: overlay, binds, chroot, exec.
cmd_inside() { # ROOT CWD CMD...
	local base=$1 cwd=$2 ns=$LETHE_CACHE/buildroot/.ns r p
	shift 2
	mount --make-rprivate /
	mount -t tmpfs -o mode=0700 lethe-buildroot "$ns"
	mkdir "$ns/upper" "$ns/work" "$ns/root"
	mount -t overlay overlay -o "lowerdir=$base,upperdir=$ns/upper,workdir=$ns/work" "$ns/root"
	r=$ns/root
	mount --rbind /proc "$r/proc"
	for p in null zero full random urandom tty; do
		[ -e "$r/dev/$p" ] || : > "$r/dev/$p"
		mount --bind "/dev/$p" "$r/dev/$p"
	done
	mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
	# The source tree and the cache at their own paths: file names the
	# compiler sees are the ones make passes.
	local binds=("$TOP" "$LETHE_CACHE")
	IFS=: read -r -a extra <<< "${BUILDROOT_BIND:-}"
	for p in "${extra[@]}"; do [ -z "$p" ] || binds+=("$p"); done
	for p in "${binds[@]}"; do
		mkdir -p "$r$p"
		mount --bind "$p" "$r$p"
	done
	local env=(PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/nonexistent TZ=UTC LC_ALL=C LANG=C
		"LETHE_CACHE=$LETHE_CACHE" "TOP=$TOP")
	for p in SOURCE_DATE_EPOCH OMP_NUM_THREADS; do
		[ -z "${!p:-}" ] || env+=("$p=${!p}")
	done
	exec chroot "$r" /usr/bin/env -i "${env[@]}" /bin/sh -c 'cd "$1" && shift && exec "$@"' sh "$cwd" "$@"
}

cmd_run() {
	local dir cwd
	[ $# -ge 1 ] || die "usage: buildroot.sh run CMD..."
	dir=$(cmd_ensure)
	cwd=$(pwd -P)
	# TOP: the tree bound into the root; the caller's directory must be inside it.
	TOP=${TOP:-$cwd}
	TOP=$(cd "$TOP" && pwd -P)
	local p
	IFS=: read -r -a extra <<< "${BUILDROOT_BIND:-}"
	for p in "${extra[@]}"; do
		[ -z "$p" ] || [ "${p#/}" != "$p" ] && [ -d "$p" ] || die "BUILDROOT_BIND: $p is not an absolute directory"
	done
	case "$cwd/" in "$TOP"/*) ;; *) die "run from inside $TOP (cwd: $cwd)" ;; esac
	mkdir -p "$LETHE_CACHE/buildroot/.ns"
	export TOP
	exec unshare --mount --propagation private "$here/buildroot.sh" __inside "$dir" "$cwd" "$@"
}

cmd_lock() {
	local names main sec
	need_root
	apt_setup
	read -r main sec <<< "$(apt_mirrors)"
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/lethe-buildroot-lock.XXXXXX")
	trap 'scratch_rm "$tmp"' EXIT
	mapfile -t names < <(sed -E 's/#.*//; /^[[:space:]]*$/d; s/[[:space:]]//g' "$list")
	echo "$prog: resolving ${#names[@]} roots of $list against $lethe_suite" >&2
	mkdir -p "$tmp/debs"
	if ! mmdebstrap --mode=root --variant=essential --format=directory \
		--include="$(IFS=,; echo "${names[*]}")" --skip=essential/unlink \
		--aptopt='Acquire::Languages "none"' \
		--customize-hook="sync-out /var/cache/apt/archives $tmp/debs" \
		"$lethe_suite" "$tmp/root" \
		"deb [signed-by=$apt_keyring] $main $lethe_suite main" \
		"deb [signed-by=$apt_keyring] $main $lethe_suite-updates main" \
		"deb [signed-by=$apt_keyring] $sec $lethe_suite-security main" > "$tmp/log" 2>&1; then
		cp "$tmp/log" "$LETHE_CACHE/buildroot/failed.log"
		tail -n 20 "$tmp/log" | sed 's/^/  mmdebstrap: /' >&2
		die "mmdebstrap could not resolve the build root" 111
	fi
	# apt checked every .deb against the archive's signed index; pin their hashes.
	mkdir -p "$LETHE_CACHE/debs"
	{
		echo "# image/buildroot/packages.lock: the Debian packages of the build root (image/buildroot/buildroot.sh)."
		echo "# Written by \`make update-lock\` from image/buildroot/packages.list; do not edit by hand."
		echo "# name version architecture sha256-of-the-.deb"
		root_pkgs "$tmp/root" | while read -r n v a; do
			f=$tmp/debs/${n}_${v//:/%3a}_${a}.deb
			[ -e "$f" ] || die "mmdebstrap kept no .deb of $n $v" 111
			[ -e "$LETHE_CACHE/debs/${f##*/}" ] || cp "$f" "$LETHE_CACHE/debs/${f##*/}"
			echo "$n $v $a $(sha256sum < "$f" | cut -d' ' -f1)"
		done
	} > "$tmp/packages.lock"
	[ "$(grep -vc '^#' "$tmp/packages.lock")" -gt 0 ] || die "the resolved build root is empty?" 111
	diff -u "$lock" "$tmp/packages.lock" >&2 || true
	mv -f "$tmp/packages.lock" "$lock"
	echo "$prog: $lock has $(grep -vc '^#' "$lock") packages" >&2
}

[ $# -ge 1 ] || die "usage: buildroot.sh ensure|run CMD...|lock"
c=$1; shift
case "$c" in
ensure) [ $# -eq 0 ] || die "usage: buildroot.sh ensure"; cmd_ensure ;;
run) cmd_run "$@" ;;
lock) [ $# -eq 0 ] || die "usage: buildroot.sh lock"; cmd_lock ;;
__inside) cmd_inside "$@" ;;
*) die "unknown command $c" ;;
esac
