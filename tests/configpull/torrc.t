#!/bin/bash
# Rendered torrc files pass the real tor's --verify-config (network off,
# scratch directories); rejected documents leave the previous outputs alone.
set -eu -o pipefail
CONFIGPULL=${CONFIGPULL:-build/host/configpull}
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/../tap.sh"
T=$(tap_scratch configpull-torrc)
trap 'rm -rf "$T"' EXIT
tap_plan 25

mkdir -m 700 "$T/out" "$T/data" "$T/keys"
render() { "$CONFIGPULL" render -d "$T/data" -k "$T/keys" -u "$(id -un)" "$@"; }

if render tests/configpull/example.json "$T/out" >/dev/null; then ok "example renders"; else not_ok "example renders"; fi
# The rollout (image.epoch, rollout, window) reaches initd in node.conf,
# right after the image's other keys (without one: 0, 0, empty; tests/unit/configpull).
if grep -A3 -x 'image_sha256=9c56cc51b374c3ba189210d5b6d4bf57790d351c96c47c02190ecf1e430635ab' "$T/out/node.conf" |
	tail -n 3 | tr '\n' ' ' | grep -qx 'image_epoch=1796280102 image_rollout=7 image_window=22:00-02:00 '; then
	ok "node.conf: image_epoch, image_rollout, image_window of the example's rollout"
else
	not_ok "node.conf: the example's rollout"; grep '^image_' "$T/out/node.conf" | sed 's/^/# /'
fi

# Instance i runs as user BASE (i = 0) or BASEi: the image has debian-tor1..7,
# this host has no root1, so tor checks the second file under the base user.
check_user() { grep -qx "User $2" "$T/out/torrc.$1"; }
if check_user relay1 "$(id -un)" && check_user relay2 "$(id -un)1"; then
	ok "one user per instance: User $(id -un), User $(id -un)1"
else
	not_ok "one user per instance"; grep '^User' "$T"/out/torrc.* | sed 's/^/# /'
fi
sed "s/^User .*/User $(id -un)/" "$T/out/torrc.relay2" >"$T/relay2.as-base"
for inst in relay1 relay2; do
	f=$T/out/torrc.$inst
	[ "$inst" = relay2 ] && f=$T/relay2.as-base
	if timeout 60 tor --verify-config --defaults-torrc /dev/null -f "$f" \
		--DisableNetwork 1 >"$T/tor.log" 2>&1 && grep -q 'Configuration was valid' "$T/tor.log"; then
		ok "tor --verify-config accepts torrc.$inst"
	else
		not_ok "tor --verify-config accepts torrc.$inst"; sed 's/^/# /' "$T/tor.log"
	fi
done

# lethe's private rejections come before the server's exit policy, and tor
# reads the file (checked above): its private rejection is first.
if awk '/^ExitPolicyRejectPrivate 1$/ {p=NR} /^ExitPolicyRejectLocalInterfaces 1$/ {l=NR}
	/^ExitPolicy / && !e {e=NR} END {exit !(p && l && e && p < e && l < e)}' "$T/out/torrc.relay2"; then
	ok "ExitPolicyRejectPrivate 1 and ExitPolicyRejectLocalInterfaces 1 before the exit policy"
else
	not_ok "forced exit rejections"; sed 's/^/# /' "$T/out/torrc.relay2"
fi

# lethe's MetricsPort (include/lethe_telemetry.h: 9090 + instance index,
# loopback, admitted by a policy line before the document's) and
# SafeLogging 1 in every torrc; tor accepted both files above.
if grep -qx 'MetricsPort 127.0.0.1:9090' "$T/out/torrc.relay1" &&
	grep -qx 'MetricsPort 127.0.0.1:9091' "$T/out/torrc.relay2" &&
	awk '/^MetricsPortPolicy accept 127.0.0.1$/ {p = NR} /^# from the node document$/ {d = NR}
		/^SafeLogging 1$/ {s = NR} END {exit !(p && d && s && p < d && s < d)}' "$T/out/torrc.relay2"; then
	ok "lethe's loopback MetricsPort per instance (9090, 9091) and SafeLogging 1, before the document's lines"
