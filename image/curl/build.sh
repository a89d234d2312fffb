#!/usr/bin/env bash
# image/curl/build.sh: a lean libcurl, HTTP and HTTPS over OpenSSL only, from
# Debian's own pinned curl source.
#
#   build.sh OUTDIR [LOCK]
#
# LOCK (default: source.lock next to this script) names the source; its files
# must already be in $LETHE_CACHE/src (fetch.sh) and are checked again here.
# Writes OUTDIR/libcurl.so.4 (one stripped file named by its SONAME) and
# OUTDIR/config.txt (the configure line and the host packages that shaped the
# bytes).  Exit codes: 0 ok, 100 usage or bad source, 111 the build failed or
# its result is not what the image needs (wrong SONAME, symbol version or
# library dependencies, a build path in the binary); 129/130/143 on HUP/INT/
# TERM.  Whatever the exit, the scratch tree and temporary outputs are gone.
#
# The library is a drop-in for Debian's libcurl4 (OpenSSL flavour): same
# SONAME libcurl.so.4, same symbol version CURL_OPENSSL_4, same exported
# curl_* functions, because our programs are compiled against
# libcurl4-openssl-dev.  Debian builds that flavour from its source with the
# GnuTLS and NSS rename patches popped; we do the same, then run the
# upstream configure (no autoreconf, no autotools needed: the other Debian
# patches that touch build files concern LDAP, GSS-API, zsh or test data,
# none of which is built here; AM_MAINTAINER_MODE keeps make from
# regenerating anything).
#
# Reproducible: fixed locale and time zone, SOURCE_DATE_EPOCH (default: the
# Debian changelog's date), the scratch tree mapped to "." in every path the
# compiler records.  The output does not depend on where it is built.
set -euo pipefail

prog=curl/build.sh
die() { echo "$prog: fatal: $1" >&2; exit "${2:-100}"; }
here=$(cd "$(dirname "$0")" && pwd)

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ -z "$1" ]; then die "usage: build.sh OUTDIR [LOCK]"; fi

# A clean environment: the caller's CC, CFLAGS, MAKEFLAGS (make passes its
# command-line variables down), CONFIG_SITE, CPATH and the like would all
# reach configure or make and change the bytes.  OMP_NUM_THREADS only sets
# the number of make jobs (nproc reads it); the output does not depend on it.
if [ -z "${LETHE_CURL_CLEAN:-}" ]; then
	keep=(LETHE_CURL_CLEAN=1 "PATH=$PATH" "HOME=${HOME:-/nonexistent}" "LETHE_CACHE=${LETHE_CACHE:-${HOME:?neither LETHE_CACHE nor HOME is set}/.cache/lethe}")
	for v in SOURCE_DATE_EPOCH TMPDIR OMP_NUM_THREADS; do
		[ -z "${!v:-}" ] || keep+=("$v=${!v}")
	done
	exec env -i "${keep[@]}" LC_ALL=C LANG=C TZ=UTC bash "$0" "$@"
fi
outdir=$1
lock=${2:-$here/source.lock}
umask 022

# The exact feature set.  Debian's flags that we keep: versioned symbols,
# threaded resolver, the CA locations.  Everything else a relay's HTTPS
# client never uses is off; 7.88 has no switch for Kerberos/SPNEGO or the
# docs: they go with GSS-API, and only lib/ is built.
configure_args=(
	CC=gcc --build=x86_64-linux-gnu --prefix=/usr --libdir=/usr/lib/x86_64-linux-gnu
	--disable-dependency-tracking --disable-silent-rules --disable-static --enable-shared
	--enable-versioned-symbols --enable-symbol-hiding --enable-threaded-resolver
	--with-openssl --with-zlib
	--with-ca-path=/etc/ssl/certs --with-ca-bundle=/etc/ssl/certs/ca-certificates.crt
	--enable-http
	--disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp --disable-dict
	--disable-telnet --disable-tftp --disable-pop3 --disable-imap --disable-smb --disable-smtp
	--disable-gopher --disable-mqtt --disable-ntlm --disable-ntlm-wb --disable-manual
	--without-gnutls --without-libpsl --without-brotli --without-zstd --without-nghttp2
	--without-ngtcp2 --without-nghttp3 --without-quiche --without-msh3 --without-hyper
	--without-libidn2 --without-librtmp --without-libssh2 --without-libssh --without-wolfssh
	--without-gssapi --without-libgsasl
	--without-zsh-functions-dir --without-fish-functions-dir
)
# What the library may link: anything else means configure found a library
# it was not meant to use.
needed_ok=" libssl.so.3 libcrypto.so.3 libz.so.1 libc.so.6 "

