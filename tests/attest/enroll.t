#!/usr/bin/env bash
# attestd check-enroll on bundles from swtpm (EK certificates by a
# test-local CA), then the activation service behind real nginx: the
# credential made by tpm2_makecredential, recovered by
# tpm2_activatecredential on the swtpm, posted to attestd.
set -eu -o pipefail
AT_TEST=enroll
cd "$(dirname "$0")/../.."
# shellcheck source=tests/attest/lib.sh
. tests/attest/lib.sh

at_swtpm tpm1
at_swtpm tpm2
A=$T/a B=$T/b
at_keys "$TCTI_tpm1" "$A"
at_certify "$TCTI_tpm1" "$A"
at_bundle "$A" >"$A/bundle"
at_keys "$TCTI_tpm2" "$B"
at_certify "$TCTI_tpm2" "$B"
at_bundle "$B" >"$B/bundle"
NODE_A=$(cat "$A/node") NODE_B=$(cat "$B/node")

# --- check-enroll -----------------------------------------------------------

check "swtpm bundle is accepted" \
	"$ATTESTD" check-enroll --ek-ca "$T/tpm1/ca.pem" --node "$NODE_A" --tls-pem "$A/tls.pem" \
	--ek-public-out "$A/out-ek.pub" --ak-public-out "$A/out-ak.pub" --ek-cert-out "$A/out-ek.der" "$A/bundle"
out=$("$ATTESTD" check-enroll --ek-ca "$T/tpm1/ca.pem" --node "$NODE_A" --tls-pem "$A/tls.pem" "$A/bundle" || true)
check "prints the node and tpm2-tools' name of the AK" \
	test "$out" = "$(printf 'node %s\nak-name %s' "$NODE_A" "$(xxd -p -c 100 "$A/ak.name")")"
check "writes the EK and AK TPM2B_PUBLIC and the EK certificate as read" \
	cmp "$A/out-ek.pub" "$A/ek.pub" -- && cmp "$A/out-ak.pub" "$A/ak.pub" && cmp "$A/out-ek.der" "$A/ek.der"
# Root and intermediate in separate files: both are gathered.
csplit -s -z -f "$T/tpm1/part" "$T/tpm1/ca.pem" '/-----BEGIN CERTIFICATE-----/' '{*}'
check "CA certificates from several --ek-ca files" \
	"$ATTESTD" check-enroll --ek-ca "$T/tpm1/part00" --ek-ca "$T/tpm1/part01" --node "$NODE_A" \
	--tls-pem "$A/tls.pem" "$A/bundle"
check "the intermediate alone is no trust anchor" \
	refused "ek-cert: does not chain" "$T/tpm1/part01" "$A" "$A/bundle"
check "second swtpm's bundle is accepted with its own CA" \
	"$ATTESTD" check-enroll --ek-ca "$T/tpm2/ca.pem" --node "$NODE_B" --tls-pem "$B/tls.pem" "$B/bundle"
check "EK certificate from another CA is refused" \
	refused "ek-cert: does not chain" "$T/tpm1/ca.pem" "$B" "$B/bundle"

# The EK public swapped for another endorsement primary (the TPM's own, but
# not the TCG template: userWithAuth, no policy).
tpm "$TCTI_tpm1" tpm2_createprimary -C e -G rsa2048 -c "$T/other-ek.ctx"
tpm "$TCTI_tpm1" tpm2_readpublic -c "$T/other-ek.ctx" -o "$T/other-ek.pub"
sed "s|^attest-ek-public: .*|attest-ek-public: $(base64 -w0 "$T/other-ek.pub")|" "$A/bundle" >"$T/b-ekpub"
check "EK public that is not the EK template is refused" \
	refused "ek-public: attributes" "$T/tpm1/ca.pem" "$A" "$T/b-ekpub"
sed "s|^attest-ek-public: .*|attest-ek-public: $(base64 -w0 "$B/ek.pub")|" "$A/bundle" >"$T/b-ekpub2"
check "another TPM's EK public is refused (not the certified key)" \
	refused "ek-cert: certified key is not attest-ek-public" "$T/tpm1/ca.pem" "$A" "$T/b-ekpub2"

