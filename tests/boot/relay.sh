# The whole relay's harness, on top of lib.sh: a copy of the demo fleet,
# the reference nginx config server on loopback (reached by the guest only
# through slirp's guestfwd at 10.0.2.100:443, restrict=on: one socat
# per connection, since a chardev guestfwd serves a single connection; its
# log goes to /dev/null, as slirp hands the connection to its stderr too.
# The guest's connect always succeeds there, so a server that is down looks
# like a TLS failure to configpull: exit 2, not 111), node documents,
# and the operator's half of enrollment (CSR from the serial console,
# scripts/fleet sign).  Sourced by tests/boot/relay/*.t and scripts/run,
# after lib.sh and boot_init.
#
#   relay_init FLEETDIR        copy the fleet into $BOOT_DIR/fleet; own the EXIT trap
#   relay_nginx_start          nginx on 127.0.0.1:$RELAY_PORT (a free port, kept
#                              across restarts so the guest's guestfwd stays right),
#                              and, with REPORTD, reportd behind it (reports, logs,
#                              the nodes' sealed tor state) unless the test runs its own
#   relay_nginx_stop
#   relay_boot [CMDLINE...]    boot_qemu with the relay's netdev and command line
#   relay_enroll TIMEOUT       wait for the CSR on the console, sign it; sets RELAY_NODE
#   relay_power_cad            ctrl-alt-del through QMP: a clean reboot (qemu
#                              -no-reboot exits); true when the console says so
#   relay_doc FILE             install FILE as the node's document (scripts/fleet doc;
#                              with RELAY_TESTNET set: fleet doc --testnet)
#   relay_doc_json [ALLOW [INSTANCES [EXTRA-TORRC-JSON]]]
#                              print a demo document on stdout
#   relay_tamper IN OUT [OFFSET]
#                              IN with one byte of /etc/hosts changed
#   relay_release IN OUT VERSION EPOCH FROM-VERSION FROM-EPOCH
#                              IN whose /etc/lethe-release names another release
#   relay_publish INITRD VERSION EPOCH LOGDIR KEY PROOF
#                              INITRD's release entry (qemu path) appended to a
#                              test log, its proof to PROOF (PCRPREDICT, LETHE_LOG)
#
# Settings: RELAY_NET (the guest's network, a /24 prefix such as 192.0.2,
# instead of slirp's 10.0.2: set it with RELAY_HOST=RELAY_NET.100 and a
# server certificate for that address, as dns.t does); RELAY_CMDLINE (default: the config URL, lethe.pcrs=7,9,
# lethe.offline, lethe.netwait=30); RELAY_NETDEV_EXTRA (more ",guestfwd=..."
# or ",hostfwd=..." for the user netdev, loopback only).

# The relay tests' defaults (make check-boot-relay passes both): the demo
# fleet, and the host configpull scripts/fleet needs for `doc`.
# shellcheck source=tests/logrelease.sh
. "$(dirname "${BASH_SOURCE[0]}")/../logrelease.sh"
: "${FLEET:=build/demo/fleet}"
export CONFIGPULL=${CONFIGPULL:-build/host/configpull}

RELAY_FLEET=
RELAY_PORT=
RELAY_NGINX_PID=
RELAY_REPORTD_PID=
RELAY_NODE=
RELAY_HOST=10.0.2.100
RELAY_URL=https://$RELAY_HOST/v1/node.json

relay_cleanup() {
	local rc=$?
	boot_stop "$RELAY_NGINX_PID"
	boot_stop "$RELAY_REPORTD_PID"
	# boot_cleanup exits with the status it finds: the test's, not boot_stop's.
	(exit "$rc")
	boot_cleanup
}

relay_init() {
	local src=$1
	[[ -n $BOOT_DIR ]] || boot_die "boot_init first"
	[[ -r $src/ca.pem && -r $src/server/$RELAY_HOST.pem ]] ||
		boot_die "no demo fleet in $src (make demo-image)"
	command -v nginx >/dev/null || boot_die "nginx is needed"
	cp -a -- "$src" "$BOOT_DIR/fleet" || boot_die "unable to copy $src"
	RELAY_FLEET=$BOOT_DIR/fleet
	trap relay_cleanup EXIT
}

