/* nodeconf.c: node.conf parsing and the torrc comparison behind the
 * SIGHUP-or-restart rule. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "nodeconf.h"

#define NODE_HEAD "version=1\nnode=\nimage_version=\nimage_sha256=\nfamily=0\nprovision=0\n"

static int parse(char const *s, struct nodeconf *nc, struct nodeconf_error *err)
{
	return nodeconf_parse(s, strlen(s), nc, err);
}

static void test_nodeconf_ok(void **state)
{
	struct nodeconf nc;
	struct nodeconf_error err;

	(void)state;
	assert_int_equal(parse(NODE_HEAD "refresh_interval=3600\nallocator=jemalloc\nzram=1\n"
		"zram_size_mib=1024\nzram_algorithm=lz4\ninstances=relay1 r2\n"
		"instance.relay1.fingerprint=\nsysctl.vm.swappiness=10\n", &nc, &err), 0);
	assert_int_equal(nc.refresh_s, 3600);
	assert_int_equal(nc.alloc, NODECONF_ALLOC_JEMALLOC);
	assert_int_equal(nc.zram, 1);
	assert_int_equal(nc.zram_size_mib, 1024);
	assert_string_equal(nc.zram_algorithm, "lz4");
	assert_int_equal(nc.n, 2);
	assert_string_equal(nc.name[0], "relay1");
	assert_string_equal(nc.name[1], "r2");
	assert_string_equal(nodeconf_alloc_lib(nc.alloc), "libjemalloc.so.2");
	assert_int_equal(nodeconf_alloc_kind(NODECONF_ALLOC_MIMALLOC), ALLOC_MIMALLOC);
	assert_null(nodeconf_alloc_lib(NODECONF_ALLOC_GLIBC));
	assert_int_equal(parse("refresh_interval=60\nallocator=glibc\nzram=0\nzram_size_mib=0\n"
		"zram_algorithm=zstd\ninstances=a b c d e f g h\nprovision=1\nfamily=1\n", &nc, &err), 0);
	assert_int_equal(nc.provision, 1);
	assert_int_equal(nc.family, 1);
	assert_int_equal(nc.n, 8);
	assert_int_equal(nc.alloc, NODECONF_ALLOC_GLIBC);
	/* zram on with size 0: auto, a quarter of RAM (the default) */
	assert_int_equal(parse("refresh_interval=60\nallocator=jemalloc\nzram=1\nzram_size_mib=0\n"
		"zram_algorithm=zstd\ninstances=a\nprovision=0\nfamily=0\n", &nc, &err), 0);
	assert_int_equal(nc.zram, 1);
	assert_int_equal(nc.zram_size_mib, 0);
}