# A certify over another key (the AK itself), and with other qualifying data.
at_certify "$TCTI_tpm1" "$A" $AK_HANDLE
at_bundle "$A" >"$T/b-other-object"
check "certify over another key is refused" \
	refused "certify: certified object is not attest-tls-public" "$T/tpm1/ca.pem" "$A" "$T/b-other-object"
at_certify "$TCTI_tpm1" "$A" $TLS_HANDLE "$(printf 'lethe-enroll:%s' "$NODE_B" | sha256sum | cut -c1-64)"
at_bundle "$A" >"$T/b-other-q"
check "certify with other qualifying data is refused" \
	refused "certify: qualifying data" "$T/tpm1/ca.pem" "$A" "$T/b-other-q"
at_certify "$TCTI_tpm1" "$A"
cp "$A/certify.sig" "$T/sig.good"
printf '\x01' | cmp -s - <(tail -c 1 "$T/sig.good") && flip='\x02' || flip='\x01'
{ head -c 40 "$T/sig.good"; printf "$flip"; tail -c +42 "$T/sig.good"; } >"$A/certify.sig"
at_bundle "$A" >"$T/b-flipped"
cp "$T/sig.good" "$A/certify.sig"
check "a flipped signature byte is refused" \
	refused "certify-sig: AK signature does not verify" "$T/tpm1/ca.pem" "$A" "$T/b-flipped"
mkdir "$T/x" && cp "$B/tls.pem" "$A/node" "$T/x/"
check "the TLS key must be the CSR's" \
	refused "tls-public: point is not the key of --tls-pem" "$T/tpm1/ca.pem" "$T/x" "$A/bundle"

# Oversized and truncated lines, an oversized bundle, a line twice.
{ cat "$A/bundle"; } | sed "s|^attest-ek-cert: .*|attest-ek-cert: $(head -c 9000 /dev/zero | base64 -w0)|" >"$T/b-big-line"
check "an oversized line is refused" \
	refused "attest-ek-cert is not base64 of at most" "$T/tpm1/ca.pem" "$A" "$T/b-big-line"
sed 's|^\(attest-certify: .\{21\}\).*|\1|' "$A/bundle" >"$T/b-trunc"
check "a truncated line is refused" \
	refused "attest-certify is not base64" "$T/tpm1/ca.pem" "$A" "$T/b-trunc"
# Cut at a multiple of four characters: base64, but not a whole structure.
sed 's|^\(attest-certify: .\{20\}\).*|\1|' "$A/bundle" >"$T/b-trunc4"
check "a truncated structure is refused" \
	refused "certify: not a TPM2B_ATTEST" "$T/tpm1/ca.pem" "$A" "$T/b-trunc4"
{ cat "$A/bundle"; head -c 70000 /dev/zero | tr '\0' x; } >"$T/b-huge"
check "a bundle over 64 KiB is refused" \
	refused "bundle: larger than 65536 bytes" "$T/tpm1/ca.pem" "$A" "$T/b-huge"
{ cat "$A/bundle"; grep '^attest-ak-public' "$A/bundle"; } >"$T/b-twice"
check "a line given twice is refused" \
	refused "attest-ak-public given twice" "$T/tpm1/ca.pem" "$A" "$T/b-twice"
{ cat "$A/bundle"; echo "attest-quote: AAAA"; } >"$T/b-unknown"
check "an unknown attest line is refused" \
	refused "unknown line attest-quote" "$T/tpm1/ca.pem" "$A" "$T/b-unknown"

# An AK without restricted: certified by it, so only the template differs.
at_keys "$TCTI_tpm1" "$T/c" 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign'
at_certify "$TCTI_tpm1" "$T/c"
at_bundle "$T/c" >"$T/c/bundle"
check "an AK without restricted is refused" \
	refused "ak-public: attributes" "$T/tpm1/ca.pem" "$T/c" "$T/c/bundle"
# Back to A's keys on tpm1 for the activation (the persistent handles were
# replaced).
at_keys "$TCTI_tpm1" "$A"
at_certify "$TCTI_tpm1" "$A"
at_bundle "$A" >"$A/bundle"
NODE_A=$(cat "$A/node")

# --- activation ------------------------------------------------------------

