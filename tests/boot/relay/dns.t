#!/bin/bash
# Issue 19 in the guest: a lethe exit resolves its clients' names through
# its own validating unbound (docs/dns.md).  One boot of the demo image in a
# private Tor network on the host's loopback: the authority and a second
# relay on the host, the booted lethe relay as the only exit, and a tor
# client whose streams go through it.  No real DNS leaves the machine: NSD
# (tests/dns/lib.sh) serves a private root and the signed zone
# lethe.example., and the image's unbound is pointed at that root instead of
# the real one:
#
#   the image + one appended cpio (the kernel unpacks concatenated
#   archives, the later file wins): /etc/unbound/root.key and root.hints of
#   the test's root; unbound.conf with one line more, tcp-upstream: yes
#   (slirp forwards TCP only: the guest's unbound reaches NSD through a
#   guestfwd); and /usr/sbin/unbound a stand-in for a crash around the
#   image's own binary (moved to unbound.real): its first run is SIGKILLed
#   once the guest's link goes down (the test flaps it for a second over
#   QMP: a trigger that needs no re-pull), its second waits 25 s before it
#   starts, so that the test sees exit lookups fail while unbound is down.
#
# The guest's network is 192.0.2.0/24 (slirp's net=, TEST-NET-1: slirp
# forwards only to addresses inside it, and none of its addresses is in a
# range lethe's exit policy refuses).  The guest reaches (restrict=on,
# guestfwd):
#   192.0.2.100:443 nginx (the config server), 192.0.2.101 the authority,
#   192.0.2.53:53 NSD (the root's and lethe.example.'s server, as the
#   test's root hints say), 192.0.2.54:53 NSD again (the forwarder of the
#   document's "forward" mode, logged apart), 192.0.2.10:80 and
#   192.0.2.77:80 a web server (www.lethe.example and *.bench.lethe.example);
# and the host reaches the guest's ORPort, DirPort and port 53 of its
# address 192.0.2.21 (hostfwd).
#
#   - a client's stream to www.lethe.example through the lethe exit
#     succeeds: resolved by the node's unbound, validated, connected;
#   - bogus.lethe.example (a broken signature) fails: SERVFAIL, no stream;
#   - the DirPort serves lethe's exit notice (DirPortFrontPage); the
#     descriptor has an IPv6 exit policy (the document gives the instance
#     an IPv6 address: IPv6Exit by default) and ReducedExitPolicy's ports;
#   - nothing answers DNS on the node's own address (UDP and TCP);
#   - unbound SIGKILLed: the console says lookups fail, they do, initd
#     starts it again, and lookups come back;
#   - "forward": unbound restarted with the document's forwarder, which
#     then gets the queries; "off": unbound stopped, and with no resolver
#     from the network (slirp's DHCP names none) lookups fail, said so.
#
# Environment: KERNEL, INITRD (the demo image: make demo-image), FLEET,
# CONFIGPULL, LETHE_TIMEOUT_SCALE, LETHE_KEEP.  Needs tor, tor-gencert,
# nginx, socat, curl, python3, nsd, ldnsutils, dig, cpio, zstd.
set -u -o pipefail

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../relay.sh"
. "$(dirname "$0")/../authority.sh"
. "$(dirname "$0")/../../dns/lib.sh"

for c in tor tor-gencert curl socat python3 nsd ldns-signzone dig cpio zstd; do
	command -v "$c" >/dev/null || { echo "1..0 # SKIP $c missing"; exit 0; }
done
boot_need_image
INITRD=$(realpath "$INITRD")
zstd -dc "$INITRD" | cpio -t --quiet 2>/dev/null | grep -qx 'usr/sbin/unbound' ||
	{ echo "1..0 # SKIP $INITRD has no usr/sbin/unbound"; exit 0; }

PIDS=()
dns_cleanup() {
	local rc=$? p
	for p in "${PIDS[@]}"; do boot_stop "$p"; done
	(exit "$rc")
	relay_cleanup
}

boot_init dns
relay_init "$FLEET"
trap dns_cleanup EXIT
T=$BOOT_DIR
# The guest's network is 192.0.2.0/24 (TEST-NET-1), not slirp's 10.0.2.0/24:
# slirp forwards only to addresses inside it, and the exit's policy
# (ExitPolicyRejectPrivate, forced by lethe) refuses 10.0.0.0/8.  The
# config server gets a certificate for its address there.
RELAY_NET=192.0.2 RELAY_HOST=192.0.2.100
RELAY_URL=https://$RELAY_HOST/v1/node.json
scripts/fleet server "$RELAY_FLEET" "$RELAY_HOST" >/dev/null 2>&1 || boot_die "unable to make a server certificate"
relay_nginx_start
boot_swtpm_start "$T/tpm"
A_OR=$(relay_free_port) && A_DIR=$(relay_free_port) && R_OR=$(relay_free_port) &&
	R_DIR=$(relay_free_port) && R2_OR=$(relay_free_port) && SOCKS=$(relay_free_port) &&
	WEB=$(relay_free_port) && NSD=$(relay_free_port) && DNSX=$(relay_free_port) ||
	boot_die "no free port"

