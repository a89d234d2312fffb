#!/bin/bash
# lethe-log end to end: a log of three releases built one append at a time,
# every proof and consistency proof checked, every kind of tampering refused
# by name, and the monitor over real HTTPS (nginx on loopback, a CA made
# here) seeing growth, a shrunken tree and a forked history.  Every key is
# made in the scratch directory; nothing private is committed.
set -eu -o pipefail
. "$(dirname "$0")/../tap.sh"
L=$(realpath "${LETHE_LOG:-build/host/lethe-log}")
TOP=$PWD
T=$(tap_scratch log)
chmod 755 "$T"
tap_cleanup_on_exit
tap_plan 44
cd "$T"

# A synthetic but valid lethe-release/v1 record, number N (version 0.N.0).
mkrec() {
	local n=$1 h
	h=$(printf '%064x' "$n")
	printf 'lethe-release/v1\nversion 0.%d.0\ncommit %040x\nsource-date-epoch 1764633600\napproval-epoch %d\n' \
		"$n" "$n" $((1764633600 + n))
	for a in zip descriptor kernel initramfs uki manifest; do printf 'sha256 %s %s\n' "$a" "$h"; done
	printf 'pcr qemu 7 %s\npcr stboot 12 %s\npcr uefi 4 %s\n' "$h" "$h" "$h"
}
# refused CODE PATTERN CMD...: CMD exits CODE and says PATTERN on stderr.
refused() {
	local code=$1 pat=$2 rc=0
	shift 2
	timeout 60 "$@" >out 2>err || rc=$?
	if [ "$rc" != "$code" ]; then
		diag "exit $rc, want $code: $*"
		sed 's/^/  /' err >&2
		return 1
	fi
	grep -q -e "$pat" err || { diag "no '$pat' in:"; sed 's/^/  /' err >&2; return 1; }
}
# flip FILE OFFSET: one bit of one byte changed in place.
flip() {
	python3 -c 'import sys; p=sys.argv[1]; o=int(sys.argv[2]); b=bytearray(open(p,"rb").read()); b[o]^=1; open(p,"wb").write(b)' "$1" "$2"
}
for i in 1 2 3 4; do mkrec "$i" >"r$i"; done
mkrec 33 >r3b
printf 'hello\n' >notarecord

# --- keys -----------------------------------------------------------------
check "keygen writes a vkey and a 0600 private key" \
	bash -c "'$L' keygen --name dev.lethe.invalid/log --key k --pub k.pub >/dev/null && [ \$(stat -c %a k) = 600 ] && grep -q '^PRIVATE+KEY+dev.lethe.invalid/log+' k"
check "keygen refuses to overwrite a key" refused 100 "File exists" "$L" keygen --name dev.lethe.invalid/log --key k --pub k2.pub
"$L" keygen --name dev.lethe.invalid/log --key other --pub other.pub >/dev/null

# --- three appends, a monitor watching each -------------------------------
check "append of a non-record is refused, nothing written" \
	bash -c "'$L' append --log log --key k notarecord 2>err; [ \$? = 100 ] && grep -q 'record line 1' err && [ ! -e log/checkpoint ]"
for i in 1 2 3; do
	check "append entry $i" bash -c "'$L' append --log log --key k r$i >out && grep -qx 'appended $((i - 1))' out && grep -qx 'size $i' out"
	cp log/checkpoint "cp$i"
	rm -rf "snap$i" && cp -a log "snap$i"
	check "monitor sees entry $i (local directory)" \
		bash -c "'$L' monitor --pub k.pub --state mon log >out && grep -q '^new $((i - 1)) 0.$i.0 ' out"
done
check "the first monitor run says it trusts on first use" bash -c "cd '$T' && rm -rf m0 && '$L' monitor --pub k.pub --state m0 snap1 | grep -q 'trusting the log on first use'"
check "monitor: unchanged log" bash -c "'$L' monitor --pub k.pub --state mon log | grep -qx 'unchanged size 3'"

# --- proofs ----------------------------------------------------------------
for i in 0 1 2; do
	check "inclusion proof of entry $i verifies" \
		bash -c "'$L' proof --log log --pub k.pub --index $i --out p$i && '$L' verify --pub k.pub p$i | grep -qx 'ok $i 0.$((i + 1)).0'"
