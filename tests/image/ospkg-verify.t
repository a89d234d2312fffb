#!/bin/bash
# ospkg create/sign/verify end to end, with keys from scripts/ospkg-keys and
# hostile packages made by hand.  TAP output.
# Usage: OSPKG=build/host/ospkg tests/image/ospkg-verify.t
# Needs openssl; python3 (crafting hostile zips and descriptors) and unzip
# (an independent reader) are used when present, the checks skipped if not.
set -u
OSPKG=${OSPKG:-build/host/ospkg}
top=$(cd "$(dirname "$0")/../.." && pwd)
KEYS=$top/scripts/ospkg-keys
VERIFY_SCRIPT=$top/scripts/verify-ospkg

if [ ! -x "$OSPKG" ]; then
	echo "Bail out! OSPKG=$OSPKG is not an executable"
	exit 1
fi
if ! command -v openssl >/dev/null 2>&1; then
	echo "1..0 # SKIP openssl is not installed"
	exit 0
fi
OSPKG=$(cd "$(dirname "$OSPKG")" && pwd)/$(basename "$OSPKG")
have_python=no
command -v python3 >/dev/null 2>&1 && have_python=yes
have_unzip=no
command -v unzip >/dev/null 2>&1 && have_unzip=yes

# shellcheck source=tests/tap.sh
. "$top/tests/tap.sh"
tmp=$(tap_scratch ospkg-verify) || exit 1
trap 'rm -rf "$tmp"' EXIT
umask 022
export LC_ALL=C TZ=UTC
cd "$tmp" || exit 1

# check: the commands' output kept out of TAP (shown when one fails).
TAP_CAPTURE=$tmp
# status WANT DESCRIPTION COMMAND...: the command exits with WANT; its
# stdout+stderr are kept in $tmp/out for later greps.
status() {
	local want=$1 what=$2 got
	shift 2
	"$@" >"$tmp/out" 2>&1
	got=$?
	cat "$tmp/out" >>"$tmp/all.log"
	if [ "$got" = "$want" ]; then
		ok "$what"
	else
		not_ok "$what (exit $got, want $want)"
		sed 's/^/# /' "$tmp/out"
	fi
}
says() { # says DESCRIPTION TEXT: the last status command printed TEXT
	if grep -qF -- "$2" "$tmp/out"; then ok "$1"; else not_ok "$1"; sed 's/^/# /' "$tmp/out"; fi
}
verify() { # verify ROOT DESC [options...]: ospkg verify of pkg.zip
	local root=$1 desc=$2
	shift 2
	"$OSPKG" verify --root "$root" --zip pkg.zip --descriptor "$desc" "$@"
}

# --- packages --------------------------------------------------------------
head -c 5000 /dev/urandom >vmlinuz
head -c 7000 /dev/urandom >initramfs.cpio.zst
status 0 "create writes a package" "$OSPKG" create --kernel vmlinuz --initramfs initramfs.cpio.zst \
	--cmdline 'console=ttyS0 panic=10' --label 'lethe test' --url https://example.org/pkg.zip \
	--zip pkg.zip --descriptor unsigned.json
"$OSPKG" create --kernel vmlinuz --initramfs initramfs.cpio.zst --cmdline 'console=ttyS0 panic=10' \
	--label 'lethe test' --url https://example.org/pkg.zip --zip again.zip --descriptor again.json
check "create is deterministic" cmp -s pkg.zip again.zip
check "hash prints the zip's SHA-256" [ "$("$OSPKG" hash --zip pkg.zip)" = "$(sha256sum pkg.zip | cut -d' ' -f1)" ]
if [ "$have_unzip" = yes ]; then
	check "unzip accepts the archive" unzip -tq pkg.zip
	check "the kernel is stored byte for byte" cmp -s vmlinuz <(unzip -p pkg.zip boot/vmlinuz)
else
	skip "unzip accepts the archive" "no unzip"
	skip "the kernel is stored byte for byte" "no unzip"
fi
if [ "$have_python" = yes ]; then
	check "Python's zipfile reads the archive" python3 -c '
import sys, zipfile
z = zipfile.ZipFile("pkg.zip")
assert z.testzip() is None
assert z.namelist() == ["boot/", "boot/vmlinuz", "boot/initramfs.cpio.zst", "manifest.json"]
assert all(i.compress_type == 0 and i.date_time == (1980, 0, 0, 0, 0, 0) for i in z.infolist())
'
else
	skip "Python's zipfile reads the archive" "no python3"
fi
# --- keys ------------------------------------------------------------------
"$KEYS" root k1 "test root one" 30 >/dev/null 2>&1 &&
	"$KEYS" leaf k1 alice 10 >/dev/null 2>&1 &&
	"$KEYS" leaf k1 bob 10 >/dev/null 2>&1 &&
	"$KEYS" root k2 "test root two" 30 >/dev/null 2>&1 &&
	"$KEYS" leaf k2 carol 10 >/dev/null 2>&1
