#!/usr/bin/env bash
# image/mimalloc/build.sh: mimalloc 2.0.9, the relay's malloc, from Debian's
# pinned bookworm source, built the way Debian builds libmimalloc2.0.
#
#   build.sh OUTDIR [LOCK]
#
# LOCK (default: source.lock next to this script) names the source; its files
# must already be in $LETHE_CACHE/src (image/srcpkg.sh fetch) and are checked
# again here.  Runs inside the build root (image/buildroot: $(BR_RUN) in
# mimalloc.mk).  Writes OUTDIR/libmimalloc.so.2 (one stripped file named by
# its SONAME) and OUTDIR/config.txt (the cmake line and the build-root
# packages that shaped the bytes).  Exit codes: 0 ok, 100 usage or bad
# source, 111 the build failed or its result is not what the image needs
# (wrong SONAME, library dependencies, missing malloc/mi_malloc exports, a
# build path in the binary, not loadable with LD_PRELOAD); 129/130/143 on
# HUP/INT/TERM.  Whatever the exit, the scratch tree and temporary outputs
# are gone.
#
# Why build it: trixie ships only mimalloc 3.x, which operators measured
# growing without bound on busy relays; 2.0.9 is what they measured best
# (source.lock says more).  The library is a drop-in for Debian's
# libmimalloc2.0 2.0.9+ds-2: same SONAME libmimalloc.so.2, same cmake
# options as its debian/rules (shared library only, MI_OVERRIDE on by
# default, so it exports malloc, free, operator new... and replaces the C
# library's allocator when preloaded), NEEDED libc.so.6 only.  Debian's
# source has no patches; dpkg-source -x still checks and unpacks it.
#
# One change to the source: CMakeLists.txt declares project(... C CXX), and
# cmake then insists on a C++ compiler that the build root does not have.
# With MI_USE_CXX off (Debian's default) not one file is compiled as C++, so
# the scratch copy declares C only; the compiled bytes are the same.
#
# Reproducible: fixed locale and time zone, SOURCE_DATE_EPOCH (default: the
# Debian changelog's date), the scratch tree (the build directory is inside
# it, as dh's obj-x86_64-linux-gnu) mapped to "." in every path the compiler
# records.  The output does not depend on where it is built nor on the
# number of make jobs.
set -euo pipefail

prog=mimalloc/build.sh
die() { echo "$prog: fatal: $1" >&2; exit "${2:-100}"; }
here=$(cd "$(dirname "$0")" && pwd)
image=$(dirname "$here")

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ -z "$1" ]; then die "usage: build.sh OUTDIR [LOCK]"; fi

# shellcheck source=image/srcbuild.sh
. "$(dirname "$here")/srcbuild.sh"
srcbuild_clean_env "$0" "$@"
outdir=$1
lock=${2:-$here/source.lock}
umask 022

# What the library may link: Debian's build needs the C library only
# (glibc 2.34+ has pthread and rt inside libc.so.6; libpthread.a and librt.a,
# which cmake finds, are empty).
needed_ok=" libc.so.6 "

dsc=$("$image/srcpkg.sh" verify "$lock") || exit $?

for t in dpkg-source dpkg-parsechangelog cmake gcc make strip readelf; do
	command -v "$t" > /dev/null || die "$t is missing (run this inside the build root: image/buildroot/buildroot.sh run)" 111
done
srcbuild_begin "$outdir" libmimalloc.so.2
obj=$src/obj-x86_64-linux-gnu
srcbuild_unpack "$dsc"

# The build is Debian's: check that debian/rules still configures what we copy below.
for opt in -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMI_BUILD_STATIC=OFF -DMI_BUILD_OBJECT=OFF -DMI_BUILD_TESTS=OFF -DMI_INSTALL_TOPLEVEL=ON; do
	grep -qF -- "$opt" "$src/debian/rules" || die "debian/rules no longer passes $opt: check how Debian builds libmimalloc2.0" 111
done
grep -qx 'project(libmimalloc C CXX)' "$src/CMakeLists.txt" || die "CMakeLists.txt has no line 'project(libmimalloc C CXX)'" 111
grep -qx 'option(MI_USE_CXX .*OFF)' "$src/CMakeLists.txt" || die "CMakeLists.txt no longer compiles as C by default (MI_USE_CXX)" 111
sed -i 's/^project(libmimalloc C CXX)$/project(libmimalloc C)/' "$src/CMakeLists.txt"

# Debian's flags (srcbuild_unpack) plus debian/rules' DEB_CFLAGS_MAINT_APPEND
# (-Wall -pedantic).  dh_auto_configure appends CPPFLAGS to CFLAGS (cmake
# ignores CPPFLAGS).  Debian's build type is RelWithDebInfo, whose cmake
# default adds "-O2 -g -DNDEBUG"; the same without -g here.
cflags="$cflags -Wall -pedantic"
build_type_flags="-O2 -DNDEBUG"

