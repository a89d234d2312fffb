# shellcheck shell=bash
# tests/dns/lib.sh: a private, signed DNS for the exit's resolver
# (docs/dns.md, include/lethe_dns.h), so that no real DNS leaves the machine:
# NSD answering a test root zone "." and its child "lethe.example.", both signed
# with test keys made here, and the image's own unbound run from a copy of
# the image's tree.  Sourced by bash (set -u, with or without -e) by
# tests/dns/*.t, scripts/bench-dns and the booted test; prints no TAP: a
# function that fails returns non-zero with the reason on stderr.
#
#   dns_fixture DIR GLUE_IP
#       makes in DIR (created if missing) a KSK and a ZSK (ECDSA P-256,
#       ldns-keygen) for "." and for "lethe.example.", and both zones signed
#       with them (ldns-signzone; valid from a day ago for 30 days; "." with
#       NSEC, lethe.example. with NSEC3, no salt, no extra iterations):
#         root.zone.signed   SOA; NS a.root.example. (glue A GLUE_IP); the
#                            delegation of lethe.example. to
#                            ns.lethe.example. (glue A GLUE_IP), its DS
#         lethe.example.zone.signed
#                            www A 192.0.2.10, www AAAA 2001:db8::10,
#                            bogus A 192.0.2.66 whose RRSIG is broken after
#                            signing (one character of the signature
#                            changed: validation fails), *.bench A
#                            192.0.2.77 (a fresh name per query for the
#                            benchmark); TTLs 3600
#         root.key           the DS of the root's KSK, as unbound's
#                            trust-anchor-file reads it
#         root.hints         ". NS a.root.example." and
#                            "a.root.example. A GLUE_IP"
#         nsd.conf           both zones; every file under DIR, no chroot,
#                            no user change (NSD runs as the caller), no
#                            database, no rate limit; remote control on the socket
#                            DIR/nsd.ctl when that path is short enough
#                            (nsd-control -c DIR/nsd.conf stats_noreset)
#       Why NSEC3 in lethe.example.: with NSEC, unbound's aggressive-nsec
#       (the shipped configuration has it) answers every *.bench name after
#       the first from the cached wildcard and its NSEC, without asking;
#       it makes no such use of NSEC3, so each new name is one query to NSD
#       (scripts/bench-dns counts them).  Why not "lethe.test.": unbound
#       serves test. (and onion., invalid., localhost.) itself by default,
#       as an empty local zone, so it would never ask the root for it.
#       One NSD answers both zones at GLUE_IP, the root's server and the
#       child's alike.
#   dns_nsd_start DIR ADDR PORT
#       NSD of DIR/nsd.conf (nsd -d, supervised by the caller: a background
#       job of its shell) on ADDR port PORT, UDP and TCP, its output in
#       DIR/nsd.log; NSD_PID is its pid, also appended to the array PIDS
#       when the caller has one (tests/tap.sh: tap_cleanup_on_exit).  Returns
#       0 once it answers the root's SOA over TCP and UDP, and it is this
#       NSD that answers (its id.server, a random identity); 1 when it exits
#       first (ADDR:PORT taken) or does not answer within 10 s (times
#       LETHE_TIMEOUT_SCALE), with its log on stderr.  For a booted guest:
#       ADDR 127.0.0.1 behind a guestfwd (TCP only: unbound needs
#       tcp-upstream: yes), and a GLUE_IP outside unbound.conf's
#       private-address ranges (10.0.2.x is inside 10.0.0.0/8: unbound
#       drops such glue and finds no address for the root's server).
#   dns_netns SCRIPT [ARG...]
#       called first thing in a script: runs SCRIPT again inside a new
#       network namespace (unshare --net; once, LETHE_DNS_NETNS marks it)
#       and exits with its status; inside, it sets the namespace up and
#       returns: lo up (127.0.0.1, ::1) and a veth pair whose end lt0 holds
#       192.0.2.1/24, the namespace's one address off loopback (this host's
#       kernel has veth but no dummy interfaces).  Port 53 there is nobody
#       else's: not the host's, not another checkout's.
#   dns_image_root INITRD ROOT
#       unpacks the image's initramfs (a zstd-compressed newc cpio) into
#       ROOT, as root (device nodes and owners kept); returns 2 when the
#       image has no LETHE_UNBOUND_BIN (usr/sbin/unbound), 1 on an error
#   dns_unbound_prepare ROOT FIXTURE NODECONF
#       points ROOT's unbound at the fixture: ROOT/etc/unbound/root.key and
#       root.hints replaced by FIXTURE's, ROOT/run/lethe/unbound/node.conf
#       written with the text NODECONF (what initd writes there).  It makes
#       no device node: the cpio's dev/ holds only console, and unbound
#       needs none (its randomness is getrandom(2)'s; in its chroot,
#       etc/unbound, the booted node has no /dev either)
#   dns_unbound_start ROOT LOG
#       the image's unbound as initd runs it (unbound -d -c
#       /etc/unbound/unbound.conf), here as `chroot ROOT ...`: it binds port
#       53 on 127.0.0.1 and ::1, chroots to ROOT/etc/unbound and drops to
#       its user itself.  Its stderr (the node's console) goes to LOG;
#       UNBOUND_PID is its pid, also appended to PIDS.  Returns 0 once it
#       answers on 127.0.0.1:53 (10 s times LETHE_TIMEOUT_SCALE), 1 if not.
#   dns_node_conf MSG RRSET THREADS
#       prints a node.conf as initd writes it (initd/resolver.c) for these
#       cache sizes (unbound's units: 4m, 100k, bytes) and threads, plus the
#       one line that is the tests' own, not initd's: do-not-query-localhost:
#       no, since the tests' authoritative server is on loopback
#   dns_nsd_queries DIR
#       the queries NSD of DIR has answered since it started (nsd-control's
#       num.queries); fails when DIR's NSD has no remote control
#   dns_dig ARG...
#       dig with short bounded tries (+time=2 +tries=2), no ~/.digrc

