# swtpm test harness for tpmseal, sourced by tests/tpm/*.t (bash, TAP).
#
#   . tests/tpm/lib.sh
#   tpm_start                 a fresh swtpm (own state dir) for this test
#                             (SWTPM_LOGLEVEL=20: swtpm logs every command's bytes)
#   tpm_reboot                simulated reboot: swtpm_ioctl -i + Startup(CLEAR)
#   ok NAME CMD...            one TAP test line: CMD must succeed
#   is_rc RC NAME CMD...      CMD must exit with RC (its stderr kept in $T/rc.err)
#   tor_ids DATADIR           "RSAFPR ED25519ID" as real tor prints them
#   done_testing
#
# Every TPM is a unix-socket swtpm: nothing listens on the network.  The
# harness owns the EXIT trap: it stops swtpm and removes $T (LETHE_KEEP=1
# keeps it).  stboot's PCR extends are simulated with tpm2_pcrextend.

TPMSEAL=${TPMSEAL:-build/host/tpmseal}
T=$(mktemp -d "${TMPDIR:-/tmp}/tpmseal-t.XXXXXX")
TAP_N=0
TAP_FAIL=0
SWTPM_PID=
export TSS2_LOG=all+none

tpm_cleanup() {
	if [ -n "$SWTPM_PID" ]; then
		kill "$SWTPM_PID" 2>/dev/null || true
		wait "$SWTPM_PID" 2>/dev/null || true
	fi
	if [ "${LETHE_KEEP:-0}" = 1 ]; then
		echo "# kept $T" >&2
	else
		rm -rf "$T"
	fi
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
	export TPM2TOOLS_TCTI="swtpm:path=$T/tpm/sock"
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

ok() {
	local name=$1
	shift
	TAP_N=$((TAP_N + 1))
	if "$@" >"$T/last.out" 2>"$T/last.err"; then
		echo "ok $TAP_N - $name"
	else
		echo "not ok $TAP_N - $name (exit $?)"
		sed 's/^/# /' "$T/last.err" "$T/last.out" >&2
		TAP_FAIL=$((TAP_FAIL + 1))
	fi
}

is_rc() {
	local want=$1 name=$2 rc=0
	shift 2
	TAP_N=$((TAP_N + 1))
	"$@" >"$T/last.out" 2>"$T/last.err" || rc=$?
	cp "$T/last.err" "$T/rc.err"  # for a following check of the message
	if [ "$rc" = "$want" ]; then
		echo "ok $TAP_N - $name"
	else
		echo "not ok $TAP_N - $name (exit $rc, want $want)"
		sed 's/^/# /' "$T/last.err" "$T/last.out" >&2
		TAP_FAIL=$((TAP_FAIL + 1))
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
	TAP_N=$((TAP_N + 1))
	if [ -n "$2" ] && [ "$2" = "$3" ]; then
		echo "ok $TAP_N - $1"
	else
		echo "not ok $TAP_N - $1"
		echo "#   got '$2'" >&2
		echo "#  want '$3'" >&2
		TAP_FAIL=$((TAP_FAIL + 1))
	fi
}

done_testing() {
	echo "1..$TAP_N"
	[ "$TAP_FAIL" = 0 ]
}
