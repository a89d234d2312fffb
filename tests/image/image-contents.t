#!/usr/bin/env bash
# The built image holds what the relay needs and nothing it should not:
# checked on the real artifacts in out/ and build/image (make check builds them).
# The closure is proven by running the image's own programs in a chroot of
# the extracted initramfs: a missing library fails there, not on a relay.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
B=${B:-build} O=${O:-out}
spec=$B/image/rootfs.spec manifest=$O/manifest.txt cpio=$B/image/initramfs.cpio
. tests/image/lib.sh contents
tap_plan 16

check "the zstd initramfs decompresses to exactly the cpio" \
	bash -c "zstd -dc $O/initramfs.cpio.zst | cmp - $cpio"

check "cpio lists the spec's entries, parents first" bash -c "
	cpio -it --quiet < $cpio > $t/list &&
	awk '{ sub(/^\//, \"\", \$2); print \$2 }' $spec | sort > $t/want &&
	sort $t/list | cmp - $t/want &&
	awk -F/ '{ p = \$0; sub(/\/[^\/]*\$/, \"\", p); if (p != \$0 && !(p in seen)) { print \"child before parent: \" \$0; bad = 1 } seen[\$0] = 1 } END { exit bad }' $t/list"

required=(/init /dev/console /usr/bin/tor /usr/bin/busybox /usr/bin/udhcpc /usr/bin/sh
	/usr/bin/tpmseal /usr/bin/configpull /usr/bin/lethe-telemetry /usr/bin/lethe-state /etc/lethe-release
	/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/lib/x86_64-linux-gnu/libmimalloc.so.2
	/usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0
	/lib /lib64 /usr/lib64/ld-linux-x86-64.so.2)
check "every required entry is in the manifest" bash -c "
	for p in ${required[*]}; do awk -v p=\$p '\$5 == p { f = 1 } END { exit !f }' $manifest || { echo missing \$p; exit 1; }; done"

check "every manifest entry names its origin, Debian files with package=version" \
	awk '!/^#/ && (NF < 6 || ($4 == "file" && $6 !~ /^(lethe|rootfs-overlay|generated|lean-curl|[a-z0-9.+-]+=[^ ]+)$/)) { print; bad = 1 } END { exit bad }' "$manifest"

check "no setuid/setgid files, nothing world-writable but /tmp and symlinks" \
	awk '!/^#/ && ($2 ~ /^[4-7]/ || ($2 ~ /[2367]$/ && $4 != "slink" && $5 != "/tmp")) { print; bad = 1 } END { exit bad }' "$manifest"

check "no GnuTLS, Kerberos, LDAP, SSH or IDN libraries (HTTPS client is OpenSSL only)" \
	bash -c "! grep -E 'lib(gnutls|krb5|gssapi|ldap|sasl2|ssh2|idn2|rtmp|psl|nghttp2|p11-kit|unistring)' $manifest"

mods=$(awk '$5 ~ /^\/usr\/lib\/modules\/[^/]+\/modules.dep$/ { print $5 }' "$manifest")
check "modules.dep names exactly the modules shipped" bash -c "
	[ -n '$mods' ] && d=\$(dirname '$mods') &&
	awk -v d=\$d/ '\$4 == \"file\" && \$5 ~ /\\.ko\$/ && index(\$5, d) == 1 { print substr(\$5, length(d) + 1) }' $manifest | sort > $t/shipped &&
	cpio -i --quiet --to-stdout \"\${d#/}/modules.dep\" < $cpio | cut -d: -f1 | sort > $t/dep &&
	cmp $t/shipped $t/dep"

check "modules.alias covers every NIC driver (e1000e, virtio_net, mlx5_core)" bash -c "
	d=\$(dirname '$mods') && cpio -i --quiet --to-stdout \"\${d#/}/modules.alias\" < $cpio > $t/alias &&
	for m in e1000e virtio_net mlx5_core igb ixgbe i40e ice bnxt_en tg3; do grep -q \" \$m\$\" $t/alias || { echo no alias for \$m; exit 1; }; done"

mkdir -p "$t/root"
(cd "$t/root" && cpio -idm --quiet --no-absolute-filenames < "$top/$cpio") 2>/dev/null
check "/init is a static binary" bash -c "file -L $t/root/init | grep -q 'statically linked'"
check "tor runs from the image (tor --version in a chroot)" chroot "$t/root" /usr/bin/tor --version
# The tor of the image is the lock's: the manifest's origin, and what the
# binary itself says (upstream part of the Debian version).
tor_lock=$(awk '$1 == "tor" { print $2 }' "${LOCK:-image/packages.lock}")
check "the image's tor is the locked one ($tor_lock): manifest origin and tor --version" bash -c "
	awk '\$5 == \"/usr/bin/tor\" { print \$6 }' $manifest | grep -qx 'tor=$tor_lock' &&
	chroot $t/root /usr/bin/tor --version | grep -q '^Tor version ${tor_lock%%-*}\\.\$'"
# Our programs were compiled against the build root's headers: they must be
# the versions of the libraries the image ships (make update-lock resolves
# both locks from one archive index; a lock edited by hand could split them).
check "build-root -dev packages and image libraries have the same versions" bash -c '
	br=image/buildroot/packages.lock img=${LOCK:-image/packages.lock}
	for pair in libc6-dev:libc6 libssl-dev:libssl3t64 libtss2-dev:libtss2-esys-3.0.2-0t64 \
		libjansson-dev:libjansson4 libsodium-dev:libsodium23 zlib1g-dev:zlib1g; do
		a=$(awk -v p=${pair%%:*} "\$1 == p { print \$2 }" $br)
		b=$(awk -v p=${pair#*:} "\$1 == p { print \$2 }" $img)
		[ -n "$a" ] && [ "$a" = "$b" ] || { echo "${pair%%:*} $a (build root) != ${pair#*:} $b (image)"; exit 1; }
	done'
# Preloaded inside the chroot (not into chroot(1) of the host), and each
# allocator proves it is the one running: its own statistics on exit.
check "tor runs with jemalloc preloaded (jemalloc's statistics)" bash -c "
	chroot $t/root /usr/bin/env LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 \
		MALLOC_CONF=stats_print:true /usr/bin/tor --version 2>&1 | grep -q 'Begin jemalloc statistics'"
check "tor runs with mimalloc 2.0.9 preloaded (mimalloc's own banner)" bash -c "
	chroot $t/root /usr/bin/env LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libmimalloc.so.2 \
		MIMALLOC_VERBOSE=1 /usr/bin/tor --version 2>&1 | grep -q 'mimalloc: process init'"
check "tpmseal, configpull, lethe-telemetry and lethe-state load all their libraries" bash -c "
	chroot $t/root /usr/bin/tpmseal version && chroot $t/root /usr/bin/configpull version &&
	chroot $t/root /usr/bin/lethe-telemetry version &&
	{ chroot $t/root /usr/bin/lethe-state >/dev/null 2>&1; [ \$? -eq 100 ]; }"
check "the image version in /etc/lethe-release matches the build" bash -c "
	grep -qx 'LETHE_VERSION=${LETHE_VERSION:-}' $t/root/etc/lethe-release || [ -z '${LETHE_VERSION:-}' ]"

tap_done
