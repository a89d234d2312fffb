# A one-authority private Tor network on the host's loopback (TestingTorNetwork,
# ../shared/reference/tor.md section 4), for issue 6's scenario 9:
# tests/boot/relay/privnet.t (host level) and testnet.t (the booted relay).
# Sourced.  Every tor here is the image's own (tests/bin/tor: the locked
# Debian tor of build/image/stage, run by the image's loader), authorities and
# host relays alike: the network the test builds runs the tor lethe ships.
#
#   authority_init DIR ORPORT DIRPORT
#         keys (tor-gencert, RSA identity) and DIR/torrc for an authority
#         on 127.0.0.1:ORPORT/DIRPORT; extra torrc lines on stdin.  Sets
#         AUTH_V3 (v3 identity), AUTH_FP (RSA fingerprint) and AUTH_LINE
#         (a DirAuthority value naming it at 127.0.0.1).  Returns 1 on failure.
#   authority_start DIR   runs it in the background; sets AUTH_PID
#   authority_guest A_OR A_DIR R_OR
#         the booted relay's forwards and command line for this network
#   until_s SECONDS COMMAND...
#         retries COMMAND every 2 s until it succeeds, for SECONDS times
#         LETHE_TIMEOUT_SCALE

PATH=$(cd "$(dirname "${BASH_SOURCE[0]}")/../bin" && pwd):$PATH
export PATH

#   authority_accepts DIR FP
#         the authority in DIR took the relay FP's descriptor and votes for
#         it: its log names no rejected descriptor, and its own vote lists
#         FP as Running and Valid with a "v" line of the authority's own tor
#         version (the image's: both sides run the same tor).
authority_accepts() {
	local d=$1 fp=$2 id ver dirp
	! grep -aqiE 'rejected|Missing TAP key|obsolete' "$d/notice.log" || return 1
	id=$(printf '%s' "$fp" | xxd -r -p | base64 | tr -d '=')
	ver=$(tor --version 2>/dev/null | awk '/^Tor version/ { sub(/\.$/, "", $3); print $3; exit }')
	dirp=$(awk '$1 == "DirPort" { sub(/.*:/, "", $2); print $2 }' "$d/torrc")
	[[ -n $id && -n $ver && -n $dirp ]] || return 1
	curl -sf --max-time 5 "http://127.0.0.1:$dirp/tor/status-vote/current/authority" |
		awk -v id="$id" -v ver="Tor $ver" '
			$1 == "r" { me = ($3 == id); next }
			me && $1 == "s" { ok_s = / Running( |$)/ && / Valid( |$)/ }
			me && $1 == "v" { sub(/^v /, ""); ok_v = ($0 == ver) }
			END { exit !(ok_s && ok_v) }'
}

authority_init() {
	local d=$1 orp=$2 dirp=$3
	mkdir -m 700 -p "$d/keys" || return 1
	echo | tor-gencert --create-identity-key --passphrase-fd 0 -m 12 -a "127.0.0.1:$dirp" \
		-i "$d/keys/authority_identity_key" -s "$d/keys/authority_signing_key" \
		-c "$d/keys/authority_certificate" >/dev/null 2>&1 || return 1
	AUTH_V3=$(awk '$1 == "fingerprint" { print $2 }' "$d/keys/authority_certificate")
	tor --quiet --ignore-missing-torrc -f /dev/null --defaults-torrc /dev/null --list-fingerprint \
		--orport 1 --nickname auth --datadirectory "$d" >/dev/null 2>&1
	AUTH_FP=$(awk '{ print $2 }' "$d/fingerprint" 2>/dev/null)
	[[ $AUTH_V3 =~ ^[0-9A-F]{40}$ && $AUTH_FP =~ ^[0-9A-F]{40}$ ]] || return 1
	AUTH_LINE="auth orport=$orp no-v2 v3ident=$AUTH_V3 127.0.0.1:$dirp $AUTH_FP"
	# votes every 20 s: a relay is in a consensus within a minute
	{
		cat
		cat <<TORRC
TestingTorNetwork 1
DirAuthority $AUTH_LINE
Address 127.0.0.1
SafeLogging 0
ShutdownWaitLength 0
SocksPort 0
ContactInfo lethe-test
DataDirectory $d
Log notice file $d/notice.log
Nickname auth
AuthoritativeDirectory 1
V3AuthoritativeDirectory 1
ORPort 127.0.0.1:$orp
DirPort 127.0.0.1:$dirp
ExitPolicy reject *:*
TestingDirAuthVoteGuard *
TestingDirAuthVoteHSDir *
V3AuthVotingInterval 20
V3AuthVoteDelay 4
V3AuthDistDelay 4
TestingV3AuthInitialVotingInterval 20
TestingV3AuthInitialVoteDelay 4
TestingV3AuthInitialDistDelay 4
TORRC
	} >"$d/torrc"
}

authority_start() {
	tor -f "$1/torrc" --defaults-torrc /dev/null >/dev/null 2>&1 &
	AUTH_PID=$!
}

# authority_guest A_OR A_DIR R_OR: the booted relay's side of the test
# network (relay.sh's settings): the guest reaches the authority's ORPort
# and DirPort at 10.0.2.101 through guestfwd, and the authority reaches the
# relay's ORPort through a hostfwd from 127.0.0.1:R_OR to 10.0.2.21, the
# instance's own address (the node document's "addresses", which initd
# configures); the command line names the authority (lethe.testnet, with
# AUTH_V3 and AUTH_FP of authority_init); RELAY_TESTNET: fleet doc
# --testnet, the document's Address is loopback.  With RELAY_NET (relay.sh)
# every 10.0.2 above is that network's prefix instead.
authority_guest() {
	local f="cmd:socat -lf /dev/null - TCP:127.0.0.1"
	local net=${RELAY_NET:-10.0.2}
	RELAY_NETDEV_EXTRA="guestfwd=tcp:$net.101:$1-$f:$1,guestfwd=tcp:$net.101:$2-$f:$2"
	RELAY_NETDEV_EXTRA+=",hostfwd=tcp:127.0.0.1:$3-$net.21:$3"
	RELAY_CMDLINE="lethe.config=$RELAY_URL lethe.pcrs=7,9 lethe.netwait=30"
	RELAY_CMDLINE+=" lethe.testnet=$net.101:$1:$2:$AUTH_V3:$AUTH_FP"
	RELAY_TESTNET=1
}

until_s() {
	local end=$((SECONDS + $(awk -v s="$1" -v k="${LETHE_TIMEOUT_SCALE:-1}" 'BEGIN { printf "%d", s * k }')))
	shift
	while ((SECONDS < end)); do "$@" && return 0; sleep 2; done
	return 1
}
