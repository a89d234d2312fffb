# shellcheck shell=bash
# Shared start of the lethe-state tests (TAP), sourced after
# `set -eu -o pipefail` with ST_TEST set to the test's name: the telemetry
# tests' helpers (tests/telemetry/lib.sh: the scratch directory nginx's
# workers reach, the cleanup of PIDS, the test fleet, the fleet's server as
# the operator runs it: render-nginx, reportd, the Pushgateway), and a node
# as the relay has it: its own swtpm holding the node key (configpull
# enroll) and the state counter, node.conf, tpmseal's key layout, tor's
# DataDirectories and lethe-state's run directory.
#
#   st_node NAME [INSTANCES]   swtpm + enrolled TPM key + fleet certificate;
#                              $T/NAME/{conf,keys,data,run}, node.conf with
#                              node= and instances= (default "relay1"), an
#                              ed25519 identity file per instance (random)
#   st NAME CMD [ARGS...]      lethe-state CMD as node NAME, against $URL
#   st_rc RC DESC NAME CMD...  st; its exit must be RC (output in $T/out)
#   st_state NAME INSTANCE     writes a state file as tor does, with markers
#   st_blob NAME OUT           the blob reportd keeps for NAME, into OUT
#   st_put_blob NAME FILE      replaces it in reportd's database (a
#                              malicious server, through python's sqlite3)
#   st_increments NAME         NV_Increment commands swtpm received for the
#                              state counter (its command log)
#   st_key NAME I FORM         the derived key of instance I, computed here
#                              from the key file (FORM: hex, b64, raw-hex)
#   st_scan FILE...            what of the plaintext and keys FILE holds
#   st_absent DESC FILE...     no plaintext marker, no key in any FILE
#   same DESC GOT WANT         GOT equals WANT and is not empty
TM_TEST="state-$ST_TEST"
# shellcheck source=tests/telemetry/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../telemetry/lib.sh"
LETHE_STATE=$(realpath "${LETHE_STATE:-build/host/lethe-state}")
cs_need swtpm tor python3 nginx curl xxd tpm2_nvread tpm2_nvundefine
HANDLE=0x81000020
NV=01851E80
# what a tor state file of ours holds besides tor's lines: found nowhere
# but in the plaintext
MARKER="lethe-state-test-marker-$RANDOM$RANDOM"
export TSS2_LOG=all+none

st_node() {
	local name=$1 insts=${2:-relay1} d=$T/$1 i=0 inst
	mkdir -p "$d/tpm" "$d/conf" "$d/keys" "$d/data"
	swtpm socket --tpm2 --server type=unixio,path="$d/tpm/sock" --ctrl type=unixio,path="$d/tpm/sock.ctrl" \
		--flags startup-clear --tpmstate dir="$d/tpm" --log file="$d/tpm/swtpm.log",level=20 &
	PIDS+=("$!")
	wait_until 5 test -S "$d/tpm/sock" || { echo "Bail out! swtpm of $name did not start"; exit 1; }
	eval "TCTI_$name=swtpm:path=$d/tpm/sock"
	"$CONFIGPULL" enroll --handle "$HANDLE" --tcti "swtpm:path=$d/tpm/sock" >"$d/enroll.out" 2>"$d/enroll.err" ||
		{ echo "Bail out! configpull enroll failed for $name"; sed 's/^/# /' "$d/enroll.err"; exit 1; }
	sed -n 's/^node-id: //p' "$d/enroll.out" >"$T/$name.id"
	fleet sign "$T/fleet" "$d/enroll.out" >/dev/null 2>&1
	cp "$T/fleet/certs/$(cat "$T/$name.id").pem" "$T/$name.pem"
	printf 'version=1\nnode=%s\nrefresh_interval=3600\nfamily=0\nprovision=0\ninstances=%s\n' \
		"$(cat "$T/$name.id")" "$insts" >"$d/conf/node.conf"
	for inst in $insts; do
		mkdir -p "$d/keys/$i/keys"
		chmod 700 "$d/keys/$i/keys"
		# a fresh clamped ed25519 scalar in tor's tagged file (the tag
		# spelled in two parts, as tpmseal/torkey.c does); never a key in the tree
		python3 -c 'import os, sys
s = bytearray(os.urandom(64)); s[0] &= 248; s[31] = (s[31] & 63) | 64
h = (b"== ed25519v1" + b"-secret: type0 ==").ljust(32, b"\0")
open(sys.argv[1], "wb").write(h + bytes(s))' \
			"$d/keys/$i/keys/ed25519_master_id_secret_key"
		i=$((i + 1))
	done
}

# the options of node NAME (its TPM key, its directories)
st_opts() {
	local d=$T/$1 tcti
	tcti="TCTI_$1"
	ST_OPTS=(--ca "$T/fleet/ca.pem" --cert "$T/$1.pem" --handle "$HANDLE" --tcti "${!tcti}"
		--conf-dir "$d/conf" --keys-dir "$d/keys" --data-dir "$d/data" --run-dir "$d/run")
	# as root, the instance's uid (100+I) owns what restore writes;
	# ST_NOCHOWN=1 keeps the caller's (a tor run as the test's user)
	((EUID == 0)) && [ -z "${ST_NOCHOWN:-}" ] || ST_OPTS+=(--no-chown)
}

