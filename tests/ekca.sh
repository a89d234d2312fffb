# shellcheck shell=bash
# tests/ekca.sh: a "manufactured" swtpm state, the one way the tests make a
# TPM with an EK certificate (attestd's, configpull's and the booted relay's
# attestation tests).  Sourced by bash.
#
#   ekca_manufacture STATE CA
#        swtpm_setup --create-ek-cert into the state directory STATE
#        (sha256 bank only), the certificate issued by the swtpm_localca CA
#        kept in the directory CA (made on first use, reused for more TPMs
#        of that CA; never the system's /var/lib/swtpm-localca, so two runs
#        at once cannot collide); then CA/ca.pem holds the CA's root and
#        intermediate, what a fleet puts in ek-ca/.  1 with setup's log on
#        stderr when swtpm_setup fails.
ekca_manufacture() {
	local state=$1 ca=$2
	mkdir -p "$state" "$ca" || return 1
	printf 'statedir = %s\nsigningkey = %s/signkey.pem\nissuercert = %s/issuercert.pem\ncertserial = %s/certserial\n' \
		"$ca" "$ca" "$ca" "$ca" >"$ca/localca.conf"
	printf -- '--platform-manufacturer lethe\n--platform-version 2.1\n--platform-model test\n' \
		>"$ca/localca.options"
	printf 'create_certs_tool = %s\ncreate_certs_tool_config = %s\ncreate_certs_tool_options = %s\nactive_pcr_banks = sha256\n' \
		"$(command -v swtpm_localca)" "$ca/localca.conf" "$ca/localca.options" >"$state/setup.conf"
	swtpm_setup --tpm2 --tpmstate "$state" --pcr-banks sha256 --create-ek-cert --overwrite \
		--config "$state/setup.conf" >"$state/setup.log" 2>&1 || { sed 's/^/# /' "$state/setup.log" >&2; return 1; }
	cat "$ca/swtpm-localca-rootca-cert.pem" "$ca/issuercert.pem" >"$ca/ca.pem"
}
