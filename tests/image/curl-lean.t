#!/bin/bash
# The lean libcurl (image/curl/build.sh) is a drop-in for Debian's libcurl4
# (OpenSSL flavour) that speaks HTTP and HTTPS over OpenSSL and nothing else.
# TAP output.  Usage: LEAN_CURL=build/curl/libcurl.so.4 tests/image/curl-lean.t
# Needs root (image/buildroot/buildroot.sh run), openssl, readelf and objdump;
# network use is loopback only.
#
# The library is built in the trixie build root and needs its glibc and
# OpenSSL symbol versions (GLIBC_2.38, OPENSSL_3.2.0), which an older host
# (bookworm) cannot provide.  So the probe program is compiled against the
# root's libcurl4-openssl-dev and run inside the root (in_root), where
# DEBIAN_CURL, Debian's libcurl4t64 it is compared with, is the root's too.
# The host keeps what the root lacks: openssl (the certificates and s_server;
# the root shares the host's network, so the probe reaches it on loopback).
set -u
LEAN_CURL=${LEAN_CURL:-build/curl/libcurl.so.4}
DEBIAN_CURL=${DEBIAN_CURL:-/usr/lib/x86_64-linux-gnu/libcurl.so.4}
BUILDROOT=$(cd "$(dirname "$0")/../../image/buildroot" && pwd)/buildroot.sh

if [ ! -f "$LEAN_CURL" ]; then
	echo "Bail out! LEAN_CURL=$LEAN_CURL is not a file (make build/curl/libcurl.so.4)"
	exit 1
fi
for t in openssl readelf objdump timeout unshare; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "Bail out! $t is not installed"
		exit 1
	fi
done
lean_given=$LEAN_CURL
LEAN_CURL=$(readlink -f "$LEAN_CURL")
lean_dir=$(dirname "$LEAN_CURL")

