# swtpm test harness for tpmseal, sourced by tests/tpm/*.t (bash, TAP).
#
#   . tests/tpm/lib.sh
#   tpm_start                 a fresh swtpm (own state dir) for this test
#                             (SWTPM_LOGLEVEL=20: swtpm logs every command's bytes)
#   tpm_reboot                simulated reboot: swtpm_ioctl -i + Startup(CLEAR)
#   check NAME CMD...        one TAP test line: CMD must succeed (tests/tap.sh;
#                             its output in $T/tap.out, $T/tap.err)
#   is_rc RC NAME CMD...      CMD must exit with RC (its stderr kept in $T/rc.err)
#   same NAME GOT WANT        GOT equals WANT and is not empty
#   tor_ids DATADIR           "RSAFPR ED25519ID" as real tor prints them
#   tap_done                  the plan, and the test's status
#
# Every TPM is a unix-socket swtpm: nothing listens on the network.  The
# harness owns the EXIT trap: it stops swtpm and removes $T (LETHE_KEEP=1
# keeps it).  stboot's PCR extends are simulated with tpm2_pcrextend.

# shellcheck source=tests/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"

TPMSEAL=${TPMSEAL:-build/host/tpmseal}
T=$(tap_scratch tpmseal-t)
# check keeps the commands' output (tpmseal prints identities) out of TAP.
TAP_CAPTURE=$T
SWTPM_PID=
export TSS2_LOG=all+none

tpm_cleanup() {
	local rc=$?
	tap_exit_status "$rc" || rc=$?
	if [ -n "$SWTPM_PID" ]; then
		kill "$SWTPM_PID" 2>/dev/null || true
		wait "$SWTPM_PID" 2>/dev/null || true
	fi
	if [ "${LETHE_KEEP:-0}" = 1 ]; then
		echo "# kept $T" >&2
	else
		rm -rf "$T"
	fi
	# An EXIT trap sets the status only through exit.
	exit "$rc"
}
trap tpm_cleanup EXIT

tpm_start() {
	mkdir -p "$T/tpm"
	swtpm socket --tpm2 --server type=unixio,path="$T/tpm/sock" \
		--ctrl type=unixio,path="$T/tpm/sock.ctrl" --flags startup-clear \
		--tpmstate dir="$T/tpm" --log file="$T/tpm/swtpm.log"${SWTPM_LOGLEVEL:+,level=$SWTPM_LOGLEVEL} &
	SWTPM_PID=$!
	local i
	for ((i = 0; i < 100; i++)); do
		[ -S "$T/tpm/sock" ] && [ -S "$T/tpm/sock.ctrl" ] && break
		sleep 0.05
	done
	# tpmseal reads LETHE_TCTI; tpm2-tools (tpm2_nvread, ...) their own
	export LETHE_TCTI="swtpm:path=$T/tpm/sock" TPM2TOOLS_TCTI="swtpm:path=$T/tpm/sock"
	tpm2_getcap properties-fixed >/dev/null
}

# A power cycle as far as the TPM can tell: PCRs and STCLEAR locks reset,
# then the firmware's TPM2_Startup(CLEAR).
tpm_reboot() {
	swtpm_ioctl --unix "$T/tpm/sock.ctrl" -i >/dev/null
	tpm2_startup -c
}

# How many TPM2_NV_Write commands (CC 0x137) swtpm received for NV index
# $1 (8 hex digits), whatever the auth handle: from its command dump, so
# only with SWTPM_LOGLEVEL=20.
nv_writes() {
	grep -E '^( [0-9A-F]{2})+ ?$' "$T/tpm/swtpm.log" | tr -d ' \n' |
		grep -oiE "8002[0-9A-F]{8}00000137[0-9A-F]{8}$1" | wc -l
}

# The sha256 value of PCR $1, 64 hex digits.
pcr_value() {
	tpm2_pcrread "sha256:$1" | awk -v p="$1" '$1 == p || $1 == p":" { v = $NF } END { sub(/^0x/, "", v); print tolower(v) }'
}

is_rc() {
	local want=$1 name=$2 rc=0
	shift 2
	"$@" >"$T/last.out" 2>"$T/last.err" || rc=$?
	cp "$T/last.err" "$T/rc.err"  # for a following check of the message
	if [ "$rc" = "$want" ]; then
		ok "$name"
	else
		not_ok "$name"
		diag "exit $rc, want $want"
		sed 's/^/# /' "$T/last.err" "$T/last.out" >&2
	fi
}

# Real tor, loopback only and DisableNetwork: prints the identities of the
# keys in DATADIR (and generates any missing key file, as tor always does).
tor_ids() {
	local dd=$1 rsa ed
	: >"$T/torrc"
	rsa=$(tor -f "$T/torrc" --list-fingerprint --DataDirectory "$dd" --DisableNetwork 1 \
		--ORPort 127.0.0.1:auto --SocksPort 0 --Nickname lethetest --Log 'err stderr' 2>/dev/null |
		tail -n 1 | cut -d' ' -f2- | tr -d ' ')
	ed=$(tor -f "$T/torrc" --list-fingerprint ed25519 --DataDirectory "$dd" --DisableNetwork 1 \
		--ORPort 127.0.0.1:auto --SocksPort 0 --Nickname lethetest --Log 'err stderr' 2>/dev/null |
		tail -n 1 | cut -d' ' -f2)
	echo "$rsa $ed"
}

# Lines "N RSA ED" printed by tpmseal, as "RSA ED" for instance $2.
ids_of() {
	awk -v i="$2" '$1 == i { print $2, $3 }' "$1"
}

# No regular file anywhere under $1 (or $1 absent).
no_files() {
	[ ! -e "$1" ] || [ -z "$(find "$1" -type f)" ]
}

# same NAME GOT WANT: GOT equals WANT and is not empty.
same() {
	if [ -n "$2" ] && [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "  got '$2'"
		diag " want '$3'"
	fi
}