F=$T/fleet
mkdir -p "$F/pending" "$F/certs" "$F/credentials" "$T/run" "$T/ngx/tmp"
chmod 755 "$F" "$F/certs" "$F/credentials" "$T/run"
chmod 700 "$F/pending"
DB=$T/attestd.db

# enroll NAME DIR TCTI: what scripts/fleet sign does after check-enroll.
enroll() {
	local d=$2 node
	node=$(cat "$d/node")
	"$ATTESTD" check-enroll --ek-ca "$T/$3/ca.pem" --node "$node" --tls-pem "$d/tls.pem" \
		--ek-public-out "$d/f-ek.pub" --ak-public-out "$d/f-ak.pub" --ek-cert-out "$d/f-ek.der" \
		"$d/bundle" >"$d/check.out"
	head -c 32 /dev/urandom >"$d/secret"
	tpm2_makecredential -T none -u "$d/f-ek.pub" -s "$d/secret" -n "$(awk '$1 == "ak-name" { print $2 }' "$d/check.out")" \
		-o "$F/credentials/$node" >/dev/null 2>&1
	chmod 644 "$F/credentials/$node"
	"$ATTESTD" enroll-add --db "$DB" --node "$node" --ak-public "$d/f-ak.pub" --ek-cert "$d/f-ek.der" \
		--secret-sha256 "$(sha256sum "$d/secret" | cut -c1-64)" >/dev/null
	echo "certificate of $1" >"$F/pending/$node.pem"
}
check "enroll node A (tpm1)" enroll A "$A" tpm1
check "enroll node B (tpm2)" enroll B "$B" tpm2
check "the database is 0600" test "$(stat -c %a "$DB")" = 600
check "credential file: 0xBADCC0DE, version 1, TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET (336 bytes)" \
	test "$(head -c 8 "$F/credentials/$NODE_A" | xxd -p)" = badcc0de00000001 -a \
	"$(stat -c %s "$F/credentials/$NODE_A")" = 336

serve() {
	attestd_serve "$T/run/attestd.sock" "$T/attestd.log" --db "$DB" --pending "$F/pending" \
		--certs "$F/certs" && SERVE_PID=$ATTESTD_PID
}
check "attestd serve starts" serve

PORT=$(freeport)
cat >"$T/ngx/nginx.conf" <<CONF
worker_processes 1;
pid $T/ngx/nginx.pid;
error_log $T/ngx/error.log warn;
events { worker_connections 16; }
http {
	access_log $T/ngx/access.log;
	client_body_temp_path $T/ngx/tmp;
	fastcgi_temp_path $T/ngx/tmp;
	proxy_temp_path $T/ngx/tmp;
	uwsgi_temp_path $T/ngx/tmp;
	scgi_temp_path $T/ngx/tmp;
	server {
		listen 127.0.0.1:$PORT;
		location = /v1/activate {
			fastcgi_pass unix:$T/run/attestd.sock;
			include /etc/nginx/fastcgi_params;
		}
		location ~ "^/v1/credentials/[0-9a-f]{64}\$" {
			root $F;
			rewrite ^/v1/(.*)\$ /\$1 break;
			default_type application/octet-stream;
		}
		location ~ "^/v1/certs/[0-9a-f]{64}\.pem\$" {
			root $F;
			rewrite ^/v1/(.*)\$ /\$1 break;
		}
		location / { return 404; }
	}
}
CONF
at_nginx "$T/ngx" "$PORT"
URL=http://127.0.0.1:$PORT

# activate TCTI DIR: the node's side: fetch the credential, recover the
# secret with the AK and the EK (PolicySecret(endorsement) session).
activate() {
	local tcti=$1 d=$2 node
	node=$(cat "$d/node")
	curl -sf -o "$d/cred" "$URL/v1/credentials/$node"
	TPM2TOOLS_TCTI=$tcti tpm2_startauthsession --policy-session -S "$d/s.ctx"
	TPM2TOOLS_TCTI=$tcti tpm2_policysecret -S "$d/s.ctx" -c e >/dev/null
	TPM2TOOLS_TCTI=$tcti tpm2_activatecredential -c $AK_HANDLE -C 0x81010001 -i "$d/cred" \
		-o "$d/recovered" -P "session:$d/s.ctx" >/dev/null
	TPM2TOOLS_TCTI=$tcti tpm2_flushcontext "$d/s.ctx"
	cmp "$d/recovered" "$d/secret"
}
check "node A recovers its secret on tpm1" activate "$TCTI_tpm1" "$A"
check "node B recovers its secret on tpm2" activate "$TCTI_tpm2" "$B"

