# Shared start of the attestd shell tests (TAP), sourced after
# `set -eu -o pipefail` with AT_TEST set to the test's name: the binaries,
# a scratch directory nginx's workers (nobody) can reach, cleanup of every
# process in PIDS, swtpm instances with their own EK CA, and tpm2-tools
# wrappers.
# shellcheck source=tests/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
# shellcheck source=tests/ekca.sh
. "$(dirname "${BASH_SOURCE[0]}")/../ekca.sh"
# shellcheck source=tests/attestd.sh
. "$(dirname "${BASH_SOURCE[0]}")/../attestd.sh"
ATTESTD=$(realpath "${ATTESTD:-build/host/attestd}")
ATTEST_CERTIFY=$(realpath "${ATTEST_CERTIFY:-build/host/attest_certify}")
tap_scratch_served "attest-$AT_TEST"
# check's commands print data (check-enroll's lines), not TAP.
TAP_CAPTURE=$T
tap_cleanup_on_exit

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# at_swtpm NAME: a manufactured swtpm (EK and its certificate in NV
# 0x01C00002, issued by this test's own swtpm-localca in $T/NAME/ca, never
# the system's /var/lib/swtpm-localca) serving on $T/NAME/tpm; sets
# TCTI_<NAME>.  The CA's root and intermediate are in $T/NAME/ca.pem.
at_swtpm() {
	local d=$T/$1 i
	ekca_manufacture "$d/state" "$d/ca" || return 1
	cp "$d/ca/ca.pem" "$d/ca.pem"
	swtpm socket --tpm2 --tpmstate dir="$d/state" --flags startup-clear,not-need-init \
		--server type=unixio,path="$d/tpm" --ctrl type=unixio,path="$d/tpm.ctrl" 2>"$d/swtpm.log" &
	PIDS+=($!)
	for ((i = 0; i < 100; i++)); do
		[ -S "$d/tpm" ] && [ -S "$d/tpm.ctrl" ] && break
		sleep 0.05
	done
	printf -v "TCTI_$1" '%s' "swtpm:path=$d/tpm"
}

# tpm TCTI CMD...: a tpm2-tools command on that swtpm.  Without a resource
# manager every tool leaves its objects and sessions loaded: flush them, or
# the third tool runs out of object slots.
tpm() {
	local tcti=$1
	shift
	TPM2TOOLS_TCTI=$tcti "$@" >/dev/null
	TPM2TOOLS_TCTI=$tcti tpm2_flushcontext -t
	TPM2TOOLS_TCTI=$tcti tpm2_flushcontext -s
	TPM2TOOLS_TCTI=$tcti tpm2_flushcontext -l
}

AK_ATTRS='fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign'
TLS_ATTRS='fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign'
AK_HANDLE=0x81000100
TLS_HANDLE=0x81000101

# at_keys TCTI DIR [AK-ATTRS]: the node's keys as configpull enroll makes
# them: EK certificate and EK public, the AK (primary in the endorsement
# hierarchy) persisted at AK_HANDLE, the TLS key (owner primary) at
# TLS_HANDLE, its PEM and node id.
at_keys() {
	local tcti=$1 d=$2 ak_attrs=${3:-$AK_ATTRS} h
	mkdir -p "$d"
	for h in $AK_HANDLE $TLS_HANDLE; do
		TPM2TOOLS_TCTI=$tcti tpm2_evictcontrol -C o -c $h >/dev/null 2>&1 || true
	done
	TPM2TOOLS_TCTI=$tcti tpm2_nvread 0x01c00002 -o "$d/ek.der" 2>/dev/null
	tpm "$tcti" tpm2_createek -G rsa -c "$d/ek.ctx" -u "$d/ek.pub"
	tpm "$tcti" tpm2_createprimary -C e -g sha256 -G ecc256:ecdsa-sha256:null -a "$ak_attrs" -c "$d/ak.ctx"
	tpm "$tcti" tpm2_readpublic -c "$d/ak.ctx" -o "$d/ak.pub" -n "$d/ak.name"
	tpm "$tcti" tpm2_evictcontrol -c "$d/ak.ctx" $AK_HANDLE
	tpm "$tcti" tpm2_createprimary -C o -g sha256 -G ecc256:ecdsa-sha256 -a "$TLS_ATTRS" -c "$d/tls.ctx"
	tpm "$tcti" tpm2_readpublic -c "$d/tls.ctx" -o "$d/tls.pub"
	tpm "$tcti" tpm2_readpublic -c "$d/tls.ctx" -f pem -o "$d/tls.pem"
	tpm "$tcti" tpm2_evictcontrol -c "$d/tls.ctx" $TLS_HANDLE
	openssl pkey -pubin -in "$d/tls.pem" -outform der | sha256sum | cut -c1-64 >"$d/node"
}

# at_certify TCTI DIR [OBJECT-HANDLE [QUALIFYING-HEX]]: the AK's certify of
# the TLS key over SHA-256("lethe-enroll:" || node id).
at_certify() {
	local tcti=$1 d=$2 obj=${3:-$TLS_HANDLE} q=${4:-}
	[ -n "$q" ] || q=$(printf 'lethe-enroll:%s' "$(cat "$d/node")" | sha256sum | cut -c1-64)
	"$ATTEST_CERTIFY" "$tcti" "$obj" $AK_HANDLE "$q" "$d/certify" "$d/certify.sig"
	TPM2TOOLS_TCTI=$tcti tpm2_flushcontext -s
}

# at_bundle DIR: the enrollment text (attest-* lines among the others).
at_bundle() {
	local d=$1
	printf 'node-id: %s\n' "$(cat "$d/node")"
	printf -- '-----BEGIN CERTIFICATE REQUEST-----\nnot checked here\n-----END CERTIFICATE REQUEST-----\n'
	printf 'attest-ek-cert: %s\n' "$(base64 -w0 "$d/ek.der")"
	printf 'attest-ek-public: %s\n' "$(base64 -w0 "$d/ek.pub")"
	printf 'attest-ak-public: %s\n' "$(base64 -w0 "$d/ak.pub")"
	printf 'attest-tls-public: %s\n' "$(base64 -w0 "$d/tls.pub")"
	printf 'attest-certify: %s\n' "$(base64 -w0 "$d/certify")"
	printf 'attest-certify-sig: %s\n' "$(base64 -w0 "$d/certify.sig")"
}

# refused WHY CA DIR BUNDLE: check-enroll exits 1 naming WHY.
refused() {
	local why=$1 ca=$2 d=$3 bundle=$4 out rc=0
	out=$("$ATTESTD" check-enroll --ek-ca "$ca" --node "$(cat "$d/node")" --tls-pem "$d/tls.pem" "$bundle") || rc=$?
	if [ "$rc" != 1 ] || [[ $out != *"$why"* ]]; then
		diag "exit $rc, output: $out (want 1 and '$why')"
		return 1
	fi
}

# at_nginx DIR PORT: nginx with DIR/nginx.conf (prefix DIR, listening on
# 127.0.0.1:PORT) started; the test stops here if it does not come up.
at_nginx() {
	local i
	nginx -p "$1" -c "$1/nginx.conf" -g 'daemon off;' 2>"$1/stderr" &
	PIDS+=($!)
	for ((i = 0; i < 100; i++)); do [ -s "$1/nginx.pid" ] && return 0; sleep 0.1; done
	echo "Bail out! nginx did not start on 127.0.0.1:$2"
	sed 's/^/# /' "$1/stderr" "$1/error.log" >&2 || true
	exit 1
}
