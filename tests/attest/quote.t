#!/usr/bin/env bash
# The quote on every pull (include/lethe_attest.h), end to end: the
# reference nginx (scripts/configserver/render-nginx, ATTEST=on) with mTLS
# client certificates of a fleet made by scripts/fleet, attestd serve with
# the release log of lethe-log and scripts/log-record, nodes whose TPMs are
# swtpms holding an AK made as the node makes it, enrolled by enroll-add
# and POST /v1/activate.  The node's firmware is simulated: attest_mkelog
# writes the event log of PCRs 4, 7, 9, 11 and its digests are extended
# into the swtpm; tpm2_quote quotes.  Each refusal is checked for its
# reason and for issuing no token; the gate is checked on the files it
# guards.
set -eu -o pipefail
AT_TEST=quote
cd "$(dirname "$0")/../.."
# shellcheck source=tests/attest/lib.sh
. tests/attest/lib.sh
# shellcheck source=tests/logrelease.sh
. tests/logrelease.sh
ATTEST_MKELOG=$(realpath "${ATTEST_MKELOG:-build/host/attest_mkelog}")
LETHE_LOG=$(realpath "${LETHE_LOG:-build/host/lethe-log}")
TOP=$PWD
F=$T/fleet RUN=$T/run L=$T/log

# --- the fleet, the release log, the nodes' firmware ------------------------

"$TOP/scripts/fleet" init "$F" >/dev/null 2>&1
"$TOP/scripts/fleet" server "$F" 127.0.0.1 >/dev/null 2>&1
mkdir -p "$RUN/tmp" "$L"
chmod 755 "$RUN"
"$LETHE_LOG" keygen --name test.lethe.invalid/log --key "$L/log.key" --pub "$L/log.pub" >/dev/null

hexof() { printf '%b' "$1" | xxd -p | tr -d '\n'; }
# OVMF's outline on a UEFI direct boot of the UKI: PCRs 4, 7, 9, 11.
firmware() {
	cat <<EOF
4 0x80000007 $(hexof 'Calling EFI Application from Boot Option')
7 0x80000001 $(hexof 'SecureBoot')
4 0x4 00000000
7 0x4 00000000
4 0x80000003 $(printf '%064d' 0)
9 0xd $(hexof "${1:-initrd}")
11 0xd $(hexof 'uki sections')
EOF
}
firmware >"$T/fw.spec"
{ cat "$T/fw.spec"; echo "9 0xd $(hexof 'extra')"; } >"$T/fw-extra.spec"
firmware initrd2 >"$T/fw-changed.spec"

# elog SPEC NAME: the log of SPEC in $T/NAME.log, mkelog's lines in .out.
elog() { "$ATTEST_MKELOG" "$T/$2.log" <"$1" >"$T/$2.out"; }
elog "$T/fw.spec" fw
elog "$T/fw-extra.spec" fw-extra
elog "$T/fw-changed.spec" fw-changed


# publish VERSION OUT: VERSION's record (qemu = OUT's pcr lines) appended to
# the log; FLEET/logproofs rewritten with every version's proof, as the
# operator does (a new file renamed in place).
publish() {
	local o=$T/rel-$1
	mkdir -p "$o"
	awk '$1 == "pcr" { print "qemu", $2, $3 }' "$2" >"$o/lethe.pcrs"
	log_release "$o" "$1" 1 "$L/log" "$L/log.key" "$L/proof-$1" || return 1
	cat "$L"/proof-* >"$F/logproofs.tmp"
	chmod 644 "$F/logproofs.tmp"
	mv "$F/logproofs.tmp" "$F/logproofs"
}
check "v1 published in the release log" publish v1 "$T/fw.out"
echo "approvals of this fleet" >"$F/approvals"
chmod 644 "$F/approvals"

