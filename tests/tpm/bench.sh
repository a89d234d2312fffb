#!/bin/bash
# make bench-tpm: unseal latency on swtpm for 1 and 8 instances, and the
# same NV read done with a tpm2-tools pipeline (policy session,
# tpm2_policypcr, tpm2_nvread), as medians of N runs measured in this one
# run.  Each run follows a simulated reboot (the index is read-locked after
# an unseal); the reboot is not timed.  tpmseal's figure includes what the
# pipeline skips: salted sessions, parameter encryption, the index and
# policy checks, the read lock, rebuilding and writing the key files.
# Then authorized mode against literal PolicyPCR, same bundle size: the
# approval search (PolicyPCR + PolicyNV in the TPM per candidate,
# LoadExternal, VerifySignature, PolicyAuthorize) with the matching record
# alone in the file and last of 16, and `advance` when there is nothing to
# write (every boot but the first of a new image).  Last, the TPM commands of
# each operation by command code (issue 20: on a real TPM each costs
# milliseconds to hundreds of them).
set -eu -o pipefail
SWTPM_LOGLEVEL=20  # swtpm logs each command: counted below, the same cost for all
. tests/tpm/lib.sh
N=${BENCH_RUNS:-15}
tpm_start

now_us() { local t=${EPOCHREALTIME/[.,]/}; echo $((10#$t)); }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

"$TPMSEAL" provision --index 0x01851E71 --instances 1 >/dev/null
"$TPMSEAL" provision --index 0x01851E78 --instances 8 --family fam >/dev/null
size1=$("$TPMSEAL" status --index 0x01851E71 | awk '/^size/ { print $2 }')
size8=$("$TPMSEAL" status --index 0x01851E78 | awk '/^size/ { print $2 }')
openssl ecparam -name prime256v1 -genkey -noout -out "$T/op.pem" 2>/dev/null
openssl ec -in "$T/op.pem" -pubout -out "$T/op.pub" 2>/dev/null
"$TPMSEAL" provision --index 0x01851E74 --instances 1 --authorize-key "$T/op.pub" >/dev/null
"$TPMSEAL" approve --key "$T/op.pem" --pcr 7="$(pcr_value 7)" --pcr 13="$(pcr_value 13)" --epoch 1 \
	--out "$T/match.ap" >/dev/null
: >"$T/many"
for ((i = 0; i < 15; i++)); do
	"$TPMSEAL" approve --key "$T/op.pem" --pcr 7="$(pcr_value 7)" \
		--pcr 13="$(printf 'other %d' $i | sha256sum | cut -d' ' -f1)" --epoch 1 --out "$T/o$i.ap" >/dev/null
	cat "$T/o$i.ap" >>"$T/many"
done
cat "$T/match.ap" >>"$T/many"

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

# Literal PolicyPCR and authorized unseals interleaved, run by run, so a
# load change on the machine hits all three alike.
unseal_us() {  # ARGS...: one timed unseal after a reboot
	local t0 t1
	tpm_reboot
	rm -rf "$T/out"
	t0=$(now_us)
	"$TPMSEAL" unseal "$@" --out "$T/out" >/dev/null
	t1=$(now_us)
	echo $((t1 - t0))
}
bench_modes() {
	local i
	for ((i = 0; i < N; i++)); do
		echo "$(unseal_us --index 0x01851E71) $(unseal_us --index 0x01851E74 --authorize-key "$T/op.pub" --approval "$T/match.ap") $(unseal_us --index 0x01851E74 --authorize-key "$T/op.pub" --approval "$T/many")"
	done >"$T/modes"
}
col_median() { awk -v c="$1" '{ print $c }' "$T/modes" | median; }

# TPM commands one unseal sends (swtpm's log): what the time is made of,
# free of the machine's load.
tpm_cmds() {  # ARGS...
	local before after
	tpm_reboot
	rm -rf "$T/out"
	before=$(grep -c 'SWTPM_IO_Read' "$T/tpm/swtpm.log")
	"$TPMSEAL" unseal "$@" --out "$T/out" >/dev/null
	after=$(grep -c 'SWTPM_IO_Read' "$T/tpm/swtpm.log")
	echo $((after - before))
}

# The commands of one operation by command code (tests/tpm/cmdcount.awk,
# issue 20), after a simulated reboot when REBOOT is 1 (what a boot sees).
count_op() {  # LABEL REBOOT CMD...
	local from
	[ "$2" = 0 ] || tpm_reboot
	rm -rf "$T/out"
	from=$(wc -l <"$T/tpm/swtpm.log")
	"${@:3}" >/dev/null
	echo "  $1:"
	awk -v from="$from" -f tests/tpm/cmdcount.awk "$T/tpm/swtpm.log" | sed 's/^/    /'
}
tools_once() {  # INDEX SIZE: the pipeline of bench_tools, once
	local off n
	tpm2_startauthsession --policy-session -S "$T/s.ctx"
	for ((off = 0; off < $2; off += 1024)); do
		n=$(($2 - off < 1024 ? $2 - off : 1024))
		tpm2_policypcr -S "$T/s.ctx" -l sha256:7,13
		tpm2_nvread "$1" -C "$1" -P session:"$T/s.ctx" -s "$n" --offset "$off" -o "$T/nv.$off"
	done
	tpm2_flushcontext "$T/s.ctx"
}

bench_advance() {
	local i t0 t1
	"$TPMSEAL" advance --authorize-key "$T/op.pub" --approval "$T/match.ap" >/dev/null
	for ((i = 0; i < N; i++)); do
		t0=$(now_us)
		"$TPMSEAL" advance --authorize-key "$T/op.pub" --approval "$T/many" >/dev/null
		t1=$(now_us)
		echo $((t1 - t0))
	done | median
}

u1=$(bench_tpmseal 0x01851E71)
bench_modes
l1=$(col_median 1)
a1=$(col_median 2)
a16=$(col_median 3)
adv=$(bench_advance)
c_lit=$(tpm_cmds --index 0x01851E71)
c_a1=$(tpm_cmds --index 0x01851E74 --authorize-key "$T/op.pub" --approval "$T/match.ap")
c_a16=$(tpm_cmds --index 0x01851E74 --authorize-key "$T/op.pub" --approval "$T/many")
u8=$(bench_tpmseal 0x01851E78)
t1=$(bench_tools 0x01851E71 "$size1")
t8=$(bench_tools 0x01851E78 "$size8")
awk -v n="$N" -v s1="$size1" -v s8="$size8" -v u1="$u1" -v u8="$u8" -v t1="$t1" -v t8="$t8" \
	-v l1="$l1" -v a1="$a1" -v a16="$a16" -v adv="$adv" -v cl="$c_lit" -v c1="$c_a1" -v c16="$c_a16" 'BEGIN {
	printf "bench-tpm: swtpm, median of %d runs each\n", n
	printf "  1 instance  (%4d B): tpmseal unseal %7.1f ms   tpm2-tools pipeline %7.1f ms   ratio %.2f\n", s1, u1 / 1000, t1 / 1000, u1 / t1
	printf "  8 instances (%4d B): tpmseal unseal %7.1f ms   tpm2-tools pipeline %7.1f ms   ratio %.2f\n", s8, u8 / 1000, t8 / 1000, u8 / t8
	printf "  1 instance, authorized (PolicyAuthorize + PolicyNV epoch), v2 approval alone: %7.1f ms   literal PolicyPCR %7.1f ms   ratio %.2f\n", a1 / 1000, l1 / 1000, a1 / l1
	printf "  1 instance, authorized, matching approval last of 16 records:                 %7.1f ms   ratio %.2f\n", a16 / 1000, a16 / l1
	printf "  advance (minimum already at the image epoch, no write), 16 records:          %7.1f ms\n", adv / 1000
	printf "  TPM commands per unseal: literal PolicyPCR %d, authorized alone %d, authorized last of 16 %d\n", cl, c1, c16
}'
echo "bench-tpm: TPM commands per operation, by command code (swtpm's log; rc: a response that was not success)"
count_op "provision, 1 instance (a new index)" 0 "$TPMSEAL" provision --index 0x01851E7A --instances 1
count_op "unseal, literal PolicyPCR, 1 instance" 1 "$TPMSEAL" unseal --index 0x01851E71 --out "$T/out"
count_op "unseal, authorized, approval alone" 1 "$TPMSEAL" unseal --index 0x01851E74 --authorize-key "$T/op.pub" \
	--approval "$T/match.ap" --out "$T/out"
count_op "unseal, authorized, approval last of 16" 1 "$TPMSEAL" unseal --index 0x01851E74 \
	--authorize-key "$T/op.pub" --approval "$T/many" --out "$T/out"
count_op "advance, nothing to write, 16 records" 0 "$TPMSEAL" advance --authorize-key "$T/op.pub" --approval "$T/many"
count_op "tpm2-tools pipeline (policy session, PolicyPCR, NV_Read per 1 KiB), 1 instance" 1 tools_once 0x01851E71 "$size1"