# shellcheck source=tests/tap.sh
. "$(dirname "$0")/../tap.sh"
tmp=$(tap_scratch curl-lean) || exit 1
server=
cleanup() {
	[ -z "$server" ] || kill "$server" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
umask 022
# CMD inside the build root, with the scratch directory (as its TOP and cwd)
# and the lean library's directory bound at their own paths.
in_root() { (cd "$tmp" && TOP=$tmp BUILDROOT_BIND=$lean_dir "$BUILDROOT" run "$@"); }
if ! in_root true 2>"$tmp/root.err"; then
	sed 's/^/# /' "$tmp/root.err"
	echo "Bail out! cannot run commands in the build root ($BUILDROOT)"
	exit 1
fi
export LC_ALL=C TZ=UTC
# A proxy from the environment would send the loopback requests elsewhere.
unset http_proxy https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY CURL_CA_BUNDLE SSL_CERT_FILE SSL_CERT_DIR


# --- the ELF interface -------------------------------------------------------
soname=$(readelf -d "$LEAN_CURL" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p')
check "the SONAME is libcurl.so.4" test "$soname" = libcurl.so.4
check "it is one real file, not a link" test ! -L "$lean_given"

objdump -p "$LEAN_CURL" | awk '/^Version definitions:/ { on = 1; next } on && NF == 0 { exit } on { print $4 }' >"$tmp/verdef"
check "it defines the symbol version CURL_OPENSSL_4" grep -qx CURL_OPENSSL_4 "$tmp/verdef"

# Defined dynamic symbols as "name version", sorted.
exports() { objdump -T "$1" | awk '$0 ~ /\*(UND|ABS)\*/ { next } NF >= 7 && $2 == "g" { print $NF, $(NF - 1) }' | sort; }
exports "$LEAN_CURL" >"$tmp/lean.syms"
all_versioned() { test "$(wc -l <"$tmp/lean.syms")" -gt 50 && ! grep -v '^curl_[a-z0-9_]* CURL_OPENSSL_4$' "$tmp/lean.syms"; }
check "it exports curl_* functions, every one at CURL_OPENSSL_4" all_versioned
if in_root cp "$DEBIAN_CURL" "$tmp/debian-libcurl.so.4" 2>/dev/null &&
	objdump -p "$tmp/debian-libcurl.so.4" 2>/dev/null | grep -q 'CURL_OPENSSL_4'; then
	exports "$tmp/debian-libcurl.so.4" >"$tmp/debian.syms"
	if cmp -s "$tmp/lean.syms" "$tmp/debian.syms"; then
		ok "it exports exactly the functions of Debian's libcurl4"
	else
		not_ok "it exports exactly the functions of Debian's libcurl4"
		diag "$(diff "$tmp/debian.syms" "$tmp/lean.syms")"
	fi
else
	skip "it exports exactly the functions of Debian's libcurl4" "no Debian libcurl4 at $DEBIAN_CURL in the build root"
fi

readelf -d "$LEAN_CURL" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' >"$tmp/needed"
sed 's/^/# NEEDED /' "$tmp/needed"
needs_only_allowed() { ! grep -vxE 'libssl\.so\.3|libcrypto\.so\.3|libz\.so\.1|libc\.so\.6' "$tmp/needed"; }
needs_no_banned() { ! grep -iE 'gnutls|krb5|gssapi|ldap|lber|sasl|ssh|idn|nghttp|psl|rtmp|brotli|zstd|nettle|p11' "$tmp/needed"; }
no_rpath() { ! readelf -d "$LEAN_CURL" | grep -qE '\((RPATH|RUNPATH)\)'; }
check "it needs only libssl, libcrypto, libz and libc" needs_only_allowed
check "none of GnuTLS, Kerberos, LDAP, SSH, IDN, nghttp2, PSL, RTMP, brotli, zstd" needs_no_banned
check "no RPATH or RUNPATH" no_rpath

# --- a program built against the build root's libcurl4-openssl-dev -----------
cat >"$tmp/probe.c" <<'EOF'
#define _GNU_SOURCE
#include <curl/curl.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

static int probe_loaded(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	if (strstr(info->dlpi_name, "libcurl.so") != NULL)
		printf("loaded: %s\n", info->dlpi_name);
	return 0;
}

static size_t probe_sink(char *p, size_t size, size_t n, void *data)
{
	(void)data;
	return fwrite(p, size, n, stdout) * size;
}

static int probe_info(void)
{
	static const struct { int bit; const char *name; } banned[] = {
		{ CURL_VERSION_KERBEROS4, "kerberos4" }, { CURL_VERSION_KERBEROS5, "kerberos5" },
		{ CURL_VERSION_SPNEGO, "spnego" }, { CURL_VERSION_GSSAPI, "gssapi" },
		{ CURL_VERSION_NTLM, "ntlm" }, { CURL_VERSION_NTLM_WB, "ntlm_wb" },
		{ CURL_VERSION_IDN, "idn" }, { CURL_VERSION_HTTP2, "http2" },
		{ CURL_VERSION_HTTP3, "http3" }, { CURL_VERSION_BROTLI, "brotli" },
		{ CURL_VERSION_ZSTD, "zstd" }, { CURL_VERSION_PSL, "psl" },
		{ CURL_VERSION_MULTI_SSL, "multi_ssl" }, { CURL_VERSION_SSPI, "sspi" },
	};
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	const char *const *p;
	size_t i;

	dl_iterate_phdr(probe_loaded, NULL);
	printf("version: %s\n", curl_version());
	printf("runtime: %s\nheader: %s\n", v->version, LIBCURL_VERSION);
	printf("ssl: %s\n", v->ssl_version != NULL ? v->ssl_version : "none");
	printf("protocols:");
	for (p = v->protocols; *p != NULL; p++)
		printf(" %s", *p);
	printf("\nbanned features:");
	for (i = 0; i < sizeof banned / sizeof banned[0]; i++)
		if (v->features & banned[i].bit)
			printf(" %s", banned[i].name);
	printf("\n");
	return 0;
}

/* Exit status: the CURLcode (0 only for a 200 answer), 99 for another HTTP code. */
static int probe_get(const char *url, const char *cafile)
{
	CURL *h;
	CURLcode rc;
	long code = 0;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (h = curl_easy_init()) == NULL)
		return 98;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CAINFO, cafile);
	curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 15L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, probe_sink);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	fprintf(stderr, "result %d (%s), HTTP %ld\n", (int)rc, curl_easy_strerror(rc), code);
	curl_easy_cleanup(h);
	curl_global_cleanup();
	if (rc != CURLE_OK)
		return (int)rc;
	return code == 200 ? 0 : 99;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "info") == 0)
		return probe_info();
	if (argc == 4 && strcmp(argv[1], "get") == 0)
		return probe_get(argv[2], argv[3]);
	fprintf(stderr, "usage: probe info | probe get URL CAFILE\n");
	return 100;
}
EOF
if ! in_root cc -std=c11 -Wall -Wextra -Werror -o "$tmp/probe" "$tmp/probe.c" -lcurl 2>"$tmp/cc.err"; then
	sed 's/^/# /' "$tmp/cc.err"
	echo "Bail out! cannot build a program against the build root's libcurl4-openssl-dev"
	exit 1