# node NAME TCTI: the node's TPM keys (at_keys: EK, and the AK at
# AK_HANDLE made as configpull makes it), its mTLS key (a software key in
# this test; the node id is its SPKI's hash), the fleet's certificate for
# it put in pending/ for the activation to publish, its document, and its
# credential; enroll-add records the enrollment.
node() {
	local d=$T/$1 id
	at_keys "$2" "$d"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/mtls.key" 2>/dev/null
	id=$(openssl pkey -in "$d/mtls.key" -pubout -outform der | sha256sum | cut -c1-64)
	echo "$id" >"$d/node"
	openssl req -new -key "$d/mtls.key" -subj "/CN=$id" -out "$d/csr" 2>/dev/null
	"$TOP/scripts/fleet" sign "$F" "$d/csr" >/dev/null 2>&1
	cp "$F/certs/$id.pem" "$d/mtls.pem"
	mv "$F/certs/$id.pem" "$F/pending/$id.pem"
	echo "{\"node\": \"$1\"}" >"$F/nodes/$id.json"
	chmod 644 "$F/nodes/$id.json"
	head -c 32 /dev/urandom >"$d/secret"
	tpm2_makecredential -T none -u "$d/ek.pub" -s "$d/secret" -n "$(xxd -p -c 100 "$d/ak.name")" \
		-o "$d/cred" >/dev/null 2>&1
	"$ATTESTD" enroll-add --db "$F/attest.db" --node "$id" --ak-public "$d/ak.pub" --ek-cert "$d/ek.der" \
		--secret-sha256 "$(sha256sum <"$d/secret" | cut -c1-64)" >/dev/null
}
at_swtpm tpm1
at_swtpm tpm2
at_swtpm tpm3
check "node A (tpm1) enrolled" node A "$TCTI_tpm1"
check "node B (tpm2) enrolled" node B "$TCTI_tpm2"
check "node C (tpm3) enrolled, never activated" node C "$TCTI_tpm3"
boot_ab() { attest_extend "$TCTI_tpm1" "$T/fw.out" && attest_extend "$TCTI_tpm2" "$T/fw.out"; }
check "A's and B's firmware boot: the log's digests extended into their TPMs" boot_ab
A=$(cat "$T/A/node") B=$(cat "$T/B/node") C=$(cat "$T/C/node")

# --- nginx and attestd --------------------------------------------------------

serve() {
	attestd_serve "$RUN/attestd.sock" "$T/attestd.log" --db "$F/attest.db" --pending "$F/pending" \
		--certs "$F/certs" --log-key "$L/log.pub" --log-proofs "$F/logproofs" && SERVE_PID=$ATTESTD_PID
}
check "attestd serve starts" serve
check "attestd leaves no core dump (it holds activation secrets and tokens): core limit 0" \
	grep -Eq '^Max core file size +0 +0 ' "/proc/$SERVE_PID/limits"
check "attestd loaded the release log" grep -q "attestd: releases: 1 from $F/logproofs: v1" "$T/attestd.log"

PORT=$(freeport)
scripts/configserver/render-nginx "$F" "$RUN" "127.0.0.1:$PORT" 127.0.0.1 on >"$RUN/nginx.conf"
at_nginx "$RUN" "$PORT"
URL=https://127.0.0.1:$PORT

# req NAME CURL-ARGS...: a request as node NAME (its client certificate;
# "-" for none); the body in $T/resp, the status printed.
req() {
	local who=$1 cert=()
	shift
	[ "$who" = - ] || cert=(--cert "$T/$who/mtls.pem" --key "$T/$who/mtls.key")
	curl -s --cacert "$F/ca.pem" "${cert[@]}" -o "$T/resp" -w '%{http_code}' "$@"
}

