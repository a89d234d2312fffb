#!/bin/bash
# lethe-telemetry's command line without a server: version, usage errors,
# and `show` (the report and the node metrics it would send) over a fake
# /proc and /sys (--proc, --sys), a status file refused, and the node key
# in a TPM (swtpm: --handle, --tcti, LETHE_TCTI).
set -eu -o pipefail
TM_TEST=show
. "$(dirname "$0")/lib.sh"
TAP_CAPTURE=$T
tap_plan 23

URL=https://localhost:1/v1/node.json
rc_of() { local rc=0; "$@" >/dev/null 2>&1 || rc=$?; echo "$rc"; }

check "version names the libraries" bash -c "'$LETHE_TELEMETRY' version | grep -q '^lethe-telemetry libcurl/.*jansson .*OpenSSL'"
check "usage errors exit 100: no URL, an http URL, --interval 0, --metrics-base 65530, a handle outside 0x81..., an unknown command" \
	test "$(rc_of "$LETHE_TELEMETRY" run) $(rc_of "$LETHE_TELEMETRY" run http://localhost/x) $(rc_of "$LETHE_TELEMETRY" run --interval 0 "$URL") $(rc_of "$LETHE_TELEMETRY" run --metrics-base 65530 "$URL") $(rc_of "$LETHE_TELEMETRY" run --handle 0x1 "$URL") $(rc_of "$LETHE_TELEMETRY" push "$URL")" = \
	"100 100 100 100 100 100"
check "run fails closed without the fleet CA (111, said)" \
	bash -c "'$LETHE_TELEMETRY' run --ca '$T/none.pem' --key /dev/null '$URL' 2>&1 </dev/null | grep -q 'unable to read the fleet CA'; [ \${PIPESTATUS[0]} = 111 ]"

# --- a node over a fake /proc and /sys ------------------------------------
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/n.key" 2>/dev/null
ID=$(CONFIGPULL=$CONFIGPULL scripts/fleet nodeid "$T/n.key")
mkdir -p "$T/proc/sys/kernel/random" "$T/proc/pressure" "$T/proc/4242" "$T/sys/block/zram0" "$T/conf" "$T/data/relay1"
echo 01234567-89ab-cdef-0123-456789abcdef >"$T/proc/sys/kernel/random/boot_id"
echo "4321.98 8000.00" >"$T/proc/uptime"
printf 'MemTotal:        1000000 kB\nMemFree:          500000 kB\nMemAvailable:     700000 kB\nSwapTotal:        250000 kB\nSwapFree:         240000 kB\n' >"$T/proc/meminfo"
printf 'some avg10=1.25 avg60=0.50 avg300=0.10 total=12345\nfull avg10=0.75 avg60=0.25 avg300=0.05 total=2345\n' >"$T/proc/pressure/memory"
printf 'Name:\ttor\nVmPeak:\t  99999 kB\nVmRSS:\t   5555 kB\n' >"$T/proc/4242/status"
echo 268435456 >"$T/sys/block/zram0/disksize"
echo "  1048576   262144   300000        0   300000        0        0        0        0" >"$T/sys/block/zram0/mm_stat"
echo "LETHE_VERSION=v1.0.0" >"$T/release"
printf 'image_version=\n' >"$T/conf/node.conf"
echo "relay1 0123456789ABCDEF0123456789ABCDEF01234567" >"$T/data/relay1/fingerprint"
tm_status "$T/status" version=1 seq=3 stage=keys instances=1 inst.0.name=relay1 inst.0.state=up inst.0.pid=4242 \
	inst.0.restarts=2 "inst.0.last_exit=signal 9" inst.0.crashloop=1 pressure_events=7 "stage_error=tpmseal: exited 1"
show=("$LETHE_TELEMETRY" show --key "$T/n.key" --status "$T/status" --conf-dir "$T/conf" --release "$T/release"
	--data-dir "$T/data" --proc "$T/proc" --sys "$T/sys" --tor /nonexistent)
"${show[@]}" "$URL" >"$T/show.out" 2>"$T/show.err"
head -1 "$T/show.out" >"$T/report.json"
rf() { $JV "$1" <"$T/report.json" || true; }
check "show: the report names the key's node id" test "$(rf 'r["node"]')" = "\"$ID\""
check "--proc: boot_id and uptime" test "$(rf '[r["boot_id"], r["uptime_s"]]')" = '["01234567-89ab-cdef-0123-456789abcdef", 4321]'
check "--proc: memory from meminfo" test "$(rf 'r["memory"]')" = \
	'{"available_kib": 700000, "swap_free_kib": 240000, "swap_total_kib": 250000, "total_kib": 1000000}'
check "--proc: psi from pressure/memory, events from the status file" \
	test "$(rf 'r["psi"]')" = '{"events": 7, "full_avg10": 0.75, "some_avg10": 1.25}'
check "--proc: the instance's RSS from PID/status" test "$(rf 'r["instances"][0]["rss_kib"]')" = 5555
check "--sys: zram's disksize and mm_stat" test "$(rf 'r["zram"]')" = \
	'{"compr_bytes": 262144, "disksize_bytes": 268435456, "orig_bytes": 1048576}'
check "the status file's instance and stage_error" \
	test "$(rf '[r["stage"], r["stage_error"], r["instances"][0]["restarts"], r["instances"][0]["last_exit"], r["instances"][0]["crashloop"]]')" = \
	'["keys", "tpmseal: exited 1", 2, "signal 9", true]'
