#!/usr/bin/env bash
# image/curl/build.sh: a lean libcurl, HTTP and HTTPS over OpenSSL only, from
# Debian's own pinned curl source.
#
#   build.sh OUTDIR [LOCK]
#
# LOCK (default: source.lock next to this script) names the source; its files
# must already be in $LETHE_CACHE/src (image/srcpkg.sh fetch, on the host) and
# are checked again here (srcpkg.sh verify).  Runs inside the build root
# (image/buildroot/buildroot.sh run): its gcc, binutils and -dev headers, the
# Debian release of the image, are the ones that shape the bytes.
# Writes OUTDIR/libcurl.so.4 (one stripped file named by its SONAME) and
# OUTDIR/config.txt (the configure line and the build root's packages that
# shaped the bytes, its "host packages" line).  Exit codes: 0 ok, 100 usage or bad source, 111 the build failed or
# its result is not what the image needs (wrong SONAME, symbol version or
# library dependencies, a build path in the binary); 129/130/143 on HUP/INT/
# TERM.  Whatever the exit, the scratch tree and temporary outputs are gone.
#
# The library is a drop-in for Debian's libcurl4t64 (OpenSSL flavour): same
# SONAME libcurl.so.4, same symbol version CURL_OPENSSL_4, same exported
# curl_* functions, because our programs are compiled against
# libcurl4-openssl-dev.  Debian (trixie, 8.14) builds both flavours from the
# fully patched source: ZZZgnutls-build.patch (first in the series despite its
# name) makes the library name and SONAME a configure-time choice, libcurl.so.4
# unless --with-gnutls, and debian/rules runs autoreconf, then configure
# --with-openssl.  We apply the whole series too (dpkg-source -x), but run the
# upstream configure as shipped (no autoreconf, no autotools needed): without
# --with-gnutls the regenerated build files would say exactly what the shipped
# ones say (libcurl.la, SONAME 4), and the only other patch that touches a
# build file of lib/ or configure concerns GSS-API, which is not built; the
# rest patch C sources, test data, docs and scripts.  AM_MAINTAINER_MODE keeps
# make from regenerating anything.
#
# Reproducible: fixed locale and time zone, SOURCE_DATE_EPOCH (default: the
# Debian changelog's date), the scratch tree mapped to "." in every path the
# compiler records.  The output does not depend on where it is built.
set -euo pipefail

prog=curl/build.sh
die() { echo "$prog: fatal: $1" >&2; exit "${2:-100}"; }
here=$(cd "$(dirname "$0")" && pwd)

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ -z "$1" ]; then die "usage: build.sh OUTDIR [LOCK]"; fi

# shellcheck source=image/srcbuild.sh
. "$(dirname "$here")/srcbuild.sh"
srcbuild_clean_env "$0" "$@"
outdir=$1
lock=${2:-$here/source.lock}
umask 022

# The exact feature set.  Debian's flags that we keep: versioned symbols,
# threaded resolver, the CA locations.  Everything else a relay's HTTPS
# client never uses is off, including what 8.x added and enables by default
# (IPFS/IPNS gateways, WebSockets, HTTPS RR); Kerberos and SPNEGO are off
# twice (their switches, and no GSS-API).  The docs are not built either way
# (only lib/ is), --disable-docs only spares configure the check for perl.
configure_args=(
	CC=gcc --build=x86_64-linux-gnu --prefix=/usr --libdir=/usr/lib/x86_64-linux-gnu
	--disable-dependency-tracking --disable-silent-rules --disable-static --enable-shared
	--enable-versioned-symbols --enable-symbol-hiding --enable-threaded-resolver
	--with-openssl --with-zlib
	--with-ca-path=/etc/ssl/certs --with-ca-bundle=/etc/ssl/certs/ca-certificates.crt
	--enable-http
	--disable-ftp --disable-file --disable-ipfs --disable-ldap --disable-ldaps --disable-rtsp
	--disable-dict --disable-telnet --disable-tftp --disable-pop3 --disable-imap --disable-smb
	--disable-smtp --disable-gopher --disable-mqtt --disable-websockets
	--disable-ntlm --disable-kerberos-auth --disable-negotiate-auth
	--disable-ech --disable-httpsrr --disable-ssls-export --disable-manual --disable-docs
	--without-gnutls --without-libpsl --without-brotli --without-zstd --without-nghttp2
	--without-ngtcp2 --without-nghttp3 --without-openssl-quic --without-quiche --without-msh3
	--without-libidn2 --without-librtmp --without-libssh2 --without-libssh --without-wolfssh
	--without-gssapi --without-libgsasl --without-libuv --without-ca-embed
	--without-zsh-functions-dir --without-fish-functions-dir
)
# What the library may link: anything else means configure found a library
# it was not meant to use.
needed_ok=" libssl.so.3 libcrypto.so.3 libz.so.1 libc.so.6 "

