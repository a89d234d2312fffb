# shellcheck shell=bash
# tests/image/lib.sh: the TAP harness of the image tests.  Sourced from the
# top of the tree, after `set -uo pipefail`, with the test's name:
#   . tests/image/lib.sh NAME   a scratch directory $t (removed on exit), and
#   the TAP helpers of tests/tap.sh, check keeping COMMAND's output in $t
#   (shown when it fails)
# shellcheck source=tests/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
t=$(tap_scratch "lethe-$1")
TAP_CAPTURE=$t
image_cleanup() {
	local rc=$?
	tap_exit_status "$rc" || rc=$?
	rm -rf "$t"
	# An EXIT trap sets the status only through exit.
	exit "$rc"
}
trap image_cleanup EXIT