static void test_nodeconf_bad(void **state)
{
	static struct {
		char const *text;
		size_t line;
	} const bad[] = {
		{ "refresh_interval=59\n", 1 },
		{ "refresh_interval=86401\n", 1 },
		{ "refresh_interval=+60\n", 1 },
		{ "refresh_interval=\n", 1 },
		{ "allocator=tcmalloc\n", 1 },
		{ "allocator=hardened_malloc\n", 1 },
		{ "allocator=jemalloc \n", 1 },
		{ "zram=2\n", 1 },
		{ "zram_size_mib=15\n", 1 },
		{ "zram_algorithm=gzip\n", 1 },
		{ "instances=\n", 1 },
		{ "instances=a  b\n", 1 },
		{ "instances=a b \n", 1 },
		{ "instances=A\n", 1 },
		{ "instances=a a\n", 1 },
		{ "instances=a b c d e f g h i\n", 1 },
		{ "instances=abcdefghijklmnopq\n", 1 },
		{ "x\n", 1 },
		{ "=1\n", 1 },
		{ "allocator=glibc\nallocator=glibc\n", 2 },
		{ "allocator=glibc", 1 },
		/* complete lines, a key missing */
		{ "refresh_interval=60\nallocator=glibc\nzram=0\nzram_size_mib=0\nzram_algorithm=zstd\n", 0 },
		{ "provision=2\n", 1 },
		{ "family=\n", 1 },
		/* instance lines: after instances=, of a listed name, known keys */
		{ "instance.a.fingerprint=\ninstances=a\n", 1 },
		{ "instances=a\ninstance.b.fingerprint=\n", 2 },
		{ "instances=a\ninstance.a.nickname=x\n", 2 },
		{ "instances=a\ninstance.a=x\n", 2 },
		{ "instances=a\ninstance.a.fingerprint=\ninstance.a.fingerprint=\n", 3 },
		{ "instances=a\ninstance.a.fingerprint=5951ED08C65DE0022AAA94413AC130B98244146\n", 2 },
		{ "instances=a\ninstance.a.fingerprint=5951ED08C65DE0022AAA94413AC130B98244146G\n", 2 },
		{ "instances=a\ninstance.a.ed25519=fd/bhXBq7Y9boaEgLCAtDnMh/DOUAl941LfRq47fk3\n", 2 },
		{ "instances=a\ninstance.a.addresses=10.0.0.1/33\n", 2 },
		{ "instances=a\ninstance.a.addresses=10.0.0.1/08\n", 2 },
		{ "instances=a\ninstance.a.addresses=10.0.0.1/\n", 2 },
		{ "instances=a\ninstance.a.addresses=10.0.0.256\n", 2 },
		{ "instances=a\ninstance.a.addresses=10.0.0.1  10.0.0.2\n", 2 },
		{ "instances=a\ninstance.a.addresses=10.0.0.1 \n", 2 },
		{ "instances=a\ninstance.a.addresses=1.1.1.1 2.2.2.2 3.3.3.3 4.4.4.4 5.5.5.5 6.6.6.6 "
			"7.7.7.7 8.8.8.8 9.9.9.9\n", 2 },
		{ "instances=a\ninstance.a.addresses=2001:db8::1/129\n", 2 },
		/* sysctl lines: the shared allowlist, values as the kernel reads them */
		{ "sysctl.kernel.core_pattern=|/bin/sh\n", 1 },
		{ "sysctl.net.ipv4.ip_forward=1\n", 1 },
		{ "sysctl.vm.overcommit_memory=1\n", 1 },
		{ "sysctl.vm.swappiness=010\n", 1 },
		{ "sysctl.vm.swappiness=10 \n", 1 },
		{ "sysctl.vm.swappiness=201\n", 1 },
		{ "sysctl.net.ipv4.tcp_rmem=4096 87380\n", 1 },
		{ "sysctl.vm.swappiness=10\nsysctl.vm.swappiness=10\n", 2 },
		{ "sysctl.=1\n", 1 },
	};
	struct nodeconf nc;
	struct nodeconf_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(parse(bad[i].text, &nc, &err), -EINVAL);
		assert_non_null(err.what);
		assert_int_equal(err.line, bad[i].line);
	}
}

