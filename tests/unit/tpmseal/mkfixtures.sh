#!/usr/bin/env bash
# tests/unit/tpmseal/mkfixtures.sh DIR: the key fixtures of tpmseal's unit
# tests, made at test time (no private key is ever committed):
#   DIR/tor/{secret_id_key,ed25519_master_id_secret_key}  made by real tor
#   DIR/tor/fxfam.secret_family_key                          tor --keygen-family
#   DIR/tor/{rsa_fpr,ed_id,family_id}                        what tor printed for them
#   DIR/{pkcs1,pkcs8,e3,rsa2048}.pem, DIR/pkcs1.fpr           openssl-made RSA keys
# tor runs with DisableNetwork 1 on a scratch DataDirectory: nothing leaves
# the machine.
set -euo pipefail
[ $# -eq 1 ] || { echo "mkfixtures.sh: usage: mkfixtures.sh DIR" >&2; exit 100; }
out=$1
umask 077
rm -rf "$out.tmp"
mkdir -p "$out.tmp/tor" "$out.tmp/dd"
dd=$out.tmp/dd
tor --hush --DataDirectory "$dd" --DisableNetwork 1 --ORPort 127.0.0.1:1 --SocksPort 0 \
	--Nickname fixture --list-fingerprint > "$out.tmp/rsa.txt"
tor --hush --DataDirectory "$dd" --DisableNetwork 1 --ORPort 127.0.0.1:1 --SocksPort 0 \
	--Nickname fixture --list-fingerprint ed25519 > "$out.tmp/ed.txt"
awk '{ $1 = ""; gsub(/ /, ""); print }' "$out.tmp/rsa.txt" | tail -1 > "$out.tmp/tor/rsa_fpr"
awk '{ print $2 }' "$out.tmp/ed.txt" | tail -1 > "$out.tmp/tor/ed_id"
cp "$dd/keys/secret_id_key" "$dd/keys/ed25519_master_id_secret_key" "$out.tmp/tor/"
(cd "$out.tmp/tor" && tor --hush --keygen-family fxfam > /dev/null)
cut -d' ' -f1 "$out.tmp/tor/fxfam.public_family_id" > "$out.tmp/tor/family_id"
rm -f "$out.tmp/tor/fxfam.public_family_id"
rm -rf "$dd" "$out.tmp/rsa.txt" "$out.tmp/ed.txt"

openssl genrsa -traditional -out "$out.tmp/pkcs1.pem" 1024 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$out.tmp/pkcs8.pem" 2>/dev/null
openssl genrsa -traditional -3 -out "$out.tmp/e3.pem" 1024 2>/dev/null
openssl genrsa -traditional -out "$out.tmp/rsa2048.pem" 2048 2>/dev/null
openssl rsa -in "$out.tmp/pkcs1.pem" -RSAPublicKey_out -outform DER 2>/dev/null |
	sha1sum | cut -c1-40 | tr a-f A-F > "$out.tmp/pkcs1.fpr"
for f in tor/rsa_fpr tor/ed_id tor/family_id pkcs1.fpr; do
	[ -s "$out.tmp/$f" ] || { echo "mkfixtures.sh: fatal: no $f" >&2; exit 111; }
done
rm -rf "$out"
mv "$out.tmp" "$out"
