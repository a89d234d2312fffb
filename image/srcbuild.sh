# image/srcbuild.sh: the scratch tree, signals and logged steps of a build from a
# shellcheck shell=bash
# pinned Debian source (image/curl/build.sh, image/mimalloc/build.sh).
# Sourced, after the caller has set prog and die().
# shellcheck disable=SC2154 # prog is the caller's
#
#   srcbuild_clean_env SCRIPT ARGS  re-run SCRIPT with a clean environment, once
#   srcbuild_begin OUTDIR OUTNAME   OUTDIR made absolute (variable outdir); a scratch
#                                   tree beside it (work, src=$work/src); tmpout =
#                                   OUTDIR/OUTNAME.tmp; traps that stop every step and
#                                   remove the scratch tree, tmpout and config.txt.tmp
#                                   on any exit (129/130/143 on HUP/INT/TERM)
#   step LOG COMMAND...             run COMMAND in its own process group, output to LOG
#   fail WHAT LOG                   the last lines of LOG, then "unable to WHAT", exit 111
#   srcbuild_unpack DSC             dpkg-source -x DSC into $src (Debian's patches applied),
#                                   then SOURCE_DATE_EPOCH (default: the Debian changelog's
#                                   date) and Debian's flags in cflags, cppflags, ldflags

# A clean environment: the caller's CC, CFLAGS, LDFLAGS, MAKEFLAGS (make
# passes its command-line variables down), CONFIG_SITE, CMAKE_*, CPATH and
# the like would all reach configure, cmake or make and change the bytes.
# OMP_NUM_THREADS only sets the number of make jobs (nproc reads it); the
# output does not depend on it.
srcbuild_clean_env() { # SCRIPT ARGS...
	local keep v
	[ -z "${LETHE_SRCBUILD_CLEAN:-}" ] || return 0
	keep=(LETHE_SRCBUILD_CLEAN=1 "PATH=$PATH" "HOME=${HOME:-/nonexistent}"
		"LETHE_CACHE=${LETHE_CACHE:-${HOME:?neither LETHE_CACHE nor HOME is set}/.cache/lethe}")
	for v in SOURCE_DATE_EPOCH TMPDIR OMP_NUM_THREADS; do
		[ -z "${!v:-}" ] || keep+=("$v=${!v}")
	done
	exec env -i "${keep[@]}" LC_ALL=C LANG=C TZ=UTC bash "$@"
}

srcbuild_begin() { # OUTDIR OUTNAME
	mkdir -p "$1" || die "unable to create $1" 111
	outdir=$(cd "$1" && pwd -P)
	# Scratch tree beside OUTDIR (under build/ when make runs us), removed on
	# every exit; an interrupted build leaves neither it nor a partial output.
	work=$(mktemp -d "$outdir.work.XXXXXX") || die "unable to create a scratch directory beside $outdir" 111
	tmpout=$outdir/$2.tmp
	src=$work/src
	child=
	trap 'rm -rf "$work" "$tmpout" "$outdir/config.txt.tmp" 2> /dev/null || true' EXIT
	trap 'srcbuild_stop 130' INT
	trap 'srcbuild_stop 143' TERM
	trap 'srcbuild_stop 129' HUP
}

# Long steps run in their own process group, so that a signal to the script
# stops the whole tree (configure or cmake, make, the compilers) before the
# scratch tree is removed, not only when they finish on their own.  They get
# TERM whatever we got: bash starts background jobs with SIGINT ignored.
srcbuild_stop() { # EXIT-STATUS
	if [ -n "$child" ]; then
		kill -TERM -- -"$child" 2> /dev/null || true
		wait "$child" 2> /dev/null || true
	fi
	exit "$1"
}

step() { # LOG COMMAND...
	setsid "${@:2}" > "$1" 2>&1 < /dev/null &
	child=$!
	local rc=0
	wait "$child" || rc=$?
	child=
	return "$rc"
}

fail() { # WHAT LOG
	echo "$prog: last lines of $2:" >&2
	tail -n 25 "$2" | sed 's/^/  /' >&2
	die "unable to $1 (see above)" 111
}

srcbuild_unpack() { # DSC
	command -v dpkg-source > /dev/null || die "dpkg-source is missing (run this inside the build root)" 111
	step "$work/unpack.log" dpkg-source -x --no-copy "$1" "$src" || fail "unpack $1" "$work/unpack.log"
	if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
		SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l "$src/debian/changelog" -STimestamp)
	fi
	export SOURCE_DATE_EPOCH
	# Debian's hardening=+all flags (dpkg-buildflags in the trixie build root,
	# which adds -Werror=implicit-function-declaration by default), without -g:
	# the result is stripped anyway.  -O2 as Debian ships and tests it.
	cflags="-O2 -Werror=implicit-function-declaration -ffile-prefix-map=$src=. -fstack-protector-strong -fstack-clash-protection -Wformat -Werror=format-security -fcf-protection"
	cppflags="-Wdate-time -D_FORTIFY_SOURCE=2"
	ldflags="-Wl,-z,relro -Wl,-z,now"
}