# activate NAME TCTI: the node recovers its secret (AK and EK, under a
# PolicySecret(endorsement) session) and posts it to /v1/activate.
activate() {
	local d=$T/$1
	TPM2TOOLS_TCTI=$2 tpm2_startauthsession --policy-session -S "$d/s.ctx"
	TPM2TOOLS_TCTI=$2 tpm2_policysecret -S "$d/s.ctx" -c e >/dev/null
	TPM2TOOLS_TCTI=$2 tpm2_activatecredential -c "$AK_HANDLE" -C 0x81010001 -i "$d/cred" -o "$d/recovered" \
		-P "session:$d/s.ctx" >/dev/null
	TPM2TOOLS_TCTI=$2 tpm2_flushcontext "$d/s.ctx"
	printf 'node %s\nsecret %s\n' "$(cat "$d/node")" "$(base64 -w0 "$d/recovered")" >"$d/activate"
	test "$(req - --data-binary @"$d/activate" "$URL/v1/activate") $(cat "$T/resp")" = "200 activated"
}
check "A activates through /v1/activate" activate A "$TCTI_tpm1"
check "B activates through /v1/activate" activate B "$TCTI_tpm2"

# --- the pull ------------------------------------------------------------------

# nonce NAME: POST /v1/attest/nonce; the nonce in $T/NAME/nonce.
nonce() {
	local s
	s=$(req "$1" -X POST --data-binary '' "$URL/v1/attest/nonce")
	sed -n 's/^nonce //p' "$T/resp" >"$T/$1/nonce"
	if [ "$s" != 200 ] || [ ! -s "$T/$1/nonce" ]; then
		diag "nonce: $s $(cat "$T/resp")"
		return 1
	fi
}

# body NAME TCTI LOG: node NAME's quote body over its nonce, quoted by the
# AK in TCTI's TPM, with LOG as the event log: $T/NAME/body.
body() {
	local d=$T/$1 i=0 p
	TPM2TOOLS_TCTI=$2 tpm2_quote -Q -c "$AK_HANDLE" -l sha256:4,7,9,11,12,13,14 -f tss \
		-q "$(base64 -d "$d/nonce" | xxd -p -c 64)" -m "$d/q.msg" -s "$d/q.sig" -o "$d/q.pcrs" -F values
	TPM2TOOLS_TCTI=$2 tpm2_flushcontext -t
	{
		printf 'nonce %s\nquote %s\nsignature %s\n' "$(cat "$d/nonce")" "$(base64 -w0 "$d/q.msg")" \
			"$(base64 -w0 "$d/q.sig")"
		for p in 4 7 9 11 12 13 14; do
			printf 'pcr %s %s\n' $p "$(xxd -p -s $((i * 32)) -l 32 -c 32 "$d/q.pcrs")"
			i=$((i + 1))
		done
		printf 'eventlog %s\n' "$(base64 -w0 "$3")"
	} >"$d/body"
}

# post NAME [BODY]: POST /v1/attest; prints "STATUS FIRST-LINE"; a token
# goes to $T/NAME/token (and is removed otherwise).
post() {
	local s
	rm -f "$T/$1/token"
	s=$(req "$1" --data-binary @"${2:-$T/$1/body}" "$URL/v1/attest")
	sed -n 's/^token //p' "$T/resp" >"$T/$1/token.new"
	[ -s "$T/$1/token.new" ] && mv "$T/$1/token.new" "$T/$1/token"
	printf '%s %s' "$s" "$(head -n 1 "$T/resp")"
}

# attest NAME TCTI LOG: nonce, quote, post.
attest() { nonce "$1" && body "$1" "$2" "$3" && post "$1"; }

# refused WANT NAME [BODY]: the quote is refused with a reason starting
# with WANT, and no token is issued.
refused() {
	local got
	got=$(post "$2" "${3:-}")
	if [[ $got != "403 $1"* ]] || [ -e "$T/$2/token" ] || grep -q '^token ' "$T/resp"; then
		diag "got '$got' (want '403 $1...', no token)"
		return 1
	fi
}

