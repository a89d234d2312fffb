#!/bin/bash
# make bench-tpm: unseal latency on swtpm for 1 and 8 instances, and the
# same NV read done with a tpm2-tools pipeline (policy session,
# tpm2_policypcr, tpm2_nvread), as medians of N runs measured in this one
# run.  Each run follows a simulated reboot (the index is read-locked after
# an unseal); the reboot is not timed.  tpmseal's figure includes what the
# pipeline skips: salted sessions, parameter encryption, the index and
# policy checks, the read lock, rebuilding and writing the key files.
set -eu -o pipefail
. tests/tpm/lib.sh
N=${BENCH_RUNS:-15}
tpm_start

now_us() { local t=${EPOCHREALTIME/[.,]/}; echo $((10#$t)); }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

"$TPMSEAL" provision --index 0x01851E71 --instances 1 >/dev/null
"$TPMSEAL" provision --index 0x01851E78 --instances 8 --family fam >/dev/null
size1=$("$TPMSEAL" status --index 0x01851E71 | awk '/^size/ { print $2 }')
size8=$("$TPMSEAL" status --index 0x01851E78 | awk '/^size/ { print $2 }')

bench_tpmseal() {  # INDEX
	local i t0 t1
	for ((i = 0; i < N; i++)); do
		tpm_reboot
		rm -rf "$T/out"
		t0=$(now_us)
		"$TPMSEAL" unseal --index "$1" --out "$T/out" >/dev/null
		t1=$(now_us)
		echo $((t1 - t0))
	done | median
}

# The pipeline must satisfy the policy again for every chunk, as we do.
bench_tools() {  # INDEX SIZE
	local i t0 t1 off n
	for ((i = 0; i < N; i++)); do
		tpm_reboot
		t0=$(now_us)
		tpm2_startauthsession --policy-session -S "$T/s.ctx" >/dev/null
		for ((off = 0; off < $2; off += 1024)); do
			n=$(($2 - off < 1024 ? $2 - off : 1024))
			tpm2_policypcr -S "$T/s.ctx" -l sha256:7,13 >/dev/null
			tpm2_nvread "$1" -C "$1" -P session:"$T/s.ctx" -s "$n" --offset "$off" -o "$T/nv.$off" >/dev/null
		done
		tpm2_flushcontext "$T/s.ctx" >/dev/null
		t1=$(now_us)
		echo $((t1 - t0))
	done | median
}

u1=$(bench_tpmseal 0x01851E71)
u8=$(bench_tpmseal 0x01851E78)
t1=$(bench_tools 0x01851E71 "$size1")
t8=$(bench_tools 0x01851E78 "$size8")
awk -v n="$N" -v s1="$size1" -v s8="$size8" -v u1="$u1" -v u8="$u8" -v t1="$t1" -v t8="$t8" 'BEGIN {
	printf "bench-tpm: swtpm, median of %d runs each\n", n
	printf "  1 instance  (%4d B): tpmseal unseal %7.1f ms   tpm2-tools pipeline %7.1f ms   ratio %.2f\n", s1, u1 / 1000, t1 / 1000, u1 / t1
	printf "  8 instances (%4d B): tpmseal unseal %7.1f ms   tpm2-tools pipeline %7.1f ms   ratio %.2f\n", s8, u8 / 1000, t8 / 1000, u8 / t8
}'
