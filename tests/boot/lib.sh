# Boot-test harness: QEMU + OVMF (UEFI, measured boot) + swtpm, under TCG.
# Sourced by tests/boot/*.t (bash).  Typical use:
#
#   . tests/boot/lib.sh
#   boot_init smoke
#   boot_swtpm_start "$BOOT_DIR/tpm"
#   boot_qemu out/vmlinuz out/initramfs.cpio.zst "initd.test=foo"
#   boot_expect 'LETHE-BOOT version=' 120 || ...
#   boot_wait_exit 60 || ...
#
# The harness owns the EXIT trap of the shell that sources it: it kills what
# it started and removes $BOOT_DIR (LETHE_KEEP=1 keeps it).  Call the
# functions from the main shell, not from $(...) or a pipeline: they keep
# state in variables and wait for their own child processes.
#
# Settings (environment, read when used):
#   LETHE_TIMEOUT_SCALE  multiplies every timeout (default 1; decimals ok)
#   LETHE_KEEP=1         keep the scratch directory, and say where it is
#   BOOT_QEMU            qemu binary (qemu-system-x86_64)
#   BOOT_OVMF_CODE       firmware code, read-only (/usr/share/OVMF/OVMF_CODE_4M.fd)
#   BOOT_OVMF_VARS       firmware variables template (/usr/share/OVMF/OVMF_VARS_4M.fd)
#   BOOT_MEM             guest RAM in MiB (1024)
#   BOOT_SMP             guest CPUs (2)
#   BOOT_SWTPM_LOGLEVEL  swtpm's log level (1; 20 dumps every TPM command)
#   BOOT_NETDEV          the -netdev value; id must be n0; "none": no NIC
#                        (default user,id=n0,restrict=on: the guest reaches
#                        no network; add guestfwd=/hostfwd= to this string)
#
# Files in $BOOT_DIR: serial.log (guest serial console), qemu.log (qemu's
# own stdout/stderr), qmp.sock (QMP), vars.fd (this machine's UEFI
# variables), swtpm.log, swtpm-setup.log.
#
# Only unix sockets and slirp with restrict=on: nothing listens on or
# reaches the host's network.

# shellcheck source=tests/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"

BOOT_DIR=
BOOT_NAME=
BOOT_QEMU_PID=
BOOT_QEMU_STATUS=
BOOT_SWTPM_PID=
BOOT_TPM_DIR=
BOOT_T0_US=
BOOT_MARK=0
BOOT_ARGS=()