relay_free_port() {
	local p i
	for ((i = 0; i < 50; i++)); do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

relay_nginx_start() {
	local d=$BOOT_DIR/ngx i
	[[ -n $RELAY_PORT ]] || RELAY_PORT=$(relay_free_port) || boot_die "no free port"
	mkdir -p "$d/tmp"
	# the fleet's reportd behind nginx, as an operator runs it (reports,
	# logs, the nodes' sealed tor state): started here unless the test
	# started its own on the same socket (tests/configserver/server.sh)
	if [[ ! -S $d/reportd.sock && -x ${REPORTD:-} ]]; then
		"$REPORTD" serve --db "$RELAY_FLEET/reports.db" --socket "$d/reportd.sock" \
			2>>"$d/reportd.log" &
		RELAY_REPORTD_PID=$!
		for ((i = 0; i < 100; i++)); do
			[[ -S $d/reportd.sock ]] && break
			sleep 0.05
		done
		[[ -S $d/reportd.sock ]] || boot_die "reportd did not listen on $d/reportd.sock (see $d/reportd.log)"
	fi
	scripts/configserver/render-nginx "$RELAY_FLEET" "$d" "127.0.0.1:$RELAY_PORT" "$RELAY_HOST" \
		"${RELAY_ATTEST:-off}" >"$d/nginx.conf" || boot_die "unable to render nginx.conf"
	# nginx's workers run as nobody: the public parts readable (never ca.key)
	chmod a+x "$BOOT_DIR"
	chmod a+rx "$RELAY_FLEET" "$RELAY_FLEET/server" "$RELAY_FLEET/certs" "$RELAY_FLEET/nodes"
	chmod a+r "$RELAY_FLEET/ca.pem" "$RELAY_FLEET/crl.pem"
	tap_nobody_reaches "$BOOT_DIR" "$RELAY_FLEET/nodes" "$RELAY_FLEET/ca.pem" ||
		boot_die "nginx's workers (nobody) cannot reach $BOOT_DIR: a parent directory is not searchable by others (run through make, or set LETHE_TEST_TMPDIR)"
	nginx -p "$d" -c "$d/nginx.conf" -g 'daemon off;' 2>>"$d/stderr" &
	RELAY_NGINX_PID=$!
	for ((i = 0; i < 50; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$RELAY_PORT") 2>/dev/null && return 0
		boot_alive "$RELAY_NGINX_PID" || break
		sleep 0.1
	done
	boot_die "nginx did not start on 127.0.0.1:$RELAY_PORT (see $d/stderr)"
}

relay_nginx_stop() {
	boot_stop "$RELAY_NGINX_PID"
	RELAY_NGINX_PID=
}

relay_netdev() {
	[[ -n $RELAY_PORT ]] || RELAY_PORT=$(relay_free_port) || boot_die "no free port"
	echo "user,id=n0,restrict=on${RELAY_NET:+,net=$RELAY_NET.0/24},guestfwd=tcp:$RELAY_HOST:443-cmd:socat -lf /dev/null - TCP:127.0.0.1:$RELAY_PORT${RELAY_NETDEV_EXTRA:+,$RELAY_NETDEV_EXTRA}"
}

relay_boot() {
	local cmdline=${RELAY_CMDLINE:-lethe.config=$RELAY_URL lethe.pcrs=7,9 lethe.offline lethe.netwait=30}
	# here, not in relay_netdev's subshell: nginx must get the same port
	[[ -n $RELAY_PORT ]] || RELAY_PORT=$(relay_free_port) || boot_die "no free port"
	BOOT_NETDEV=$(relay_netdev)
	boot_qemu "${RELAY_KERNEL:-$KERNEL}" "${RELAY_INITRD:-$INITRD}" "$cmdline${1:+ $*}"
}

# The serial console's CSR block (CRLF, maybe several enrollments: the last).
relay_csr() {
	tr -d '\r' <"$BOOT_DIR/serial.log" |
		awk '/^-----BEGIN CERTIFICATE REQUEST-----$/ { b = ""; on = 1 }
			on { b = b $0 "\n" }
			/^-----END CERTIFICATE REQUEST-----$/ { on = 0; last = b }
			END { printf "%s", last }'
}

relay_enroll() {
	local id
	boot_expect '^-----END CERTIFICATE REQUEST-----' "$1" || return 1
	relay_csr >"$BOOT_DIR/node.csr"
	id=$(tr -d '\r' <"$BOOT_DIR/serial.log" | sed -n 's/^node-id: \([0-9a-f]\{64\}\)$/\1/p' | tail -n 1)
	[[ -n $id ]] || { echo "# relay: no node-id line on the console" >&2; return 1; }
	RELAY_NODE=$(scripts/fleet sign "$RELAY_FLEET" "$BOOT_DIR/node.csr" 2>"$BOOT_DIR/sign.err" | tail -n 1) ||
		{ sed 's/^/#   /' "$BOOT_DIR/sign.err" >&2; return 1; }
	# the operator's check: the console's id is the CSR's
	[[ $RELAY_NODE == "$id" ]] || { echo "# relay: signed $RELAY_NODE, console says $id" >&2; return 1; }
	chmod a+r "$RELAY_FLEET/certs/$RELAY_NODE.pem"
}

# relay_doc_json ALLOW INSTANCES EXTRA: a document for $RELAY_NODE, with
# "allocator": $RELAY_ALLOCATOR (default mimalloc; "default": no allocator
# key, so the node's default, jemalloc).
relay_doc_json() {
	local allow=${1:-true} n=${2:-2} extra=${3:-} i sep= alloc=${RELAY_ALLOCATOR:-mimalloc}
	printf '{"version":1,"node":"%s","refresh_interval":60,' "$RELAY_NODE"
	[[ $alloc == default ]] || printf '"allocator":"%s",' "$alloc"
	printf '"provisioning":{"allow_new_identities":%s},"instances":[' "$allow"
	for ((i = 1; i <= n; i++)); do
		printf '%s{"name":"relay%d","torrc":{"Nickname":"lethedemo%d","ORPort":"%d",' "$sep" "$i" "$i" $((9000 + i))
		printf '"ExitRelay":0,"ContactInfo":"lethe demo"%s}}' "$extra"
		sep=,
	done
	printf ']}\n'
}

relay_power_cad() {
	local cad='{"keys":[{"type":"qcode","data":"ctrl"},{"type":"qcode","data":"alt"},{"type":"qcode","data":"delete"}]}'
	boot_mark
	boot_qmp send-key "$cad" >"$BOOT_DIR/qmp.out" 2>&1 && boot_wait_exit 120 &&
		boot_log_has 'reboot: Restarting system'
}

relay_doc() {
	scripts/fleet doc ${RELAY_TESTNET:+--testnet} "$RELAY_FLEET" "$RELAY_NODE" "$1" >/dev/null 2>"$BOOT_DIR/doc.err" ||
		{ sed 's/^/#   /' "$BOOT_DIR/doc.err" >&2; return 1; }
	chmod a+r "$RELAY_FLEET/nodes/$RELAY_NODE.json"
}

# relay_identities: "NAME FP ED" lines printed by initd in this boot (after boot_mark).
relay_identities() {
	tail -c "+$((BOOT_MARK + 1))" -- "$BOOT_DIR/serial.log" | tr -d '\r' |
		sed -n 's/^.*initd: identity \([a-z0-9]*\) \([0-9A-F]\{40\}\) \([A-Za-z0-9+\/]\{43\}\)$/\1 \2 \3/p'
}

# relay_mark_ms NAME: the LETHE-MARK time of NAME in this boot (after boot_mark), ms.
relay_mark_ms() {
	tail -c "+$((BOOT_MARK + 1))" -- "$BOOT_DIR/serial.log" | tr -d '\r' |
		sed -n "s/^.*LETHE-MARK $1 t=\([0-9]*\).*$/\1/p" | head -n 1
}

# relay_publish INITRD VERSION EPOCH LOGDIR KEY PROOF: the image's entry
# (log_release, tests/logrelease.sh, over a directory holding this image's
# kernel, initramfs and qemu-path prediction for the command line
# relay_boot gives it; no zip, UKI or manifest: empty files), appended to
# LOGDIR (signed with KEY), its proof to PROOF.
relay_publish() {
	local o=$BOOT_DIR/pub-$2
	local append="$BOOT_KERNEL_ARGS ${RELAY_CMDLINE:-lethe.config=$RELAY_URL lethe.pcrs=7,9 lethe.offline lethe.netwait=30}"
	rm -rf "$o" && mkdir -p "$o" || return 1
	cp "${RELAY_KERNEL:-$KERNEL}" "$o/vmlinuz" && cp "$1" "$o/initramfs.cpio.zst" || return 1
	"${PCRPREDICT:-build/host/pcrpredict}" predict --qemu-cmdline "$append" --qemu-initrd "$1" \
		--profile "${PCR_PROFILE:-image/pcr-profiles/ovmf-q35.txt}" --out "$o/lethe.pcrs" >/dev/null || return 1
	log_release "$o" "$2" "$3" "$4" "$5" "$6"
}

# relay_tamper IN OUT [OFFSET]: IN (zstd newc cpio) with one byte of
# /etc/hosts's payload (at OFFSET, default 10) changed, recompressed: the
# same image but for one byte.
relay_tamper() {
	relay_cpio_patch "$1" "$2" flip "${3:-10}"
}

# relay_release IN OUT VERSION EPOCH FROM-VERSION FROM-EPOCH: IN (zstd newc
# cpio) with its /etc/lethe-release saying VERSION and EPOCH instead of
# FROM-VERSION and FROM-EPOCH (same lengths: patched in place).
relay_release() {
	relay_cpio_patch "$1" "$2" release "$5" "$3" "$6" "$4"
}

# relay_cpio_patch IN OUT flip OFFSET | release V0 V1 E0 E1: one file of IN
# changed in place, recompressed to OUT.
relay_cpio_patch() {
	local in=$1 out=$2
	shift 2
	zstd -dcq -- "$in" >"$BOOT_DIR/patch.cpio" || return 1
	python3 - "$BOOT_DIR/patch.cpio" "$@" <<'PY' || return 1
import sys
p, mode, args = sys.argv[1], sys.argv[2], sys.argv[3:]
want = 'etc/hosts' if mode == 'flip' else 'etc/lethe-release'
b = bytearray(open(p, 'rb').read())
o = 0
while o + 110 <= len(b):
    h = b[o:o + 110]
    assert h[:6] == b'070701', 'not newc'
    size = int(h[54:62], 16)
    nsz = int(h[94:102], 16)
    name = b[o + 110:o + 110 + nsz - 1].decode()
    data = (o + 110 + nsz + 3) & ~3
    if name == want and size > 0:
        if mode == 'flip':
            b[data + min(int(args[0]), size - 1)] ^= 0x20
        else:
            v0, v1, e0, e1 = (a.encode() for a in args)
            assert len(v0) == len(v1) and len(e0) == len(e1)
            t = bytes(b[data:data + size])
            n = t.replace(b'LETHE_VERSION=' + v0 + b'\n', b'LETHE_VERSION=' + v1 + b'\n')
            n = n.replace(b'LETHE_EPOCH=' + e0 + b'\n', b'LETHE_EPOCH=' + e1 + b'\n')
            assert len(n) == size and n != t, 'release fields not found'
            b[data:data + size] = n
        open(p, 'wb').write(b)
        sys.exit(0)
    if name == 'TRAILER!!!':
        break
    o = (data + size + 3) & ~3
sys.exit(want + ' not found')
PY
	zstd -q -3 -f -o "$out" "$BOOT_DIR/patch.cpio" && rm -f "$BOOT_DIR/patch.cpio"
}
