#!/bin/bash
# stboot path at host level: a fresh swtpm gets exactly the extends stboot
# (v0.2.x, source 3934def) makes for an OS package -- computed here
# independently with sha256sum -- and pcrpredict's PCR 12/13/14 must equal
# what the TPM then reads; one byte more in the package and PCR 12 must not.
#
# Which build variable feeds which PCR (docs/stboot.md, "What an stboot
# deployment must set"): os_pkg_url (OS_PKG_URL) only PCR 12, the HTTPS roots
# (STBOOT_TLS_ROOTS) and the threshold (SIGN_THRESHOLD) only PCR 13, and make
# hands them to ospkg and pcrpredict (make -n, nothing built).
#
# Then the approvals made from the prediction (image/uki/approve.sh, as
# make approvals does) unseal an identity sealed in authorized mode, and an
# approval for the package with one byte more does not.
#
# Env: PCRPREDICT (build/host/pcrpredict), TPMSEAL (build/host/tpmseal), ZIP/DESC/ROOT (out/lethe.zip,
# out/lethe.json, out/dev-keys/root.pem; without them the test makes a
# small stand-in package, since stboot's measurements do not look inside).
set -u
cd "$(dirname "$0")/../.." || exit 1
PCRPREDICT=${PCRPREDICT:-build/host/pcrpredict}
TPMSEAL=${TPMSEAL:-build/host/tpmseal}
# shellcheck source=tests/tap.sh
. tests/tap.sh
T=$(tap_scratch predict-stboot)
SWTPM_PID=
cleanup() {
	if [[ -n $SWTPM_PID ]]; then
		kill "$SWTPM_PID" 2>/dev/null
		wait "$SWTPM_PID" 2>/dev/null
	fi
	rm -rf -- "$T"
}
trap cleanup EXIT

# hex SHA-256 of stdin
sha() { sha256sum | cut -d' ' -f1; }
# stboot's extend: u-root tss.Measure hashes the 32-byte digest once more.
stboot_extend() { # PCR HEXDIGEST
	tpm2_pcrextend "$1:sha256=$(printf '%s' "$2" | xxd -r -p | sha)"
}

tap_plan 13
[[ -x $PCRPREDICT ]] || { echo "Bail out! $PCRPREDICT not built"; exit 1; }

ZIP=${ZIP:-out/lethe.zip} DESC=${DESC:-out/lethe.json} ROOT=${ROOT:-out/dev-keys/root.pem}
if [[ ! -r $ZIP || ! -r $DESC || ! -r $ROOT ]]; then
	ZIP=$T/pkg.zip DESC=$T/pkg.json ROOT=$T/root.pem
	head -c 100000 /dev/urandom >"$ZIP"
	printf '{"version":1,"os_pkg_url":"","certificates":null,"signatures":null}' >"$DESC"
	openssl req -x509 -newkey ed25519 -keyout /dev/null -nodes -subj /CN=root -days 1 \
		-out "$ROOT" 2>/dev/null || { echo "Bail out! openssl"; exit 1; }
fi
# Two HTTPS roots, to check the concatenation.
for i in 1 2; do
	openssl req -x509 -newkey ed25519 -keyout /dev/null -nodes -subj "/CN=tls$i" -days 1 \
		-out "$T/tls$i.pem" 2>/dev/null || { echo "Bail out! openssl"; exit 1; }
done
cat "$T/tls1.pem" "$T/tls2.pem" >"$T/tls.pem"
identity=node-7

mkdir -p "$T/tpm"
swtpm socket --tpm2 --server type=unixio,path="$T/tpm/sock" \
	--ctrl type=unixio,path="$T/tpm/sock.ctrl" --flags startup-clear \
	--tpmstate dir="$T/tpm" --log file="$T/tpm/swtpm.log" &
SWTPM_PID=$!
for ((i = 0; i < 100; i++)); do
	[[ -S $T/tpm/sock && -S $T/tpm/sock.ctrl ]] && break
	sleep 0.05
done
export LETHE_TCTI="swtpm:path=$T/tpm/sock" TPM2TOOLS_TCTI="swtpm:path=$T/tpm/sock"
tpm2_getcap properties-fixed >/dev/null 2>&1 || { echo "Bail out! swtpm did not start"; exit 1; }

# What stboot.go does after verifying the package, in its order.
policy='{"ospkg_signature_threshold":1,"ospkg_fetch_method":"network"}'
stboot_extend 12 "$(sha <"$ZIP")"
stboot_extend 12 "$(sha <"$DESC")"
stboot_extend 13 "$(printf '%s' "$policy" | sha)"
stboot_extend 13 "$(openssl x509 -in "$ROOT" -outform DER | sha)"
stboot_extend 13 "$( (openssl x509 -in "$T/tls1.pem" -outform DER
	openssl x509 -in "$T/tls2.pem" -outform DER) | sha)"
stboot_extend 14 "$(printf '%s' "$identity" | sha)"

tpm_pcr() { # N: lower-case hex of sha256 PCR N
	tpm2_pcrread "sha256:$1" | awk -v n="$1" '$1 == n ":" { print tolower(substr($2, 3)) }'
}
predict() { # ZIP -> prints the prediction
	"$PCRPREDICT" predict --zip "$1" --descriptor "$DESC" --root "$ROOT" --tls-roots "$T/tls.pem" \
		--threshold 1 --fetch-method network --identity "$identity"
}
pred_pcr() { awk -v n="$1" '$1 == "stboot" && $2 == n { print $3 }' "$T/pred"; }