dsc=$("$here/fetch.sh" verify "$lock") || exit $?

command -v dpkg-source > /dev/null || die "dpkg-source is missing (Debian package dpkg-dev)" 111
mkdir -p "$outdir" || die "unable to create $outdir" 111
outdir=$(cd "$outdir" && pwd -P)
# Scratch tree beside OUTDIR (under build/ when make runs us), removed on
# every exit; an interrupted build leaves neither it nor a partial output.
work=$(mktemp -d "$outdir.work.XXXXXX") || die "unable to create a scratch directory beside $outdir" 111
tmpout=$outdir/libcurl.so.4.tmp
child=
trap 'rm -rf "$work" "$tmpout" "$outdir/config.txt.tmp" 2> /dev/null || true' EXIT
# Long steps run in their own process group, so that a signal to this script
# stops the whole tree (configure, make, the compilers) before the scratch
# tree is removed, not only when they finish on their own.  They get TERM
# whatever we got: bash starts background jobs with SIGINT ignored.
stop() { # EXIT-STATUS
	if [ -n "$child" ]; then
		kill -TERM -- -"$child" 2> /dev/null || true
		wait "$child" 2> /dev/null || true
	fi
	exit "$1"
}
trap 'stop 130' INT
trap 'stop 143' TERM
trap 'stop 129' HUP
step() { # LOG COMMAND...
	setsid "${@:2}" > "$1" 2>&1 < /dev/null &
	child=$!
	local rc=0
	wait "$child" || rc=$?
	child=
	return "$rc"
}
src=$work/src

fail() { # STEP LOG
	echo "$prog: last lines of $2:" >&2
	tail -n 25 "$2" | sed 's/^/  /' >&2
	die "unable to $1 (see above)" 111
}

step "$work/unpack.log" dpkg-source -x --no-copy "$dsc" "$src" || fail "unpack $dsc" "$work/unpack.log"

# Debian's OpenSSL flavour is the source without the last two patches of the
# series (they rename the library for the GnuTLS and NSS flavours).
series=$(sed -E '/^[[:space:]]*(#|$)/d' "$src/debian/patches/series" | tail -n 2 | tr '\n' ' ')
[ "$series" = "90_gnutls.patch 99_nss.patch " ] ||
	die "debian/patches/series does not end with 90_gnutls.patch 99_nss.patch (got: $series): check how debian/rules builds the OpenSSL flavour" 111
for p in 99_nss.patch 90_gnutls.patch; do
	patch -d "$src" -R -p1 -s -f --no-backup-if-mismatch < "$src/debian/patches/$p" > "$work/patch.log" 2>&1 ||
		fail "revert $p" "$work/patch.log"
done
grep -qx 'lib_LTLIBRARIES = libcurl.la' "$src/lib/Makefile.am" || die "reverting the rename patches left lib/Makefile.am without libcurl.la" 111

if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l "$src/debian/changelog" -STimestamp)
fi
export SOURCE_DATE_EPOCH

