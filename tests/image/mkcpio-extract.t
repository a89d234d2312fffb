#!/bin/bash
# mkcpio's archives extract with GNU cpio to exactly the tree the spec says.
# TAP output.  Usage: MKCPIO=build/host/mkcpio tests/image/mkcpio-extract.t
set -u
MKCPIO=${MKCPIO:-build/host/mkcpio}
EPOCH=1700000000

if ! command -v cpio >/dev/null 2>&1; then
	echo "1..0 # SKIP cpio is not installed"
	exit 0
fi
if [ ! -x "$MKCPIO" ]; then
	echo "Bail out! MKCPIO=$MKCPIO is not an executable"
	exit 1
fi
MKCPIO=$(cd "$(dirname "$MKCPIO")" && pwd)/$(basename "$MKCPIO")

# shellcheck source=tests/tap.sh
. "$(dirname "$0")/../tap.sh"
tmp=$(tap_scratch mkcpio-extract) || exit 1
trap 'rm -rf "$tmp"' EXIT
umask 022
export LC_ALL=C TZ=UTC


mkdir "$tmp/src" "$tmp/x"
printf 'lethe\n' >"$tmp/src/hostname"
: >"$tmp/src/empty"
printf '#!/bin/sh\necho hi\n' >"$tmp/src/hello"
head -c 100003 /dev/zero | tr '\0' 'z' >"$tmp/src/big"
cat >"$tmp/spec" <<SPEC
# shuffled on purpose
file  /usr/bin/hello    0755 0    0    $tmp/src/hello
dir   /usr/bin          0755 0    0    -
dir   /usr              0755 0    0    -
slink /bin              0777 0    0    usr/bin
dir   /etc              0755 0    0    -
file  /etc/hostname     0644 0    0    $tmp/src/hostname
file  /etc/empty        0600 1000 1000 $tmp/src/empty
dir   /var              0700 0    0    -
file  /var/big          0640 0    0    $tmp/src/big
dir   /dev              0755 0    0    -
nod   /dev/console      0600 0    5    c,5,1
nod   /dev/sda          0660 0    6    b,8,0
dir   /usr-local        0755 0    0    -
SPEC

check "mkcpio builds the archive" "$MKCPIO" -t "$EPOCH" -o "$tmp/a.cpio" "$tmp/spec"
size=$(stat -c %s "$tmp/a.cpio" 2>/dev/null || echo 1)
check "the archive is a whole number of 512-byte blocks" test $((size % 512)) -eq 0

cpio -it --quiet <"$tmp/a.cpio" >"$tmp/names" 2>"$tmp/err"
printf '%s\n' bin dev dev/console dev/sda etc etc/empty etc/hostname usr usr/bin \
	usr/bin/hello usr-local var var/big >"$tmp/names.want"
check "cpio lists every entry, parents first, in component order" cmp -s "$tmp/names" "$tmp/names.want"

cpio -itv --quiet --numeric-uid-gid <"$tmp/a.cpio" >"$tmp/list" 2>"$tmp/err"
check "the character device is c 5,1 0600 uid 0 gid 5" \
	grep -Eq '^crw------- +1 +0 +5 +5, +1 .* dev/console$' "$tmp/list"
check "the block device is b 8,0 0660 gid 6" \
	grep -Eq '^brw-rw---- +1 +0 +6 +8, +0 .* dev/sda$' "$tmp/list"
check "etc/empty is owned by 1000:1000" \
	grep -Eq '^-rw------- +1 +1000 +1000 +0 .* etc/empty$' "$tmp/list"
check "every entry has the same mtime" \
	test "$(awk '{ print $(NF-3), $(NF-2), $(NF-1) }' "$tmp/list" | grep -v -- '->' | sort -u | wc -l)" -eq 1

# device nodes need privileges to create; they were checked in the listing
(cd "$tmp/x" && cpio -idm --quiet --no-absolute-filenames --nonmatching 'dev/*' \
	<"$tmp/a.cpio") 2>"$tmp/err"
check "cpio -idm extracts the archive without complaint" test $? -eq 0 -a ! -s "$tmp/err"
check "file contents are the sources' bytes" \
	eval 'cmp -s "$tmp/x/etc/hostname" "$tmp/src/hostname" &&
	cmp -s "$tmp/x/etc/empty" "$tmp/src/empty" &&
	cmp -s "$tmp/x/usr/bin/hello" "$tmp/src/hello" &&
	cmp -s "$tmp/x/var/big" "$tmp/src/big"'
check "the symlink points where the spec says" test "$(readlink "$tmp/x/bin")" = usr/bin
check "modes are the spec's" test "$(cd "$tmp/x" && stat -c '%n %a' etc etc/empty etc/hostname \
	usr/bin/hello var var/big | tr '\n' ' ')" = \
	"etc 755 etc/empty 600 etc/hostname 644 usr/bin/hello 755 var 700 var/big 640 "
check "file mtimes are the epoch" test "$(cd "$tmp/x" && stat -c %Y etc/empty etc/hostname \
	usr/bin/hello var/big | sort -u)" = "$EPOCH"
if [ "$(id -u)" = 0 ]; then
	check "owners are the spec's" test "$(stat -c %u:%g "$tmp/x/etc/empty")" = 1000:1000
else
	skip "owners are the spec's" "not root"
fi

chmod 0600 "$tmp/src/hello"
touch -d @12345 "$tmp/src/hostname"
cp -p "$tmp/src/big" "$tmp/src/big.new" && mv "$tmp/src/big.new" "$tmp/src/big"
"$MKCPIO" -t "$EPOCH" -o "$tmp/b.cpio" "$tmp/spec"
check "host modes, mtimes and inodes do not change the bytes" cmp -s "$tmp/a.cpio" "$tmp/b.cpio"
SOURCE_DATE_EPOCH=$EPOCH "$MKCPIO" -o "$tmp/c.cpio" - <"$tmp/spec"
check "SOURCE_DATE_EPOCH and a spec on stdin give the same bytes" cmp -s "$tmp/a.cpio" "$tmp/c.cpio"

printf 'file /etc/f 0644 0 0 %s\n' "$tmp/src/hello" >"$tmp/bad.spec"
"$MKCPIO" -t "$EPOCH" -o "$tmp/bad.cpio" "$tmp/bad.spec" 2>"$tmp/err"
check "a missing parent dir exits 100" test $? -eq 100
check "and names the spec line" grep -q "bad.spec:1: parent of /etc/f is not in the spec" "$tmp/err"
check "and leaves no output and no temporary" \
	test -z "$(find "$tmp" -maxdepth 1 \( -name 'bad.cpio' -o -name '.mkcpio.*' \))"

tap_done
