# log_release DIR VERSION EPOCH LOGDIR KEY PROOF: a release entry in a
# test log, as make publish writes one (scripts/log-record, the one writer
# of the format) over DIR, which holds lethe.pcrs and may hold the
# artifacts (those missing are logged as empty files); appended to LOGDIR
# signed with KEY (lethe-log, $LETHE_LOG), its proof written to PROOF with
# KEY's public half (KEY with .pub for .key).  Sourced by the tests that log
# releases: tests/boot/relay.sh, tests/configpull/attestlib.sh,
# tests/attest/quote.t.  Run from the top of the tree.
log_release() {
	local o=$1 f idx
	for f in lethe.zip lethe.unsigned.json lethe.efi manifest.txt vmlinuz initramfs.cpio.zst; do
		[ -e "$o/$f" ] || : >"$o/$f" || return 1
	done
	scripts/log-record "$o" "$2" "$(printf '%s' "$2" | sha1sum | cut -c1-40)" 1700000000 "$3" \
		>"$o/entry" || return 1
	idx=$("${LETHE_LOG:-build/host/lethe-log}" append --log "$4" --key "$5" "$o/entry" |
		awk '$1 == "appended" { print $2 }')
	[[ $idx =~ ^[0-9]+$ ]] || return 1
	"${LETHE_LOG:-build/host/lethe-log}" proof --log "$4" --pub "${5%.key}.pub" --index "$idx" \
		--out "$6" >/dev/null
}
