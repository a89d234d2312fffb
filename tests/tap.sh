# shellcheck shell=bash
# tests/tap.sh: the one TAP library of the shell tests.  Every tests/*/lib.sh
# sources it, and so does every .t without a lib.sh; nothing else prints
# "ok N" lines.  Sourced by bash (set -u, with or without -e):
#
#   tap_plan N           prints the plan "1..N" now (else tap_done prints it)
#   ok DESC              records a pass: prints "ok N - DESC"; runs nothing
#   not_ok DESC          records a failure: prints "not ok N - DESC"
#   skip DESC REASON     "ok N - DESC # SKIP REASON"
#   check DESC CMD...    runs CMD; ok or not_ok by its exit status
#   diag MSG...          "# MSG" on stderr, one line per line of MSG
#   tap_done             prints the plan if not printed yet; returns 0 only
#                        if nothing failed and the count matches the plan
#
# One meaning each: ok and not_ok only print, check only runs.  Misuse is a
# failed test with a diagnostic, never a silent pass: `ok DESC CMD...` (the
# old meaning of ok in tests/tpm) is "not ok", and so is an ok, check or
# not_ok from a subshell (its count would be lost), a check without a
# command, a test after tap_done, or more tests than the plan.
#
# TAP_CAPTURE=DIR (optional, set by the caller): check sends CMD's stdout and
# stderr to DIR/tap.out and DIR/tap.err instead of through, and shows them as
# diagnostics when CMD fails (tests whose commands print data, not TAP).
#
# Every test-line function returns 0 (tap_done and a failed tap_scratch do
# not), so `set -e` tests can use them.
#
# Scratch space (every test run its own, so that two checkouts, or two build
# directories of one checkout, can run make check at once):
#
#   tap_scratch NAME     creates and prints a new directory NAME.XXXXXX under
#                        LETHE_TEST_TMPDIR (make sets it with
#                        scripts/test-tmpdir: $(B)/tmp, mode 0711, or a
#                        per-checkout one under /var/tmp; refused, status 1,
#                        when it is a symlink or not ours) or else TMPDIR or
#                        /tmp
#   tap_nobody_reaches PATH...
#                        true if user nobody (nginx's workers) can search
#                        every directory PATH and read every file PATH; always
#                        true when not root (then the workers run as us)
#   tap_scratch_served NAME
#                        sets T to a new tap_scratch directory, 0755, that
#                        nginx's workers can reach; else a bail-out, exit 1
#   tap_cleanup_on_exit  the EXIT trap of a test that starts servers: kills
#                        and waits for every pid in the array PIDS, removes T
#                        (KEEP=1 keeps it), exits with the test's status
#   tap_nginx DIR PORT   nginx -p DIR -c DIR/nginx.conf in the background
#                        (its stderr appended to DIR/stderr), its pid in
#                        NGINX_PID and added to PIDS; returns once nginx has
#                        written DIR/nginx.pid (it has bound 127.0.0.1:PORT).
#                        If it exits first (the free port was taken
#                        meanwhile, by another run: its clients would reach
#                        another server) or is not up within 10 s, a
#                        bail-out with its logs, exit 1

# Sourced twice (tests/boot/lib.sh, then tests/tpm/lib.sh): one set of
# counters.
[[ ${TAP_PID:-} == "$BASHPID" ]] && return 0

TAP_N=0
TAP_FAILED=0
TAP_PLAN=
TAP_DONE=0
# The shell that owns the counters: a test line from a subshell is an error.
TAP_PID=$BASHPID
TAP_CAPTURE=${TAP_CAPTURE:-}

diag() {
	local line
	# printf, not echo: a message may start with "-n".
	printf '%s\n' "$*" | while IFS= read -r line; do printf '# %s\n' "$line"; done >&2
	return 0
}

# tap__result PASS(0|1) DESC [DIRECTIVE]: the one place that numbers lines.
tap__result() {
	local pass=$1 desc=$2 directive=${3:-}
	if [[ $BASHPID != "$TAP_PID" ]]; then
		# The parent never sees this count: say so loudly, unnumbered
		# (prove then counts one test more than planned and fails).
		echo "not ok - tap: '$desc' reported from a subshell (check or ok inside \$(...) or a pipeline?)"
		diag "tap: test lines must come from the test's own shell"
		return 0
	fi
	if ((TAP_DONE)); then
		pass=1
		diag "tap: '$desc' reported after tap_done"
	fi
	TAP_N=$((TAP_N + 1))
	if [[ -n $TAP_PLAN ]] && ((TAP_N > TAP_PLAN)); then
		diag "tap: test $TAP_N is beyond the plan of $TAP_PLAN"
	fi
	if [[ $pass == 0 ]]; then
		echo "ok $TAP_N - $desc${directive:+ # $directive}"
	else
		TAP_FAILED=$((TAP_FAILED + 1))
		echo "not ok $TAP_N - $desc${directive:+ # $directive}"
	fi
	return 0
}

# tap__misuse FUNCTION DESC WHY: a failed test that says how it was misused.
tap__misuse() {
	tap__result 1 "${2:-(no description)}"
	diag "tap: misuse of $1: $3"
	return 0
}

