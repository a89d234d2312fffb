#!/usr/bin/env bash
# image/unbound/build.sh: the exit relay's validating resolver, unbound, built
# lean from Debian's pinned bookworm source: the daemon only, with libevent
# and OpenSSL.
#
#   build.sh OUTDIR [LOCK]
#
# LOCK (default: source.lock next to this script) names the source; its files
# must already be in $LETHE_CACHE/src (image/srcpkg.sh fetch, on the host) and
# are checked again here.  Runs inside the build root (image/buildroot:
# $(BR_RUN) in unbound.mk).  Writes OUTDIR/unbound (the stripped daemon, for
# /usr/sbin/unbound) and OUTDIR/config.txt (the configure line, the build-root
# packages that shaped the bytes and what `unbound -V` says).  Exit codes: 0
# ok, 100 usage or bad source, 111 the build failed or its result is not what
# the image needs (a feature or library it must not have, missing libevent,
# OpenSSL or the validator, a build path in the binary, not PIE, an RPATH);
# 129/130/143 on HUP/INT/TERM.  Whatever the exit, the scratch tree and
# temporary outputs are gone.
#
# Why build it: trixie's unbound source is not served by the archive, and its
# binary links libpython3.13, libhiredis, libprotobuf-c, libnghttp2 and
# libsystemd (source.lock says more).  The daemon here links what the image
# already has for tor: libssl3t64 and libevent-2.1-7t64 (one event loop per
# thread on epoll, where unbound's own mini-event is limited to select()).
#
# Debian's whole patch series is applied (dpkg-source -x: its security
# fixes).  Three of them change the configuration grammar
# (util/configparser.y, util/configlexer.lex), so the parser the tarball
# ships is stale: it is removed and regenerated with the build root's bison
# and flex, as Debian's build does, in one serial step before the parallel
# build (their make rule has two targets and would otherwise race).
#
# Reproducible: fixed locale and time zone, SOURCE_DATE_EPOCH (default: the
# Debian changelog's date), the scratch tree mapped to "." in every path the
# compiler records.  The compiler flags go to configure through the
# environment, not its command line, which `unbound -V` prints and which would
# then carry the scratch path.  The output does not depend on where it is
# built nor on the number of make jobs.
set -euo pipefail

prog=unbound/build.sh
die() { echo "$prog: fatal: $1" >&2; exit "${2:-100}"; }
here=$(cd "$(dirname "$0")" && pwd)
image=$(dirname "$here")

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ -z "$1" ]; then die "usage: build.sh OUTDIR [LOCK]"; fi

# shellcheck source=image/srcbuild.sh
. "$image/srcbuild.sh"
srcbuild_clean_env "$0" "$@"
outdir=$1
lock=${2:-$here/source.lock}
umask 022

# The exact feature set.  Paths: lethe's image (rootfs-overlay/etc/unbound,
# include/lethe_dns.h) keeps everything in /etc/unbound, which is also the
# chroot; no pid file (an empty --with-pidfile: unbound then writes none).
# Off, though most are off by default, so that a new default cannot slip in:
# the Python module and pyunbound, systemd, dnstap, cachedb (and its
# hiredis), ipsecmod, ipset, DNS over HTTPS (nghttp2), dnscrypt, the client
# subnet (ECS) module, dynamic modules, the shared libunbound (the daemon
# links its objects directly; a static libunbound.a is built on the way and
# thrown away).  libexpat is only for unbound-anchor, which is not built,
# but configure insists on finding it.
configure_args=(
	--build=x86_64-linux-gnu --prefix=/usr --sysconfdir=/etc --localstatedir=/var
	--disable-dependency-tracking --disable-rpath --disable-shared --enable-static
	--with-conf-file=/etc/unbound/unbound.conf --with-run-dir=/etc/unbound
	--with-chroot-dir=/etc/unbound --with-pidfile= --with-username=unbound
	--with-rootkey-file=/etc/unbound/root.key --with-rootcert-file=/etc/unbound/icannbundle.pem
	--with-libevent=/usr --with-ssl=/usr --with-libexpat=/usr --with-pthreads
	--without-pythonmodule --without-pyunbound --without-dynlibmodule
	--disable-systemd --disable-dnstap --disable-cachedb --without-libhiredis
	--disable-ipsecmod --disable-ipset --without-libnghttp2 --disable-dnscrypt
	--disable-subnet --disable-event-api
)
# What the daemon may link: anything else means configure found a library
# it was not meant to use.
needed_ok=" libssl.so.3 libcrypto.so.3 libevent-2.1.so.7 libc.so.6 "
# config.h: what must and must not be defined.
defs_on="USE_LIBEVENT HAVE_SSL USE_SHA2 USE_ECDSA USE_ED25519"
defs_off="WITH_PYTHONMODULE WITH_PYUNBOUND WITH_DYNLIBMODULE HAVE_SYSTEMD USE_DNSTAP USE_CACHEDB
	USE_REDIS USE_IPSECMOD USE_IPSET HAVE_NGHTTP2 USE_DNSCRYPT CLIENT_SUBNET USE_MINI_EVENT"
# `unbound -V`: the modules, in the order unbound lists them.
modules_want="dns64 respip validator iterator"

dsc=$("$image/srcpkg.sh" verify "$lock") || exit $?

for t in dpkg-source dpkg-parsechangelog gcc make bison flex strip readelf; do
	command -v "$t" > /dev/null || die "$t is missing (run this inside the build root: image/buildroot/buildroot.sh run)" 111
done
srcbuild_begin "$outdir" unbound
srcbuild_unpack "$dsc"

