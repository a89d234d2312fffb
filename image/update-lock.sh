#!/usr/bin/env bash
# image/update-lock.sh: rewrite image/packages.lock from the apt archive.
#
# 1. resolve the dependency closure of image/packages.list and pin each
#    package's candidate (version, architecture, SHA-256 from the archive);
# 2. fetch them all and plan a trial image with the full set;
# 3. keep only the packages that put at least one file into the image;
# 4. show the diff against the old lock and replace it.
# Run through `make update-lock`, which builds the tools this needs.
set -euo pipefail
die() { echo "update-lock: fatal: $*" >&2; exit 100; }
B=${B:-build} HB=${HB:-build/host}
work=$B/update-lock
rm -rf "$work"; mkdir -p "$work"

echo "update-lock: resolving image/packages.list" >&2
image/debs.sh resolve image/packages.list > "$work/names"
# shellcheck disable=SC2046
image/debs.sh pin $(cat "$work/names") > "$work/full.lock"
image/debs.sh fetch "$work/full.lock"
image/debs.sh stage "$work/full.lock" "$work/stage" "$work/owners" "$work/kernel"
image/modules.sh "$work/kernel" image/modules.list "$work/modules" > /dev/null
mkdir -p "$work/gen/etc"
printf 'LETHE_VERSION=update-lock\nLETHE_EPOCH=0\n' > "$work/gen/etc/lethe-release"
LEAN_CURL=$LEAN_CURL CURL_ORIGIN=$CURL_ORIGIN STAGE=$work/stage OWNERS=$work/owners KPKG=$(cat "$work/kernel/package") MODS=$work/modules \
	TARGET=$B/target GEN=$work/gen ELFCLOSURE=$HB/elfclosure IMAGE=image OVERLAY=rootfs-overlay \
	image/plan.sh "$work/spec" "$work/origins"

{
	echo "# image/packages.lock: the Debian packages whose files make up the image."
	echo "# Written by \`make update-lock\` from image/packages.list; do not edit by hand."
	echo "# name version architecture sha256-of-the-.deb"
	awk 'NR == FNR { used[$2] = 1; next } ($1 in used)' "$work/origins" "$work/full.lock"
} > "$work/packages.lock"
[ "$(grep -vc '^#' "$work/packages.lock")" -gt 0 ] || die "no package contributes to the image?"

if [ -e image/packages.lock ]; then
	diff -u image/packages.lock "$work/packages.lock" || true
fi
mv "$work/packages.lock" image/packages.lock
echo "update-lock: image/packages.lock has $(grep -vc '^#' image/packages.lock) packages" >&2

# The lean libcurl follows Debian's libcurl4 version (security updates).
curl_ver=$(image/debs.sh pin libcurl4 | cut -d' ' -f2)
if [ "$curl_ver" != "$(awk '$1 == "version" { print $2 }' image/curl/source.lock)" ]; then
	image/curl/fetch.sh pin "$curl_ver" > "$work/source.lock"
	diff -u image/curl/source.lock "$work/source.lock" || true
	mv "$work/source.lock" image/curl/source.lock
	echo "update-lock: image/curl/source.lock now pins curl $curl_ver" >&2
fi