# Debian's hardening=+all flags (dpkg-buildflags on bookworm), without -g:
# the result is stripped anyway.  -O2 as Debian: -Os would save 74 KB, but
# only 25 KB after zstd, and is not the level Debian ships and tests.
cflags="-O2 -ffile-prefix-map=$src=. -fstack-protector-strong -fstack-clash-protection -fcf-protection -Wformat -Werror=format-security"
cppflags="-Wdate-time -D_FORTIFY_SOURCE=2"
ldflags="-Wl,-z,relro -Wl,-z,now"

echo "$prog: configuring curl $(basename "$dsc" .dsc | sed 's/^curl_//')" >&2
# shellcheck disable=SC2016 # the inner shell expands $1 and $@
step "$work/configure.log" bash -c 'cd "$1" && shift && exec ./configure "$@"' configure "$src" \
	"${configure_args[@]}" CFLAGS="$cflags" CPPFLAGS="$cppflags" LDFLAGS="$ldflags" || fail "configure curl" "$work/configure.log"
# configure silently drops a protocol whose dependency is missing: check what it decided.
protocols=$(sed -n 's/^  Protocols:[[:space:]]*//p' "$work/configure.log")
[ "$protocols" = "HTTP HTTPS" ] || die "configure chose protocols '$protocols', want 'HTTP HTTPS'" 111
grep -q '^  SSL:[[:space:]]*enabled (OpenSSL' "$work/configure.log" || die "configure did not enable OpenSSL" 111

echo "$prog: building libcurl" >&2
njobs=$(nproc 2> /dev/null || echo 1)
step "$work/build.log" make -C "$src/lib" -j"$njobs" libcurl.la || fail "build libcurl" "$work/build.log"

real=$(readlink -f "$src/lib/.libs/libcurl.so.4") || die "the build made no lib/.libs/libcurl.so.4" 111
cp "$real" "$tmpout"
strip --strip-unneeded "$tmpout"

# The result must be a drop-in for Debian's libcurl4.
soname=$(readelf -d "$tmpout" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p')
[ "$soname" = libcurl.so.4 ] || die "the library's SONAME is '$soname', not libcurl.so.4" 111
objdump -p "$tmpout" | awk '/^Version definitions:/ { on = 1; next } on && NF == 0 { exit } on && $4 == "CURL_OPENSSL_4" { f = 1 } END { exit !f }' ||
	die "the library does not define the symbol version CURL_OPENSSL_4" 111
while read -r lib; do
	[[ $needed_ok == *" $lib "* ]] || die "the library needs $lib, which the lean build must not use" 111
done < <(readelf -d "$tmpout" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
! grep -aqF "$work" "$tmpout" || die "the library contains the build path $work" 111

{
	echo "# lean libcurl from Debian source $(basename "$dsc"); SRC is the unpacked source tree"
	echo "# source: dpkg-source -x, then 99_nss.patch and 90_gnutls.patch reverted (as debian/rules)"
	echo "# host packages: $(dpkg-query -W -f='${Package} ${Version}, ' gcc-12 binutils libc6-dev libssl-dev zlib1g-dev 2> /dev/null | sed 's/, $//')"
	printf '%s' "SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH TZ=UTC LC_ALL=C ./configure"
	printf ' %s' "${configure_args[@]}"
	printf " CFLAGS='%s' CPPFLAGS='%s' LDFLAGS='%s'\n" "${cflags//"$src"/SRC}" "$cppflags" "$ldflags"
	echo "make -C lib libcurl.la; strip --strip-unneeded lib/.libs/$(basename "$real")"
	echo "protocols: $protocols"
	sed -n 's/^  Features:[[:space:]]*/features: /p' "$work/configure.log"
	echo "NEEDED: $(readelf -d "$tmpout" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | tr '\n' ' ' | sed 's/ $//')"
	echo "size: $(stat -c %s "$tmpout") bytes"
} > "$outdir/config.txt.tmp"

mv -f "$outdir/config.txt.tmp" "$outdir/config.txt"
mv -f "$tmpout" "$outdir/libcurl.so.4"
echo "$prog: wrote $outdir/libcurl.so.4 ($(stat -c %s "$outdir/libcurl.so.4") bytes)" >&2
