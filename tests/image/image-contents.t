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
tap_plan 25
# A string macro of include/lethe_dns.h (the contract with initd and
# configpull), as the C compiler sees it.
dns_h() { printf '#include "lethe_dns.h"\n%s\n' "$1" | cpp -P -Iinclude - | tr -d '" '; }

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

# The exit's resolver (include/lethe_dns.h, image/unbound): the lean daemon,
# its configuration, the root's trust anchor and hints, its user.
unbound=$(dns_h LETHE_UNBOUND_BIN) ubconf=$(dns_h LETHE_UNBOUND_CONF) ubdir=$(dns_h LETHE_UNBOUND_DIR)
ub_origin=$(awk '$1 == "source" { s = $2 } $1 == "version" { v = $2 } END { print s "-source=" v }' image/unbound/source.lock)
check "$unbound: 0755 root, from $ub_origin, NEEDED only libssl, libcrypto, libevent and libc" bash -c "
	awk -v p=$unbound '\$5 == p { print \$2, \$3, \$4, \$6 }' $manifest | grep -qx '0755 0:0 file $ub_origin' &&
	readelf -d $t/root$unbound | sed -n 's/.*(NEEDED).*\[\(.*\)\]\$/\1/p' | LC_ALL=C sort > $t/ub-needed &&
	printf '%s\n' libc.so.6 libcrypto.so.3 libevent-2.1.so.7 libssl.so.3 | cmp - $t/ub-needed"
check "unbound runs from the image: unbound -V names libevent on epoll, OpenSSL, the validator" bash -c "
	chroot $t/root $unbound -V > $t/ub-V && cat $t/ub-V &&
	grep -qE '^Linked libs: libevent [^ ]+ \(it uses epoll\), OpenSSL ' $t/ub-V &&
	grep -qx 'Linked modules: dns64 respip validator iterator' $t/ub-V"
check "$ubconf includes exactly LETHE_UNBOUND_NODE_CONF ($(dns_h LETHE_UNBOUND_NODE_CONF))" bash -c "
	awk '\$1 == \"include:\" { print \$2 }' $t/root$ubconf | tr -d '\"' | grep -qx '$(dns_h LETHE_UNBOUND_NODE_CONF)' &&
	[ \$(grep -c '^[[:space:]]*include:' $t/root$ubconf) -eq 1 ]"
check "$ubconf listens on $(dns_h LETHE_RESOLVER_ADDR4) and $(dns_h LETHE_RESOLVER_ADDR6) only, port $(dns_h LETHE_RESOLVER_PORT), no remote control" bash -c "
	awk '\$1 == \"interface:\" { print \$2 }' $t/root$ubconf | LC_ALL=C sort | tr '\n' ' ' | grep -qx '$(dns_h LETHE_RESOLVER_ADDR4) $(dns_h LETHE_RESOLVER_ADDR6) ' &&
	! grep -qE '^[[:space:]]*(outgoing-)?interface-automatic:[[:space:]]*yes' $t/root$ubconf &&
	awk '\$1 == \"port:\" { print \$2 }' $t/root$ubconf | grep -qx '$(dns_h LETHE_RESOLVER_PORT)' &&
	awk '\$1 == \"control-enable:\" { print \$2 }' $t/root$ubconf | grep -qx no"
check "$ubconf logs no query name (log-queries, log-replies, log-servfail: no; the console leaves the node)" bash -c "
	for o in log-queries log-replies log-servfail; do
		awk -v o=\$o: '\$1 == o { print \$2 }' $t/root$ubconf | grep -qx no || exit 1
	done && ! grep -qE '^[[:space:]]*(log-local-actions|log-tag-queryreply|val-log-level):[[:space:]]*(yes|[12])' $t/root$ubconf"
drd=$(awk '$1 == "dns-root-data" { print $2 }' "${LOCK:-image/packages.lock}")
check "$ubdir/root.key and root.hints: 0644, from dns-root-data=$drd, the root's KSKs and A.ROOT-SERVERS.NET" bash -c "
	[ -n '$drd' ] && for f in root.key root.hints; do
		awk -v p=$ubdir/\$f '\$5 == p { print \$2, \$4, \$6 }' $manifest | grep -qx '0644 file dns-root-data=$drd' || exit 1
	done &&
	grep -qE '^\. +IN +DNSKEY +257 3 8 ' $t/root$ubdir/root.key &&
	grep -qE '^A\.ROOT-SERVERS\.NET\.[[:space:]]+[0-9]+[[:space:]]+A[[:space:]]' $t/root$ubdir/root.hints"
ub_uid=$(dns_h LETHE_UNBOUND_UID) ub_gid=$(dns_h LETHE_UNBOUND_GID) ub_user=$(dns_h LETHE_UNBOUND_USER)
check "user $ub_user ($ub_uid:$ub_gid, no shell, no home) and its group are in the image, and no one else has its uid" bash -c "
	grep -qx '$ub_user:x:$ub_uid:$ub_gid:[^:]*:/nonexistent:/usr/bin/false' $t/root/etc/passwd &&
	grep -qx '$ub_user:x:$ub_gid:' $t/root/etc/group &&
	[ \$(awk -F: '\$3 == $ub_uid' $t/root/etc/passwd | wc -l) -eq 1 ]"
notice=$(dns_h LETHE_EXIT_NOTICE)
check "the exit notice $notice: 0644, a whole HTML page that loads nothing from elsewhere" bash -c "
	awk -v p=$notice '\$5 == p { print \$2 }' $manifest | grep -qx 0644 &&
	grep -qi '^<!DOCTYPE html>' $t/root$notice && grep -qi '</html>' $t/root$notice &&
	! grep -qiE '<(link|script|img|iframe|object|embed)[[:space:]>]|src=|url\(|@import' $t/root$notice"
# unbound starts with the image's configuration: in a private network
# namespace (its own loopback, nothing leaves it), as root like initd starts
# it; it reads node.conf, binds port 53, chroots to its directory, drops to
# its user and loads the trust anchor and hints before it says it serves.
# It must still be serving when timeout(1) stops it (status 124).
if [ "$(id -u)" -ne 0 ] || ! command -v unshare > /dev/null || ! command -v ip > /dev/null; then
	skip "unbound starts with the image's configuration and keeps serving" "needs root, unshare and ip"
else
	mkdir -p "$t/root$(dns_h LETHE_UNBOUND_RUN)" && : > "$t/root$(dns_h LETHE_UNBOUND_NODE_CONF)"
	check "unbound starts with the image's configuration and keeps serving (private network namespace)" bash -c "
		timeout -s TERM 3 unshare -n sh -c 'ip link set lo up && exec chroot \"\$1\" \"\$2\" -d -c \"\$3\"' \\
			sh $t/root $unbound $ubconf > $t/ub.log 2>&1; rc=\$?; cat $t/ub.log
		[ \$rc -eq 124 ] && grep -q 'info: start of service (unbound ' $t/ub.log && ! grep -qE '(error|fatal):' $t/ub.log"
fi

tap_done