static void test_nodeconf_instances(void **state)
{
	static char const text[] = NODE_HEAD "refresh_interval=3600\nallocator=glibc\nzram=0\n"
		"zram_size_mib=0\nzram_algorithm=zstd\ninstances=relay1 relay2\n"
		"instance.relay1.fingerprint=5951ED08C65DE0022AAA94413AC130B98244146C\n"
		"instance.relay1.ed25519=fd/bhXBq7Y9boaEgLCAtDnMh/DOUAl941LfRq47fk3s\n"
		"instance.relay1.addresses=203.0.113.10/24 2001:db8::10/64\n"
		"instance.relay2.fingerprint=\ninstance.relay2.ed25519=\n"
		"instance.relay2.addresses=203.0.113.11\n"
		"sysctl.net.core.somaxconn=8192\nsysctl.net.ipv4.tcp_rmem=4096 87380 6291456\n"
		"sysctl.net.ipv4.tcp_congestion_control=bbr\n";
	struct nodeconf nc;
	struct nodeconf_error err;
	unsigned char a[16];
	unsigned prefix;
	int fam;

	(void)state;
	assert_int_equal(parse(text, &nc, &err), 0);
	assert_string_equal(nc.fp[0], "5951ED08C65DE0022AAA94413AC130B98244146C");
	assert_string_equal(nc.ed[0], "fd/bhXBq7Y9boaEgLCAtDnMh/DOUAl941LfRq47fk3s");
	assert_string_equal(nc.fp[1], "");
	assert_int_equal(nc.naddr[0], 2);
	assert_string_equal(nc.addr[0][1], "2001:db8::10/64");
	assert_int_equal(nc.naddr[1], 1);
	assert_int_equal(nc.nsys, 3);
	assert_string_equal(nc.sys[1].name, "net.ipv4.tcp_rmem");
	assert_string_equal(nc.sys[1].value, "4096 87380 6291456");
	assert_int_equal(nodeconf_addr_parse("203.0.113.11", &fam, a, &prefix), 0);
	assert_int_equal(prefix, 32);
	assert_int_equal(a[3], 11);
	assert_int_equal(nodeconf_addr_parse("2001:db8::10/64", &fam, a, &prefix), 0);
	assert_int_equal(prefix, 64);
	assert_int_equal(a[15], 0x10);
	assert_int_equal(nodeconf_addr_parse("2001:db8::10", &fam, a, &prefix), 0);
	assert_int_equal(prefix, 128);
	assert_int_equal(nodeconf_addr_parse("/24", &fam, a, &prefix), -EINVAL);
	assert_int_equal(nodeconf_addr_parse("10.0.0.1/0", &fam, a, &prefix), -EINVAL);
}

static enum torrc_change cmp(char const *a, char const *b)
{
	return torrc_compare(a, strlen(a), b, strlen(b));
}

static void test_torrc_compare(void **state)
{
	char const *base = "DataDirectory /d\nUser debian-tor\nNickname a\nORPort 443\n"
		"ExitPolicy accept *:80\nExitPolicy reject *:*\n";

	(void)state;
	assert_int_equal(cmp(base, base), TORRC_SAME);
	/* reloadable: nickname, contact, policy lines (order matters), bandwidth */
	assert_int_equal(cmp(base, "DataDirectory /d\nUser debian-tor\nNickname b\nORPort 443\n"
		"ExitPolicy accept *:80\nExitPolicy reject *:*\n"), TORRC_RELOAD);
	assert_int_equal(cmp(base, "DataDirectory /d\nUser debian-tor\nNickname a\nORPort 443\n"
		"ExitPolicy reject *:*\nExitPolicy accept *:80\nContactInfo x\n"
		"RelayBandwidthRate 1 MBytes\n"), TORRC_RELOAD);
	/* lines moved between options that are the same per option: reload */
	assert_int_equal(cmp(base, "User debian-tor\nDataDirectory /d\nNickname a\nORPort 443\n"
		"ExitPolicy accept *:80\nExitPolicy reject *:*\n"), TORRC_RELOAD);
	/* anything else: restart */
	assert_int_equal(cmp(base, "DataDirectory /d\nUser debian-tor\nNickname a\nORPort 9001\n"
		"ExitPolicy accept *:80\nExitPolicy reject *:*\n"), TORRC_RESTART);
	assert_int_equal(cmp(base, "DataDirectory /d\nUser debian-tor\nNickname a\nORPort 443\n"
		"ORPort [::1]:443\nExitPolicy accept *:80\nExitPolicy reject *:*\n"), TORRC_RESTART);
	assert_int_equal(cmp(base, "DataDirectory /d\nNickname a\nORPort 443\n"
		"ExitPolicy accept *:80\nExitPolicy reject *:*\n"), TORRC_RESTART);
	assert_int_equal(cmp(base, ""), TORRC_RESTART);
	/* comments and empty lines do not count; names are case-insensitive */
	assert_int_equal(cmp(base, "# x\n\nDataDirectory /d\nUser debian-tor\nnickname a\nORPort 443\n"
		"ExitPolicy accept *:80\nExitPolicy reject *:*\n"), TORRC_RELOAD);
	assert_true(torrc_reloadable("nickname", 8));
	assert_false(torrc_reloadable("Nick", 4));
	assert_false(torrc_reloadable("Sandbox", 7));
}

