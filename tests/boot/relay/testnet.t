#!/bin/bash
# Issue 6, scenario 9, in the guest: the booted lethe relay joins a private
# Tor network whose one directory authority runs on the host's loopback,
# publishes its descriptor under the identity tpmseal sealed, and the
# consensus lists it under that fingerprint; after a reboot (same swtpm,
# same UEFI variables) it unseals the same identity and publishes a new
# descriptor under the same fingerprint, which the next consensus lists.
#
# The guest reaches nothing but loopback services (user networking,
# restrict=on):
#   10.0.2.100:443              guestfwd -> nginx, the config server
#   10.0.2.101:A_OR, :A_DIR     guestfwd -> the authority's ORPort, DirPort
#   127.0.0.1:R_OR (host)       hostfwd  -> the relay's ORPort in the guest,
#                               on 10.0.2.21: the instance's own address
#                               (node document "addresses"), which initd
#                               configures and tor binds (a tor bound to an
#                               address the guest lacks would not start)
# The relay advertises Address 127.0.0.1 (its node document; configpull
# takes a loopback Address only with --testnet, which initd passes under
# lethe.testnet), so the authority's reachability test comes back through
# the hostfwd: the authority does not set AssumeReachable, so its Running
# flag means it reached the guest's ORPort (tor's
# dirserv_set_router_is_running).
#
# The test network is the operator's word, never the config server's: the
# kernel command line says lethe.testnet=10.0.2.101:A_OR:A_DIR:V3IDENT:FPR
# and initd gives tor --TestingTorNetwork 1 --DirAuthority ... on its
# command line; configpull's allowlist still refuses both options.
#
# Environment: KERNEL, INITRD (the demo image: make demo-image), FLEET,
# CONFIGPULL, LETHE_TIMEOUT_SCALE, LETHE_KEEP.  Needs tor, tor-gencert,
# nginx, socat, curl, python3.
set -u -o pipefail

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../relay.sh"
. "$(dirname "$0")/../authority.sh"

for c in tor tor-gencert curl socat python3; do
	command -v "$c" >/dev/null || { echo "1..0 # SKIP $c missing"; exit 0; }
done
boot_need_image

AUTH_PID=
testnet_cleanup() {
	local rc=$?
	boot_stop "$AUTH_PID"
	(exit "$rc")
	relay_cleanup
}

boot_init testnet
relay_init "$FLEET"
trap testnet_cleanup EXIT
relay_nginx_start
boot_swtpm_start "$BOOT_DIR/tpm"
A_OR=$(relay_free_port) && A_DIR=$(relay_free_port) && R_OR=$(relay_free_port) ||
	boot_die "no free port"

# --- the directory authority, on the host's loopback (no AssumeReachable) ---
authority_init "$BOOT_DIR/auth" "$A_OR" "$A_DIR" </dev/null || boot_die "unable to make the authority"
v3=$AUTH_V3 afp=$AUTH_FP
authority_start "$BOOT_DIR/auth"

# --- the guest: the authority through guestfwd, its ORPort through hostfwd ---
authority_guest "$A_OR" "$A_DIR" "$R_OR"
doc_json() { # the node document: one instance on 10.0.2.21, reachable as 127.0.0.1:R_OR
	printf '{"version":1,"node":"%s","refresh_interval":600,"allocator":"mimalloc",' "$RELAY_NODE"
	printf '"provisioning":{"allow_new_identities":%s},"instances":[{"name":"relay1",' "$1"
	printf '"addresses":["10.0.2.21/24"],'
	printf '"torrc":{"Nickname":"lethetn1","ORPort":"10.0.2.21:%s","Address":"127.0.0.1",' "$R_OR"
	printf '"AssumeReachable":1,"ExitRelay":0,"ContactInfo":"lethe testnet"}}]}\n'
}