# gated NAME PATH [TOKEN]: the status of GET PATH as NAME with TOKEN.
gated() {
	local h=()
	[ $# -lt 3 ] || h=(-H "X-Lethe-Attest: $3")
	req "$1" "${h[@]}" "$URL$2"
}

check "A gets a nonce" nonce A
check "A's quote passes as v1 on path qemu" test "$(body A "$TCTI_tpm1" "$T/fw.log" && post A)" = "200 ok v1 qemu"
check "with a token of 32 bytes" test "$(base64 -d "$T/A/token" | wc -c)" = 32
TOKEN_A=$(cat "$T/A/token")
cp "$T/A/body" "$T/A/body.used"
check "the token opens node.json (A's own document)" \
	test "$(gated A /v1/node.json "$TOKEN_A") $(cat "$T/resp")" = "200 {\"node\": \"A\"}"
check "the token opens the approvals" test "$(gated A /v1/approvals "$TOKEN_A")" = 200
check "the token opens the log proofs" test "$(gated A /v1/logproofs "$TOKEN_A")" = 200
check "no token: node.json 403" test "$(gated A /v1/node.json)" = 403
check "no token: approvals 403" test "$(gated A /v1/approvals)" = 403
check "no token: log proofs 403" test "$(gated A /v1/logproofs)" = 403
check "a wrong token: 403" test "$(gated A /v1/node.json "$(head -c 32 /dev/urandom | base64 -w0)")" = 403
check "a token that is not base64 of 32 bytes: 403" test "$(gated A /v1/node.json "AAAA")" = 403
check "B's quote passes" test "$(attest B "$TCTI_tpm2" "$T/fw.log")" = "200 ok v1 qemu"
TOKEN_B=$(cat "$T/B/token")
check "B's token on A's request: 403" test "$(gated A /v1/node.json "$TOKEN_B")" = 403
check "A's token on B's request: 403" test "$(gated B /v1/node.json "$TOKEN_A")" = 403
check "B's token on B's request: 200" test "$(gated B /v1/node.json "$TOKEN_B")" = 200
check "without a client certificate: nonce 403" test "$(req - -X POST --data-binary '' "$URL/v1/attest/nonce")" = 403
check "without a client certificate: quote 403" test "$(req - --data-binary @"$T/A/body" "$URL/v1/attest")" = 403
check "without a client certificate: node.json 403" test "$(gated - /v1/node.json "$TOKEN_A")" = 403
check "GET of the nonce: 403 (POST only)" test "$(req A "$URL/v1/attest/nonce")" = 403
check "the gate is internal: 404" test "$(gated A /v1/attest/gate "$TOKEN_A")" = 404

# --- refusals --------------------------------------------------------------------

check "a replayed nonce: stale nonce" refused "stale nonce: " A "$T/A/body.used"
check "the refusal closed A's gate: node.json 403 with the old token" \
	test "$(gated A /v1/node.json "$TOKEN_A")" = 403
nonce A
body A "$TCTI_tpm2" "$T/fw.log"
check "a quote by another TPM's AK: bad signature" refused "bad signature: AK signature does not verify" A
nonce A
body A "$TCTI_tpm1" "$T/fw-changed.log"
check "an event log that does not replay (an event's data changed): bad event log" \
	refused "bad event log: PCR 9 replays to $(awk '$1 == "pcr" && $2 == 9 { print $3 }' "$T/fw-changed.out")" A
nonce A
body A "$TCTI_tpm1" "$T/fw.log"
sed 's/^\(quote .\{21\}\).*/\1/' "$T/A/body" >"$T/A/body.trunc"
check "a truncated quote: 400 malformed quote" test "$(post A "$T/A/body.trunc")" = \
	"400 malformed quote: quote is not base64 of 1 to 1024 bytes"
check "a malformed body spends no nonce: the same nonce then passes" test "$(post A)" = "200 ok v1 qemu"
head -c 10485760 /dev/zero >"$T/big"
check "a 10 MB body: 413 from nginx" test "$(req A --data-binary @"$T/big" "$URL/v1/attest")" = 413
check "a node with no activated AK: nonce refused, unknown AK" \
	test "$(req C -X POST --data-binary '' "$URL/v1/attest/nonce") $(cat "$T/resp")" = \
	"403 unknown AK: enrollment pending, no activated attestation key"
check "and its quote too" refused "unknown AK: " C "$T/A/body"

# --- restart, a second release ------------------------------------------------------

kill -TERM "$SERVE_PID"
rc=0
wait "$SERVE_PID" || rc=$?
check "SIGTERM: attestd exits 0" test "$rc" = 0
check "attestd restarts" serve
check "after the restart A still attests" test "$(attest A "$TCTI_tpm1" "$T/fw.log")" = "200 ok v1 qemu"
check "and its new token opens node.json" test "$(gated A /v1/node.json "$(cat "$T/A/token")")" = 200
"$ATTESTD" status --db "$F/attest.db" >"$T/status"
check "status: A attested v1 on qemu, passed" \
	grep -Eq "^$A active created=[0-9T:Z-]+ activated=[0-9T:Z-]+ ak=000b[0-9a-f]{8}\.\.\. wrong=0 attested=v1 path=qemu quote=[0-9T:Z-]+ result=pass reason=-\$" \
	"$T/status"
check "status: C never quoted" grep -q "^$C pending .* attested=- path=- quote=- result=- reason=-\$" "$T/status"

# A's TPM measures one more event into PCR 9, which its log records: the log
# replays, but no release has those PCRs.
attest_extend "$TCTI_tpm1" "$T/fw-extra.out" "$(grep -c '^extend ' "$T/fw.out" | awk '{ print $1 + 1 }')"
nonce A
body A "$TCTI_tpm1" "$T/fw-extra.log"
check "an unlogged image: no matching release, naming PCR 9" \
	refused "no matching release: closest is v1 (qemu): PCR 9 differs" A
"$ATTESTD" status --db "$F/attest.db" >"$T/status"
check "status: A's last refusal and its reason" \
	grep -q "^$A active .* attested=- path=- quote=[0-9T:Z-]* result=fail reason=\"no matching release: closest is v1 (qemu): PCR 9 differs\"\$" \
	"$T/status"
check "v2 (that image) published" publish v2 "$T/fw-extra.out"
check "without a restart, A now attests as v2" test "$(attest A "$TCTI_tpm1" "$T/fw-extra.log")" = "200 ok v2 qemu"
check "attestd logged the new release set" grep -q "attestd: releases: 2 from $F/logproofs: v1 v2" "$T/attestd.log"

# --- history ---------------------------------------------------------------------------

for ((i = 0; i < 35; i++)); do post B "$T/B/body" >/dev/null; done
"$ATTESTD" status --db "$F/attest.db" --history "$B" >"$T/history"
check "--history: B's last 32 results" test "$(wc -l <"$T/history")" = 32
check "newest first: the stale nonces" \
	grep -Eq '^[0-9T:Z-]+ fail - - "stale nonce: none outstanding \(already used, or never asked for\)"$' \
	<(head -n 1 "$T/history")
"$ATTESTD" status --db "$F/attest.db" --history "$A" | head -n 2 | cut -d' ' -f2- >"$T/history-a"
check "--history: A's, newest first: the v2 pass, then the refusal" test "$(cat "$T/history-a")" = \
	"$(printf '%s\n' 'pass v2 qemu -' 'fail - - "no matching release: closest is v1 (qemu): PCR 9 differs"')"
check "the tokens appear in no log" sh -c '! grep -rqF -e "$1" -e "$2" -e "$3" "$4" "$5"' - \
	"$TOKEN_A" "$TOKEN_B" "$(cat "$T/A/token")" "$T/attestd.log" "$RUN"
check "attestd logs one line per pull request, naming route, node, status and reason" \
	grep -q "^attestd: attest $A: 403 stale nonce: " "$T/attestd.log"

tap_done
