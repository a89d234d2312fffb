#!/bin/bash
# A document configpull accepts is one tor accepts: every document in
# tests/configpull/accepted/ (and the schema's example) is rendered and each
# torrc goes through the real tor's --verify-config (network off, scratch
# DataDirectory).  And the other way: values tor refuses are refused by
# configpull first, with a message naming the field.
set -eu -o pipefail
CONFIGPULL=${CONFIGPULL:-build/host/configpull}
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/../tap.sh"
T=$(tap_scratch configpull-corpus)
trap 'rm -rf "$T"' EXIT
docs=(tests/configpull/example.json tests/configpull/accepted/*.json)
# tor-refused torrc bodies (one instance): configpull must refuse each
refused=(
	'"AccountingMax":"999999999999999 TBytes"' '"AccountingMax":"8388608 TBytes"'
	'"MaxMemInQueues":"16777216 TB"' '"BandwidthRate":"3 GBytes","BandwidthBurst":"3 GBytes"' '"BandwidthBurst":"2147483649"'
	'"BandwidthRate":"800000 bits"' '"BandwidthBurst":"10 MBytes"' '"ORPort":443,"BandwidthRate":"10"'
	'"ORPort":443,"MaxAdvertisedBandwidth":"10"' '"RelayBandwidthRate":"2 MB","RelayBandwidthBurst":"1 MB"'
	'"HeartbeatPeriod":"817 months"' '"ShutdownWaitLength":"2147483648"' '"SigningKeyLifetime":"1 days"'
	'"ORPort":"443 NoListen"' '"ORPort":"443 NoAdvertise"' '"ORPort":"443 IPv6Only"'
	'"ORPort":"443 NoAdvertise NoListen"' '"ORPort":"[2001:db8::1]:443 IPv4Only"' '"DirPort":"[2001:db8::1]:80"'
	'"DirPort":"80 NoListen"' '"OutboundBindAddress":["203.0.113.1","203.0.113.2"]'
	'"ExitPolicy":"accept 1.2.3.0/24:80-70"' '"ExitPolicy":"accept *:0"' '"ExitPolicy":"accept foo:80"'
	'"ExitPolicy":"accept 1.2.3.4/33:80"' '"ExitPolicy":"accept 2001:db8::1:80"'
	'"ORPort":443,"DirPort":80,"DirCache":0'
)
tap_plan $(( ${#docs[@]} + ${#refused[@]} ))

verify() { # TORRC: tor's verdict, its warnings in $T/tor.log
	sed "s/^User .*/User $(id -un)/" "$1" >"$T/torrc"
	timeout 60 tor --verify-config --defaults-torrc /dev/null -f "$T/torrc" --DisableNetwork 1 \
		>"$T/tor.log" 2>&1 && grep -q 'Configuration was valid' "$T/tor.log"
}

for doc in "${docs[@]}"; do
	out=$T/out-$(basename "$doc" .json)
	mkdir -m 700 "$out"
	good=1
	if ! "$CONFIGPULL" render -d "$T/data" -k "$T/keys" -u "$(id -un)" "$doc" "$out" >/dev/null 2>"$T/err"; then
		good=0; sed 's/^/# /' "$T/err"
	fi
	for f in "$out"/torrc.*; do
		[ "$good" = 1 ] || break
		if ! verify "$f"; then good=0; echo "# $f:"; sed 's/^/# /' "$T/tor.log"; fi
	done
	if [ "$good" = 1 ]; then ok "tor --verify-config accepts every torrc of $doc"; else not_ok "$doc"; fi
done

for body in "${refused[@]}"; do
	printf '{"version":1,"instances":[{"name":"x","torrc":{%s}}]}' "$body" >"$T/bad.json"
	rc=0; "$CONFIGPULL" check "$T/bad.json" >/dev/null 2>"$T/err" || rc=$?
	if [ "$rc" = 1 ] && grep -q 'instances\[0\]\.torrc' "$T/err"; then
		ok "refused before tor sees it: $body"
	else
		not_ok "accepted (rc=$rc), tor refuses it: $body"; sed 's/^/# /' "$T/err"
	fi
done
tap_done