done
cat p2 p0 p1 >proofs
check "a proofs file of three proofs verifies" bash -c "'$L' verify --pub k.pub proofs | wc -l | grep -qx 3"
check "an old proof (size 1) still verifies after growth" \
	bash -c "'$L' proof --log snap1 --pub k.pub --index 0 --out old0 && '$L' verify --pub k.pub old0 >/dev/null"
for mn in "1 2" "2 3" "1 3"; do
	set -- $mn
	check "consistency $1 -> $2 verifies" \
		bash -c "'$L' consistency --log log --pub k.pub --old $1 --new $2 >c$1$2 && '$L' check-consistency --pub k.pub cp$1 cp$2 c$1$2 | grep -qx 'consistent $1 $2'"
done
check "consistency proof 1->3 refused against checkpoint 2" refused 1 "inconsistent: 1 -> 2" "$L" check-consistency --pub k.pub cp1 cp2 c13
check "show --version prints the verified entry" bash -c "'$L' show --log log --pub k.pub --version 0.2.0 | cmp - r2"

# An independent reading of the files (Python, RFC 9162 MTH, tlog-tiles):
# the bundle's entries are the records, the level-0 tile their leaf hashes,
# the checkpoint's root their tree's.
check "tiles and bundle match an independent implementation" python3 - log r1 r2 r3 <<'PY'
import base64, hashlib, sys
d = sys.argv[1]
want = [open(f, "rb").read() for f in sys.argv[2:]]
b = open(d + "/tile/entries/000.p/3", "rb").read()
got = []
while b:
    n = int.from_bytes(b[:2], "big"); got.append(b[2:2 + n]); b = b[2 + n:]
assert got == want, "bundle"
leaves = [hashlib.sha256(b"\0" + e).digest() for e in got]
assert open(d + "/tile/0/000.p/3", "rb").read() == b"".join(leaves), "level-0 tile"
def mth(h):
    if len(h) == 1: return h[0]
    k = 1
    while k * 2 < len(h): k *= 2
    return hashlib.sha256(b"\1" + mth(h[:k]) + mth(h[k:])).digest()
cp = open(d + "/checkpoint").read().split("\n")
assert cp[1] == "3" and base64.b64decode(cp[2]) == mth(leaves), "root"
PY

# --- refusals ---------------------------------------------------------------
check "a checkpoint signed by another key is refused" \
	refused 1 "no signature by the log key dev.lethe.invalid/log" "$L" verify --pub other.pub p0
{ sed -n 1p p0; sed -n 2p p1; sed -n '3,$p' p0; } >swapped
check "a proof whose extra is another entry is refused" \
	refused 1 "proof 1: inclusion: path does not lead to the checkpoint's root" "$L" verify --pub k.pub swapped
cat p0 swapped >two
check "the bad proof is named in a proofs file" refused 1 "proof 2: inclusion" "$L" verify --pub k.pub two

cp -a log bad-tile && flip bad-tile/tile/0/000.p/3 40
check "a flipped byte in a tile is refused (show)" refused 1 "tiles do not reproduce the checkpoint's root" \
	"$L" show --log bad-tile --pub k.pub --index 0
check "a flipped byte in a tile is refused (append)" refused 1 "log directory inconsistent" \
	"$L" append --log bad-tile --key k r4
check "a flipped byte in a tile is refused (monitor)" refused 1 "tiles do not reproduce" \
	"$L" monitor --pub k.pub --state m-tile bad-tile
cp -a log bad-entry && flip bad-entry/tile/entries/000.p/3 300
check "a flipped byte in an entry bundle is refused" refused 1 "does not match its leaf hash" \
	"$L" show --log bad-entry --pub k.pub --index 0
check "a flipped byte in an entry bundle is refused (monitor)" refused 1 "does not match its leaf hash" \
	"$L" monitor --pub k.pub --state m-entry bad-entry
cp -a log bad-cp && flip bad-cp/checkpoint 30
check "a flipped byte in the checkpoint is refused" refused 1 "checkpoint: " \
	"$L" monitor --pub k.pub --state m-cp bad-cp
check "a checkpoint signed by another key is refused (monitor)" refused 1 "no signature by the log key" \
	"$L" monitor --pub other.pub --state m-other log

cp -a mon mon-shrink
check "monitor: a tree that shrank is refused" refused 1 "tree shrank from 3 to 2" \
	"$L" monitor --pub k.pub --state mon-shrink snap2
check "monitor: the state is kept on a refusal" cmp mon-shrink/checkpoint cp3

