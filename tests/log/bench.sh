#!/bin/bash
# bench-log: what an append and a proof cost as the log grows: wall time,
# log files read and written by one append (lethe-log append --stats), and
# the proof's size, at 1, 1,000 and 100,000 entries.  Figures are printed,
# never asserted.  The log is built up by batched appends of a pool of 1,000
# distinct records (a log may hold the same entry twice), then each figure
# is one single-entry append and one proof at that size.
set -eu -o pipefail
L=$(realpath "${LETHE_LOG:-build/host/lethe-log}")
base=${LETHE_TEST_TMPDIR:-${TMPDIR:-/tmp}}
mkdir -p "$base"
T=$(mktemp -d "$base/bench-log.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"

python3 - <<'PY'
import os
os.mkdir("pool")
for n in range(1000):
    h = "%064x" % n
    lines = ["lethe-release/v1", "version 0.%d.0" % n, "commit %040x" % n,
             "source-date-epoch 1764633600", "approval-epoch %d" % (1764633600 + n)]
    lines += ["sha256 %s %s" % (a, h) for a in ("zip", "descriptor", "kernel", "initramfs", "uki", "manifest")]
    lines += ["pcr qemu 7 " + h, "pcr stboot 12 " + h, "pcr uefi 4 " + h]
    open("pool/r%04d" % n, "w").write("\n".join(lines) + "\n")
PY
"$L" keygen --name bench.lethe.invalid/log --key k --pub k.pub >/dev/null
size=0

ms() { echo $(( ($2 - $1) / 1000000 )).$(( ($2 - $1) / 100000 % 10 )); }

# grow TARGET: batched appends up to TARGET entries.
grow() {
	local want=$1 n
	while ((size < want)); do
		n=$((want - size))
		((n > 1000)) && n=1000
		"$L" append --log log --key k $(ls pool | head -n "$n" | sed 's|^|pool/|') >/dev/null
		size=$((size + n))
	done
}

printf '%-9s %12s %14s %14s %11s %12s %10s\n' entries "append (ms)" "files read" "files written" "proof (ms)" "proof bytes" "path"
for target in 1 1000 100000; do
	grow $((target - 1))
	t0=$(date +%s%N)
	"$L" append --log log --key k --stats pool/r0007 >/dev/null 2>stats
	t1=$(date +%s%N)
	size=$target
	read -r rd wr < <(sed -n 's/.*files read \([0-9]*\), written \([0-9]*\).*/\1 \2/p' stats)
	idx=$((target / 2))
	t2=$(date +%s%N)
	"$L" proof --log log --pub k.pub --index "$idx" --out proof
	t3=$(date +%s%N)
	hashes=$(awk 'NR > 3 && /^$/ { exit } NR > 3 { n++ } END { print n + 0 }' proof)
	printf '%-9s %12s %14s %14s %11s %12s %10s\n' "$target" "$(ms "$t0" "$t1")" "$rd" "$wr" \
		"$(ms "$t2" "$t3")" "$(wc -c <proof)" "$hashes"
done
echo "log directory at $size entries: $(du -sh log | cut -f1), $(find log -type f | wc -l) files"