predict "$ZIP" >"$T/pred" 2>"$T/err"
check "pcrpredict predicts the stboot path" test -s "$T/pred"
for p in 12 13 14; do
	want=$(pred_pcr $p) got=$(tpm_pcr $p)
	if [[ -n $want && $want == "$got" ]]; then
		ok "PCR $p: prediction equals the TPM ($got)"
	else
		not_ok "PCR $p: predicted '$want', TPM has '$got'"
	fi
done

cp -- "$ZIP" "$T/more.zip" && printf 'x' >>"$T/more.zip"
predict "$T/more.zip" >"$T/more.pred" 2>"$T/err"
want=$(awk '$1 == "stboot" && $2 == 12 { print $3 }' "$T/more.pred")
check "one byte more in the package: PCR 12 prediction differs from the TPM" \
	test -n "$want" -a "$want" != "$(tpm_pcr 12)"
"$PCRPREDICT" predict --zip "$ZIP" --descriptor "$DESC" --root "$ROOT" --tls-roots "$T/tls.pem" \
	--identity "$identity" --single-hash >"$T/pred" 2>"$T/err"
check "without stboot's double hash the prediction would be wrong" \
	test "$(pred_pcr 13)" != "$(tpm_pcr 13)"

# Each input changed alone: which of PCR 12, 13, 14 move.
pred3() { # ARGS... -> "12:<same|moved> 13:... 14:..." against $T/pred (the base)
	"$PCRPREDICT" predict --zip "$ZIP" --root "$ROOT" --identity "$identity" "$@" >"$T/alt" 2>"$T/err" ||
		return 1
	local p r=
	for p in 12 13 14; do
		if [[ $(awk -v n=$p '$1 == "stboot" && $2 == n { print $3 }' "$T/alt") == "$(pred_pcr $p)" ]]; then
			r+="$p:same "
		else r+="$p:moved "; fi
	done
	echo "${r% }"
}
predict "$ZIP" >"$T/pred" 2>"$T/err"
sed -E 's|"os_pkg_url": ?"[^"]*"|"os_pkg_url": "https://boot.example.net/lethe.zip"|' "$DESC" >"$T/url.json"
got=$(pred3 --descriptor "$T/url.json" --tls-roots "$T/tls.pem")
check "another os_pkg_url moves PCR 12 only ($got)" test "$got" = "12:moved 13:same 14:same"
got=$(pred3 --descriptor "$DESC")
check "no HTTPS roots moves PCR 13 only ($got)" test "$got" = "12:same 13:moved 14:same"
got=$(pred3 --descriptor "$DESC" --tls-roots "$T/tls.pem" --threshold 2)
check "another signature threshold moves PCR 13 only ($got)" test "$got" = "12:same 13:moved 14:same"
MAKEFLAGS='' MAKELEVEL='' make -n B="$T/b" O="$T/o" OS_PKG_URL=https://boot.example.net/lethe.zip \
	STBOOT_TLS_ROOTS="$T/tls.pem" SIGN_ROOT="$T/r.pem" SIGN_THRESHOLD=2 "$T/o/lethe.pcrs" \
	2>"$T/err" | sed -e :a -e '/\\$/N; s/\\\n//; ta' >"$T/make.n" # one line per command
make_passes() {
	grep -qF -- "--url 'https://boot.example.net/lethe.zip'" "$T/make.n" &&
		grep -F -- "pcrpredict predict" "$T/make.n" |
		grep -F -- "--descriptor $T/o/lethe.json --root $T/r.pem" | grep -qF -- "--threshold 2" &&
		grep -qF -- "--tls-roots $T/tls.pem" "$T/make.n"
}
check "make passes OS_PKG_URL to ospkg create; the signed descriptor, SIGN_ROOT, SIGN_THRESHOLD, STBOOT_TLS_ROOTS to pcrpredict" \
	make_passes

# The build side's approvals against tpmseal's authorized mode.
if [[ -x $TPMSEAL ]]; then
	export TSS2_LOG=all+none
	openssl ecparam -name prime256v1 -genkey -noout -out "$T/policy.pem" 2>/dev/null
	openssl ec -in "$T/policy.pem" -pubout -out "$T/policy.pub" 2>/dev/null
	predict "$ZIP" >"$T/pred" 2>"$T/err"
	check "provision in authorized mode with the policy key" bash -c \
		"'$TPMSEAL' provision --instances 1 --authorize-key '$T/policy.pub' >'$T/ids' 2>'$T/err'"
	approve() { # PRED OUT
		POLICY_KEY=$T/policy.pem TPMSEAL=$TPMSEAL image/uki/approve.sh "$2" "$1" \
			'stboot:12 13 14' >/dev/null 2>>"$T/err"
	}
	approve "$T/more.pred" "$T/more.ap"
	"$TPMSEAL" unseal --authorize-key "$T/policy.pub" --approval "$T/more.ap" \
		--out "$T/o1" >/dev/null 2>>"$T/err"
	check "the approval for the package with one byte more does not unseal" test $? = 1
	approve "$T/pred" "$T/good.ap"
	check "the predicted approval unseals the same identity" bash -c \
		"'$TPMSEAL' unseal --authorize-key '$T/policy.pub' --approval '$T/more.ap' \
			--approval '$T/good.ap' --out '$T/o2' 2>>'$T/err' | cmp -s - '$T/ids'"
else
	for d in "provision in authorized mode" "one byte more does not unseal" "predicted approval unseals"; do
		skip "$d" "$TPMSEAL not built"
	done
fi
tap_done