st() {
	local name=$1 cmd=$2
	shift 2
	st_opts "$name"
	"$LETHE_STATE" "$cmd" "${ST_OPTS[@]}" "$@" "$URL"
}

# st_rc RC DESC NAME CMD [ARGS...]: the run's output (both streams) in
# $T/out, also appended to $T/all.out (every line lethe-state printed).
st_rc() {
	local want=$1 desc=$2 rc=0
	shift 2
	st "$@" >"$T/out" 2>&1 || rc=$?
	cat "$T/out" >>"$T/all.out"
	if [ "$rc" = "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "exit $rc, want $want"
		sed 's/^/# /' "$T/out" >&2
	fi
}

# st_state NAME INSTANCE: a state file as tor writes one, with accounting
# lines and this run's marker.
st_state() {
	local f=$T/$1/data/$2/state
	mkdir -p "$T/$1/data/$2"
	cat >"$f" <<EOS
# Tor state file last generated on 2026-01-01 00:00:00 local time
# Other times below are in UTC
# Please *do not* edit this file.

AccountingBytesReadInInterval 123456789
AccountingBytesWrittenInInterval 987654321
AccountingIntervalStart 2026-01-01 00:00:00
AccountingSecondsActive 3600
Dormant 0
LastRotatedOnionKey 2025-12-31 12:00:00
TorVersion Tor 0.4.9.11
LastWritten 2026-01-01 00:00:00
ContactMarker $MARKER $2
EOS
}

st_blob() {
	python3 - "$T/reportd.db" "$(cat "$T/$1.id")" "$2" <<'PY'
import sqlite3, sys
row = sqlite3.connect(sys.argv[1]).execute("SELECT blob FROM state WHERE node = ?", (sys.argv[2],)).fetchone()
if row is None:
    sys.exit(1)
open(sys.argv[3], "wb").write(row[0])
PY
}

st_put_blob() {
	python3 - "$T/reportd.db" "$(cat "$T/$1.id")" "$2" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=10)
blob = open(sys.argv[3], "rb").read()
with db:
    n = db.execute("UPDATE state SET blob = ? WHERE node = ?", (blob, sys.argv[2])).rowcount
sys.exit(0 if n == 1 else 1)
PY
}

# TPM2_NV_Increment is command code 0x134; a command starts with its tag
# (8002: with sessions) and size, then the auth handle and the index.
st_increments() {
	{ grep -E '^( [0-9A-F]{2})+ ?$' "$T/$1/tpm/swtpm.log" || true; } | tr -d ' \n' |
		{ grep -oiE "8002[0-9A-F]{8}00000134${NV}${NV}" || true; } | wc -l
}

# st_key NAME I FORM: instance I's key as docs/torstate.md derives it,
# independently of lethe-state: BLAKE2b-256 keyed with the first 32 bytes
# of the expanded secret over the context string.
st_key() {
	python3 - "$T/$1/keys/$2/keys/ed25519_master_id_secret_key" "$3" <<'PY'
import base64, hashlib, sys
f = open(sys.argv[1], "rb").read()
assert len(f) == 96 and f[:32] == (b"== ed25519v1" + b"-secret: type0 ==").ljust(32, b"\0")
k = hashlib.blake2b(b"lethe/tor-state/v1", digest_size=32, key=f[32:64]).digest()
print({"hex": k.hex(), "b64": base64.b64encode(k).decode(), "raw-hex": k.hex()}[sys.argv[2]])
PY
}

# st_scan FILE...: prints each plaintext marker, state line, and (raw,
# hex either case, base64) derived key or identity secret of any node's
# instance under $T that a FILE holds; status 1 if there is one.
st_scan() {
	python3 - "$T" "$MARKER" "$@" <<'PY'
import base64, glob, hashlib, sys
top, marker, files = sys.argv[1], sys.argv[2].encode(), sys.argv[3:]
needles = {"marker": marker, "state line": b"AccountingBytesReadInInterval"}
for kf in glob.glob(top + "/*/keys/*/keys/ed25519_master_id_secret_key"):
    f = open(kf, "rb").read()
    k = hashlib.blake2b(b"lethe/tor-state/v1", digest_size=32, key=f[32:64]).digest()
    # the derived key, the expanded secret, its scalar half (the KDF's key)
    for what, b in (("key", k), ("secret", f[32:96]), ("scalar", f[32:64])):
        needles[what + " raw " + kf] = b
        needles[what + " hex " + kf] = b.hex().encode()
        needles[what + " HEX " + kf] = b.hex().upper().encode()
        needles[what + " b64 " + kf] = base64.b64encode(b).rstrip(b"=")
found = 0
for path in files:
    try:
        data = open(path, "rb").read()
    except FileNotFoundError:
        continue
    for what, n in needles.items():
        if n in data:
            print("%s: %s" % (path, what))
            found = 1
sys.exit(found)
PY
}

# st_absent DESC FILE...: st_scan finds nothing in the files.
st_absent() {
	local desc=$1
	shift
	if st_scan "$@" >"$T/absent.out" 2>&1; then
		ok "$desc"
	else
		not_ok "$desc"
		sed 's/^/# /' "$T/absent.out" >&2
	fi
}

same() {
	if [ -n "$2" ] && [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "  got '$2'"
		diag " want '$3'"
	fi
}
