#!/usr/bin/env bash
# Bad input to the build gives one clear error line, a non-zero exit, and
# leaves nothing half-written in out/.  Runs against the already built tree
# (make check builds it first); every case uses its own scratch B/O/cache.
# A package stboot cannot network-boot (no OS_PKG_URL) builds, with one
# warning line (checked with make -n: nothing is built).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
# shellcheck source=tests/tap.sh
. tests/tap.sh
t=$(tap_scratch lethe-errors)
trap 'rm -rf "$t"' EXIT
cache=${LETHE_CACHE:-$HOME/.cache/lethe}
MKCPIO=${MKCPIO:-build/host/mkcpio}
tap_plan 8

# fatal_lines FILE: how many lines of ours say fatal (make's own "***" lines aside).
fatal_lines() { grep -c 'fatal:' "$1"; }
empty_dir() { [ ! -d "$1" ] || [ -z "$(ls -A "$1")" ]; }

# 1. A corrupted cached .deb.
mkdir -p "$t/c1/debs"
for f in "$cache"/debs/*.deb; do ln -s "$f" "$t/c1/debs/"; done
victim=$(ls "$cache"/debs/libjansson4_*.deb | head -1)
rm "$t/c1/debs/$(basename "$victim")"
cp "$victim" "$t/c1/debs/"
printf '\xff' | dd of="$t/c1/debs/$(basename "$victim")" bs=1 seek=1000 conv=notrunc status=none
make -s LETHE_CACHE="$t/c1" B="$t/b1" O="$t/o1" "$t/b1/image/debs.stamp" > "$t/1.out" 2>&1
rc=$?
if [ $rc -ne 0 ] && [ "$(fatal_lines "$t/1.out")" = 1 ] && grep -q "cached .*libjansson4.* has sha256" "$t/1.out" &&
	empty_dir "$t/o1" && [ ! -e "$t/b1/image/debs.stamp" ]; then
	ok "corrupted cached .deb: $(grep fatal: "$t/1.out" | cut -c1-100)..."
else not_ok "corrupted cached .deb (rc=$rc)"; sed 's/^/# /' "$t/1.out"; fi

# 2. A wrong hash in the lock.
awk '$1 == "libjansson4" { $4 = "0000000000000000000000000000000000000000000000000000000000000000" } { print }' \
	image/packages.lock > "$t/bad.lock"
make -s LOCK="$t/bad.lock" B="$t/b2" O="$t/o2" "$t/b2/image/debs.stamp" > "$t/2.out" 2>&1
rc=$?
if [ $rc -ne 0 ] && [ "$(fatal_lines "$t/2.out")" = 1 ] && grep -q "bad.lock says 0000" "$t/2.out" && empty_dir "$t/o2"; then
	ok "wrong lock hash: $(grep fatal: "$t/2.out" | cut -c1-100)..."
else not_ok "wrong lock hash (rc=$rc)"; sed 's/^/# /' "$t/2.out"; fi

# 3. A locked version the archive no longer serves (empty cache: it must try apt).
awk '$1 == "libjansson4" { $2 = "9.9.9-1" } { print }' image/packages.lock > "$t/gone.lock"
mkdir -p "$t/c3/debs"
make -s LETHE_CACHE="$t/c3" LOCK="$t/gone.lock" B="$t/b3" O="$t/o3" "$t/b3/image/debs.stamp" > "$t/3.out" 2>&1
rc=$?
if [ $rc -ne 0 ] && [ "$(fatal_lines "$t/3.out")" = 1 ] && grep -q "make update-lock" "$t/3.out" &&
	empty_dir "$t/o3" && [ -z "$(ls -A "$t/c3/debs")" ]; then
	ok "version no longer served: $(grep fatal: "$t/3.out" | cut -c1-100)..."
else not_ok "version no longer served (rc=$rc)"; sed 's/^/# /' "$t/3.out"; fi

# 4. A missing signing key: the signed descriptor is not touched.
cp -a out "$t/o4"
before=$(sha256sum < "$t/o4/lethe.json")
make -s O="$t/o4" SIGN_KEYS="$t/nonexistent.key:$top/out/dev-keys/dev-leaf.pem" "$t/o4/lethe.json" > "$t/4.out" 2>&1
rc=$?
if [ $rc -ne 0 ] && [ "$(fatal_lines "$t/4.out")" = 1 ] && grep -q "nonexistent.key" "$t/4.out" &&
	[ "$(sha256sum < "$t/o4/lethe.json")" = "$before" ] && ! ls "$t/o4" | grep -q '\.tmp'; then
	ok "missing signing key: $(grep fatal: "$t/4.out" | cut -c1-100)..."
else not_ok "missing signing key (rc=$rc)"; sed 's/^/# /' "$t/4.out"; fi

# 5. An unreadable spec entry: mkcpio stops, names the line, writes nothing.
mkdir -p "$t/o5"
printf 'dir /etc 0755 0 0 -\nfile /etc/x 0644 0 0 %s/does-not-exist\n' "$t" > "$t/bad.spec"
"$MKCPIO" -t 0 -o "$t/o5/initramfs.cpio" "$t/bad.spec" > "$t/5.out" 2>&1
rc=$?
if [ $rc -eq 100 ] && [ "$(wc -l < "$t/5.out")" = 1 ] && grep -q 'bad.spec:2' "$t/5.out" && empty_dir "$t/o5"; then
	ok "unreadable spec entry: $(cut -c1-100 "$t/5.out")..."
else not_ok "unreadable spec entry (rc=$rc)"; sed 's/^/# /' "$t/5.out"; fi

# 6. A pinned source file that neither the cache nor the archive has (a
# Debian revision the archive never served): one line naming the file.
sed -E 's/8\.14\.1-2\+deb13u[0-9]+/8.14.1-2+deb13u99/g' image/curl/source.lock > "$t/src.lock"
LETHE_CACHE="$t/c6" image/srcpkg.sh fetch "$t/src.lock" > "$t/6.out" 2>&1
rc=$?
if [ $rc -eq 111 ] && [ "$(fatal_lines "$t/6.out")" = 1 ] &&
	grep -q 'fatal: source file curl_8.14.1-2+deb13u99.dsc is neither in .* nor served by the archive' "$t/6.out" &&
	empty_dir "$t/c6/src"; then
	ok "pinned source file missing everywhere: $(grep fatal: "$t/6.out" | cut -c1-100)..."
else not_ok "pinned source file missing everywhere (rc=$rc)"; sed 's/^/# /' "$t/6.out"; fi

# 7, 8. OS_PKG_URL empty (the default): one warning line on stderr naming
# the descriptor, exit 0; set: no warning.  make -n in scratch B/O expands
# the signing recipe, where the warning is, without building anything.
make -n B="$t/b7" O="$t/o7" "$t/o7/lethe.json" > /dev/null 2> "$t/7.err"
rc=$?
want="make: warning: OS_PKG_URL is empty: $t/o7/lethe.json has \"os_pkg_url\": \"\"; stboot (network boot) refuses such a package; set OS_PKG_URL=https://.../lethe.zip (docs/stboot.md)"
if [ $rc -eq 0 ] && [ "$(cat "$t/7.err")" = "$want" ] && [ ! -e "$t/o7" ]; then
	ok "empty OS_PKG_URL: $(cut -c1-100 "$t/7.err")..."
else not_ok "empty OS_PKG_URL (rc=$rc)"; sed 's/^/# /' "$t/7.err"; fi
make -n OS_PKG_URL=https://boot.example.net/lethe.zip B="$t/b8" O="$t/o8" "$t/o8/lethe.json" > "$t/8.out" 2> "$t/8.err"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$t/8.err" ] && grep -q -- "--url 'https://boot.example.net/lethe.zip'" "$t/8.out"; then
	ok "OS_PKG_URL set: no warning, the URL goes to ospkg create"
else not_ok "OS_PKG_URL set (rc=$rc)"; sed 's/^/# /' "$t/8.err"; fi

tap_done