else
	not_ok "lethe's MetricsPort"; grep -E '^(Metrics|Safe)' "$T"/out/torrc.* | sed 's/^/# /'
fi
# The document may not take those ports, on any address or option.
bad=0
for v in '"ORPort":"9090"' '"DirPort":"0.0.0.0:9097"' '"MetricsPort":"127.0.0.1:9091","MetricsPortPolicy":"accept 127.0.0.1"'; do
	printf '{"version":1,"instances":[{"name":"m","torrc":{%s}}]}' "$v" >"$T/mp.json"
	rc=0; "$CONFIGPULL" check "$T/mp.json" >/dev/null 2>"$T/err" || rc=$?
	[ "$rc" = 1 ] && grep -q "is lethe's (the MetricsPort of instance" "$T/err" || { bad=1; echo "# rc=$rc for $v"; sed 's/^/# /' "$T/err"; }
done
printf '{"version":1,"instances":[{"name":"m","torrc":{"ORPort":"9098"}}]}' >"$T/mp.json"
"$CONFIGPULL" check "$T/mp.json" >/dev/null 2>&1 || { bad=1; echo "# port 9098 (outside the range) refused"; }
if [ "$bad" = 0 ]; then ok "document ports 9090-9097 refused (lethe's), 9098 accepted"; else not_ok "lethe's ports in the document"; fi

# The exit's resolver (include/lethe_dns.h): every torrc names lethe's
# resolv.conf (initd writes it) once, among lethe's options; node.conf
# carries the document's dns object, recursive by default.
dns_h() { printf '#include "lethe_dns.h"\n%s\n' "$1" | cpp -P -Iinclude - | tr -d '" '; }
resolv=$(dns_h LETHE_TOR_RESOLV_CONF)
notice=$(dns_h LETHE_EXIT_NOTICE)
bad=0
for f in "$T"/out/torrc.*; do
	awk -v l="ServerDNSResolvConfFile $resolv" '$0 == l {n++; p = NR} /^# from the node document$/ {d = NR}
		END {exit !(n == 1 && p < d)}' "$f" || { bad=1; echo "# $f:"; grep -n '^ServerDNS\|^# from' "$f" | sed 's/^/# /'; }
done
if [ "$bad" = 0 ] && [ "${resolv#/}" != "$resolv" ]; then
	ok "ServerDNSResolvConfFile $resolv once in every torrc, among lethe's options"
else
	not_ok "ServerDNSResolvConfFile in every torrc ($resolv)"
fi
if grep -qx 'dns_resolver=recursive' "$T/out/node.conf" && grep -qx 'dns_forwarders=' "$T/out/node.conf"; then
	ok "node.conf: dns_resolver=recursive, dns_forwarders empty (the example)"
else
	not_ok "node.conf: dns lines of the example"; grep '^dns' "$T/out/node.conf" | sed 's/^/# /'
fi
# A forwarding node (tor-corpus.t runs tor on it): an exit by its
# ExitPolicy with IPv6 addresses and a front page, a reduced exit with an
# IPv6 Address, a middle relay with a front page and IPv6 addresses.
mkdir -m 700 "$T/fwd"
render tests/configpull/accepted/dns-forward-exit.json "$T/fwd" >/dev/null
if grep -qx 'dns_resolver=forward' "$T/fwd/node.conf" &&
	grep -qx 'dns_forwarders=192.168.1.53 2001:db8::53 10.0.0.53 fd00::53' "$T/fwd/node.conf"; then
	ok "node.conf: dns_resolver=forward and the forwarders, space-separated, in order"
else
	not_ok "node.conf: forwarders"; grep '^dns' "$T/fwd/node.conf" | sed 's/^/# /'
