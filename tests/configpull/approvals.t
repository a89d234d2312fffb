#!/bin/bash
# configpull fetches the approvals file (GET /v1/approvals on the document's
# origin, server-authenticated TLS) with the node document, from real nginx
# (scripts/configserver/nginx.conf) on loopback, and keeps
# OUTDIR/approvals equal to it: 0640, replaced atomically, removed when the
# server has none (404), kept when a fetch fails, never a document error.
# The transparency-log proofs (GET /v1/logproofs -> OUTDIR/logproofs, at
# most 64 KiB) the same way, each file on its own.
set -eu -o pipefail
CP_TEST=approvals
. "$(dirname "$0")/lib.sh"
tap_plan 13

fleet init "$T/fleet" >/dev/null 2>&1
fleet server "$T/fleet" localhost >/dev/null 2>&1
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/a.key" 2>/dev/null
id=$(fleet nodeid "$T/a.key")
openssl req -new -key "$T/a.key" -subj "/CN=$id" -out "$T/a.csr" 2>/dev/null
fleet sign "$T/fleet" "$T/a.csr" >/dev/null 2>&1
cp "$T/fleet/certs/$id.pem" "$T/a.pem"
sed "s/\"node\": \"[0-9a-f]*\"/\"node\": \"$id\"/" tests/configpull/example.json >"$T/a.json"
fleet doc "$T/fleet" "$id" "$T/a.json"
chmod -R a+rX "$T/fleet/nodes" "$T/fleet/certs"

P=$(freeport)
cp_nginx main "$T/fleet" "$P" localhost
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$P") 2>/dev/null && break; sleep 0.1; done

pull() {
	local rc=0
	"$CONFIGPULL" fetch --url "https://localhost:$P/v1/node.json" --ca "$T/fleet/ca.pem" \
		--cert "$T/a.pem" --key "$T/a.key" -o "$T/out" -d "$T/data" -k "$T/keys" -g nogroup \
		--attempts 1 --connect-timeout 2 --timeout 5 >"$T/stdout" 2>"$T/stderr" || rc=$?
	sed 's/^/# /' "$T/stderr" >&2
	echo "$rc"
}
serve() { install -m 644 "$1" "$T/fleet/approvals"; }

rc=$(pull)
check "no approvals on the server (404): the document still applies, no file, no warning (rc=$rc)" \
	bash -c "[ '$rc' = 0 ] && [ ! -e '$T/out/approvals' ] && ! grep -q warning '$T/stderr'"
head -c 232 /dev/urandom >"$T/ap1"
serve "$T/ap1"
check "the approvals are public: fetchable without a client certificate" \
	bash -c "curl -sf --cacert '$T/fleet/ca.pem' https://localhost:$P/v1/approvals | cmp -s - '$T/ap1'"
rc=$(pull)
check "approvals stored at OUTDIR/approvals, 0640, the output group (rc=$rc, document unchanged)" \
	bash -c "[ '$rc' = 3 ] && cmp -s '$T/ap1' '$T/out/approvals' && [ \"\$(stat -c '%a %G' '$T/out/approvals')\" = '640 nogroup' ]"
head -c 116 /dev/urandom >"$T/ap2"
serve "$T/ap2"
rc=$(pull)
check "new approvals replace the old, with an unchanged document (304) (rc=$rc)" \
	bash -c "[ '$rc' = 3 ] && cmp -s '$T/ap2' '$T/out/approvals'"
head -c $((8 * 1024 + 1)) /dev/zero >"$T/big"
serve "$T/big"
rc=$(pull)
check "approvals over 8 KiB: refused with a warning, the old file kept, the document fine (rc=$rc)" \
	bash -c "[ '$rc' = 3 ] && grep -q 'approvals refused' '$T/stderr' && cmp -s '$T/ap2' '$T/out/approvals'"
: >"$T/empty"
serve "$T/empty"
rc=$(pull)
check "an empty approvals file is stored as such (rc=$rc)" \
	bash -c "[ '$rc' = 3 ] && [ -f '$T/out/approvals' ] && [ ! -s '$T/out/approvals' ]"
serve "$T/ap1"
pull >/dev/null
rm -f "$T/fleet/approvals"
rc=$(pull)
check "approvals withdrawn on the server (404): the file is removed (rc=$rc)" \
	bash -c "[ '$rc' = 3 ] && [ ! -e '$T/out/approvals' ]"
head -c 3000 /dev/urandom >"$T/lp1"
install -m 644 "$T/lp1" "$T/fleet/logproofs"
rc=$(pull)
check "log proofs stored at OUTDIR/logproofs, 0640, the output group (rc=$rc)" \
	bash -c "[ '$rc' = 3 ] && cmp -s '$T/lp1' '$T/out/logproofs' && [ \"\$(stat -c '%a %G' '$T/out/logproofs')\" = '640 nogroup' ]"
head -c $((64 * 1024 + 1)) /dev/zero >"$T/fleet/logproofs"
serve "$T/ap2"
rc=$(pull)
check "log proofs over 64 KiB: refused with a warning, the old kept (rc=$rc)" \
	bash -c "[ '$rc' = 3 ] && grep -q 'logproofs refused: larger than 65536 bytes' '$T/stderr' && cmp -s '$T/lp1' '$T/out/logproofs'"
check "the same pull still replaced the approvals: each file on its own" cmp -s "$T/ap2" "$T/out/approvals"
rm -f "$T/fleet/logproofs"
rc=$(pull)
check "log proofs withdrawn (404): the file is removed (rc=$rc)" \
	bash -c "[ '$rc' = 3 ] && [ ! -e '$T/out/logproofs' ]"
install -m 644 "$T/lp1" "$T/fleet/logproofs"
serve "$T/ap1"
pull >/dev/null
kill "${PIDS[0]}"; wait "${PIDS[0]}" 2>/dev/null || true
PIDS=()
rc=$(pull)
check "server unreachable: the document fails as before, the approvals and proofs kept (rc=$rc)" \
	bash -c "[ '$rc' = 111 ] && cmp -s '$T/ap1' '$T/out/approvals' && cmp -s '$T/lp1' '$T/out/logproofs'"
check "no temporaries left" [ -z "$(find "$T/out" -name '.*tmp*')" ]
tap_done
