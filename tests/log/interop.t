#!/bin/bash
# Our log, read by the Go reference code its formats come from
# (golang.org/x/mod/sumdb/note and sumdb/tlog, Debian's
# golang-golang-x-mod-dev; tests/log/interop/main.go): a log of 300 entries
# appended in two batches (full and partial tiles at levels 0 and 1) by
# lethe-log; Go opens the checkpoint with our verifier key and signs the
# same bytes with our private key file, reads our C2SP tiles against the
# signed tree, proves and checks every entry of the bundles, checks our
# tlog-proof@v1 proofs, and its consistency proof 100 -> 300 is the one
# lethe-log prints, byte for byte.
set -u -o pipefail
. "$(dirname "$0")/../tap.sh"
LETHE_LOG=${LETHE_LOG:-build/host/lethe-log}
T=$(tap_scratch interop)
TAP_CAPTURE=$T
trap 'rc=$?; tap_exit_status "$rc" || rc=$?; [ "${LETHE_KEEP:-0}" = 1 ] || rm -rf "$T"; exit "$rc"' EXIT

# The Go build: Debian's packaged sources, no module download (offline).
check "the Go checker builds against Debian's golang.org/x/mod" \
	env GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$T/gocache" GOFLAGS= \
	go build -o "$T/interop" tests/log/interop/main.go

records() { # FIRST LAST: valid lethe-release/v1 records r$FIRST..r$LAST
	local i a
	for ((i = $1; i <= $2; i++)); do
		{
			printf 'lethe-release/v1\nversion v%d\ncommit %040d\nsource-date-epoch %d\napproval-epoch %d\n' \
				"$i" "$i" $((i + 1)) $((i + 1))
			for a in zip descriptor kernel initramfs uki manifest; do printf 'sha256 %s %064d\n' "$a" "$i"; done
			printf 'pcr qemu 7 %064d\npcr uefi 4 %064d\n' "$i" "$i"
		} >"$T/r$i"
	done
}
records 0 299
check "lethe-log: a key, then 100 entries, then 200 more" bash -c '
	"$1" keygen --name interop.lethe.invalid/log --key "$2/k.key" --pub "$2/k.pub" >/dev/null &&
	"$1" append --log "$2/log" --key "$2/k.key" $(seq -f "$2/r%g" 0 99) >/dev/null &&
	"$1" append --log "$2/log" --key "$2/k.key" $(seq -f "$2/r%g" 100 299) >/dev/null' _ "$LETHE_LOG" "$T"
check "lethe-log: proofs of entries 0, 255, 256 and 299, and the consistency proof 100 -> 300" bash -c '
	for i in 0 255 256 299; do "$1" proof --log "$2/log" --pub "$2/k.pub" --index $i --out "$2/p$i" || exit 1; done &&
	"$1" consistency --log "$2/log" --pub "$2/k.pub" --old 100 >"$2/ours.cons"' _ "$LETHE_LOG" "$T"
check "Go's note, tlog: checkpoint, key file, tiles, every entry and the four proofs check" \
	bash -c '"$1/interop" "$1/log" "$1/k.pub" "$1/k.key" 100 "$1"/p0 "$1"/p255 "$1"/p256 "$1"/p299 >"$1/go.cons" 2>"$1/go.err"' _ "$T"
sed 's/^/# go: /' "$T/go.err" >&2
check "Go checked all 300 entries and 4 proofs" \
	bash -c 'grep -q "^ok tlog.CheckRecord: all 300 entries" "$1" && [ "$(grep -c "accept the proof of entry" "$1")" = 4 ]' _ "$T/go.err"
check "Go's consistency proof 100 -> 300 is lethe-log's, byte for byte" cmp "$T/go.cons" "$T/ours.cons"
check "the consistency proof is not empty" test -s "$T/ours.cons"
# Go refuses what we refuse: the same checkpoint under another key
check "Go refuses the checkpoint with another log's key of the same name" bash -c '
	"$1" keygen --name interop.lethe.invalid/log --key "$2/o.key" --pub "$2/o.pub" >/dev/null &&
	! "$2/interop" "$2/log" "$2/o.pub" "$2/o.key" 0 2>/dev/null' _ "$LETHE_LOG" "$T"
# The examples in docs/transparency.md are real: the entry and the
# checkpoint of a log of size 1 make a proof (index 0, no hashes) that
# verifies under the example key.
doc_example() {
	local d=docs/transparency.md
	awk '/^```$/ { n++; next } n == 1 && f { print } /^An entry `make publish` wrote/ { f = 1 } ' "$d" |
		sed -n '/^lethe-release\/v1$/,/^pcr uefi 11 /p' >"$T/doc.entry"
	awk '/^```$/ { if (f) { b++ } ; next } /^A C2SP checkpoint in a signed note/ { f = 1 } f && b == 1 { print } f && b == 3 { print }' "$d" >"$T/doc.blocks"
	head -n 5 "$T/doc.blocks" >"$T/doc.cp"
	sed -n 6p "$T/doc.blocks" >"$T/doc.pub"
	{ printf 'c2sp.org/tlog-proof@v1\nextra %s\nindex 0\n\n' "$(base64 -w0 <"$T/doc.entry")"; cat "$T/doc.cp"; } >"$T/doc.proof"
	"$LETHE_LOG" verify --pub "$T/doc.pub" "$T/doc.proof" | grep -q '^ok 0 '
}
check "the example entry, checkpoint and key of docs/transparency.md verify" doc_example
# append --stats (bench-log's figures): one more entry on the 300 reads a
# bounded right edge (the checkpoint's tiles, the partial bundle: 8 at most
# for a log of two tile levels, whatever its size) and writes three files
# (a level-0 tile, a bundle, the checkpoint)
records 300 300
check "append --stats: entry 301 read at most 8 log files and wrote 3" bash -c '
	"$1" append --log "$2/log" --key "$2/k.key" --stats "$2/r300" >/dev/null 2>"$2/stats" &&
	r=$(sed -n "s/.*files read \([0-9]*\), written 3$/\1/p" "$2/stats") && [ -n "$r" ] && [ "$r" -le 8 ]' \
	_ "$LETHE_LOG" "$T"
tap_done
