# shellcheck shell=bash
# tests/unit/initd/lib.sh: the shared start of initd's TAP tests (supervise.t,
# tor.t, sntp.t, telemetry.t, console.t), sourced after `set -u -o pipefail`:
# the TAP helpers (tests/tap.sh) and the helpers around an initd the test
# runs in the background.  Functions only, no side effect when sourced.
#
#   initd_scratch NAME   $scratch (tap_scratch initd-NAME, else exit 111),
#                        sup_pid empty, and the EXIT trap: SIGKILL to initd
#                        ($sup_pid), the test's cleanup_more if it defines
#                        one, $scratch copied to $KEEP when KEEP is set,
#                        then removed
#   now_ms               the time in milliseconds
#   wait_for SECONDS CMD...
#                        runs CMD every 50 ms until it succeeds (0) or
#                        SECONDS have passed (1)
#   stop_sup SIGNAL SECONDS
#                        signals initd ($sup_pid) and waits for its exit:
#                        its status in sup_rc, sup_pid emptied; after
#                        SECONDS, SIGKILL, sup_rc=timeout, status 1
#   log_has REGEX        initd's stderr ($scratch/log) has a matching line
#   fds_equal            both "open fds: N" lines of $scratch/log agree (no
#                        descriptor leak)
#   nodeconf ALLOCATOR NAMES...
#                        a node.conf as configpull renders it, on stdout
#   stage_plain NAMES...
#                        $stage/node.conf (glibc) and a plain
#                        $stage/torrc.NAME (DataDirectory $data/NAME,
#                        Nickname NAME) for each NAME, as configpull renders
#                        them
#   st KEY               the status file's ($status) value of KEY, "" when
#                        absent (export status and -f st for bash -c)
#   say NAME TEXT        the fake tor NAME reads TEXT from $scratch/say.NAME
#                        (telemetry.t, console.t: a line, or "flood")
#   agent_has REGEX      the fake agent's copy of the log pipe ($agent_out)
#                        has a matching line

# shellcheck source=tests/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../tap.sh"

initd_scratch() {
	scratch=$(tap_scratch "initd-$1") || exit 111
	sup_pid=
	trap initd__cleanup EXIT
}

initd__cleanup() {
	[[ -n $sup_pid ]] && kill -KILL "$sup_pid" 2>/dev/null
	declare -F cleanup_more >/dev/null && cleanup_more
	[[ -n ${KEEP:-} ]] && cp -r "$scratch" "$KEEP"
	rm -rf "$scratch"
}

now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((10#$t / 1000)); }

wait_for() {
	local end=$(($(now_ms) + $1 * 1000)); shift
	until "$@"; do
		(($(now_ms) < end)) || return 1
		sleep 0.05
	done
}

stop_sup() {
	local end=$(($(now_ms) + $2 * 1000))
	kill -"$1" "$sup_pid"
	while kill -0 "$sup_pid" 2>/dev/null; do
		if (($(now_ms) >= end)); then
			kill -KILL "$sup_pid"; wait "$sup_pid"; sup_rc=timeout; sup_pid=; return 1
		fi
		sleep 0.05
	done
	wait "$sup_pid"; sup_rc=$?; sup_pid=
}

log_has() { grep -qE "$1" "$scratch/log"; }

fds_equal() {
	[[ $(grep -oE 'open fds: [0-9]+' "$scratch/log" | sort -u | wc -l) -eq 1 &&
		$(grep -c 'open fds:' "$scratch/log") -eq 2 ]]
}

nodeconf() {
	local a=$1; shift
	printf 'version=1\nnode=\nrefresh_interval=3600\nimage_version=\nimage_sha256=\nfamily=0\n'
	printf 'allocator=%s\nzram=0\nzram_size_mib=0\nzram_algorithm=zstd\nprovision=0\n' "$a"
	printf 'instances=%s\n' "$*"
}

stage_plain() {
	local n
	nodeconf glibc "$@" >"$stage/node.conf"
	for n in "$@"; do
		printf 'DataDirectory %s/%s\nRunAsDaemon 0\nNickname %s\n' "$data" "$n" "$n" >"$stage/torrc.$n"
	done
}

st() { sed -n "s/^$1=//p" "$status" 2>/dev/null; }
say() { printf '%s' "$2" >"$scratch/say.tmp" && mv "$scratch/say.tmp" "$scratch/say.$1"; }
agent_has() { grep -qE "$1" "$agent_out" 2>/dev/null; }
