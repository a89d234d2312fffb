#!/bin/bash
# The exit's resolver as the image ships it (docs/dns.md): the image's own
# unbound binary and unbound.conf, unpacked from the initramfs (INITRD,
# default out/initramfs.cpio.zst) and run as initd runs it, in a chroot of
# that tree, against a private root (tests/dns/lib.sh: NSD on 127.0.0.53
# serving a signed "." and "lethe.example.", the root's trust anchor and hints
# put in place of the image's).  Everything runs inside a network namespace
# of its own (no real DNS can leave it; port 53 is nobody else's there).
# The copy's only changes: root.key and root.hints (the fixture's), the
# node.conf initd would write (plus do-not-query-localhost: no, the test's
# line: its NSD is on loopback).  No device node is added: the cpio's dev/
# has only console, and unbound needs none (getrandom(2); in its chroot the
# booted node has no /dev either).
#
# Checks: validated answers (AD) for www.lethe.example A and AAAA; SERVFAIL
# for bogus.lethe.example (broken RRSIG), whose data is there with +cd; a name
# outside the private root gets the private root's NXDOMAIN; a query from a
# non-loopback source is REFUSED (UDP and TCP); nothing answers on
# 192.0.2.1:53 (UDP, TCP); unbound listens on 127.0.0.1:53 and [::1]:53 and
# nowhere else, nothing on the remote-control port 8953; the process runs
# as uid/gid 110 with its root at ROOT/etc/unbound; its console names no
# queried name, not even the failed one's.
# Skips (1..0) only when the image has no /usr/sbin/unbound.  Needs root.
set -u -o pipefail
here=$(dirname "$0")
# shellcheck source=tests/tap.sh
. "$here/../tap.sh"
# shellcheck source=tests/dns/lib.sh
. "$here/lib.sh"

if ((EUID != 0)); then
	echo "1..0"
	echo "Bail out! tests/dns/resolver.t needs root (network namespace, chroot, unbound's own user)"
	exit 1
fi
dns_netns "$0" "$@" || { echo "Bail out! no network namespace"; exit 1; }

INITRD=${INITRD:-out/initramfs.cpio.zst}
T=$(tap_scratch dns-resolver) || { echo "Bail out! no scratch directory"; exit 1; }
tap_cleanup_on_exit
ROOT=$T/root
rc=0
dns_image_root "$INITRD" "$ROOT" || rc=$?
if ((rc == 2)); then
	echo "1..0 # SKIP the image ($INITRD) has no /usr/sbin/unbound yet"
	exit 0
elif ((rc != 0)); then
	echo "Bail out! cannot unpack $INITRD"
	exit 1
fi
tap_plan 15

NSD_ADDR=127.0.0.53
dns_fixture "$T/fix" "$NSD_ADDR" >"$T/fixture.log" 2>&1 || {
	echo "Bail out! the test zones were not made"
	sed 's/^/# /' "$T/fixture.log" >&2
	exit 1
}
dns_nsd_start "$T/fix" "$NSD_ADDR" 53 || { echo "Bail out! nsd did not start"; exit 1; }
dns_unbound_prepare "$ROOT" "$T/fix" "$(dns_node_conf 4m 8m 1)" || { echo "Bail out! the copy of the image was not prepared"; exit 1; }
LOG=$T/unbound.log
dns_unbound_start "$ROOT" "$LOG" || { echo "Bail out! the image's unbound did not start"; exit 1; }

# ask FILE DIG-ARG...: dig's whole reply in $T/FILE (its status is not ours)
ask() {
	local f=$T/$1
	shift
	dns_dig "$@" >"$f" 2>&1 || true
}
status_of() { sed -n 's/.*status: \([A-Z]*\),.*/\1/p' "$T/$1"; }
has_ad() { grep -Eq '^;; flags:[^;]* ad[ ;]' "$T/$1"; }
# rdata_of FILE NAME TYPE: the answer section's data for NAME TYPE
rdata_of() { awk -v n="$2" -v t="$3" '$1 == n && $3 == "IN" && $4 == t { print $5 }' "$T/$1"; }
# validated FILE NAME TYPE WANT: NOERROR, AD, exactly the data WANT
validated() {
	if ! { [[ $(status_of "$1") == NOERROR ]] && has_ad "$1" && [[ $(rdata_of "$1" "$2" "$3") == "$4" ]]; }; then
		diag "$(cat "$T/$1")"
		return 1
	fi
}
rcode_is() {
	[[ $(status_of "$1") == "$2" ]] || {
		diag "$(cat "$T/$1")"
		return 1
	}
}