# --- DNS: the private root and lethe.example., NSD on the host's loopback ---
dns_fixture "$T/dns" 192.0.2.53 || boot_die "unable to make the DNS fixture"
dns_nsd_start "$T/dns" 127.0.0.1 "$NSD" || boot_die "NSD did not start"

# --- the web server behind www.lethe.example and *.bench.lethe.example ---
mkdir -p "$T/www" && echo "lethe-dns-token-$$" >"$T/www/index.html"
python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$WEB" >"$T/www.log" 2>&1 &
PIDS+=($!)

# --- the image: the test's root for unbound, tcp-upstream, the crash stand-in ---
patch_image() { # IN OUT
	local x=$T/extra
	rm -rf "$x" "$T/orig" && mkdir -p "$x/etc/unbound" "$x/usr/sbin" "$T/orig" || return 1
	(cd "$T/orig" && zstd -dc "$1" | cpio -id --quiet etc/unbound/unbound.conf usr/sbin/unbound) || return 1
	cp "$T/dns/root.key" "$T/dns/root.hints" "$x/etc/unbound/" &&
		sed 's/^server:$/server:\n\t# tests\/boot\/relay\/dns.t: slirp forwards TCP only\n\ttcp-upstream: yes/' \
			"$T/orig/etc/unbound/unbound.conf" >"$x/etc/unbound/unbound.conf" &&
		grep -q '^	tcp-upstream: yes$' "$x/etc/unbound/unbound.conf" &&
		cp "$T/orig/usr/sbin/unbound" "$x/usr/sbin/unbound.real" || return 1
	cat >"$x/usr/sbin/unbound" <<'EOF'
#!/usr/bin/sh
# tests/boot/relay/dns.t: a crash, played around the image's own unbound
c=/run/lethe-dnstest.runs
n=$(cat $c 2>/dev/null || echo 0)
n=$((n + 1))
echo $n >$c
case $n in
1) (while sleep 1; do
	for f in /sys/class/net/e*/carrier; do
		if [ "$(cat "$f" 2>/dev/null)" = 0 ]; then
			echo "dnstest: the link went down: SIGKILL to unbound"
			kill -9 $$
			exit 0
		fi
	done
done) & ;;
2) echo "dnstest: unbound's second start waits 25 s"; sleep 25 ;;
esac
exec /usr/sbin/unbound.real "$@"
EOF
	chmod 0755 "$x/usr/sbin/unbound" "$x/usr/sbin/unbound.real" &&
		chmod 0644 "$x"/etc/unbound/* && chmod 0755 "$x" "$x/etc" "$x/etc/unbound" "$x/usr" "$x/usr/sbin" &&
		(cd "$x" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | zstd -q -3 >"$T/extra.cpio.zst" &&
		cat "$1" "$T/extra.cpio.zst" >"$2"
}
patch_image "$INITRD" "$T/initramfs.cpio.zst" || boot_die "unable to patch the image"
RELAY_INITRD=$T/initramfs.cpio.zst

# --- the Tor network: the authority (votes Exit for all), a second relay, a client ---
authority_init "$T/auth" "$A_OR" "$A_DIR" <<<"TestingDirAuthVoteExit *" ||
	boot_die "unable to make the authority"
authority_start "$T/auth"
PIDS+=("$AUTH_PID")
tor_conf() { # NAME: the lines every host tor of this network shares
	mkdir -m 700 -p "$T/$1"
	printf 'TestingTorNetwork 1\nDirAuthority %s\nDataDirectory %s\nSafeLogging 0\n' "$AUTH_LINE" "$T/$1"
	printf 'ShutdownWaitLength 0\nLog notice file %s/notice.log\nContactInfo lethe-test\n' "$T/$1"
}
{
	tor_conf r2
	printf 'Nickname r2\nAddress 127.0.0.1\nORPort 127.0.0.1:%s\nAssumeReachable 1\n' "$R2_OR"
	printf 'ExitRelay 0\nSocksPort 0\n'
} >"$T/r2.torrc"
{
	tor_conf client
	printf 'SocksPort 127.0.0.1:%s\n' "$SOCKS"
} >"$T/client.torrc"
tor -f "$T/r2.torrc" --defaults-torrc /dev/null >/dev/null 2>&1 &
PIDS+=($!)
tor -f "$T/client.torrc" --defaults-torrc /dev/null >/dev/null 2>&1 &
PIDS+=($!)

authority_guest "$A_OR" "$A_DIR" "$R_OR"
f="cmd:socat -lf /dev/null - TCP:127.0.0.1"
RELAY_NETDEV_EXTRA+=",guestfwd=tcp:192.0.2.53:53-$f:$NSD"
RELAY_NETDEV_EXTRA+=",guestfwd=tcp:192.0.2.54:53-cmd:socat -d -d -lf $T/forwarder.log - TCP:127.0.0.1:$NSD"
RELAY_NETDEV_EXTRA+=",guestfwd=tcp:192.0.2.10:80-$f:$WEB,guestfwd=tcp:192.0.2.77:80-$f:$WEB"
RELAY_NETDEV_EXTRA+=",hostfwd=tcp:127.0.0.1:$R_DIR-192.0.2.21:$R_DIR"
RELAY_NETDEV_EXTRA+=",hostfwd=tcp:127.0.0.1:$DNSX-192.0.2.21:53,hostfwd=udp:127.0.0.1:$DNSX-192.0.2.21:53"

doc_json() { # CONTACT [DNS-JSON]: the exit's document
	printf '{"version":1,"node":"%s","refresh_interval":60,' "$RELAY_NODE"
	[[ -z ${2:-} ]] || printf '"dns":%s,' "$2"
	printf '"provisioning":{"allow_new_identities":true},"instances":[{"name":"relay1",'
	printf '"addresses":["192.0.2.21/24","2001:db8::21/64"],'
	printf '"torrc":{"Nickname":"lethedns1","ORPort":"192.0.2.21:%s","DirPort":"192.0.2.21:%s",' "$R_OR" "$R_DIR"
	printf '"Address":"127.0.0.1","AssumeReachable":1,"ExitRelay":1,"ReducedExitPolicy":1,'
	printf '"DirPortFrontPage":1,"ShutdownWaitLength":0,"ContactInfo":"%s"}}]}\n' "$1"
}
get() { # URL: through the client, the name resolved by the exit
	curl -sf --max-time 30 --socks5-hostname "127.0.0.1:$SOCKS" "$1"
}
get_ok() { [[ $(get "$1") == "lethe-dns-token-$$" ]]; }
# a name never asked before on each call: a failed lookup is cached (by the
# exit and the client) for minutes, so a retry must not ask the same name
fresh=0
get_fresh_ok() { # PREFIX
	fresh=$((fresh + 1))
	get_ok "http://$1$fresh.bench.lethe.example/"
}
get_fails() { ! get "$1" >/dev/null; }
since_mark() { tail -c "+$((BOOT_MARK + 1))" "$T/serial.log" | tr -d '\r'; }
descriptor() { curl -sf --max-time 5 "http://127.0.0.1:$A_DIR/tor/server/fp/$fp"; }
flags() {
	curl -sf --max-time 5 "http://127.0.0.1:$A_DIR/tor/status-vote/current/consensus" |
		awk -v n=lethedns1 '$1 == "r" { on = $2 == n } on && $1 == "s" { print; exit }'
}
exit_listed() { [[ " $(flags) " == *" Exit "* && " $(flags) " == *" Running "* ]]; }

# --- boot: enrollment, provisioning, unbound, tor ---
relay_boot
check "marker" boot_expect '^LETHE-BOOT version=' 180
check "configpull enrolls; the operator signs the CSR" relay_enroll 300
doc_json "lethe dns" >"$T/doc1.json"
check "node document installed (an exit, no dns object: recursive)" relay_doc "$T/doc1.json"
check "initd starts the resolver after the first pull: its cache from the node's RAM" \
	boot_expect 'initd: dns: resolver recursive, [0-9]+ thread\(s\), cache [0-9]+ MiB' 300
check "unbound runs as initd's service (its own start line)" \
	boot_expect 'unbound[.a-z]*\[[0-9]+:[0-9]+\] info: start of service' 120
check "identity sealed and unsealed (keys mark)" boot_expect 'LETHE-MARK keys t=' 420
relay_identities >"$T/ids"
fp=$(awk '$1 == "relay1" { print $2 }' "$T/ids")
check "tor starts with the sealed identity" boot_expect "identity key fingerprint is 'lethedns1 $fp'" 180
check "the consensus lists the lethe relay as a running exit" until_s 300 exit_listed
echo "# consensus: $(flags)"

# --- a stream through the exit, resolved by its unbound ---
t0=$SECONDS
check "a client's stream to www.lethe.example through the lethe exit succeeds" until_s 300 get_ok http://www.lethe.example/
echo "# first stream through the exit: $((SECONDS - t0)) s after the consensus listed it"
check "bogus.lethe.example (broken signature): the stream fails" get_fails http://bogus.lethe.example/
sleep 2
check "the names clients look up never reach the console (they would leave the node with its logs)" \
	bash -c "! grep -aqE '(www|bogus|a\.bench)\.lethe\.example' '$T/serial.log'"
check "another name of the zone resolves (a.bench.lethe.example)" get_ok http://a.bench.lethe.example/

# --- the exit's defaults: notice page, IPv6 exit, reduced policy ---
check "the DirPort serves lethe's exit notice (DirPortFrontPage)" \
	bash -c "curl -sf --max-time 10 http://127.0.0.1:$R_DIR/ | grep -qi 'exit'"
curl -sf --max-time 10 "http://127.0.0.1:$R_DIR/" >"$T/notice.html" || true
check "it is the image's file, byte for byte" bash -c "
	cd '$T/orig' && zstd -dc '$INITRD' | cpio -id --quiet etc/lethe/exit-notice.html &&
	cmp -s '$T/orig/etc/lethe/exit-notice.html' '$T/notice.html'"
descriptor >"$T/desc" || true
check "the descriptor has an IPv6 exit policy (the instance has an IPv6 address: IPv6Exit)" \
	grep -q '^ipv6-policy accept ' "$T/desc"
check "and ReducedExitPolicy's ports: 443 accepted, 25 not" \
	bash -c "grep -q '^accept \*:443$' '$T/desc' && ! grep -q '^accept \*:25$' '$T/desc'"

# --- nothing answers DNS on the node's own address ---
check "no DNS answer on the node's address over UDP (192.0.2.21:53)" \
	bash -c "! dig -r +time=3 +tries=1 -p $DNSX @127.0.0.1 www.lethe.example A | grep -q 'ANSWER SECTION'"
check "nor over TCP" \
	bash -c "! dig -r +tcp +time=3 +tries=1 -p $DNSX @127.0.0.1 www.lethe.example A | grep -q 'ANSWER SECTION'"

# --- unbound killed ---
boot_mark
link() { boot_qmp set_link "{\"name\":\"n0\",\"up\":$1}" >/dev/null; }
flap() { link false && sleep 2 && link true; }
check "the link goes down for two seconds (QMP set_link), the crash stand-in's trigger" flap
check "unbound dies by SIGKILL; initd says tor's lookups fail until it is back" \
	boot_expect 'initd: warning: dns: unbound killed by signal 9: tor.s exit lookups fail' 60
check "while it is down, a stream to a new name fails" get_fails http://down.bench.lethe.example/
check "initd starts unbound again" boot_expect 'initd: dns: starting unbound again' 60
check "lookups come back once it runs" until_s 180 get_fresh_ok k

# --- forward: the document's forwarder gets the queries ---
boot_mark
doc_json "lethe dns" '{"resolver":"forward","forwarders":["192.0.2.54"]}' >"$T/doc3.json"
check "a document that forwards to 192.0.2.54" relay_doc "$T/doc3.json"
check "initd restarts unbound with its new settings" \
	boot_expect 'initd: dns: resolver settings changed: restarting unbound' 150
check "the console says it forwards" boot_expect 'initd: dns: resolver forward, .*forwarding' 30
check "unbound starts again with them" \
	boot_expect 'unbound[.a-z]*\[[0-9]+:[0-9]+\] info: start of service' 60
check "a new name resolves, through the forwarder" until_s 120 get_fresh_ok f
# (nothing else ever connects to 192.0.2.54: recursion asks 192.0.2.53)
check "which got the queries (its connections, logged by its socat)" \
	grep -q 'starting data transfer' "$T/forwarder.log"

# --- off: unbound stopped, tor told ---
boot_mark
doc_json "lethe dns" '{"resolver":"off"}' >"$T/doc4.json"
check "a document that turns the resolver off" relay_doc "$T/doc4.json"
# (slirp's DHCP under restrict=on names no resolver: tor's stays 127.0.0.1,
# where nothing answers now, and its file does not change, so no SIGHUP)
check "initd says so: no resolver from the network, so tor's exit lookups fail" \
	boot_expect 'initd: warning: dns: resolver off \(node document\), and the network names no resolver' 150
check "unbound is stopped" boot_expect 'initd: unbound: stopped' 30
check "a stream to a new name fails: nothing falls back" get_fails http://off.bench.lethe.example/

check "stops cleanly (ctrl-alt-del: reboot)" relay_power_cad
check "the authority ran throughout" boot_alive "$AUTH_PID"

tap_done