fi
if grep -qx 'IPv6Exit 1' "$T/fwd/torrc.exitsix" && grep -qx 'IPv6Exit 1' "$T/fwd/torrc.reduced" &&
	! grep -q '^IPv6Exit' "$T/fwd/torrc.middle" && grep -qx 'IPv6Exit 0' "$T/out/torrc.relay2" &&
	awk '/^ExitPolicy accept \*:8080$/ {e = NR} /^ReducedExitPolicy 1$/ {r = NR} END {exit !(e && r > e)}' \
		"$T/fwd/torrc.reduced"; then
	ok "IPv6Exit 1 for exits with an IPv6 address, none for a middle relay, an explicit 0 kept; ReducedExitPolicy rendered"
else
	not_ok "IPv6Exit/ReducedExitPolicy"; grep -H 'Exit' "$T"/fwd/torrc.* | sed 's/^/# /'
fi
if grep -qx "DirPortFrontPage $notice" "$T/fwd/torrc.exitsix" && grep -qx "DirPortFrontPage $notice" "$T/fwd/torrc.middle" &&
	! grep -q '^DirPortFrontPage' "$T/fwd/torrc.reduced" && ! grep -q '^DirPortFrontPage' "$T/out/torrc.relay1"; then
	ok "DirPortFrontPage $notice when the document says 1, nothing for 0 or absent"
else
	not_ok "DirPortFrontPage"; grep -H 'DirPortFrontPage' "$T"/fwd/torrc.* | sed 's/^/# /'
fi
# Refused, the message naming the place: TOP|TORRC|MESSAGE.
bad=0
while IFS='|' read -r top torrc msg; do
	printf '{"version":1,%s"instances":[{"name":"d","torrc":{%s}}]}' "$top" "$torrc" >"$T/dns.json"
	rc=0; "$CONFIGPULL" check "$T/dns.json" >/dev/null 2>"$T/err" || rc=$?
	[ "$rc" = 1 ] && grep -qF "$msg" "$T/err" || { bad=1; echo "# rc=$rc for $top$torrc:"; sed 's/^/# /' "$T/err"; }
done <<'DOCS'
"dns":{"resolver":"forward","forwarders":["127.0.0.1"]},||dns.forwarders[0]: 127.0.0.1 refused: loopback
"dns":{"resolver":"forward","forwarders":["fe80::1"]},||dns.forwarders[0]: fe80::1 refused: link-local
"dns":{"resolver":"forward","forwarders":["010.1.1.1"]},||dns.forwarders[0]: not an IPv4 or IPv6 address
"dns":{"resolver":"forward","forwarders":["192.0.2.1:53"]},||dns.forwarders[0]: not an IPv4 or IPv6 address
"dns":{"resolver":"forward","forwarders":["::FFFF:1.2.3.4"]},||dns.forwarders[0]: ::FFFF:1.2.3.4 is not in canonical form, write ::ffff:1.2.3.4
"dns":{"resolver":"forward","forwarders":["192.0.2.1","192.0.2.1"]},||dns.forwarders[1]: same as dns.forwarders[0]
"dns":{"resolver":"forward","forwarders":[]},||dns.forwarders: required with "resolver": "forward"
"dns":{"resolver":"off","forwarders":["192.0.2.1"]},||dns.forwarders: only with "resolver": "forward"
"dns":{"resolver":"local"},||dns.resolver: required, one of recursive, forward, off
"dns":{"resolver":"recursive","port":53},||dns: unknown key port
|"ServerDNSResolvConfFile":"/etc/resolv.conf"|instances[0].torrc: option ServerDNSResolvConfFile refused: lethe sets it itself
|"ServerDNSAllowBrokenConfig":0|instances[0].torrc: option ServerDNSAllowBrokenConfig refused: tor's DNS settings are lethe's
|"DirPortFrontPage":1|instances[0].torrc.DirPortFrontPage: needs a DirPort
|"DirPort":80,"DirPortFrontPage":"/etc/passwd"|instances[0].torrc.DirPortFrontPage[0]: invalid value
DOCS
if [ "$bad" = 0 ]; then ok "dns object, tor's DNS options and DirPortFrontPage refused, the place named"; else not_ok "dns refusals"; fi