# dns__wait SECONDS CMD...: CMD every 0.1 s until it succeeds (0), gives
# up (its status 2: 1 at once) or SECONDS times LETHE_TIMEOUT_SCALE have
# passed (1).
dns__wait() {
	local end=$((SECONDS + $1 * ${LETHE_TIMEOUT_SCALE:-1})) rc
	shift
	while ((SECONDS <= end)); do
		rc=0
		"$@" >/dev/null 2>&1 || rc=$?
		((rc == 0)) && return 0
		((rc == 2)) && return 1
		sleep 0.1
	done
	return 1
}

dns_node_conf() {
	local slabs=1
	while ((slabs < $3)); do slabs=$((slabs * 2)); done
	cat <<EOF
# as initd writes it (initd/resolver.c), with the tests' sizes
server:
	num-threads: $3
	msg-cache-slabs: $slabs
	rrset-cache-slabs: $slabs
	infra-cache-slabs: $slabs
	key-cache-slabs: $slabs
	msg-cache-size: $1
	rrset-cache-size: $2
	# the tests' own line, never initd's: their authoritative server
	# (tests/dns/lib.sh, NSD) is on loopback, which unbound.conf refuses
	do-not-query-localhost: no
EOF
}

dns_dig() { dig -r +time=2 +tries=2 "$@"; }

# dns__keys DIR ZONE: a KSK and a ZSK for ZONE in DIR; their base names in
# DNS_KSK and DNS_ZSK (ldns-keygen prints them).
dns__keys() {
	if ! { DNS_KSK=$(cd "$1" && ldns-keygen -a ECDSAP256SHA256 -k "$2") &&
		DNS_ZSK=$(cd "$1" && ldns-keygen -a ECDSAP256SHA256 "$2") &&
		[[ -n $DNS_KSK && -n $DNS_ZSK ]]; }; then
		echo "dns_fixture: ldns-keygen failed for $2" >&2
		return 1
	fi
}

# dns__sign DIR ZONEFILE ORIGIN [OPTION...]: ZONEFILE.signed, with DNS_KSK
# and DNS_ZSK and ldns-signzone's OPTIONs.
dns__sign() {
	local d=$1 f=$2 o=$3 now
	shift 3
	now=$(date +%s)
	(cd "$d" && ldns-signzone -i $((now - 86400)) -e $((now + 30 * 86400)) -o "$o" "$@" \
		"$f" "$DNS_KSK" "$DNS_ZSK") || {
		echo "dns_fixture: ldns-signzone failed for $o" >&2
		return 1
	}
}