dsc=$("$here/../srcpkg.sh" verify "$lock") || exit $?

srcbuild_begin "$outdir" libcurl.so.4
srcbuild_unpack "$dsc"

# Debian's OpenSSL flavour is the fully patched source (nothing popped since
# 8.x), the GnuTLS rename being the configure-time switch of
# ZZZgnutls-build.patch.  Not running autoreconf is only right while no other
# patch touches a build file that configure or lib/ use: check, so that a new
# security update that does (a new source file in lib/Makefile.inc, say) stops
# here instead of being silently left out.
series=$(sed -E '/^[[:space:]]*(#|$)/d' "$src/debian/patches/series")
grep -qx 'ZZZgnutls-build.patch' <<< "$series" ||
	die "debian/patches/series has no ZZZgnutls-build.patch: check how debian/rules builds the OpenSSL flavour" 111
if ! grep -q -- '--with-openssl' "$src/debian/rules" || grep -qE 'quilt|patch -R|-R -p1' "$src/debian/rules"; then
	die "debian/rules no longer builds the OpenSSL flavour from the fully patched source: check how it does" 111
fi
build_files='^(configure(\.ac)?|aclocal\.m4|acinclude\.m4|m4/.*|Makefile\.(am|in|inc)|(lib|include)/(.*/)?Makefile[.a-z]*|lib/libcurl\..*)$'
while read -r p; do
	case $p in ZZZgnutls-build.patch | build-Divide-mit-krb5-gssapi-link-flags-between-LDFLAGS-a.patch) continue ;; esac
	touched=$(sed -n 's/^+++ [^/]*\/\([^[:space:]]*\).*/\1/p' "$src/debian/patches/$p" | grep -E "$build_files" | tr '\n' ' ') || true
	[ -z "$touched" ] || die "Debian patch $p changes build files ($touched) that only autoreconf would apply: check it" 111
done <<< "$series"
grep -qx 'lib_LTLIBRARIES = libcurl.la' "$src/lib/Makefile.in" || die "the shipped lib/Makefile.in does not build libcurl.la" 111

# cflags, cppflags, ldflags: Debian's, from srcbuild_unpack.

echo "$prog: configuring curl $(basename "$dsc" .dsc | sed 's/^curl_//')" >&2
# shellcheck disable=SC2016 # the inner shell expands $1 and $@
step "$work/configure.log" bash -c 'cd "$1" && shift && exec ./configure "$@"' configure "$src" \
	"${configure_args[@]}" CFLAGS="$cflags" CPPFLAGS="$cppflags" LDFLAGS="$ldflags" || fail "configure curl" "$work/configure.log"
# configure silently drops a protocol whose dependency is missing: check what it decided.
# (8.x prints them in lower case.)
protocols=$(sed -n 's/^  Protocols:[[:space:]]*//p' "$work/configure.log")
[ "$protocols" = "http https" ] || die "configure chose protocols '$protocols', want 'http https'" 111
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
	echo "# source: dpkg-source -x (the whole Debian series, as debian/rules; its OpenSSL flavour)"
	echo "# host packages: $(dpkg-query -W -f='${Package} ${Version}, ' gcc-14 binutils libc6-dev libssl-dev zlib1g-dev 2> /dev/null | sed 's/, $//')"
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
