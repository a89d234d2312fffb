#!/bin/bash
# Issue 6, scenario 9, at the host level: a private Tor network on loopback
# (one directory authority, TestingTorNetwork) and a relay whose identity
# comes from tpmseal (provisioned and unsealed from a swtpm): the relay
# publishes its descriptor with the sealed identity and the consensus lists
# it under that fingerprint; after a reboot of the TPM (Startup(CLEAR): the
# read lock is gone) and a fresh unseal into an empty key directory, the
# relay publishes again under the same fingerprint.
#
# Why not in the guest: the relay's torrc comes only from the node document,
# and configpull's allowlist has no DirAuthority/TestingTorNetwork (a config
# server that could name directory authorities could partition its relays
# from the real network), so a booted lethe cannot join a private network.
# The guest side of the same identities is lifecycle.t: provisioned, the
# same fingerprints after a reboot, and tor's own "identity key fingerprint"
# line equal to tpmseal's.
#
# Environment: TPMSEAL (build/host/tpmseal), LETHE_TIMEOUT_SCALE, LETHE_KEEP.
# Needs tor, tor-gencert, swtpm, tpm2-tools, curl, python3.
set -u -o pipefail

. "$(dirname "$0")/../../tpm/lib.sh"

scale=${LETHE_TIMEOUT_SCALE:-1}
for c in tor tor-gencert curl python3 swtpm tpm2_startup; do
	command -v "$c" >/dev/null || { echo "1..0 # SKIP $c missing"; exit 0; }
done
[[ -x $TPMSEAL ]] || { echo "1..0 # SKIP no $TPMSEAL (make $TPMSEAL)"; exit 0; }

TORS=()
stop_tors() {
	local p
	for p in "${TORS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	TORS=()
}
trap 'stop_tors; tpm_cleanup' EXIT

free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 20000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
	done
	return 1
}
until_s() { # SECONDS COMMAND...: retry COMMAND every 2 s until it succeeds
	local end=$((SECONDS + $(awk -v s="$1" -v k="$scale" 'BEGIN { printf "%d", s * k }')))
	shift
	while ((SECONDS < end)); do "$@" && return 0; sleep 2; done
	return 1
}

tpm_start
A_OR=$(free_port); A_DIR=$(free_port); R_OR=$(free_port)

# --- the authority ---
mkdir -m 700 -p "$T/auth/keys"
echo | tor-gencert --create-identity-key --passphrase-fd 0 -m 12 -a "127.0.0.1:$A_DIR" \
	-i "$T/auth/keys/authority_identity_key" -s "$T/auth/keys/authority_signing_key" \
	-c "$T/auth/keys/authority_certificate" >/dev/null 2>&1
v3=$(awk '$1 == "fingerprint" { print $2 }' "$T/auth/keys/authority_certificate")
tor --quiet --ignore-missing-torrc -f /dev/null --defaults-torrc /dev/null --list-fingerprint \
	--orport 1 --nickname auth --datadirectory "$T/auth" >/dev/null 2>&1
afp=$(awk '{ print $2 }' "$T/auth/fingerprint")
dirauth="DirAuthority auth orport=$A_OR no-v2 v3ident=$v3 127.0.0.1:$A_DIR $afp"
common="TestingTorNetwork 1
Address 127.0.0.1
SafeLogging 0
ShutdownWaitLength 0
SocksPort 0
AssumeReachable 1
ContactInfo lethe-test
$dirauth"
cat >"$T/auth/torrc" <<EOF
$common
DataDirectory $T/auth
Log notice file $T/auth/notice.log
Nickname auth
AuthoritativeDirectory 1
V3AuthoritativeDirectory 1
ORPort 127.0.0.1:$A_OR
DirPort 127.0.0.1:$A_DIR
ExitPolicy reject *:*
TestingDirAuthVoteGuard *
TestingDirAuthVoteHSDir *
V3AuthVotingInterval 20
V3AuthVoteDelay 4
V3AuthDistDelay 4
TestingV3AuthInitialVotingInterval 20
TestingV3AuthInitialVoteDelay 4
TestingV3AuthInitialDistDelay 4
EOF
tor -f "$T/auth/torrc" --defaults-torrc /dev/null >/dev/null 2>&1 &
TORS+=($!)

# --- the relay's identity: provisioned and unsealed by tpmseal ---
ok "tpmseal provisions one identity (PCR 16)" "$TPMSEAL" provision --instances 1 --pcrs 16
unseal() { # DIR: unseal into DIR, print "FP ED"
	rm -rf "$1" && mkdir -m 700 "$1" &&
		"$TPMSEAL" unseal --out "$1" --pcrs 16 | awk '$1 == "0" { print $2, $3 }'
}
id1=$(unseal "$T/keys")
echo "# sealed identity: $id1"
fp=${id1%% *}
relay_start() { # DATADIR
	mkdir -m 700 -p "$1"
	cat >"$1/torrc" <<EOF
$common
DataDirectory $1
KeyDirectory $T/keys/0/keys
Log notice file $1/notice.log
Nickname lethe9
ORPort 127.0.0.1:$R_OR
ExitRelay 0
EOF
	tor -f "$1/torrc" --defaults-torrc /dev/null >/dev/null 2>&1 &
	TORS+=($!)
}
relay_start "$T/relay1"
b64=$(python3 -c 'import base64, sys; print(base64.b64encode(bytes.fromhex(sys.argv[1])).decode().rstrip("="))' "$fp")
in_consensus() {
	curl -sf --max-time 5 "http://127.0.0.1:$A_DIR/tor/status-vote/current/consensus" |
		grep -q "^r lethe9 $b64 "
}
published() { # the relay's descriptor's "published" time on the authority, epoch seconds
	curl -sf --max-time 5 "http://127.0.0.1:$A_DIR/tor/server/fp/$fp" |
		awk '$1 == "published" { print $2 "T" $3 "Z" }' | xargs -r -I{} date -u -d {} +%s
}
ok "the relay uses the sealed identity (tor's own fingerprint)" \
	until_s 60 grep -q "identity key fingerprint is 'lethe9 $fp'" "$T/relay1/notice.log"
have_desc() { [ -n "$(published)" ]; }
ok "the authority has its descriptor" until_s 120 have_desc
ok "the consensus lists it under the sealed fingerprint" until_s 240 in_consensus

# --- reboot: TPM Startup(CLEAR), empty key directory, unseal again ---
stop_tors
p1=$(published 2>/dev/null || true)
tor -f "$T/auth/torrc" --defaults-torrc /dev/null >/dev/null 2>&1 &
TORS+=($!)
tpm_reboot
t_reboot=$(date -u +%s)
id2=$(unseal "$T/keys")
ok "after the reboot: the same identity unsealed" test "$id1" = "$id2"
sleep 1
relay_start "$T/relay2"
republished() { local p; p=$(published); [ -n "$p" ] && [ "$p" -ge "$t_reboot" ]; }
ok "the relay publishes again, same fingerprint" until_s 120 republished
ok "and stays in the consensus under it" until_s 240 in_consensus
echo "1..$TAP_N"
[ "$TAP_FAIL" -eq 0 ]