# dh_auto_configure's cmake arguments (debhelper 13, amd64), then debian/rules' own.
cmake_args=(
	-DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_INSTALL_SYSCONFDIR=/etc -DCMAKE_INSTALL_LOCALSTATEDIR=/var
	-DCMAKE_EXPORT_NO_PACKAGE_REGISTRY=ON -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
	-DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON -DFETCHCONTENT_FULLY_DISCONNECTED=ON
	-DCMAKE_INSTALL_RUNSTATEDIR=/run -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON "-GUnix Makefiles"
	-DCMAKE_VERBOSE_MAKEFILE=ON -DCMAKE_INSTALL_LIBDIR=lib/x86_64-linux-gnu
	-DCMAKE_C_COMPILER=gcc
	-DCMAKE_BUILD_TYPE=RelWithDebInfo
	-DMI_BUILD_STATIC=OFF -DMI_BUILD_OBJECT=OFF -DMI_BUILD_TESTS=OFF
	-DMI_INSTALL_TOPLEVEL=ON -DMI_USE_LIBATOMIC=OFF
)

echo "$prog: configuring mimalloc $(basename "$dsc" .dsc | sed 's/^mimalloc_//')" >&2
step "$work/configure.log" cmake -S "$src" -B "$obj" "${cmake_args[@]}" \
	"-DCMAKE_C_FLAGS=$cflags $cppflags" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=$build_type_flags" \
	"-DCMAKE_SHARED_LINKER_FLAGS=$ldflags" || fail "configure mimalloc" "$work/configure.log"
# Check what cmake decided: the release library, malloc overridden, nothing else built.
grep -q 'Override standard malloc (MI_OVERRIDE=ON)' "$work/configure.log" || die "cmake did not turn MI_OVERRIDE on" 111
grep -qE '^-- Library base name: mimalloc$' "$work/configure.log" || die "cmake chose another library name than mimalloc" 111
grep -qE '^-- Build targets    : shared$' "$work/configure.log" || die "cmake builds more or less than the shared library" 111

echo "$prog: building libmimalloc" >&2
njobs=$(nproc 2> /dev/null || echo 1)
step "$work/build.log" make -C "$obj" -j"$njobs" mimalloc || fail "build libmimalloc" "$work/build.log"

real=$(readlink -f "$obj/libmimalloc.so.2") || die "the build made no libmimalloc.so.2" 111
[ -f "$real" ] || die "the build made no libmimalloc.so.2" 111
cp "$real" "$tmpout"
strip --strip-unneeded "$tmpout"

# The result must be a drop-in for Debian's libmimalloc2.0 and replace malloc.
soname=$(readelf -d "$tmpout" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p')
[ "$soname" = libmimalloc.so.2 ] || die "the library's SONAME is '$soname', not libmimalloc.so.2" 111
while read -r lib; do
	[[ $needed_ok == *" $lib "* ]] || die "the library needs $lib, which Debian's build does not" 111
done < <(readelf -d "$tmpout" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
! readelf -d "$tmpout" | grep -qE '\((RPATH|RUNPATH)\)' || die "the library has an RPATH or RUNPATH" 111
exports=" $(readelf --dyn-syms -W "$tmpout" | awk '$4 == "FUNC" && $5 == "GLOBAL" && $7 != "UND" { print $8 }' | tr '\n' ' ') "
for sym in mi_malloc malloc free calloc realloc posix_memalign aligned_alloc malloc_usable_size; do
	[[ $exports == *" $sym "* ]] || die "the library does not export $sym" 111
done
! grep -aqF "$work" "$tmpout" || die "the library contains the build path $work" 111
# Loaded ahead of the C library, it must take over: mimalloc's verbose
# output only appears when its own initialisation ran.
LD_PRELOAD=$tmpout MIMALLOC_VERBOSE=1 /bin/true > "$work/preload.log" 2>&1 || fail "run /bin/true with the library preloaded" "$work/preload.log"
grep -q '^mimalloc: ' "$work/preload.log" || fail "see mimalloc initialise when preloaded" "$work/preload.log"

{
	echo "# mimalloc from Debian source $(basename "$dsc"); SRC is the unpacked source tree"
	echo "# source: dpkg-source -x (no Debian patches), then CMakeLists.txt's project(libmimalloc C CXX) made C only"
	echo "# build-root packages: $(dpkg-query -W -f='${Package} ${Version}, ' gcc-14 cmake make binutils libc6-dev 2> /dev/null | sed 's/, $//')"
	printf '%s' "SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH TZ=UTC LC_ALL=C cmake -S SRC -B SRC/obj-x86_64-linux-gnu"
	printf " '%s'" "${cmake_args[@]}"
	printf " '%s'" "-DCMAKE_C_FLAGS=${cflags//"$src"/SRC} $cppflags" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=$build_type_flags" "-DCMAKE_SHARED_LINKER_FLAGS=$ldflags"
	echo
	echo "make -C SRC/obj-x86_64-linux-gnu mimalloc; strip --strip-unneeded SRC/obj-x86_64-linux-gnu/$(basename "$real")"
	echo "SONAME: $soname"
	echo "NEEDED: $(readelf -d "$tmpout" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | tr '\n' ' ' | sed 's/ $//')"
	echo "size: $(stat -c %s "$tmpout") bytes"
} > "$outdir/config.txt.tmp"

mv -f "$outdir/config.txt.tmp" "$outdir/config.txt"
mv -f "$tmpout" "$outdir/libmimalloc.so.2"
echo "$prog: wrote $outdir/libmimalloc.so.2 ($(stat -c %s "$outdir/libmimalloc.so.2") bytes)" >&2
