#!/bin/bash
# configpull fetch against real nginx (scripts/configserver/nginx.conf) on
# loopback, with a fleet made by scripts/fleet at test time.  No private key
# is committed: every key here lives in a scratch directory.
set -eu -o pipefail
CP_TEST=fetch
. "$(dirname "$0")/lib.sh"
tap_plan 27

# --- the fleet, another CA, nodes ---------------------------------------
fleet init "$T/fleet" >/dev/null 2>&1
fleet init "$T/other" >/dev/null 2>&1
fleet server "$T/fleet" localhost >/dev/null 2>&1
fleet server "$T/fleet" wrong.example >/dev/null 2>&1
fleet server "$T/other" localhost >/dev/null 2>&1
# An expired server certificate from the same CA, in its own directory.
mkdir -p "$T/expired/server" && cp "$T/fleet/ca.pem" "$T/fleet/crl.pem" "$T/expired/"
mv "$T/fleet/server/localhost.pem" "$T/fleet/server/localhost.key" "$T/expired/"
FLEET_STARTDATE=20200101000000Z FLEET_ENDDATE=20200201000000Z fleet server "$T/fleet" localhost >/dev/null 2>&1
mv "$T/fleet/server/localhost.pem" "$T/fleet/server/localhost.key" "$T/expired/server/"
mv "$T/expired/localhost.pem" "$T/expired/localhost.key" "$T/fleet/server/"
mkdir -p "$T/expired/nodes"

mknode() { # NAME CA-DIR [expired]
	local name=$1 ca=$2 id
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/$name.key" 2>/dev/null
	id=$(fleet nodeid "$T/$name.key")
	openssl req -new -key "$T/$name.key" -subj "/CN=$id" -out "$T/$name.csr" 2>/dev/null
	if [ "${3:-}" = expired ]; then
		FLEET_STARTDATE=20200101000000Z FLEET_ENDDATE=20200201000000Z fleet sign "$ca" "$T/$name.csr" >/dev/null 2>&1
	else
		fleet sign "$ca" "$T/$name.csr" >/dev/null 2>&1
	fi
	cp "$ca/certs/$id.pem" "$T/$name.pem"
	echo "$id" >"$T/$name.id"
}
mknode a "$T/fleet"; mknode b "$T/fleet"; mknode old "$T/fleet" expired; mknode rev "$T/fleet"
mknode alien "$T/other"
fleet revoke "$T/fleet" "$(cat "$T/rev.id")" >/dev/null 2>&1

sed "s/\"node\": \"[0-9a-f]*\"/\"node\": \"$(cat "$T/a.id")\"/" tests/configpull/example.json >"$T/a.json"
# each document names its node (configpull refuses another node's)
sed -e 's/"lethe1"/"nodeb"/' -e "s/$(cat "$T/a.id")/$(cat "$T/b.id")/" "$T/a.json" >"$T/b.json"
for x in a b old rev alien; do sed -e 's/"lethe1"/"other"/' -e "s/$(cat "$T/a.id")/$(cat "$T/$x.id")/" "$T/a.json" >"$T/$x.doc"; done
fleet doc "$T/fleet" "$(cat "$T/a.id")" "$T/a.json"
fleet doc "$T/fleet" "$(cat "$T/b.id")" "$T/b.json"
for x in old rev alien; do install -m 644 "$T/$x.doc" "$T/fleet/nodes/$(cat "$T/$x.id").json"; done
check "fleet sign refuses a CSR whose CN is not its node id" \
	bash -c "openssl req -new -key '$T/a.key' -subj /CN=node -out '$T/x.csr' 2>/dev/null; ! '$TOP/scripts/fleet' sign '$T/fleet' '$T/x.csr' 2>/dev/null"