# Debian builds the daemon from the fully patched source with configure as
# shipped (no autoreconf in debian/rules): check it still does.  A patch that
# touches configure's inputs would be left out here.
grep -qE -- '--with-libevent' "$src/debian/rules" || die "debian/rules no longer builds with libevent: check how Debian builds unbound" 111
! grep -qE '(autoreconf|dh_autoreconf|quilt|patch -R)' "$src/debian/rules" ||
	die "debian/rules now regenerates the build system or reverts patches: check how Debian builds unbound" 111
while read -r p; do
	touched=$(sed -n 's/^+++ [^/]*\/\([^[:space:]]*\).*/\1/p' "$src/debian/patches/$p" |
		grep -E '^(configure(\.ac)?|aclocal\.m4|[a-z_]+\.m4|Makefile\.in|config\.h\.in|ltmain\.sh)$' | tr '\n' ' ') || true
	[ -z "$touched" ] || die "Debian patch $p changes build files ($touched) that only autoreconf would apply: check it" 111
done < <(sed -E '/^[[:space:]]*(#|$)/d' "$src/debian/patches/series")
rm -f "$src/util/configparser.c" "$src/util/configparser.h" "$src/util/configlexer.c"

# cflags, cppflags, ldflags: Debian's, from srcbuild_unpack.  Given CFLAGS,
# configure adds none of its own (no -flto, -fPIE or -z now: as in Debian's
# build, where dpkg-buildflags and gcc's default PIE do that).
echo "$prog: configuring unbound $(basename "$dsc" .dsc | sed 's/^unbound_//')" >&2
# shellcheck disable=SC2016 # the inner shell expands $1 and $@
step "$work/configure.log" env CC=gcc CFLAGS="$cflags" CPPFLAGS="$cppflags" LDFLAGS="$ldflags" \
	bash -c 'cd "$1" && shift && exec ./configure "$@"' configure "$src" "${configure_args[@]}" ||
	fail "configure unbound" "$work/configure.log"
for d in $defs_on; do
	grep -qE "^#define $d( |\$)" "$src/config.h" || die "configure did not define $d (config.h)" 111
done
for d in $defs_off; do
	! grep -qE "^#define $d( |\$)" "$src/config.h" || die "configure defined $d, which the lean build must not have" 111
done
grep -qx '#define PIDFILE ""' "$src/config.h" || die "configure set a default pid file" 111
lex=$(sed -n 's/^LEX=[[:space:]]*//p' "$src/Makefile") yacc=$(sed -n 's/^YACC=[[:space:]]*//p' "$src/Makefile")
[ "$lex" = flex ] && [ "$yacc" = "bison -y" ] || die "configure chose LEX='$lex' YACC='$yacc', want flex and bison -y" 111

echo "$prog: building unbound" >&2
step "$work/parser.log" make -C "$src" util/configparser.c util/configlexer.c || fail "generate the configuration parser" "$work/parser.log"
njobs=$(nproc 2> /dev/null || echo 1)
step "$work/build.log" make -C "$src" -j"$njobs" unbound || fail "build unbound" "$work/build.log"

cp "$src/unbound" "$tmpout"
strip --strip-unneeded "$tmpout"

# The result: a PIE daemon linking only what the image has for tor.
readelf -h "$tmpout" | grep -qE 'Type:[[:space:]]+DYN' || die "unbound is not a position-independent executable" 111
while read -r lib; do
	[[ $needed_ok == *" $lib "* ]] || die "unbound needs $lib, which the lean build must not use" 111
done < <(readelf -d "$tmpout" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
! readelf -d "$tmpout" | grep -qE '\((RPATH|RUNPATH)\)' || die "unbound has an RPATH or RUNPATH" 111
! grep -aqF "$work" "$tmpout" || die "unbound contains the build path $work" 111
# What it says about itself, run in the build root (the image's libraries).
"$tmpout" -V > "$work/version.txt" 2>&1 || fail "run unbound -V" "$work/version.txt"
upstream=$(sed -n 's/^Version: \(.*\)-[^-]*$/\1/p' "$dsc")
grep -qx "Version $upstream" "$work/version.txt" || fail "see unbound's version $upstream in unbound -V" "$work/version.txt"
grep -qE '^Linked libs: libevent [^ ]+ \(it uses epoll\), OpenSSL ' "$work/version.txt" ||
	fail "see libevent on epoll and OpenSSL in unbound -V" "$work/version.txt"
grep -qx "Linked modules: $modules_want" "$work/version.txt" ||
	fail "see exactly the modules '$modules_want' in unbound -V" "$work/version.txt"

{
	echo "# unbound from Debian source $(basename "$dsc"); SRC is the unpacked source tree"
	echo "# source: dpkg-source -x (the whole Debian series), then util/configparser.[ch] and util/configlexer.c regenerated"
	echo "# build-root packages: $(dpkg-query -W -f='${Package} ${Version}, ' gcc-14 binutils bison flex libc6-dev libssl-dev libevent-dev 2> /dev/null | sed 's/, $//')"
	printf "%s" "SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH TZ=UTC LC_ALL=C CC=gcc CFLAGS='${cflags//"$src"/SRC}' CPPFLAGS='$cppflags' LDFLAGS='$ldflags' ./configure"
	printf ' %s' "${configure_args[@]}"
	echo
	echo "make util/configparser.c util/configlexer.c; make unbound; strip --strip-unneeded unbound"
	echo "NEEDED: $(readelf -d "$tmpout" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | tr '\n' ' ' | sed 's/ $//')"
	echo "size: $(stat -c %s "$tmpout") bytes"
	echo "unbound -V:"
	sed 's/^/  /' "$work/version.txt"
} > "$outdir/config.txt.tmp"

mv -f "$outdir/config.txt.tmp" "$outdir/config.txt"
mv -f "$tmpout" "$outdir/unbound"
echo "$prog: wrote $outdir/unbound ($(stat -c %s "$outdir/unbound") bytes)" >&2