check "ospkg-keys makes roots and leaves" bash -c '[ -s k1/alice.pem ] && [ -s k2/carol.pem ]'
check "keys are 0600 in a 0700 directory" [ "$(stat -c %a k1 k1/root.key k1/alice.key | tr '\n' ' ')" = "700 600 600 " ]
status 100 "ospkg-keys refuses to overwrite a key" "$KEYS" leaf k1 alice

# --- signatures and thresholds ---------------------------------------------
status 1 "an unsigned package is refused" verify k1/root.pem unsigned.json
says "... with the count" "0 of 0 signatures valid, threshold 1"
cp unsigned.json one.json
status 0 "sign adds a signature" "$OSPKG" sign --key k1/alice.key --cert k1/alice.pem --zip pkg.zip --descriptor one.json
status 0 "one signature passes threshold 1" verify k1/root.pem one.json
says "... and prints the OK line" "ospkg: OK: 1 of 1 signatures valid (threshold 1), sha256 $(sha256sum pkg.zip | cut -d' ' -f1)"
status 1 "one signature fails threshold 2" verify k1/root.pem one.json --threshold 2
status 0 "verify-ospkg runs the same check" env OSPKG="$OSPKG" "$VERIFY_SCRIPT" k1/root.pem one.json pkg.zip 1

# The signature is plain Ed25519 over the 32 raw bytes of SHA-256(zip),
# checked here with the openssl command, not with our code.
if [ "$have_python" = yes ]; then
	python3 -c '
import base64, json
d = json.load(open("one.json"))
open("sig0.bin", "wb").write(base64.b64decode(d["signatures"][0]))
open("cert0.pem", "wb").write(base64.b64decode(d["certificates"][0]))'
	openssl x509 -in cert0.pem -pubkey -noout >alice.pub 2>/dev/null
	openssl dgst -sha256 -binary pkg.zip >digest.bin
	check "openssl verifies the signature over SHA-256(zip)" \
		openssl pkeyutl -verify -pubin -inkey alice.pub -rawin -in digest.bin -sigfile sig0.bin
	check "the descriptor carries the PEM text of the certificate" cmp -s cert0.pem k1/alice.pem
else
	skip "openssl verifies the signature over SHA-256(zip)" "no python3"
	skip "the descriptor carries the PEM text of the certificate" "no python3"
fi

cp one.json two.json
"$OSPKG" sign --key k1/bob.key --cert k1/bob.pem --zip pkg.zip --descriptor two.json
status 0 "two distinct leaves pass threshold 2" verify k1/root.pem two.json --threshold 2
says "... 2 of 2" "2 of 2 signatures valid (threshold 2)"
status 100 "sign refuses a certificate already present" \
	"$OSPKG" sign --key k1/bob.key --cert k1/bob.pem --zip pkg.zip --descriptor two.json
status 100 "sign refuses a key that does not match the certificate" \
	"$OSPKG" sign --key k1/bob.key --cert k1/alice.pem --zip pkg.zip --descriptor unsigned.json

# --- hand-edited descriptors -----------------------------------------------
edit() { # edit IN OUT PYTHON: apply a Python statement to the descriptor d
	python3 -c "
import json, sys
d = json.load(open('$1'))
$3
open('$2', 'w').write(json.dumps(d, indent=2) + '\n')"
}
if [ "$have_python" = yes ]; then
	edit one.json dup.json 'd["certificates"] *= 2; d["signatures"] *= 2'
	status 1 "the same certificate twice counts once (threshold 2)" verify k1/root.pem dup.json --threshold 2
	says "... and says so" "signatures[1]: skipped: certificate or key already used by signatures[0]"
	status 0 "... and still passes threshold 1" verify k1/root.pem dup.json
	edit two.json mismatch.json 'd["signatures"].pop()'
	status 100 "mismatched certificates/signatures lengths are malformed" verify k1/root.pem mismatch.json
	says "... and says so" "2 certificates but 1 signatures"
	edit one.json unknown.json 'd["extra"] = 1'
	status 100 "an unknown descriptor key is refused" verify k1/root.pem unknown.json
	edit one.json v2.json 'd["version"] = 2'
	status 100 "descriptor version 2 is refused" verify k1/root.pem v2.json
else
	for t in "same cert twice" "... says so" "... threshold 1" "mismatched lengths" "... says so" \
		"unknown key" "version 2"; do skip "$t" "no python3"; done
fi

# --- tampering and wrong trust ---------------------------------------------
cp pkg.zip good.zip
printf '\xff' | dd of=pkg.zip bs=1 seek=2000 conv=notrunc status=none
status 100 "a flipped byte in the zip fails (CRC)" verify k1/root.pem one.json
says "... and says so" "CRC-32 mismatch"
cp good.zip pkg.zip
"$OSPKG" create --kernel vmlinuz --initramfs initramfs.cpio.zst --cmdline 'console=ttyS0 init=/bin/sh' \
	--label 'lethe test' --url https://example.org/pkg.zip --zip pkg.zip --descriptor other.json