dns_fixture() {
	local d=$1 glue=$2 ds root_ksk
	mkdir -p "$d" || return 1
	cat >"$d/lethe.example.zone" <<EOF
\$ORIGIN lethe.example.
\$TTL 3600
@	SOA	ns hostmaster 1 3600 900 604800 3600
@	NS	ns
ns	A	$glue
www	A	192.0.2.10
www	AAAA	2001:db8::10
bogus	A	192.0.2.66
*.bench	A	192.0.2.77
EOF
	dns__keys "$d" lethe.example. && dns__sign "$d" lethe.example.zone lethe.example. -n -t 0 || return 1
	if ! { ds=$(cd "$d" && ldns-key2ds -n -2 "$DNS_KSK.key") && [[ $ds == *DS* ]]; }; then
		echo "dns_fixture: ldns-key2ds failed for lethe.example." >&2
		return 1
	fi
	# Break bogus's signature: one character of the base64 (the last
	# field), well inside it, changed to another base64 character.
	awk -v OFS='\t' '$1 == "bogus.lethe.example." && $4 == "RRSIG" && $5 == "A" {
		c = substr($NF, 20, 1); $NF = substr($NF, 1, 19) (c == "A" ? "B" : "A") substr($NF, 21); n++ }
		{ print } END { exit n == 1 ? 0 : 1 }' "$d/lethe.example.zone.signed" >"$d/lethe.example.zone.broken" || {
		echo "dns_fixture: no RRSIG of bogus.lethe.example. A to break" >&2
		return 1
	}
	mv -f "$d/lethe.example.zone.broken" "$d/lethe.example.zone.signed"
	cat >"$d/root.zone" <<EOF
\$ORIGIN .
\$TTL 3600
.	SOA	a.root.example. hostmaster.root.example. 1 3600 900 604800 3600
.	NS	a.root.example.
a.root.example.	A	$glue
lethe.example.	NS	ns.lethe.example.
ns.lethe.example.	A	$glue
$ds
EOF
	dns__keys "$d" . && dns__sign "$d" root.zone . || return 1
	root_ksk=$DNS_KSK
	if ! { (cd "$d" && ldns-key2ds -n -2 "$root_ksk.key") >"$d/root.key" && grep -q DS "$d/root.key"; }; then
		echo "dns_fixture: no DS for the root's KSK" >&2
		return 1
	fi
	printf '.\t3600000\tIN\tNS\ta.root.example.\na.root.example.\t3600000\tIN\tA\t%s\n' "$glue" >"$d/root.hints"
	dns__nsd_conf "$d" >"$d/nsd.conf"
}