ask www.a @127.0.0.1 www.lethe.example A
check "www.lethe.example A is 192.0.2.10, validated (AD)" validated www.a www.lethe.example. A 192.0.2.10
ask www.aaaa @::1 www.lethe.example AAAA
check "www.lethe.example AAAA is 2001:db8::10, validated (AD), asked on ::1" \
	validated www.aaaa www.lethe.example. AAAA 2001:db8::10
ask bogus @127.0.0.1 bogus.lethe.example A
check "bogus.lethe.example (its RRSIG broken) is SERVFAIL" rcode_is bogus SERVFAIL
check "... with no address in the reply" bash -c "! grep -q 192.0.2.66 '$T/bogus'"
ask bogus.cd +cd @127.0.0.1 bogus.lethe.example A
check "bogus.lethe.example with +cd (checking disabled): 192.0.2.66, so the SERVFAIL is validation's" \
	bash -c "grep -q 'status: NOERROR' '$T/bogus.cd' && grep -Eq '^bogus\.lethe\.example\..*IN[[:space:]]+A[[:space:]]+192\.0\.2\.66' '$T/bogus.cd'"
ask outside @127.0.0.1 example.com A
check "example.com, outside the private root: its NXDOMAIN, validated (no real DNS)" \
	bash -c "grep -q 'status: NXDOMAIN' '$T/outside' && grep -Eq '^;; flags:[^;]* ad[ ;]' '$T/outside'"

ask refused.udp -b 192.0.2.1 @127.0.0.1 www.lethe.example A
check "a query from 192.0.2.1 (not loopback) to 127.0.0.1 is REFUSED (UDP)" rcode_is refused.udp REFUSED
ask refused.tcp +tcp -b 192.0.2.1 @127.0.0.1 www.lethe.example A
check "... and over TCP" rcode_is refused.tcp REFUSED
ask lt0.udp +time=1 +tries=1 @192.0.2.1 www.lethe.example A
check "nothing answers on 192.0.2.1:53 (UDP)" bash -c "! grep -q 'status:' '$T/lt0.udp'"
check "nothing accepts on 192.0.2.1:53 (TCP)" bash -c "! timeout 5 bash -c 'exec 3<>/dev/tcp/192.0.2.1/53' 2>/dev/null"

# ss: the local addresses of unbound's listening sockets, udp or tcp
listens() { ss -Hln"$1"p | awk -v p="pid=$UNBOUND_PID," 'index($0, p) { print $4 }' | sort -u | tr '\n' ' '; }
check "unbound listens on 127.0.0.1:53 and [::1]:53 only (UDP and TCP)" \
	bash -c "[[ '$(listens u)' == '127.0.0.1:53 [::1]:53 ' && '$(listens t)' == '127.0.0.1:53 [::1]:53 ' ]] ||
		{ echo 'udp: $(listens u) tcp: $(listens t)'; ss -Hlnup; ss -Hlntp; } >&2"
check "nothing listens on the remote-control port 8953" \
	bash -c "[[ -z \$(ss -Hlnut 'sport = :8953') ]] && ! timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/8953' 2>/dev/null"

ids() { awk -v k="$1:" '$1 == k { print $2, $3, $4, $5 }' "/proc/$UNBOUND_PID/status"; }
check "unbound runs as uid and gid 110 (real, effective, saved, fs)" \
	bash -c "[[ '$(ids Uid)' == '110 110 110 110' && '$(ids Gid)' == '110 110 110 110' ]] || { echo 'Uid $(ids Uid) Gid $(ids Gid)' >&2; false; }"
want_root=$(realpath "$ROOT/etc/unbound")
got_root=$(readlink "/proc/$UNBOUND_PID/root")
check "its root directory is the tree's etc/unbound (chroot)" \
	bash -c "[[ '$got_root' == '$want_root' ]] || { echo 'root: $got_root' >&2; false; }"

# The console's lines leave the node (lethe-telemetry): the names an
# exit's clients look up must never be in them, not even a failed one's
# (log-servfail: no, verbosity 1).
named=$(grep -E 'www\.lethe\.example|bogus\.lethe\.example|example\.com' "$LOG")
check "its console names no queried name, not even the SERVFAIL of bogus (log-servfail: no)" \
	bash -c "[[ -z '${named//\'/}' ]] || { echo '$T/unbound.log:'; cat '$LOG'; } >&2"
diag "unbound's console:"
diag "$(cat "$LOG")"
tap_done