# post NODE SECRET-FILE: prints "STATUS BODY".
post() {
	printf 'node %s\nsecret %s\n' "$1" "$(base64 -w0 "$2")" >"$T/body"
	curl -s -o "$T/resp" -w '%{http_code}' --data-binary @"$T/body" "$URL/v1/activate"
	printf ' %s' "$(cat "$T/resp")"
}
head -c 32 /dev/urandom >"$T/wrong"
check "wrong secret: 403 wrong secret" test "$(post "$NODE_A" "$T/wrong")" = "403 wrong secret"
check "node B's secret does not activate node A" test "$(post "$NODE_A" "$B/recovered")" = "403 wrong secret"
check "certificate not published before activation" \
	test ! -e "$F/certs/$NODE_A.pem" -a "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/certs/$NODE_A.pem")" = 404
check "node A's secret: 200 activated" test "$(post "$NODE_A" "$A/recovered")" = "200 activated"
check "certificate moved to certs/, mode 0644" \
	test ! -e "$F/pending/$NODE_A.pem" -a "$(stat -c %a "$F/certs/$NODE_A.pem")" = 644
check "nginx serves the published certificate" \
	test "$(curl -sf "$URL/v1/certs/$NODE_A.pem")" = "certificate of A"
check "node B still pending" test -e "$F/pending/$NODE_B.pem" -a ! -e "$F/certs/$NODE_B.pem"
check "again: 403 no pending enrollment" test "$(post "$NODE_A" "$A/recovered")" = "403 no pending enrollment"
check "unknown node: 403 unknown node" \
	test "$(post "$(printf '%064d' 0 | tr 0 c)" "$A/recovered")" = "403 unknown node"
head -c 10240 /dev/zero | tr '\0' a >"$T/big"
check "10 KB body: 413" \
	test "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T/big" "$URL/v1/activate")" = 413
check "malformed body: 400" \
	test "$(curl -s -o /dev/null -w '%{http_code}' --data-binary 'node x' "$URL/v1/activate")" = 400
check "GET: 405" test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/activate")" = 405

kill -TERM "$SERVE_PID"
rc=0
wait "$SERVE_PID" || rc=$?
check "SIGTERM: attestd exits 0" test "$rc" = 0
check "and removes its socket" test ! -e "$T/run/attestd.sock"
check "attestd restarts" serve
check "after restart node A is still active" test "$(post "$NODE_A" "$A/recovered")" = "403 no pending enrollment"
check "node B activates" test "$(post "$NODE_B" "$B/recovered")" = "200 activated"
"$ATTESTD" status --db "$DB" >"$T/status"
check "status: both active" test "$(grep -c ' active created=' "$T/status")" = 2
check "status line format" grep -Eq "^$NODE_A active created=[0-9T:Z-]+ activated=[0-9T:Z-]+ ak=000b[0-9a-f]{8}\.\.\." "$T/status"
check "the secrets appear in no log" sh -c '! grep -rqF -e "$1" -e "$2" -e "$3" -e "$4" "$5" "$6"' - \
	"$(base64 -w0 "$A/secret")" "$(base64 -w0 "$B/secret")" "$(xxd -p -c 64 "$A/secret")" \
	"$(xxd -p -c 64 "$B/secret")" "$T/attestd.log" "$T/ngx"
check "re-enrolling an active node needs --replace" \
	sh -c '"$0" enroll-add --db "$1" --node "$2" --ak-public "$3" --ek-cert "$4" --secret-sha256 "$5" 2>/dev/null; test $? = 1' \
	"$ATTESTD" "$DB" "$NODE_A" "$A/f-ak.pub" "$A/f-ek.der" "$(printf '%064d' 0)"
check "with --replace it is pending again" \
	"$ATTESTD" enroll-add --db "$DB" --node "$NODE_A" --ak-public "$A/f-ak.pub" --ek-cert "$A/f-ek.der" \
	--secret-sha256 "$(printf '%064d' 0)" --replace

tap_done