# Integer microseconds since the epoch (bash 5, LC_ALL=C: "sec.usec").
boot_now_us() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((10#$t))
}

# boot_scaled_us SECONDS: SECONDS * LETHE_TIMEOUT_SCALE, in microseconds.
boot_scaled_us() {
	local scale=${LETHE_TIMEOUT_SCALE:-1}
	if ! [[ $scale =~ ^[0-9]+(\.[0-9]+)?$ && $1 =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
		echo "boot: fatal: bad timeout $1 or LETHE_TIMEOUT_SCALE=$scale" >&2
		return 100
	fi
	awk -v s="$1" -v k="$scale" 'BEGIN { printf "%d\n", s * k * 1000000 }'
}

boot_die() {
	echo "boot: fatal: $*" >&2
	exit 111
}

boot_alive() {
	[[ -n $1 ]] && kill -0 "$1" 2>/dev/null
}

# boot_stop PID: TERM, up to 5 s grace, then KILL; reaps it if it is ours.
boot_stop() {
	local pid=$1 i
	boot_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		boot_alive "$pid" || break
		sleep 0.1
	done
	boot_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

boot_cleanup() {
	local rc=$?
	tap_exit_status "$rc" || rc=$?
	boot_stop "$BOOT_QEMU_PID"
	boot_stop "$BOOT_SWTPM_PID"
	if [[ -n $BOOT_DIR && -d $BOOT_DIR ]]; then
		if [[ ${LETHE_KEEP:-0} == 1 ]]; then
			echo "# boot: kept $BOOT_DIR" >&2
		else
			rm -rf -- "$BOOT_DIR"
		fi
	fi
	# An EXIT trap sets the status only through exit.
	exit "$rc"
}

# boot_init NAME: scratch directory and cleanup trap.
boot_init() {
	[[ $1 =~ ^[A-Za-z0-9_.-]{1,32}$ ]] || boot_die "bad test name '$1'"
	BOOT_NAME=$1
	# tap_scratch: under the build tree when run by make, where nginx's
	# workers (relay.sh) can reach it whatever TMPDIR's mode; but a deep
	# checkout would make the unix sockets' paths too long: then TMPDIR.
	local tmp=${LETHE_TEST_TMPDIR:-}
	if ((${#tmp} + ${#1} > 60)); then
		BOOT_DIR=$(LETHE_TEST_TMPDIR= tap_scratch "lethe-boot-$1")
	else
		BOOT_DIR=$(tap_scratch "lethe-boot-$1")
	fi || boot_die "unable to create scratch directory"
	# Unix socket paths are limited to 107 bytes; fail now, not in qemu.
	((${#BOOT_DIR} <= 80)) || boot_die "scratch path too long for sockets: $BOOT_DIR"
	trap boot_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# boot_swtpm_start STATEDIR: manufactures a TPM in STATEDIR the first time
# (EKs, SHA-256 PCR bank only), then starts swtpm on STATEDIR/sock for the
# next boot_qemu.  swtpm ends when qemu disconnects, so call it again before
# every boot: same STATEDIR, same TPM (a reboot of the same machine).
boot_swtpm_start() {
	local state=$1 sock deadline
	[[ -n $BOOT_DIR ]] || boot_die "boot_init first"
	sock=$state/sock
	((${#sock} <= 100)) || boot_die "swtpm socket path too long: $sock"
	mkdir -p -- "$state" || boot_die "unable to create $state"
	if [[ ! -e $state/tpm2-00.permall ]]; then
		# Our own config: the system one may name a certificate tool
		# and CA directories we neither need nor want to write to.
		echo "active_pcr_banks = sha256" >"$BOOT_DIR/swtpm_setup.conf"
		swtpm_setup --tpm2 --tpmstate "$state" --pcr-banks sha256 --createek \
			--not-overwrite --config "$BOOT_DIR/swtpm_setup.conf" \
			--logfile "$BOOT_DIR/swtpm-setup.log" >>"$BOOT_DIR/swtpm-setup.log" 2>&1 ||
			boot_die "unable to set up swtpm state in $state (see swtpm-setup.log)"
	fi
	boot_stop "$BOOT_SWTPM_PID"
	rm -f -- "$sock"
	# No --flags startup-clear: the firmware sends TPM2_Startup itself.
	swtpm socket --tpm2 --tpmstate dir="$state" \
		--ctrl type=unixio,path="$sock" \
		--log file="$BOOT_DIR/swtpm.log",level="${BOOT_SWTPM_LOGLEVEL:-1}" \
		</dev/null >>"$BOOT_DIR/swtpm.log" 2>&1 &
	BOOT_SWTPM_PID=$!
	BOOT_TPM_DIR=$state
	deadline=$(($(boot_now_us) + $(boot_scaled_us 10)))
	while [[ ! -S $sock ]]; do
		boot_alive "$BOOT_SWTPM_PID" || boot_die "swtpm exited at start (see swtpm.log)"
		(($(boot_now_us) < deadline)) || boot_die "swtpm socket $sock did not appear"
		sleep 0.1
	done
}

# TCG runs both vCPUs in one host thread (BOOT_TCG_THREAD=single): with
# multi-threaded TCG the Debian 13 kernel sometimes crashed while patching its
# own code with another vCPU running it (a clean-clone make check saw "Oops:
# int3" in sched_clock_cpu at 2.9 s, another an invalid fetch in the middle of
# a patched NOP in get_random_u32 at 2.4 s); one thread keeps the vCPUs'
# view of the code coherent.  BOOT_TCG_THREAD=multi restores the old setting.
#
# The kernel arguments every test boot starts with.  tsc=unstable is a TCG
# workaround, not a product setting: with 2 vCPUs, the kernel's late switch
# of sched_clock to "stable" (2.9 s into the boot) patches code through int3
# while the other vCPU may run it, and QEMU's multi-threaded TCG can execute
# the stale int3: "Oops: int3" in sched_clock_cpu right after "sched_clock:
# Marking stable", seen once in a clean-clone make check with the trixie
# kernel.  An unstable TSC is marked while one CPU runs, so nothing is patched
# later.  Real hardware and KVM have no such race.
BOOT_KERNEL_ARGS="console=ttyS0 panic=-1 tsc=unstable"

# boot_qemu KERNEL INITRD CMDLINE [QEMU ARGS...]: starts the guest in the
# background (UEFI via OVMF, TPM if boot_swtpm_start ran, serial console
# to serial.log, QMP on qmp.sock).  The kernel gets BOOT_KERNEL_ARGS before
# CMDLINE.  To boot without the TPM after a boot with it, set
# BOOT_TPM_DIR= first.  Extra QEMU ARGS go last, after ours.
# boot_machine_args SERIAL-CHARDEV: BOOT_ARGS := the machine every boot test
# uses (q35, TCG, OVMF with this machine's variable store, QMP, the swtpm
# of boot_swtpm_start if any), its serial console on the chardev
# SERIAL-CHARDEV (id ser0).  The boot source and network are the caller's.
boot_machine_args() {
	local code vars
	[[ -n $BOOT_DIR ]] || boot_die "boot_init first"
	boot_alive "$BOOT_QEMU_PID" && boot_die "qemu is already running"
	code=${BOOT_OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
	vars=${BOOT_OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
	[[ -r $code ]] || boot_die "unable to read firmware $code"
	# The variable store is this machine's NVRAM: kept across reboots.
	if [[ ! -e $BOOT_DIR/vars.fd ]]; then
		cp -- "$vars" "$BOOT_DIR/vars.fd" || boot_die "unable to copy $vars"
	fi
	BOOT_ARGS=(
		-name "lethe-$BOOT_NAME"
		-machine q35 -accel "tcg,thread=${BOOT_TCG_THREAD:-single}"
		-smp "${BOOT_SMP:-2}" -m "${BOOT_MEM:-1024}"
		-nodefaults -no-user-config -no-reboot
		-display none -vga none -monitor none
		-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code"
		-drive "if=pflash,format=raw,unit=1,file=$BOOT_DIR/vars.fd"
		-chardev "$1"
		-serial chardev:ser0
		-qmp "unix:$BOOT_DIR/qmp.sock,server=on,wait=off"
	)
	if [[ -n $BOOT_TPM_DIR ]]; then
		boot_alive "$BOOT_SWTPM_PID" || boot_die "swtpm is not running: boot_swtpm_start again"
		BOOT_ARGS+=(
			-chardev "socket,id=chrtpm,path=$BOOT_TPM_DIR/sock"
			-tpmdev emulator,id=tpm0,chardev=chrtpm
			-device tpm-tis,tpmdev=tpm0
		)
	fi
}

boot_qemu() {
	local kernel=$1 initrd=$2 cmdline=$3
	shift 3
	local -a args
	[[ -r $kernel ]] || boot_die "unable to read kernel $kernel"
	[[ -r $initrd ]] || boot_die "unable to read initrd $initrd"
	boot_machine_args "file,id=ser0,path=$BOOT_DIR/serial.log"
	args=(
		"${BOOT_ARGS[@]}"
		-kernel "$kernel" -initrd "$initrd"
		-append "$BOOT_KERNEL_ARGS${cmdline:+ $cmdline}"
	)
	if [[ ${BOOT_NETDEV-} != none ]]; then
		args+=(
			-netdev "${BOOT_NETDEV:-user,id=n0,restrict=on}"
			-device virtio-net-pci,netdev=n0
		)
	fi
	: >"$BOOT_DIR/serial.log"
	rm -f -- "$BOOT_DIR/qmp.sock"
	BOOT_MARK=0
	BOOT_QEMU_STATUS=
	BOOT_T0_US=$(boot_now_us)
	"${BOOT_QEMU:-qemu-system-x86_64}" "${args[@]}" "$@" \
		</dev/null >>"$BOOT_DIR/qemu.log" 2>&1 &
	BOOT_QEMU_PID=$!
}

# boot_elapsed: seconds since boot_qemu started qemu, one decimal.
boot_elapsed() {
	local d=$(($(boot_now_us) - BOOT_T0_US))
	printf '%d.%d\n' $((d / 1000000)) $((d % 1000000 / 100000))
}

# boot_mark: later boot_expect calls look only at output after this point.
boot_mark() {
	BOOT_MARK=$(stat -c %s -- "$BOOT_DIR/serial.log")
}

boot_serial_tail() {
	echo "# last 40 lines of $BOOT_DIR/serial.log:" >&2
	tail -n 40 -- "$BOOT_DIR/serial.log" | tr -d '\r' | sed 's/^/#   /' >&2
	if [[ -s $BOOT_DIR/qemu.log ]]; then
		echo "# qemu.log:" >&2
		tail -n 10 -- "$BOOT_DIR/qemu.log" | sed 's/^/#   /' >&2
	fi
}

# boot_log_has PATTERN: the serial log after boot_mark matches, now.  (Not
# a pipeline: grep -q would SIGPIPE tail, which pipefail calls a failure.)
boot_log_has() {
	grep -qE -- "$1" < <(tail -c "+$((BOOT_MARK + 1))" -- "$BOOT_DIR/serial.log")
}

# boot_expect PATTERN TIMEOUT_S: 0 once the serial log (after boot_mark)
# matches the extended regex PATTERN; 1 at the deadline or when qemu has
# exited without printing it.
boot_expect() {
	local pattern=$1 deadline
	deadline=$(($(boot_now_us) + $(boot_scaled_us "$2"))) || return 1
	while :; do
		boot_log_has "$pattern" && return 0
		if ! boot_alive "$BOOT_QEMU_PID"; then
			# It may have printed the line just before exiting.
			boot_log_has "$pattern" && return 0
			echo "# boot: qemu exited before /$pattern/ appeared" >&2
			break
		fi
		if (($(boot_now_us) >= deadline)); then
			echo "# boot: /$pattern/ not seen within $2 s (x${LETHE_TIMEOUT_SCALE:-1})" >&2
			break
		fi
		sleep 0.1
	done
	boot_serial_tail
	return 1
}

# boot_wait_exit TIMEOUT_S: 0 if qemu exits by itself (power-off, or
# reboot/panic under -no-reboot) within the deadline; else kills it and
# returns 1.  qemu's exit status is left in BOOT_QEMU_STATUS.
boot_wait_exit() {
	local deadline
	deadline=$(($(boot_now_us) + $(boot_scaled_us "$1"))) || return 1
	while boot_alive "$BOOT_QEMU_PID"; do
		if (($(boot_now_us) >= deadline)); then
			echo "# boot: qemu still running after $1 s (x${LETHE_TIMEOUT_SCALE:-1}); killing it" >&2
			boot_stop "$BOOT_QEMU_PID"
			BOOT_QEMU_STATUS=killed
			boot_serial_tail
			return 1
		fi
		sleep 0.1
	done
	wait "$BOOT_QEMU_PID" 2>/dev/null
	BOOT_QEMU_STATUS=$?
	return 0
}

# boot_qmp COMMAND [ARGUMENTS-JSON]: runs one QMP command on the running
# guest and prints what qemu said (greeting, replies, any events), one JSON
# object a line.  Returns 0 when the command's reply is a "return", 1 on an
# "error" or no reply within 10 s (scaled).  Needs socat.
boot_qmp() {
	local cmd=$1 arg=${2:-} line replies=0 result=1 wait_s in out pid
	command -v socat >/dev/null || boot_die "boot_qmp needs socat"
	[[ $cmd =~ ^[a-z0-9_-]+$ ]] || boot_die "bad QMP command '$cmd'"
	wait_s=$(awk -v u="$(boot_scaled_us 10)" 'BEGIN { printf "%.1f\n", u / 1000000 }')
	coproc BOOT_QMP_CO { exec socat - "UNIX-CONNECT:$BOOT_DIR/qmp.sock" 2>/dev/null; }
	in=${BOOT_QMP_CO[0]}
	out=${BOOT_QMP_CO[1]}
	pid=$BOOT_QMP_CO_PID
	{
		echo '{"execute":"qmp_capabilities"}'
		echo "{\"execute\":\"$cmd\"${arg:+,\"arguments\":$arg}}"
	} >&"$out"
	# Two replies: capabilities, then our command; events may come between.
	while ((replies < 2)) && read -r -t "$wait_s" line <&"$in"; do
		printf '%s\n' "$line"
		case $line in
		'{"return"'*) replies=$((replies + 1)); result=0 ;;
		'{"error"'*) replies=$((replies + 1)); result=1 ;;
		esac
	done
	((replies == 2)) || result=1
	exec {out}>&- {in}<&-
	boot_stop "$pid"
	return $result
}

# boot_need_image: KERNEL and INITRD (defaults out/vmlinuz, out/initramfs.cpio.zst)
# must be readable; without them a test bails out, or skips when
# LETHE_ALLOW_SKIP=1.  (The TAP helpers are tests/tap.sh's.)
boot_need_image() {
	KERNEL=${KERNEL:-out/vmlinuz}
	INITRD=${INITRD:-out/initramfs.cpio.zst}
	if [[ ! -r $KERNEL || ! -r $INITRD ]]; then
		if [[ ${LETHE_ALLOW_SKIP:-0} == 1 ]]; then
			echo "1..0 # SKIP no image ($KERNEL, $INITRD)"
			exit 0
		fi
		echo "1..0"
		echo "Bail out! no image: $KERNEL or $INITRD missing (LETHE_ALLOW_SKIP=1 to skip)"
		exit 1
	fi
}
