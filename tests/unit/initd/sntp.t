#!/bin/bash
# initd --sntp against fake SNTP servers on loopback (TAP).  The clock is
# never stepped here: the servers answer within the 500 ms step threshold,
# or are refused.  Every wait is bounded.  Usage: INITD=build/target/initd sntp.t
set -u -o pipefail

INITD=${INITD:-build/target/initd}
# shellcheck source=tests/unit/initd/lib.sh
. "$(dirname "$0")/lib.sh"
scratch=$(tap_scratch initd-sntp) || exit 111
srv_pid=
cleanup() {
	[[ -n $srv_pid ]] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	rm -rf "$scratch"
}
trap cleanup EXIT

tap_plan 9
if [[ ! -x $INITD ]]; then echo "Bail out! $INITD not built"; exit 1; fi

# Servers on loopback, one per mode: "good" (offset 0), "far" (+10 s),
# "kod" (stratum 0), "foreign" (wrong originate timestamp), "mute".
cat >"$scratch/srv.py" <<'PY'
import socket, struct, sys, time, select
modes = sys.argv[1:]
socks = []
for m in modes:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    socks.append((s, m))
print(" ".join(str(s.getsockname()[1]) for s, _ in socks), flush=True)
def ntp(t):
    return (int(t) + 2208988800) << 32 | int((t % 1) * 2**32)
end = time.time() + 60
while time.time() < end:
    r, _, _ = select.select([s for s, _ in socks], [], [], 1)
    for s, m in socks:
        if s not in r:
            continue
        data, addr = s.recvfrom(1024)
        if m == "mute" or len(data) < 48:
            continue
        orig = struct.unpack(">Q", data[40:48])[0]
        t = time.time() + (10 if m == "far" else 0)
        if m == "foreign":
            orig ^= 1
        st = 0 if m == "kod" else 2
        pkt = struct.pack(">BBBb", 0x24, st, 4, -20) + b"\0" * 12 + struct.pack(">QQQQ", ntp(t), orig, ntp(t), ntp(t))
        s.sendto(pkt, addr)
PY
coproc SRV { exec python3 "$scratch/srv.py" good far kod foreign mute good; }
srv_pid=$SRV_PID
read -r -t 10 -u "${SRV[0]}" good far kod foreign mute good2 || { echo "Bail out! no server"; exit 1; }

run() { "$INITD" --sntp "$@" 2>"$scratch/log"; }

run -t 1000 -e 0 127.0.0.1:$good; rc=$?
check "one good server: exit 0" test "$rc" -eq 0
check "offset within 500 ms: not stepped" log_has 'clock within 500 ms; not stepped'
run -t 1000 -e 0 127.0.0.1:$kod 127.0.0.1:$good; rc=$?
check "kiss-o'-death refused, the other used" bash -c '[[ $1 == 0 ]] && grep -q "reply refused: kiss" "$2"' _ "$rc" "$scratch/log"
run -t 500 -e 0 127.0.0.1:$foreign; rc=$?
check "foreign originate timestamp refused; no answer, clock after epoch: exit 0" \
	bash -c '[[ $1 == 0 ]] && grep -q "originate timestamp is not ours" "$2" && grep -q "keeping the RTC" "$2"' _ "$rc" "$scratch/log"
t0=${EPOCHREALTIME/[.,]/}
run -t 300 -e 99999999999 127.0.0.1:$mute; rc=$?
t1=${EPOCHREALTIME/[.,]/}
check "no answer, clock before the release: exit 1" test "$rc" -eq 1
check "deadline kept (300 ms; took $(((t1 - t0) / 1000)) ms)" test $(((t1 - t0) / 1000)) -lt 1500
run -t 1000 -e 0 127.0.0.1:$good 127.0.0.1:$far; rc=$?
check "servers disagree by 10 s: exit 1, no step" bash -c '[[ $1 == 1 ]] && grep -q "disagree" "$2" && ! grep -q stepped "$2"' _ "$rc" "$scratch/log"
run -t 1000 -e 0 127.0.0.1:$good 127.0.0.1:$good2 127.0.0.1:$far; rc=$?
check "two of three agree on the median, the third is out: exit 1" test "$rc" -eq 1
"$INITD" --sntp >/dev/null 2>&1; rc=$?
check "no server: usage (100)" test "$rc" -eq 100

tap_done