ok() {
	if (($# != 1)); then
		tap__misuse ok "${1:-}" "ok DESC takes one argument and runs nothing; to run a command: check DESC CMD..."
	elif [[ -z $1 ]]; then
		tap__misuse ok "" "empty description"
	else
		tap__result 0 "$1"
	fi
	return 0
}

not_ok() {
	if (($# != 1)); then
		tap__misuse not_ok "${1:-}" "not_ok DESC takes one argument and runs nothing"
	else
		tap__result 1 "$1"
	fi
	return 0
}

skip() {
	if (($# != 2)); then
		tap__misuse skip "${1:-}" "skip DESC REASON takes two arguments"
	else
		tap__result 0 "$1" "SKIP $2"
	fi
	return 0
}

check() {
	local desc=${1:-} rc=0 cmd
	if (($# < 2)); then
		tap__misuse check "$desc" "check DESC CMD... needs a command"
		return 0
	fi
	shift
	if [[ -n $TAP_CAPTURE ]]; then
		"$@" >"$TAP_CAPTURE/tap.out" 2>"$TAP_CAPTURE/tap.err" || rc=$?
	else
		"$@" || rc=$?
	fi
	if ((rc == 0)); then
		tap__result 0 "$desc"
	else
		tap__result 1 "$desc"
		cmd="$*"
		diag "exit $rc: ${cmd:0:200}"
		if [[ -n $TAP_CAPTURE ]]; then
			# The tail: a command that failed after much output
			# says why at the end.
			tail -n 40 -- "$TAP_CAPTURE/tap.err" "$TAP_CAPTURE/tap.out" 2>/dev/null |
				sed 's/^/# /' >&2 || true
		fi
	fi
	return 0
}

# tap_plan N: declares (and prints) the number of tests up front.
tap_plan() {
	if [[ ! ${1:-} =~ ^[0-9]+$ || -n $TAP_PLAN || $TAP_N -gt 0 ]]; then
		diag "tap: misuse of tap_plan '${1:-}': one number, once, before any test"
		TAP_FAILED=$((TAP_FAILED + 1))
		return 0
	fi
	TAP_PLAN=$1
	echo "1..$TAP_PLAN"
	return 0
}

# tap_done: the test's last word; use as `tap_done` at the end (its status
# is the script's) or `tap_done; exit`.
tap_done() {
	if ((TAP_DONE)); then
		diag "tap: tap_done called twice"
		return 1
	fi
	TAP_DONE=1
	if [[ -z $TAP_PLAN ]]; then
		echo "1..$TAP_N"
	elif ((TAP_N != TAP_PLAN)); then
		diag "tap: planned $TAP_PLAN tests, ran $TAP_N"
		return 1
	fi
	if ((TAP_FAILED > 0)); then
		diag "tap: failed $TAP_FAILED of $TAP_N"
		return 1
	fi
	return 0
}

# tap_exit_status RC: for a harness's EXIT trap: a test that failed checks
# but never reached tap_done (exit 0 in the middle) must not exit 0.
tap_exit_status() {
	local rc=$1
	if ((rc == 0 && !TAP_DONE && TAP_FAILED > 0)); then
		diag "tap: exited before tap_done with $TAP_FAILED failed"
		rc=1
	fi
	return "$rc"
}

tap_scratch() {
	local base=${LETHE_TEST_TMPDIR:-${TMPDIR:-/tmp}}
	if [[ -n ${LETHE_TEST_TMPDIR:-} && ! -d $base ]]; then
		# 0711: others may pass through to the scratch directories a test
		# opens to them (nginx), not list them.  mkdir -p races harmlessly.
		mkdir -p -- "$base" && chmod 0711 -- "$base" || return 1
	fi
	# It may sit in a shared directory (/var/tmp: scripts/test-tmpdir):
	# someone else's directory, or a link to one, is never used.
	if [[ -n ${LETHE_TEST_TMPDIR:-} && ( -L $base || ! -O $base ) ]]; then
		diag "tap: $base is a symlink or not ours: not used for scratch"
		return 1
	fi
	mktemp -d "$base/$1.XXXXXX"
}

tap_scratch_served() {
	T=$(tap_scratch "$1") || exit 1
	chmod 755 "$T"
	if ! tap_nobody_reaches "$T"; then
		echo "1..0"
		echo "Bail out! nginx's workers (nobody) cannot reach $T: a parent directory is not searchable by others (run through make, or set LETHE_TEST_TMPDIR)"
		rm -rf "$T"
		exit 1
	fi
}

tap__cleanup() {
	local rc=$? p
	tap_exit_status "$rc" || rc=$?
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
	# An EXIT trap sets the status only through exit.
	exit "$rc"
}

tap_cleanup_on_exit() {
	PIDS=()
	trap tap__cleanup EXIT
}

tap_nginx() {
	local i
	rm -f "$1/nginx.pid"
	nginx -p "$1" -c "$1/nginx.conf" -g 'daemon off;' 2>>"$1/stderr" &
	NGINX_PID=$!
	PIDS+=("$NGINX_PID")
	for ((i = 0; i < 100; i++)); do
		[ -s "$1/nginx.pid" ] && return 0
		kill -0 "$NGINX_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "Bail out! nginx $1 did not start on 127.0.0.1:$2 within 10 s"
	sed 's/^/# /' "$1/stderr" "$1/error.log" 2>/dev/null >&2
	exit 1
}

tap_nobody_reaches() {
	local p gid
	((EUID == 0)) || return 0
	gid=$(id -g nobody) || return 1
	for p in "$@"; do
		if [[ -d $p ]]; then
			setpriv --reuid=nobody --regid="$gid" --clear-groups -- test -x "$p" || return 1
		else
			setpriv --reuid=nobody --regid="$gid" --clear-groups -- test -r "$p" || return 1
		fi
	done
}