consensus() { curl -sf --max-time 5 "http://127.0.0.1:$A_DIR/tor/status-vote/current/consensus"; }
# r NICK ID DIGEST ...: the relay's line, by its identity; prints DIGEST
r_digest() { consensus | awk -v id="$b64" '$1 == "r" && $2 == "lethetn1" && $3 == id { print $4 }'; }
# its "s" line: the flags the authority gave it
r_flags() { consensus | awk -v id="$b64" 'on && $1 == "s" { print; exit } $1 == "r" { on = $2 == "lethetn1" && $3 == id }'; }
# Running: the authority (no AssumeReachable) reached 127.0.0.1:R_OR, the hostfwd
running() { [[ " $(r_flags) " == *" Running "* && " $(r_flags) " == *" Valid "* ]]; }
published() { # the relay's descriptor's "published" time on the authority, epoch seconds
	curl -sf --max-time 5 "http://127.0.0.1:$A_DIR/tor/server/fp/$fp" |
		awk '$1 == "published" { print $2 "T" $3 "Z" }' | xargs -r -I{} date -u -d {} +%s
}
published_since() { local p; p=$(published); [[ -n $p && $p -ge $1 ]]; }
listed() { [[ -n $(r_digest) ]]; }
listed_anew() { local d; d=$(r_digest); [[ -n $d && $d != "$1" ]]; }

# --- boot 1: enrollment, provisioning, tor on the test network ---
relay_boot
check "boot 1: marker" boot_expect '^LETHE-BOOT version=' 180
check "boot 1: the console warns: test network, and names its authority" \
	boot_expect "initd: warning: TEST NETWORK \\(lethe.testnet\\).* v3ident=$v3 10\\.0\\.2\\.101:$A_DIR $afp" 60
check "boot 1: configpull enrolls; the operator signs the CSR" relay_enroll 300
doc_json true >"$BOOT_DIR/doc1.json"
check "boot 1: node document installed (provisioning allowed, 1 instance)" relay_doc "$BOOT_DIR/doc1.json"
check "boot 1: identity sealed and unsealed (keys mark)" boot_expect 'LETHE-MARK keys t=' 420
relay_identities >"$BOOT_DIR/ids1"
sed 's/^/# identity: /' "$BOOT_DIR/ids1"
fp=$(awk '$1 == "relay1" { print $2 }' "$BOOT_DIR/ids1")
b64=$(python3 -c 'import base64, sys; print(base64.b64encode(bytes.fromhex(sys.argv[1])).decode().rstrip("="))' \
	"${fp:-00}")
check "boot 1: initd puts relay1's address on the interface" \
	boot_log_has 'initd: network: eth0: address 10\.0\.2\.21/24 for relay1'
check "boot 1: tor uses the sealed identity (its own fingerprint line)" \
	boot_expect "identity key fingerprint is 'lethetn1 $fp'" 180
check "boot 1: tor is not offline" bash -c '! grep -aq "DisableNetwork is set" "$1"' _ "$BOOT_DIR/serial.log"
t0=$SECONDS
check "boot 1: the authority has the relay's descriptor" until_s 240 published_since 0
check "boot 1: the consensus lists it under the sealed fingerprint" until_s 240 listed
echo "# boot 1: descriptor to consensus on the host authority: $((SECONDS - t0)) s after tor's identity line"
check "boot 1: Running and Valid: the authority reached its ORPort through the hostfwd" running
check "boot 1: the authority, running the image's own tor, accepts the descriptor (same tor version)" \
	until_s 60 authority_accepts "$BOOT_DIR/auth" "$fp"
echo "# boot 1: $(r_flags)"
d1=$(r_digest)
check "boot 1: stops cleanly (ctrl-alt-del: reboot)" relay_power_cad

# --- boot 2: the same machine; nothing new may be minted ---
doc_json false >"$BOOT_DIR/doc2.json"
relay_doc "$BOOT_DIR/doc2.json" || echo "# unable to install doc2" >&2
t_reboot=$(date -u +%s)
boot_swtpm_start "$BOOT_DIR/tpm"
relay_boot
boot_mark
check "boot 2: unsealed again (keys mark)" boot_expect 'LETHE-MARK keys t=' 420
relay_identities >"$BOOT_DIR/ids2"
check "boot 2: the same identity as boot 1" cmp -s "$BOOT_DIR/ids1" "$BOOT_DIR/ids2"
check "boot 2: nothing provisioned" bash -c '! tail -c "+$2" "$1" | grep -aqE "initd: tpmseal: (provisioning [0-9]|provisioned)"' _ \
	"$BOOT_DIR/serial.log" "$((BOOT_MARK + 1))"
check "boot 2: a new descriptor, published after the reboot, same fingerprint" \
	until_s 300 published_since "$t_reboot"
check "boot 2: the consensus lists the new descriptor under the same fingerprint" \
	until_s 240 listed_anew "$d1"
check "boot 2: Running and Valid again" running
check "boot 2: stops cleanly (ctrl-alt-del: reboot)" relay_power_cad
check "the authority ran throughout" boot_alive "$AUTH_PID"

tap_done