fi
lean() { in_root env LD_LIBRARY_PATH="$lean_dir" timeout 20 "$tmp/probe" "$@"; }

lean info >"$tmp/info" 2>&1
check "a program linked with -lcurl runs on the lean library" test $? -eq 0
sed 's/^/# /' "$tmp/info"
loaded=$(sed -n 's/^loaded: //p' "$tmp/info")
check "the loader picked the lean library" test -n "$loaded" -a "$(readlink -f "$loaded" 2>/dev/null)" = "$LEAN_CURL"
check "it is the curl version of the headers it was compiled with" \
	test "$(sed -n 's/^runtime: //p' "$tmp/info")" = "$(sed -n 's/^header: //p' "$tmp/info")"
check "curl_version() names OpenSSL" grep -qE '^version: libcurl/[0-9.]+ OpenSSL/3\.' "$tmp/info"
# Every component after libcurl/X: a second TLS library or any other one would show here.
others() { sed -n 's/^version: //p' "$tmp/info" | tr ' ' '\n' | tail -n +2 | grep -vE '^(OpenSSL|zlib)/'; }
only_openssl_zlib() { ! others; }
check "curl_version() names nothing but OpenSSL and zlib" only_openssl_zlib
check "the TLS backend is OpenSSL" grep -qE '^ssl: OpenSSL/' "$tmp/info"
check "the protocols are exactly http and https" grep -qx 'protocols: http https' "$tmp/info"
check "no Kerberos, SPNEGO, NTLM, IDN, HTTP/2, brotli, zstd, PSL" grep -qx 'banned features:' "$tmp/info"

# --- HTTPS on loopback ---------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$tmp/other.key" -out "$tmp/other.pem" >/dev/null 2>&1
check "openssl made two self-signed certificates" test -s "$tmp/cert.pem" -a -s "$tmp/other.pem"

# A random free port: s_server says ACCEPT once it listens, or exits if the port is taken.
port=
for _ in 1 2 3 4 5 6 7 8; do
	p=$((20000 + RANDOM % 40000))
	: >"$tmp/server.log"
	timeout 20 openssl s_server -accept "127.0.0.1:$p" -cert "$tmp/cert.pem" -key "$tmp/key.pem" \
		-www >"$tmp/server.log" 2>&1 &
	server=$!
	for _ in $(seq 50); do
		grep -q '^ACCEPT' "$tmp/server.log" && break
		kill -0 "$server" 2>/dev/null || break
		sleep 0.1
	done
	if grep -q '^ACCEPT' "$tmp/server.log"; then port=$p; break; fi
	kill "$server" 2>/dev/null
	wait "$server" 2>/dev/null
	server=
done
if [ -z "$port" ]; then
	sed 's/^/# server: /' "$tmp/server.log"
	echo "Bail out! openssl s_server did not start on loopback"
	exit 1
fi

lean get "https://127.0.0.1:$port/" "$tmp/cert.pem" >"$tmp/body" 2>"$tmp/get.err"
rc=$?
sed 's/^/# /' "$tmp/get.err"
check "an HTTPS GET to s_server on 127.0.0.1 succeeds (200)" test "$rc" -eq 0
check "the answer is s_server's status page over TLS" grep -q 's_server' "$tmp/body"
lean get "https://127.0.0.1:$port/" "$tmp/other.pem" >/dev/null 2>"$tmp/get.err"
rc=$?
sed 's/^/# /' "$tmp/get.err"
check "a server certificate from another CA is refused (CURLE_PEER_FAILED_VERIFICATION)" test "$rc" -eq 60
lean get "ftp://127.0.0.1:$port/" "$tmp/cert.pem" >/dev/null 2>&1
check "ftp:// is refused as an unsupported protocol" test $? -eq 1
lean get "file:///etc/hostname" "$tmp/cert.pem" >/dev/null 2>&1
check "file:// is refused as an unsupported protocol" test $? -eq 1

tap_done
