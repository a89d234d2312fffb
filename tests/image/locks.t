#!/usr/bin/env bash
# The pieces `make update-lock` is made of, against the real Debian archive
# (apt, through image/apt.sh's private configuration): pinning the locked
# source versions again gives the committed locks, "newest fetchable" finds a
# version at least as new as the lock's and names what it could not fetch,
# the newest tor the archive offers is at least the locked one, and the
# build root pins the tools that shape the image's bytes.  Network: the
# Debian archive only; every apt call is bounded by timeout(1).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/image/lib.sh locks
tap_plan 7

field() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

# 1-3. A source lock is exactly what `srcpkg.sh pin` writes for its version
# (the comment lines aside: they say why, in words update-lock chooses).
for lock in image/curl/source.lock image/mimalloc/source.lock image/unbound/source.lock; do
	src=$(field source "$lock") suite=$(field suite "$lock") ver=$(field version "$lock")
	check "$lock: pinning $src $ver ($suite) again gives the same files and hashes" bash -c "
		timeout 300 image/srcpkg.sh pin '$src' '$suite' '$ver' > '$t/pin' &&
		cmp <(grep -v '^#' '$t/pin') <(grep -v '^#' '$lock')"
done

# 4. The newest fetchable curl of the locked upstream version is the lock's or newer.
curl_ver=$(field version image/curl/source.lock)
check "newest fetchable curl ${curl_ver%-*} source >= the lock's $curl_ver" bash -c "
	v=\$(timeout 300 image/srcpkg.sh newest curl trixie '${curl_ver%-*}-*' 2> '$t/newest.err') &&
	echo \"newest: \$v\" && cat '$t/newest.err' && dpkg --compare-versions \"\$v\" ge '$curl_ver'"

# 5. The newest tor the archive offers is at least the image's.
tor_ver=$(awk '$1 == "tor" { print $2 }' image/packages.lock)
check "the archive's newest tor >= the locked $tor_ver" bash -c "
	v=\$(timeout 300 image/debs.sh newest tor) && echo \"newest: \$v\" && dpkg --compare-versions \"\$v\" ge '$tor_ver'"

# 6. The build root's lock pins systemd-boot-efi (the UKI's stub) and the compilers.
check "the build root pins gcc, musl-tools, binutils, zstd, kmod and systemd-boot-efi" bash -c "
	for p in gcc musl-tools binutils zstd kmod systemd-boot-efi dpkg-dev; do
		awk -v p=\$p '\$1 == p { f = 1 } END { exit !f }' image/buildroot/packages.lock || { echo \"no \$p\"; exit 1; }
	done"

# 7. update-lock.sh refuses anything but its two steps.
check "update-lock.sh without a step: usage, exit 100" bash -c "
	image/update-lock.sh > '$t/u' 2>&1; rc=\$?; cat '$t/u'; [ \$rc -eq 100 ] && grep -q 'usage: update-lock.sh sources|image' '$t/u'"

tap_done