# --- test-only bodies ----------------------------------------------------
mkdir -p "$T/www/t" "$T/www/drip"
printf '{"version":1,' >"$T/www/t/invalid.json"
printf '{"version":2,"instances":[]}' >"$T/www/t/v2.json"
printf '{"version":1,"colour":1,"instances":[{"name":"relay1","torrc":{}}]}' >"$T/www/t/unknown.json"
printf '{"version":1,"instances":[{"name":"relay1","torrc":{"ServerTransportPlugin":"x exec /bin/sh"}}]}' >"$T/www/t/plugin.json"
printf '{"version":1,"instances":[{"name":"relay1","torrc":{"Nickname":"a\\nSandbox 0"}}]}' >"$T/www/t/newline.json"
head -c $((10 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$T/www/t/big.json"
cp "$T/a.json" "$T/www/drip/doc.json"
cp "$T/b.json" "$T/www/t/for-b.json"
chmod -R a+rX "$T/www" "$T/fleet/nodes" "$T/fleet/certs" "$T/expired"

start_nginx() { # NAME FLEET-DIR PORT HOSTNAME
	cp_nginx "$@" "location /t/ { root $T/www; } location /drip/ { root $T/www; limit_rate 1; sendfile off; }"
}
P=$(freeport); PW=$(freeport); PE=$(freeport); PO=$(freeport); PC=$(freeport)
start_nginx main "$T/fleet" "$P" localhost
start_nginx wrong "$T/fleet" "$PW" wrong.example
start_nginx expired "$T/expired" "$PE" localhost
start_nginx other "$T/other" "$PO" localhost
for port in "$P" "$PW" "$PE" "$PO"; do
	for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
done

pull() { # NODE PORT PATH OUTDIR [extra args]
	local node=$1 port=$2 path=$3 out=$4; shift 4
	mkdir -p "$out"
	"$CONFIGPULL" fetch --url "https://localhost:$port$path" --ca "$T/fleet/ca.pem" \
		--cert "$T/$node.pem" --key "$T/$node.key" -o "$out" -d "$T/data" -k "$T/keys" \
		--attempts 1 --connect-timeout 2 --timeout 5 "$@"
}
rcof() { local rc=0; "$@" >"$T/stdout" 2>"$T/stderr" || rc=$?; sed 's/^/# /' "$T/stderr" >&2; echo "$rc"; }

# --- happy path, 304, isolation -------------------------------------------
rc=$(rcof pull a "$P" /v1/node.json "$T/outa")
check "node A fetches its document: changed (rc=$rc)" [ "$rc" = 0 ]
check "torrc rendered from A's document" grep -qx 'Nickname lethe1' "$T/outa/torrc.relay1"
check "ETag stored" test -s "$T/outa/etag"
rc=$(rcof pull a "$P" /v1/node.json "$T/outa")
check "second fetch: unchanged via 304 (rc=$rc)" \
	bash -c "[ '$rc' = 3 ] && grep -q '\" 304 ' '$T/ngx-main/access.log'"
rc=$(rcof pull b "$P" /v1/node.json "$T/outb")
check "node B gets B's document, not A's (rc=$rc)" \
	bash -c "[ '$rc' = 0 ] && grep -qx 'Nickname nodeb' '$T/outb/torrc.relay1'"
check "a node's certificate is fetchable by node id over server-auth TLS" \
	bash -c "curl -sf --cacert '$T/fleet/ca.pem' https://localhost:$P/v1/certs/$(cat "$T/a.id").pem | cmp -s - '$T/a.pem'"

# --- the node's own certificate, fetched after enrollment --------------------
mkdir -p "$T/nc"
rc=$(rcof pull a "$P" /v1/node.json "$T/outn" --cert "$T/nc/node.pem" -g nogroup)
check "no certificate yet: fetched by node id, checked, stored; then the document (rc=$rc)" \
	bash -c "[ '$rc' = 0 ] && openssl x509 -in '$T/a.pem' | cmp -s - '$T/nc/node.pem' &&
		grep -qx 'Nickname lethe1' '$T/outn/torrc.relay1' &&
		[ \"\$(stat -c '%a %G' '$T/outn' '$T/outn/torrc.relay1' | tr '\n' ' ')\" = '2750 nogroup 640 nogroup ' ]"
# Node C's certificate slot on the server holds B's certificate.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/c.key" 2>/dev/null
cid=$(fleet nodeid "$T/c.key")
install -m 644 "$T/b.pem" "$T/fleet/certs/$cid.pem"
mkdir -p "$T/ncc"
rc=$("$CONFIGPULL" fetch --url "https://localhost:$P/v1/node.json" --ca "$T/fleet/ca.pem" \
	--cert "$T/ncc/node.pem" --key "$T/c.key" -o "$T/outc" --attempts 1 2>&1 >/dev/null |
	tee "$T/c.err" | sed 's/^/# /' >&2; echo "${PIPESTATUS[0]}")
check "a certificate for another key is refused (rc=$rc), nothing stored" \
	bash -c "[ '$rc' = 2 ] && grep -q 'not this node.s key' '$T/c.err' && [ -z \"\$(ls -A '$T/ncc')\" ] &&
		[ ! -e '$T/outc/node.conf' ]"
rm -f "$T/fleet/certs/$cid.pem"
rc=$("$CONFIGPULL" fetch --url "https://localhost:$P/v1/node.json" --ca "$T/fleet/ca.pem" \
	--cert "$T/ncc/node.pem" --key "$T/c.key" -o "$T/outc" --attempts 1 2>&1 >/dev/null |
	tee "$T/c.err" | sed 's/^/# /' >&2; echo "${PIPESTATUS[0]}")
check "not enrolled yet (404): TLS/identity failure that says to enroll (rc=$rc)" \
	bash -c "[ '$rc' = 2 ] && grep -q 'enroll this node' '$T/c.err'"
rc=$("$CONFIGPULL" pull "https://localhost:$P/v1/node.json" --ca "$T/no-fleet-ca.pem" \
	--cert "$T/a.pem" --key "$T/a.key" -o "$T/outc" --attempts 1 2>&1 >/dev/null |
	tee "$T/c.err" | sed 's/^/# /' >&2; echo "${PIPESTATUS[0]}")
check "image without a fleet CA: refused, and says so (rc=$rc)" \
	bash -c "[ '$rc' = 2 ] && grep -q 'FLEET_CA' '$T/c.err'"

sum() { (cd "$T/outa" && sha256sum node.conf torrc.* etag 2>&1) || true; }
before=$(sum)

# --- refused: server side ---------------------------------------------------
rc=$(rcof pull a "$PO" /v1/node.json "$T/outa")
check "server certificate from another CA: TLS failure (rc=$rc)" [ "$rc" = 2 ]
rc=$(rcof pull a "$PW" /v1/node.json "$T/outa")
check "wrong server host name: TLS failure (rc=$rc)" [ "$rc" = 2 ]
rc=$(rcof pull a "$PE" /v1/node.json "$T/outa")
check "expired server certificate: TLS failure (rc=$rc)" [ "$rc" = 2 ]

# --- refused: node side -------------------------------------------------------
bad=0
for node in old rev alien; do
	rc=$(rcof pull "$node" "$P" /v1/node.json "$T/out-$node")
	if [ "$rc" != 2 ] || [ -e "$T/out-$node/node.conf" ]; then bad=1; echo "# $node: rc=$rc"; fi
done
check "expired, revoked and other-CA node certificates get no document" [ "$bad" = 0 ]

# --- bad documents --------------------------------------------------------------
bad=0
for doc in invalid v2 unknown plugin newline; do
	rc=$(rcof pull a "$P" "/t/$doc.json" "$T/outa")
	[ "$rc" = 1 ] || { bad=1; echo "# $doc: rc=$rc"; }
done
check "invalid JSON, wrong version, unknown key, plugin, newline: rejected (1)" [ "$bad" = 0 ]
rc=$(rcof pull a "$P" /t/for-b.json "$T/outa")
check "another node's document: rejected (1), names the node field (rc=$rc)" \
	bash -c "[ '$rc' = 1 ] && grep -q 'node: the document is for node $(cat "$T/b.id")' '$T/stderr'"
/usr/bin/time -f %M -o "$T/rss-big" "$CONFIGPULL" fetch --url "https://localhost:$P/t/big.json" \
	--ca "$T/fleet/ca.pem" --cert "$T/a.pem" --key "$T/a.key" -o "$T/outa" -d "$T/data" -k "$T/keys" \
	--attempts 1 >/dev/null 2>&1 && rc=0 || rc=$?
/usr/bin/time -f %M -o "$T/rss-ok" "$CONFIGPULL" fetch --url "https://localhost:$P/v1/node.json" \
	--ca "$T/fleet/ca.pem" --cert "$T/a.pem" --key "$T/a.key" -o "$T/scratch" -d "$T/data" -k "$T/keys" \
	--attempts 1 >/dev/null 2>&1 || true
echo "# peak RSS: 10 MB body $(tail -1 "$T/rss-big") KiB, normal document $(tail -1 "$T/rss-ok") KiB"
check "10 MB body rejected without memory growth (rc=$rc)" \
	bash -c "[ '$rc' = 1 ] && [ $(tail -1 "$T/rss-big") -lt \$(( $(tail -1 "$T/rss-ok") + 3072 )) ]"
start=$(date +%s)
rc=$(rcof pull a "$P" /drip/doc.json "$T/outa" --connect-timeout 2 --timeout 4)
took=$(( $(date +%s) - start ))
check "server dripping one byte a second: timeout (rc=$rc, ${took}s)" \
	bash -c "[ '$rc' = 111 ] && [ $took -le 8 ]"
rc=$(rcof pull a "$PC" /v1/node.json "$T/outa" --attempts 3 --backoff-max 1)
check "nothing listening: unreachable after 3 attempts (rc=$rc)" \
	bash -c "[ '$rc' = 111 ] && grep -c 'attempt' '$T/stderr' | grep -qx 2"
check "previous outputs untouched after every failure" [ "$before" = "$(sum)" ]
check "no temporaries left" [ -z "$(find "$T/outa" -name '.*tmp*')" ]

# --- enrollment with a key file (development) ------------------------------------
"$CONFIGPULL" enroll --key "$T/a.key" >"$T/a.enroll" 2>/dev/null || true
sed 1d "$T/a.enroll" >"$T/a2.csr"
check "enroll --key: node id is the fleet's, CSR verifies and carries CN=node id" \
	bash -c "[ \"\$(sed -n 's/^node-id: //p' '$T/a.enroll')\" = '$(cat "$T/a.id")' ] &&
		[ \"\$('$TOP/scripts/fleet' nodeid '$T/a2.csr')\" = '$(cat "$T/a.id")' ] &&
		openssl req -in '$T/a2.csr' -noout -verify -subject 2>/dev/null | grep -q '$(cat "$T/a.id")'"

# --- TPM-resident key: swtpm, behind tpm2-abrmd for the handshake ---------------
# (tpm-tls.md: the provider's signature context is copied during TLS, which
# needs a resource manager; on the relay that is /dev/tpmrm0.)
tpm_ms=- tpm_kb=-
if command -v swtpm >/dev/null && command -v tpm2-abrmd >/dev/null && command -v dbus-daemon >/dev/null; then
	mkdir -p "$T/tpm"
	swtpm socket --tpm2 --server type=unixio,path="$T/tpm/sock" --ctrl type=unixio,path="$T/tpm/sock.ctrl" \
		--flags startup-clear --tpmstate dir="$T/tpm" --log file="$T/tpm/swtpm.log" &
	PIDS+=($!)
	for _ in $(seq 100); do [ -S "$T/tpm/sock" ] && break; sleep 0.05; done
	"$CONFIGPULL" enroll --tcti "swtpm:path=$T/tpm/sock" >"$T/tpm.enroll" 2>"$T/tpm.err" || true
	tid=$(sed -n 's/^node-id: //p' "$T/tpm.enroll")
	sed 1d "$T/tpm.enroll" >"$T/tpm.csr"
	# the second run names the TPM by $LETHE_TCTI alone: the key is created,
	# loaded and signs through that one TCTI too
	id2=$(LETHE_TCTI="swtpm:path=$T/tpm/sock" "$CONFIGPULL" enroll 2>/dev/null | sed -n 's/^node-id: //p')
	check "enroll: node id and a CSR signed in the TPM; same id on a second run (TCTI from \$LETHE_TCTI)" \
		bash -c "[ -n '$tid' ] && [ '$tid' = '$id2' ] && openssl req -in '$T/tpm.csr' -noout -verify 2>/dev/null"
	TPM2TOOLS_TCTI="swtpm:path=$T/tpm/sock" tpm2_evictcontrol -C o -c 0x81000010 >/dev/null 2>&1 || true
	id3=$("$CONFIGPULL" enroll --tcti "swtpm:path=$T/tpm/sock" 2>/dev/null | sed -n 's/^node-id: //p')
	check "evicted handle: enroll re-creates the same key (deterministic primary)" [ "$tid" = "$id3" ]
	fleet sign "$T/fleet" "$T/tpm.csr" >/dev/null 2>&1 && cp "$T/fleet/certs/$tid.pem" "$T/tpm.pem"
	sed -e 's/"lethe1"/"tpmnode"/' -e "s/$(cat "$T/a.id")/$tid/" "$T/a.json" >"$T/tpm.json"
	fleet doc "$T/fleet" "$tid" "$T/tpm.json"
	chmod a+r "$T/fleet/nodes/$tid.json"
	# This run's own bus (its socket in $T, not the session config's
	# /tmp) and its own bus name: another run's tpm2-abrmd, on its bus or
	# a shared one, is never the one answering here.
	dbus-daemon --session --address="unix:path=$T/dbus.sock" --fork --print-address=1 --print-pid=1 \
		>"$T/dbus" 2>"$T/dbus.err"
	export DBUS_SESSION_BUS_ADDRESS=$(sed -n 1p "$T/dbus")
	PIDS+=("$(sed -n 2p "$T/dbus")")
	TABRMD="tabrmd:bus_name=com.intel.tss2.Tabrmd.lethe$$,bus_type=session"
	tpm2-abrmd --session --dbus-name="com.intel.tss2.Tabrmd.lethe$$" --tcti="swtpm:path=$T/tpm/sock" \
		--allow-root 2>"$T/abrmd.log" &
	PIDS+=($!)
	for _ in $(seq 50); do
		TPM2TOOLS_TCTI=$TABRMD tpm2_getcap properties-fixed >/dev/null 2>&1 && break
		sleep 0.1
	done
	mkdir -p "$T/outtpm0" "$T/tpmc"
	"$CONFIGPULL" fetch --url "https://localhost:$P/v1/node.json" --ca "$T/fleet/ca.pem" \
		--cert "$T/tpmc/node.pem" --tcti "$TABRMD" -o "$T/outtpm0" \
		-d "$T/data" -k "$T/keys" --attempts 1 >"$T/stdout" 2>"$T/stderr" && rc=0 || rc=$?
	sed 's/^/# /' "$T/stderr" | grep -v 'Command exited' >&2 || true
	check "TPM key: its certificate fetched (public key matched in the TPM), then the document (rc=$rc)" \
		bash -c "[ '$rc' = 0 ] && openssl x509 -in '$T/tpm.pem' | cmp -s - '$T/tpmc/node.pem' &&
			grep -qx 'Nickname tpmnode' '$T/outtpm0/torrc.relay1'"
	mkdir -p "$T/outtpm"
	s=$(date +%s%N)
	/usr/bin/time -f %M -o "$T/tpm-rss" "$CONFIGPULL" fetch --url "https://localhost:$P/v1/node.json" \
		--ca "$T/fleet/ca.pem" --cert "$T/tpm.pem" --tcti "$TABRMD" -o "$T/outtpm" \
		-d "$T/data" -k "$T/keys" --attempts 1 >"$T/stdout" 2>"$T/stderr" && rc=0 || rc=$?
	e=$(date +%s%N)
	sed 's/^/# /' "$T/stderr" | grep -v 'Command exited' >&2 || true
	tpm_ms=$(( (e - s) / 1000000 )) tpm_kb=$(tail -1 "$T/tpm-rss")
	check "fetch with the TPM-resident key over mTLS (rc=$rc)" \
		bash -c "[ '$rc' = 0 ] && grep -qx 'Nickname tpmnode' '$T/outtpm/torrc.relay1'"
else
	for d in "enroll in the TPM" "evicted handle" "TPM key: certificate, then the document" \
		"fetch with the TPM-resident key"; do
		skip "$d" "swtpm, tpm2-abrmd or dbus-daemon missing"
	done
fi

# --- figures: configpull vs curl, same document, key file ---------------------------
fig() { # label cmd...
	local s e
	s=$(date +%s%N)
	/usr/bin/time -f %M -o "$T/fig-rss" "$@" >/dev/null 2>&1 || true
	e=$(date +%s%N)
	echo "$(( (e - s) / 1000000 )) $(tail -1 "$T/fig-rss")"
}
rm -rf "$T/fig"; mkdir -p "$T/fig"
read -r cp_ms cp_kb < <(fig "$CONFIGPULL" fetch --url "https://localhost:$P/v1/node.json" --ca "$T/fleet/ca.pem" \
	--cert "$T/a.pem" --key "$T/a.key" -o "$T/fig" -d "$T/data" -k "$T/keys" --attempts 1)
read -r cu_ms cu_kb < <(fig curl -sf --cacert "$T/fleet/ca.pem" --cert "$T/a.pem" --key "$T/a.key" \
	-o "$T/fig/curl.json" "https://localhost:$P/v1/node.json")
echo "# figure: configpull (key file) ${cp_ms} ms, ${cp_kb} KiB peak RSS; curl ${cu_ms} ms, ${cu_kb} KiB;" \
	"TPM key ${tpm_ms} ms, ${tpm_kb} KiB;" "ratio time $(awk "BEGIN{printf \"%.2f\", $cp_ms/($cu_ms?$cu_ms:1)}") rss $(awk "BEGIN{printf \"%.2f\", $cp_kb/$cu_kb}")"
tap_done