static void test_torrc_bounds(void **state)
{
	static char big[TORRC_LINES_MAX * 4 + 8];
	size_t i;

	(void)state;
	/* more lines than we compare: restart, never a guess */
	for (i = 0; i < TORRC_LINES_MAX + 1; i++)
		memcpy(big + i * 4, "N x\n", 4);
	assert_int_equal(torrc_compare(big, (TORRC_LINES_MAX + 1) * 4, "N y\n", 4), TORRC_RESTART);
}

/* dns_resolver and dns_forwarders (lethe_dns.h): optional, strict. */
static void test_nodeconf_dns(void **state)
{
#define DNS_BASE "refresh_interval=60\nallocator=jemalloc\nzram=0\nzram_size_mib=0\n" \
	"zram_algorithm=zstd\ninstances=a\nprovision=0\nfamily=0\n"
	static char const *const bad[] = {
		"dns_resolver=\n", "dns_resolver=Recursive\n", "dns_resolver=none\n",
		"dns_resolver=forward\ndns_forwarders=\n", "dns_resolver=recursive\ndns_forwarders=192.0.2.1\n",
		"dns_forwarders=192.0.2.1\n", "dns_resolver=forward\ndns_forwarders=192.0.2.1 192.0.2.1\n",
		"dns_resolver=forward\ndns_forwarders=010.0.0.1\n",
		"dns_resolver=forward\ndns_forwarders=2001:DB8::1\n",
		"dns_resolver=forward\ndns_forwarders=2001:db8:0::1\n",
		"dns_resolver=forward\ndns_forwarders=192.0.2.1 \n",
		"dns_resolver=forward\ndns_forwarders= 192.0.2.1\n",
		"dns_resolver=forward\ndns_forwarders=192.0.2.1  192.0.2.2\n",
		"dns_resolver=forward\ndns_forwarders=192.0.2.1:53\n",
		"dns_resolver=forward\ndns_forwarders=fe80::1%eth0\n",
		"dns_resolver=forward\ndns_forwarders=192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.5\n",
		"dns_resolver=off\ndns_resolver=off\n",
	};
	struct nodeconf nc;
	struct nodeconf_error err;
	char text[512];
	size_t i;

	(void)state;
	/* absent: recursive, no forwarders (a node.conf from before them) */
	assert_int_equal(parse(DNS_BASE, &nc, &err), 0);
	assert_int_equal(nc.dns, NODECONF_DNS_RECURSIVE);
	assert_int_equal(nc.nfwd, 0);
	assert_int_equal(parse(DNS_BASE "dns_resolver=off\ndns_forwarders=\n", &nc, &err), 0);
	assert_int_equal(nc.dns, NODECONF_DNS_OFF);
	assert_string_equal(nodeconf_dns_name(nc.dns), "off");
	assert_int_equal(parse(DNS_BASE "dns_resolver=forward\n"
		"dns_forwarders=192.0.2.53 2001:db8::53 10.1.2.3 ::ffff:192.0.2.1\n", &nc, &err), 0);
	assert_int_equal(nc.dns, NODECONF_DNS_FORWARD);
	assert_int_equal(nc.nfwd, 4);
	assert_string_equal(nc.fwd[0], "192.0.2.53");
	assert_string_equal(nc.fwd[1], "2001:db8::53");
	assert_string_equal(nc.fwd[3], "::ffff:192.0.2.1");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "%s%s", DNS_BASE, bad[i]);
		assert_int_equal(parse(text, &nc, &err), -EINVAL);
		assert_non_null(err.what);
	}
#undef DNS_BASE
}

int main(void)
{
	struct CMUnitTest const tests[] = {
		cmocka_unit_test(test_nodeconf_ok),
		cmocka_unit_test(test_nodeconf_bad),
		cmocka_unit_test(test_nodeconf_instances),
		cmocka_unit_test(test_torrc_compare),
		cmocka_unit_test(test_torrc_bounds),
		cmocka_unit_test(test_nodeconf_dns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
