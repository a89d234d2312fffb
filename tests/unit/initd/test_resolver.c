/* resolver.c: the text of unbound's node part (cache sizes from RAM,
 * threads, the forward zone) and of tor's resolv.conf (127.0.0.1, or with
 * "off" the network's resolvers, never an empty file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lethe_dns.h"
#include "resolver.h"

static void test_render_recursive(void **state)
{
	struct nodeconf nc = { .dns = NODECONF_DNS_RECURSIVE };
	char buf[RESOLVER_CONF_MAX];
	int n;

	(void)state;
	/* 4 GiB, 2 CPUs: a 32nd is 128 MiB, a third of it for messages */
	n = resolver_render(buf, sizeof buf, 4ull << 20, 2, &nc);
	assert_true(n > 0 && (size_t)n == strlen(buf));
	assert_non_null(strstr(buf, "server:\n"));
	assert_non_null(strstr(buf, "\tnum-threads: 2\n"));
	assert_non_null(strstr(buf, "\tmsg-cache-slabs: 2\n"));
	assert_non_null(strstr(buf, "\tmsg-cache-size: 44739242\n"));
	assert_non_null(strstr(buf, "\trrset-cache-size: 89478486\n"));
	assert_null(strstr(buf, "forward-zone"));
	/* 256 MiB: the 16 MiB floor; 64 GiB: the 1 GiB ceiling; 3 CPUs: 4 slabs */
	resolver_render(buf, sizeof buf, 256ull << 10, 3, &nc);
	assert_non_null(strstr(buf, "\tmsg-cache-size: 5592405\n"));
	assert_non_null(strstr(buf, "\tnum-threads: 3\n"));
	assert_non_null(strstr(buf, "\tkey-cache-slabs: 4\n"));
	resolver_render(buf, sizeof buf, 64ull << 20, 64, &nc);
	assert_non_null(strstr(buf, "\tmsg-cache-size: 357913941\n"));
	assert_non_null(strstr(buf, "\tnum-threads: 8\n"));
	/* no /proc/meminfo: the floor, one thread */
	resolver_render(buf, sizeof buf, 0, 0, &nc);
	assert_non_null(strstr(buf, "\tmsg-cache-size: 5592405\n"));
	assert_non_null(strstr(buf, "\tnum-threads: 1\n"));
	/* too small a buffer: -1, never a cut file */
	assert_int_equal(resolver_render(buf, 40, 4ull << 20, 2, &nc), -1);
}

static void test_render_forward(void **state)
{
	struct nodeconf nc = { .dns = NODECONF_DNS_FORWARD, .nfwd = 2,
		.fwd = { "192.0.2.53", "2001:db8::53" } };
	char buf[RESOLVER_CONF_MAX];

	(void)state;
	assert_true(resolver_render(buf, sizeof buf, 1ull << 20, 1, &nc) > 0);
	assert_non_null(strstr(buf, "forward-zone:\n\tname: \".\"\n\tforward-first: no\n"
		"\tforward-addr: 192.0.2.53\n\tforward-addr: 2001:db8::53\n"));
	assert_non_null(strstr(buf, "(resolver forward)"));
}

static void test_tor_render(void **state)
{
	static char const net[] = "search example.org\nnameserver 192.0.2.1\nnameserver bogus\n"
		"nameserver 2001:db8::1\n# nameserver 192.0.2.9\nnameserver 192.0.2.2\n"
		"nameserver 192.0.2.3\nnameserver 192.0.2.4";
	struct nodeconf on = { .dns = NODECONF_DNS_RECURSIVE }, off = { .dns = NODECONF_DNS_OFF };
	char buf[RESOLVER_NET_MAX];
	int none;

	(void)state;
	assert_true(resolver_tor_render(buf, sizeof buf, &on, net, sizeof net - 1, &none) > 0);
	assert_int_equal(none, 0);
	assert_non_null(strstr(buf, "\nnameserver 127.0.0.1\n"));
	assert_null(strstr(buf, "192.0.2.1"));
	/* off: the network's literals, three at most, in order */
	assert_true(resolver_tor_render(buf, sizeof buf, &off, net, sizeof net - 1, &none) > 0);
	assert_int_equal(none, 0);
	assert_non_null(strstr(buf, "\nnameserver 192.0.2.1\nnameserver 2001:db8::1\n"
		"nameserver 192.0.2.2\n"));
	assert_null(strstr(buf, "bogus"));
	assert_null(strstr(buf, "192.0.2.3"));
	assert_null(strstr(buf, "127.0.0.1"));
	/* off with no resolver: loopback, where nothing answers (fail closed) */
	assert_true(resolver_tor_render(buf, sizeof buf, &off, "search x\n", 9, &none) > 0);
	assert_int_equal(none, 1);
	assert_non_null(strstr(buf, "\nnameserver 127.0.0.1\n"));
	assert_int_equal(resolver_tor_render(buf, 20, &on, "", 0, &none), -1);
}

int main(void)
{
	struct CMUnitTest const tests[] = {
		cmocka_unit_test(test_render_recursive),
		cmocka_unit_test(test_render_forward),
		cmocka_unit_test(test_tor_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
