# shellcheck shell=bash
# tests/image/lib.sh: the TAP harness of the image tests.  Sourced from the
# top of the tree, after `set -uo pipefail`, with the test's name:
#   . tests/image/lib.sh NAME   a scratch directory $t (removed on exit), and
#   check DESCRIPTION COMMAND...  "ok N" or "not ok N" plus COMMAND's output
t=$(mktemp -d "${TMPDIR:-/tmp}/lethe-$1.XXXXXX")
trap 'rm -rf "$t"' EXIT
n=0 failed=0
check() { # DESCRIPTION COMMAND...
	local d=$1; shift
	n=$((n + 1))
	if "$@" > "$t/out" 2>&1; then echo "ok $n - $d"
	else failed=$((failed + 1)); echo "not ok $n - $d"; sed 's/^/# /' "$t/out" | head -20; fi
}