status 1 "a different package with the old signatures fails" verify k1/root.pem one.json
says "... and says why" "signatures[0]: invalid: Ed25519 signature does not verify"
cp good.zip pkg.zip
status 1 "the wrong root fails" verify k2/root.pem one.json
says "... and says why" "signatures[0]: skipped: certificate is not issued by the signing root"
status 100 "a leaf as root is refused (not a CA)" verify k1/alice.pem one.json

# --- validity periods: a root and an expired leaf backdated with openssl ca --
mkdir -p ca/new && : >ca/index.txt && echo 01 >ca/serial
cat >ca.cnf <<CNF
[ca]
default_ca = tca
[tca]
database = $tmp/ca/index.txt
new_certs_dir = $tmp/ca/new
serial = $tmp/ca/serial
default_md = default
policy = pol
unique_subject = no
email_in_dn = no
[pol]
commonName = supplied
[v3_root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,digitalSignature,keyCertSign
subjectKeyIdentifier = hash
[v3_leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[req]
distinguished_name = dn
[dn]
CNF
{
	openssl genpkey -algorithm ed25519 -out ca/root.key &&
		openssl req -new -config ca.cnf -key ca/root.key -subj "/CN=old root" -out ca/root.csr &&
		openssl ca -batch -config ca.cnf -selfsign -keyfile ca/root.key -in ca/root.csr -out ca/root.pem \
			-startdate 20200101000000Z -enddate 20991231000000Z -extensions v3_root -notext &&
		openssl genpkey -algorithm ed25519 -out ca/old.key &&
		openssl req -new -config ca.cnf -key ca/old.key -subj "/CN=old" -out ca/old.csr &&
		openssl ca -batch -config ca.cnf -cert ca/root.pem -keyfile ca/root.key -in ca/old.csr \
			-out ca/old.pem -startdate 20200101000000Z -enddate 20200201000000Z -extensions v3_leaf -notext
} >/dev/null 2>&1
cp unsigned.json old.json
"$OSPKG" sign --key ca/old.key --cert ca/old.pem --zip pkg.zip --descriptor old.json
status 1 "an expired leaf fails" verify ca/root.pem old.json
says "... and says why" "signatures[0]: skipped: certificate expired at 2020-02-01T00:00:00Z"
status 0 "... and passes with --time inside its validity" verify ca/root.pem old.json --time 1580000000
status 1 "... but not before it" verify ca/root.pem old.json --time 1577000000
status 100 "--time must be a number" verify ca/root.pem old.json --time yesterday

# --- hostile archives --------------------------------------------------------
craft() { # craft OUT NAME...: a stored zip with these entry names (Python's zipfile)
	local out=$1
	shift
	python3 - "$out" "$@" <<'PY'
import sys, zipfile
out, names = sys.argv[1], sys.argv[2:]
with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
    for name in names:
        z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), b"x")
PY
}
if [ "$have_python" = yes ]; then
	craft dup.zip boot/vmlinuz boot/vmlinuz manifest.json 2>/dev/null
	status 100 "a zip with a duplicate name fails" "$OSPKG" verify --root k1/root.pem --zip dup.zip --descriptor unsigned.json
	says "... and says why" "duplicate name boot/vmlinuz"
	craft abs.zip /boot/vmlinuz manifest.json
	status 100 "a zip with an absolute name fails" "$OSPKG" verify --root k1/root.pem --zip abs.zip --descriptor unsigned.json
	says "... and says why" "absolute name"
	craft dotdot.zip boot/../../etc/passwd manifest.json
	status 100 "a zip with a .. name fails" "$OSPKG" verify --root k1/root.pem --zip dotdot.zip --descriptor unsigned.json
	says "... and says why" '".." path component'
	status 100 "sign refuses to sign a hostile zip" "$OSPKG" sign --key k1/alice.key --cert k1/alice.pem \
		--zip dotdot.zip --descriptor unsigned.json
else
	for t in dup "... says" abs "... says" dotdot "... says" sign; do skip "hostile zip $t" "no python3"; done
fi

# --- a missing signing key --------------------------------------------------
cp unsigned.json keep.json
status 100 "sign with a missing key file exits 100" "$OSPKG" sign --key k1/nobody.key --cert k1/alice.pem \
	--zip pkg.zip --descriptor keep.json
check "... with one line naming the file" bash -c '[ "$(wc -l <"$1")" = 1 ] && grep -qF k1/nobody.key "$1"' _ "$tmp/out"
check "... and leaves the descriptor unchanged" cmp -s keep.json unsigned.json
check "... and no temporary file" [ -z "$(find . -maxdepth 2 -name '*.tmp*' -print)" ]
no_key_text() { # no line of any private key appears in anything ospkg printed
	local k
	for k in k1/*.key k2/*.key ca/*.key; do
		grep -v -- '-----' "$k" | grep -qF -f - "$tmp/all.log" && return 1
	done
	return 0
}
check "no private key text reaches any output" no_key_text

tap_done