# A forked history: the same key, another third entry.
"$L" append --log fork --key k r1 r2 r3b >/dev/null
cp -a mon mon-fork
check "monitor: same size, other root: SPLIT VIEW, exit 1" refused 1 "SPLIT VIEW: two checkpoints of the same size" \
	"$L" monitor --pub k.pub --state mon-fork fork
check "monitor: both checkpoints kept as evidence" \
	bash -c "cmp mon-fork/evidence-3-*.saved cp3 && cmp mon-fork/evidence-3-*.seen fork/checkpoint"
"$L" append --log fork --key k r4 >/dev/null
cp -a mon mon-fork4
check "monitor: a longer fork does not extend the saved tree: SPLIT VIEW" refused 1 "SPLIT VIEW: the tree of size 4 does not extend" \
	"$L" monitor --pub k.pub --state mon-fork4 fork

# Two appenders at once: serialized, both land.
("$L" append --log conc --key k r1 >/dev/null) & a=$!
("$L" append --log conc --key k r2 >/dev/null) & b=$!
rca=0 rcb=0; wait $a || rca=$?; wait $b || rcb=$?
check "two concurrent appends both land" \
	bash -c "[ $rca = 0 ] && [ $rcb = 0 ] && sed -n 2p conc/checkpoint | grep -qx 2 && '$L' proof --log conc --pub k.pub --index 1 >/dev/null"

# --- the monitor over HTTPS ---------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=test-ca \
	-keyout ca.key -out ca.pem 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
	-keyout srv.key -out srv.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >srv.ext
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile srv.ext -out srv.pem 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=other-ca \
	-keyout oca.key -out oca.pem 2>/dev/null
PORT=$("$TOP/scripts/free-ports" 1)
mkdir -p ngx/tmp www
cp -a snap2 www/log
# the reference configuration an operator serves the log with
sed -e "s|@RUN@|$T/ngx|g" -e "s|@LISTEN@|127.0.0.1:$PORT|g" -e "s|@NAME@|127.0.0.1|g" \
	-e "s|@CERT@|$T/srv.pem|g" -e "s|@KEY@|$T/srv.key|g" -e "s|@LOG@|$T/www/log|g" \
	"$TOP/scripts/configserver/log.nginx.conf" >ngx/nginx.conf
if ! tap_nobody_reaches "$T" "$T/www/log/checkpoint"; then
	echo "Bail out! nginx's workers (nobody) cannot reach $T (run through make, or set LETHE_TEST_TMPDIR)"
	exit 1
fi
nginx -p "$T/ngx" -c "$T/ngx/nginx.conf" -g 'daemon off;' 2>ngx/stderr &
PIDS+=($!)
for ((i = 0; i < 100; i++)); do
	[ -s ngx/nginx.pid ] && break
	kill -0 "${PIDS[-1]}" 2>/dev/null || break
	sleep 0.1
done
if [ ! -s ngx/nginx.pid ]; then
	echo "Bail out! nginx did not start on 127.0.0.1:$PORT"
	sed 's/^/# /' ngx/stderr ngx/error.log >&2 || true
	exit 1
fi
URL=https://127.0.0.1:$PORT/log
check "https monitor: first run checks entries 0 and 1" \
	bash -c "timeout 60 '$L' monitor --pub k.pub --state hmon --cacert ca.pem $URL >out && grep -q '^new 1 0.2.0 ' out && grep -qx 'verified size 2 (was 0)' out"
rm -rf www/log.new && cp -a log www/log.new && rm -rf www/log && mv www/log.new www/log
check "https monitor: the log grew by one" \
	bash -c "timeout 60 '$L' monitor --pub k.pub --state hmon --cacert ca.pem $URL >out && grep -q '^new 2 0.3.0 ' out && ! grep -q '^new 1 ' out"
check "https monitor: a server the CA did not sign is refused (111)" refused 111 "unable to fetch" \
	"$L" monitor --pub k.pub --state hmon --cacert oca.pem "$URL"
check "https show: an entry by version" \
	bash -c "timeout 60 '$L' show --log $URL --pub k.pub --cacert ca.pem --version 0.3.0 | cmp - r3"
rm -rf www/log && cp -a fork www/log
check "https monitor: the fork served later is a SPLIT VIEW" refused 1 "SPLIT VIEW" \
	"$L" monitor --pub k.pub --state hmon --cacert ca.pem "$URL"
check "https monitor: http:// is refused" refused 100 "only https://" \
	"$L" monitor --pub k.pub --state hmon "http://127.0.0.1:$PORT/log"
tap_done