# A document exercising the remaining value grammars, one instance.
cat >"$T/more.json" <<'JSON'
{"version":1,"family":true,"instances":[{"name":"x","torrc":{
 "Nickname":"x1","ContactInfo":"ops@example.org","ORPort":["203.0.113.9:9001","auto NoAdvertise"],
 "DirCache":0,"AssumeReachable":1,"PublishServerDescriptor":"0","BandwidthRate":"1 GBytes",
 "BandwidthBurst":"2 GBytes","MaxAdvertisedBandwidth":"100 MBits","AccountingStart":"week 1 10:00",
 "AccountingRule":"sum","FamilyId":"*","MetricsPort":"[::1]:9035","MetricsPortPolicy":"accept [::1]",
 "ShutdownWaitLength":"30 seconds","SigningKeyLifetime":"30 days","ExitRelay":0,"IPv6Exit":0,
 "AddressDisableIPv6":0}}]}
JSON
mkdir -m 700 "$T/out2"
if render "$T/more.json" "$T/out2" >/dev/null && timeout 60 tor --verify-config --defaults-torrc /dev/null \
	-f "$T/out2/torrc.x" --DisableNetwork 1 >"$T/tor.log" 2>&1; then
	ok "tor --verify-config accepts the other value grammars"
else
	not_ok "tor --verify-config accepts the other value grammars"; sed 's/^/# /' "$T/tor.log"
fi

# --node: the document must name this node (fetch and pull take the id from the key).
id=$(sed -n 's/.*"node": "\([0-9a-f]*\)".*/\1/p' tests/configpull/example.json)
rc1=0; "$CONFIGPULL" check --node "$id" tests/configpull/example.json >/dev/null 2>&1 || rc1=$?
rc2=0; "$CONFIGPULL" check --node "$(printf '0%.0s' $(seq 64))" tests/configpull/example.json >/dev/null 2>"$T/err" || rc2=$?
rc3=0; "$CONFIGPULL" check --node xyz tests/configpull/example.json >/dev/null 2>&1 || rc3=$?
if [ "$rc1" = 0 ] && [ "$rc2" = 1 ] && grep -q 'node: the document is for node' "$T/err" && [ "$rc3" = 100 ]; then
	ok "check --node: own id ok, another refused (1), a malformed id is a usage error"
else
	not_ok "check --node: rc=$rc1 $rc2 $rc3"
fi

# Same document again: "unchanged", exit 3.
rc=0; out=$(render tests/configpull/example.json "$T/out") || rc=$?
if [ "$rc" = 3 ] && [ "$out" = unchanged ]; then ok "same document: unchanged (3)"; else not_ok "same document: rc=$rc $out"; fi

# Rejected documents: exit 1, every output byte-identical.
sum() { (cd "$T/out" && sha256sum node.conf torrc.*); }
before=$(sum)
bad=0
for doc in \
	'{"version":1,"instances":[{"name":"relay1","torrc":{"ServerTransportPlugin":"x exec /bin/sh"}}]}' \
	'{"version":1,"instances":[{"name":"relay1","torrc":{"Nickname":"a\nSandbox 0"}}]}' \
	'{"version":2,"instances":[]}' \
	'{"version":1,"colour":"red","instances":[{"name":"relay1","torrc":{}}]}' \
	'{"version":1,"image":{"version":"v2","epoch":5,"rollout":1},"instances":[{"name":"relay1","torrc":{}}]}' \
	'{"version":1,"image":{"version":"v2","epoch":5,"rollout":1,"window":"2:00-4:00"},"instances":[{"name":"relay1","torrc":{}}]}' \
	'not json'; do
	printf '%s' "$doc" >"$T/bad.json"
	rc=0; render "$T/bad.json" "$T/out" >/dev/null 2>"$T/err" || rc=$?
	[ "$rc" = 1 ] || { bad=1; echo "# rc=$rc for $doc"; }
done
if [ "$bad" = 0 ]; then ok "bad documents exit 1"; else not_ok "bad documents exit 1"; fi
# A partial rollout: the message names the missing key.
printf '{"version":1,"image":{"version":"v2","rollout":3,"window":"22:00-02:00"},"instances":[{"name":"relay1","torrc":{}}]}' >"$T/bad.json"
rc=0; render "$T/bad.json" "$T/out" >/dev/null 2>"$T/err" || rc=$?
if [ "$rc" = 1 ] && grep -q 'image.epoch: required with image.rollout' "$T/err"; then
	ok "a rollout without image.epoch: refused (1), the key named"
