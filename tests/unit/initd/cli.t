#!/bin/bash
# Host checks of the built initd (TAP): static link, size, and what it does
# when it is not PID 1.  Usage: INITD=build/target/initd [INITD_SIZE_MAX=N] cli.t
set -u -o pipefail

INITD=${INITD:-build/target/initd}
INITD_SIZE_MAX=${INITD_SIZE_MAX:-102400}
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/../../tap.sh"
scratch=$(tap_scratch initd-cli) || exit 111
trap 'rm -rf "$scratch"' EXIT

# run ARGS...: runs initd, leaving $out, $err and $rc.
run() {
	"$INITD" "$@" >"$scratch/out" 2>"$scratch/err"
	rc=$?
	out=$(<"$scratch/out")
	err=$(<"$scratch/err")
}

tap_plan 10

if [[ ! -x $INITD ]]; then
	echo "Bail out! $INITD not built"
	exit 1
fi

# PID 1 starts before any library path exists: no interpreter, no dynamic
# section (catatonit's CI check, plus readelf for certainty).
check "file says statically linked" \
	bash -c 'file -b "$1" | grep -q "statically linked"' _ "$INITD"
check "no dynamic section and no interpreter" \
	bash -c 'readelf -d "$1" | grep -q "no dynamic section" && ! readelf -l "$1" | grep -q INTERP' _ "$INITD"
size=$(stat -c %s "$INITD")
check "size $size <= $INITD_SIZE_MAX bytes" test "$size" -le "$INITD_SIZE_MAX"

run
check "refuses when not PID 1 (exit 100, one line)" \
	test "$rc:$out:$err" = "100::initd: fatal: must run as PID 1"

run --bogus
check "unknown option: same refusal" test "$rc:$err" = "100:initd: fatal: must run as PID 1"

printf 'LETHE_VERSION=0.1.0-test\nLETHE_EPOCH=1700000000\n' >"$scratch/release"
run --version -r "$scratch/release"
check "--version -r prints the version" test "$rc:$out:$err" = "0:0.1.0-test:"

printf 'LETHE_VERSION=0.1.0\nLETHE_EPOCH=17x\n' >"$scratch/bad"
run --version -r "$scratch/bad"
check "bad release file: exit 100 naming file and line" \
	test "$rc:$err" = "100:initd: fatal: unable to parse $scratch/bad: line 2: bad LETHE_EPOCH"

head -c 5000 /dev/zero | tr '\0' '#' >"$scratch/big"
run --version -r "$scratch/big"
check "oversized release file: exit 100" \
	test "$rc:$err" = "100:initd: fatal: unable to parse $scratch/big: file too large"

run --version -r "$scratch/missing"
check "missing release file: exit 111" \
	test "$rc:$err" = "111:initd: fatal: unable to read $scratch/missing: No such file or directory"

run --version -r "$scratch/release" extra
check "stray argument: refusal" test "$rc" = 100

tap_done
