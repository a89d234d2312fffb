#!/bin/bash
# approve.sh OUT PCRS PATH:PCRLIST...: one tpmseal approval per boot path,
# for the PCRs listed, with the values predicted in PCRS (pcrpredict's text
# output), concatenated into OUT (tpmseal unseal --approval tries each).
#
# Environment: POLICY_KEY (ECDSA P-256 private key, PEM), TPMSEAL (the
# tpmseal binary), APPROVE_FLAGS (extra tpmseal approve arguments, e.g.
# --epoch N).  OUT is written only when every record was signed.
set -eu -o pipefail

die() {
	echo "approve: fatal: $*" >&2
	exit "${2:-100}"
}

(($# >= 3)) || die "usage: approve.sh OUT PCRS PATH:PCRLIST..."
out=$1 pcrs=$2
shift 2
[[ -r ${POLICY_KEY:-} ]] || die "unable to read POLICY_KEY ${POLICY_KEY:-(unset)}"
[[ -x ${TPMSEAL:-} ]] || die "unable to run TPMSEAL ${TPMSEAL:-(unset)}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/approve.XXXXXX")
trap 'rm -rf -- "$tmp" "$out.tmp"' EXIT

: >"$out.tmp"
i=0
for spec in "$@"; do
	path=${spec%%:*}
	args=()
	for pcr in ${spec#*:}; do
		[[ $pcr =~ ^[0-9]{1,2}$ ]] || die "bad PCR '$pcr' for $path"
		hex=$(awk -v p="$path" -v n="$pcr" '$1 == p && $2 == n { print $3 }' "$pcrs")
		[[ $hex =~ ^[0-9a-f]{64}$ ]] || die "$pcrs predicts no PCR $pcr for $path"
		args+=(--pcr "$pcr=$hex")
	done
	((${#args[@]})) || continue
	i=$((i + 1))
	# shellcheck disable=SC2086 # APPROVE_FLAGS is a list of arguments
	"$TPMSEAL" approve --key "$POLICY_KEY" "${args[@]}" ${APPROVE_FLAGS:-} --out "$tmp/$i" ||
		die "unable to sign the approval for $path" $?
	cat -- "$tmp/$i" >>"$out.tmp"
done
((i > 0)) || die "no PCRs to approve"
mv -f -- "$out.tmp" "$out"