else
	not_ok "partial rollout: rc=$rc"; sed 's/^/# /' "$T/err"
fi
if [ "$before" = "$(sum)" ] && [ -z "$(find "$T/out" -name '.*tmp*')" ]; then
	ok "outputs untouched after rejections, no temporaries"
else
	not_ok "outputs untouched after rejections"
fi

# An oversized local document is refused before parsing.
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$T/big.json"
rc=0; render "$T/big.json" "$T/out" >/dev/null 2>"$T/err" || rc=$?
if [ "$rc" = 1 ] && grep -q larger "$T/err"; then ok "2 MiB document refused"; else not_ok "2 MiB document: rc=$rc"; fi
# --group: the output directory is root:GROUP 02750 (created if absent),
# every file 0640 in GROUP, so the instance user reads its torrc.
if [ "$(id -u)" = 0 ] && getent group nogroup >/dev/null; then
	mkdir -m 700 "$T/grp"
	rc=0; render -g nogroup tests/configpull/example.json "$T/grp/out" >/dev/null 2>"$T/err" || rc=$?
	if [ "$rc" = 0 ] && [ "$(stat -c '%a %G' "$T/grp/out" 2>/dev/null)" = "2750 nogroup" ] &&
		[ -z "$(find "$T/grp/out" -type f ! \( -perm 0640 -group nogroup \))" ] &&
		[ -s "$T/grp/out/torrc.relay1" ]; then
		ok "render -g nogroup: directory 2750, files 0640 in the group"
	else
		not_ok "render -g nogroup: rc=$rc"; sed 's/^/# /' "$T/err"; ls -la "$T/grp/out" 2>&1 | sed 's/^/# /'
	fi
else
	skip "render -g nogroup" "--group needs root and a nogroup group"
fi
# The image hint: a mismatch with the running image is one console line.
mkdir -m 700 "$T/hint"
printf 'LETHE_VERSION=v0.0.1\nLETHE_EPOCH=1\n' >"$T/rel-old"
printf 'LETHE_VERSION=v0.3.0\n' >"$T/rel-same"
rc=0; render --release "$T/rel-old" tests/configpull/example.json "$T/hint" >/dev/null 2>"$T/err" || rc=$?
rc2=0; render --release "$T/rel-same" tests/configpull/example.json "$T/hint" >/dev/null 2>"$T/err2" || rc2=$?
if [ "$rc" = 0 ] && [ "$rc2" = 3 ] &&
	grep -qx 'configpull: warning: the fleet wants image v0.3.0, this node runs v0.0.1' "$T/err" &&
	! [ -s "$T/err2" ]; then
	ok "image hint mismatch reported on the console, match silent"
else
	not_ok "image hint: rc=$rc rc2=$rc2"; sed 's/^/# /' "$T/err" "$T/err2"
fi
# An instance dropped from the document: its torrc goes (after node.conf).
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["instances"]=d["instances"][:1]; print(json.dumps(d))' \
	tests/configpull/example.json >"$T/one.json"
rc=0; render "$T/one.json" "$T/hint" >/dev/null 2>"$T/err" || rc=$?
if [ "$rc" = 0 ] && [ -e "$T/hint/torrc.relay1" ] && [ ! -e "$T/hint/torrc.relay2" ]; then
	ok "dropped instance: its torrc removed"
else
	not_ok "dropped instance: rc=$rc"; ls -la "$T/hint" 2>&1 | sed 's/^/# /'
fi
rc=0; render -g no-such-group-x tests/configpull/example.json "$T/out" >/dev/null 2>"$T/err" || rc=$?
if [ "$rc" = 100 ] && grep -q 'unable to find group' "$T/err"; then
	ok "unknown group: usage error (100)"
else
	not_ok "unknown group: rc=$rc"
fi
tap_done