check "an empty image hint: image_wanted \"\", no mismatch; no etag file: \"\"; no attestation file: unknown" \
	test "$(rf '[r["image_wanted"], r["image_mismatch"], r["config_etag"], r["attestation"]]')" = '["", false, "", "unknown"]'
check "a tor that cannot run (--tor): tor_version \"\"" test "$(rf 'r["instances"][0]["tor_version"]')" = '""'
# configpull refused by the verifier before any document (exit 4): no
# attestation file, the status file's pull_exit says it
tm_status "$T/status4" version=1 seq=4 stage=config pull_exit=4
check "no attestation file and pull_exit 4: attestation refused" bash -c "
	'$LETHE_TELEMETRY' show --key '$T/n.key' --status '$T/status4' --conf-dir '$T/conf' --release '$T/release' \
		--data-dir '$T/data' --proc '$T/proc' --sys '$T/sys' --tor /nonexistent '$URL' 2>/dev/null |
		head -1 | $JV 'r[\"attestation\"] == \"refused\"' >/dev/null"
check "the node metrics: families with HELP and TYPE, no timestamps, zram and psi from the fake files" \
	bash -c "grep -qx 'lethe_zram_orig_bytes 1048576' '$T/show.out' && grep -qx 'lethe_psi_memory_some_avg10 1.25' '$T/show.out' &&
		grep -qx 'lethe_tor_rss_bytes{instance=\"relay1\"} 5688320' '$T/show.out' &&
		grep -qx 'lethe_pipeline_done{step=\"keys\"} 0' '$T/show.out' && grep -qx 'lethe_pipeline_done{step=\"config\"} 1' '$T/show.out' &&
		[ \$(grep -c '^# HELP ' '$T/show.out') = \$(grep -c '^# TYPE ' '$T/show.out') ] &&
		! sed 1d '$T/show.out' | grep -vE '^(# (HELP|TYPE) |[a-z_][a-z0-9_]*(\{[^}]*\})? -?[0-9.e+]+$)'"
check "the metrics are valid for the Pushgateway's parser (promtool-free check: one TYPE per family)" \
	bash -c "[ \$(grep '^# TYPE ' '$T/show.out' | awk '{print \$3}' | sort | uniq -d | wc -l) = 0 ]"

printf 'version=1\nstage=tor\ninstances=2\ninst.0.name=relay1\n' >"$T/bad-status"
"$LETHE_TELEMETRY" show --key "$T/n.key" --status "$T/bad-status" --proc "$T/proc" --release "$T/release" "$URL" \
	>"$T/bad.out" 2>"$T/bad.err" || true
check "a status file with an instance but no name is refused, said with its reason" \
	grep -q "status file $T/bad-status refused: inst.1.name missing" "$T/bad.err"
check "... and without a status file read there is no report (stage is required)" \
	bash -c "grep -q 'no report: no status file read yet' '$T/bad.err' && [ \"\$(head -1 '$T/bad.out')\" = '{}' ]"
check "--release: no LETHE_VERSION, no report" \
	bash -c "'$LETHE_TELEMETRY' show --key '$T/n.key' --status '$T/status' --proc '$T/proc' --release /dev/null '$URL' 2>&1 >/dev/null |
		grep -q 'unable to read the image version'"

# --- the node key in a TPM ------------------------------------------------
mkdir -p "$T/tpm"
swtpm socket --tpm2 --server type=unixio,path="$T/tpm/sock" --ctrl type=unixio,path="$T/tpm/sock.ctrl" \
	--flags startup-clear --tpmstate dir="$T/tpm" >"$T/tpm/log" 2>&1 &
PIDS+=("$!")
wait_until 5 test -S "$T/tpm/sock"
TCTI="swtpm:path=$T/tpm/sock"
check "configpull enroll makes the node key at 0x81000020" \
	bash -c "'$CONFIGPULL' enroll --handle 0x81000020 --tcti '$TCTI' >'$T/enroll.out' 2>/dev/null"
TID=$(sed -n 's/^node-id: //p' "$T/enroll.out")
tshow=("$LETHE_TELEMETRY" show --status "$T/status" --proc "$T/proc" --release "$T/release" --conf-dir "$T/conf")
tshow_node() { "${tshow[@]}" "$@" "$URL" 2>"$T/tshow.err" | sed -n 1p | $JV 'r["node"]' || true; }
check "--handle, --tcti: show names the TPM key's node id" test "$(tshow_node --handle 0x81000020 --tcti "$TCTI")" = "\"$TID\""
check "LETHE_TCTI when there is no --tcti" test "$(LETHE_TCTI=$TCTI tshow_node --handle 0x81000020)" = "\"$TID\""
check "another handle: no key there, exit 111, said" \
	bash -c "[ \$(rc_of() { local rc=0; \"\$@\" >/dev/null 2>'$T/h.err' || rc=\$?; echo \$rc; }; rc_of $(printf '%q ' "${tshow[@]}") --handle 0x81000021 --tcti '$TCTI' '$URL') = 111 ] &&
		grep -q 'unable to load the node key' '$T/h.err'"
check "another TCTI: no TPM there, exit 111" \
	test "$(rc_of "${tshow[@]}" --handle 0x81000020 --tcti "swtpm:path=$T/none" "$URL")" = 111

tap_done