# dns__nsd_conf DIR: NSD's configuration for the fixture in DIR (absolute).
dns__nsd_conf() {
	local d ctl
	d=$(realpath "$1")
	ctl=$d/nsd.ctl
	cat <<EOF
server:
	zonesdir: "$d"
	chroot: ""
	username: ""
	database: ""
	zonelistfile: "$d/zone.list"
	xfrdfile: "$d/xfrd.state"
	xfrdir: "$d"
	pidfile: "$d/nsd.pid"
	server-count: 1
	verbosity: 1
	hide-version: yes
	hide-identity: no
	log-only-syslog: no
	reuseport: no
	# no response rate limiting: its 200 answers a second to one source
	# (the resolver) would make unbound retry and skew the benchmark
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
EOF
	# a unix socket's path has at most 107 bytes
	if ((${#ctl} < 100)); then
		printf 'remote-control:\n\tcontrol-enable: yes\n\tcontrol-interface: "%s"\n' "$ctl"
	else
		printf 'remote-control:\n\tcontrol-enable: no\n'
	fi
	cat <<EOF
zone:
	name: "."
	zonefile: "$d/root.zone.signed"
zone:
	name: "lethe.example."
	zonefile: "$d/lethe.example.zone.signed"
EOF
}

# dns__answers ADDR PORT [DIG OPTION...]: the server at ADDR PORT answers
# the root's SOA with NOERROR.
dns__answers() {
	local a=$1 p=$2
	shift 2
	dns_dig +norecurse "$@" -p "$p" "@$a" . SOA 2>/dev/null | grep -q 'status: NOERROR'
}

dns_nsd_start() {
	local d=$1 addr=$2 port=$3
	# nsd -d logs to stderr; "-a ADDR" and "-p PORT" override nsd.conf; its
	# identity (id.server) tells its answers from another server's on a
	# port taken meanwhile
	local id=lethe-dns-fixture-$BASHPID-$RANDOM$RANDOM
	nsd -d -c "$d/nsd.conf" -a "$addr" -p "$port" -i "$id" >>"$d/nsd.log" 2>&1 &
	NSD_PID=$!
	dns__started "dns_nsd_start: nsd on $addr port $port" "$d/nsd.log" "$NSD_PID" \
		dns__nsd_up "$NSD_PID" "$addr" "$port" "$id"
}

# dns__started WHAT LOG PID CHECK...: the server PID, just started in the
# background, joins PIDS (if the caller has it); returns once CHECK
# succeeds, or 1 with LOG on stderr.
dns__started() {
	local what=$1 log=$2 pid=$3
	shift 3
	if declare -p PIDS >/dev/null 2>&1; then PIDS+=("$pid"); fi
	dns__wait 10 "$@" && return 0
	echo "$what did not answer (exited or too slow):" >&2
	sed 's/^/  /' "$log" >&2
	return 1
}

# dns__nsd_up PID ADDR PORT ID: nsd runs, answers the root's SOA and its
# id.server is ID, over TCP and UDP.
dns__nsd_up() {
	local t
	kill -0 "$1" 2>/dev/null || return 2
	for t in +tcp +notcp; do
		dns__answers "$2" "$3" "$t" &&
			[[ $(dns_dig +short "$t" -p "$3" "@$2" CH TXT id.server) == "\"$4\"" ]] || return 1
	done
}

dns_nsd_queries() {
	nsd-control -c "$1/nsd.conf" stats_noreset 2>/dev/null | sed -n 's/^num\.queries=\([0-9][0-9]*\)$/\1/p' | grep .
}

dns_netns() {
	if [[ -z ${LETHE_DNS_NETNS:-} ]]; then
		LETHE_DNS_NETNS=1 exec unshare --net -- "$BASH" "$@"
	fi
	if ! { ip link set lo up && ip link add lt0 type veth peer name lt1 &&
		ip addr add 192.0.2.1/24 dev lt0 && ip link set lt1 up && ip link set lt0 up; }; then
		echo "dns_netns: cannot set up the network namespace" >&2
		return 1
	fi
}

dns_image_root() {
	local initrd root=$2
	# absolute: cpio runs in ROOT
	if ! { initrd=$(realpath -- "$1") && [[ -r $initrd ]]; }; then
		echo "dns_image_root: no image at $1" >&2
		return 1
	fi
	if ! { mkdir -p "$root" &&
		(cd "$root" && zstd -dc -- "$initrd" | cpio -idm --quiet --no-absolute-filenames); }; then
		echo "dns_image_root: cannot unpack $initrd" >&2
		return 1
	fi
	[[ -x $root/usr/sbin/unbound ]] || return 2
}

dns_unbound_prepare() {
	local root=$1 fix=$2 conf=$3 ub=$1/etc/unbound
	if ! { cp -f "$fix/root.key" "$ub/root.key" && cp -f "$fix/root.hints" "$ub/root.hints" &&
		mkdir -p "$root/run/lethe/unbound" && chmod 0755 "$root/run/lethe/unbound" &&
		printf '%s\n' "$conf" >"$root/run/lethe/unbound/node.conf"; }; then
		echo "dns_unbound_prepare: cannot set up $root" >&2
		return 1
	fi
}

dns_unbound_start() {
	local root=$1 log=$2
	chroot "$root" /usr/sbin/unbound -d -c /etc/unbound/unbound.conf 2>>"$log" &
	UNBOUND_PID=$!
	dns__started "dns_unbound_start: unbound on 127.0.0.1 port 53" "$log" "$UNBOUND_PID" \
		dns__unbound_up "$UNBOUND_PID"
}

# dns__unbound_up PID: unbound runs and answers at all (localhost is its
# own local zone: no recursion).
dns__unbound_up() {
	kill -0 "$1" 2>/dev/null || return 2
	dns_dig +time=1 +tries=1 @127.0.0.1 localhost A >/dev/null
}
