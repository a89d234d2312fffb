/* cmdline.c: the strict lethe.* kernel command-line parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cmdline.h"

#define ERRS 8

static struct cmdline c;
static struct cmdline_error errs[ERRS];

static size_t parse(char const *s)
{
	memset(errs, 0, sizeof errs);
	return cmdline_parse(s, strlen(s), &c, errs, ERRS);
}

/* Exactly one error, on a word starting with word, for a reason containing what. */
static void expect_one(char const *s, char const *word, char const *what)
{
	assert_int_equal(parse(s), 1);
	assert_non_null(errs[0].what);
	assert_memory_equal(errs[0].word, word, strlen(word));
	if (!strstr(errs[0].what, what))
		fail_msg("'%s': reason '%s' lacks '%s'", s, errs[0].what, what);
}

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse("BOOT_IMAGE=/vmlinuz console=ttyS0 panic=-1 quiet\n"), 0);
	assert_int_equal(c.net, CMDLINE_NET_DHCP);
	assert_int_equal(c.netwait_s, CMDLINE_NETWAIT_DEFAULT);
	assert_string_equal(c.config_url, "");
	assert_int_equal(c.ntp_n, 0);
	assert_false(c.debug);
	assert_false(c.rescue);
	assert_int_equal(parse(""), 0);
}

static void test_full(void **state)
{
	(void)state;
	assert_int_equal(parse("console=ttyS0 lethe.config=https://cfg.example.org/n/1.json "
		"lethe.net=static lethe.ip=192.0.2.10/24 lethe.gw=192.0.2.1 lethe.dns=9.9.9.9 "
		"lethe.hostname=relay-1.example.org lethe.ntp=192.0.2.5,ntp.example.org "
		"lethe.netwait=120 lethe.debug lethe.rescue\n"), 0);
	assert_string_equal(c.config_url, "https://cfg.example.org/n/1.json");
	assert_int_equal(c.net, CMDLINE_NET_STATIC);
	assert_int_equal(c.ip[0], 192);
	assert_int_equal(c.ip[3], 10);
	assert_int_equal(c.prefix, 24);
	assert_true(c.has_gw && c.gw[3] == 1);
	assert_true(c.has_dns && c.dns[0] == 9);
	assert_string_equal(c.hostname, "relay-1.example.org");
	assert_int_equal(c.ntp_n, 2);
	assert_string_equal(c.ntp[0], "192.0.2.5");
	assert_string_equal(c.ntp[1], "ntp.example.org");
	assert_int_equal(c.netwait_s, 120);
	assert_true(c.debug);
	assert_true(c.rescue);
}

static void test_quotes_and_end(void **state)
{
	(void)state;
	assert_int_equal(parse("lethe.config=\"https://a.example/x\" \"lethe.net=none\""), 0);
	assert_string_equal(c.config_url, "https://a.example/x");
	assert_int_equal(c.net, CMDLINE_NET_NONE);
	/* after "--" the words are init's arguments, not parameters */
	assert_int_equal(parse("lethe.debug -- lethe.bogus"), 0);
	assert_true(c.debug);
	/* an unterminated quote on a lethe word is reported */
	expect_one("lethe.config=\"https://a.example", "lethe.config=", "quote");
	/* quotes elsewhere are the kernel's business */
	assert_int_equal(parse("foo=\"a b\" lethe.debug"), 0);
	assert_true(c.debug);
}

static void test_unknown_and_flags(void **state)
{
	(void)state;
	expect_one("lethe.bogus=1", "lethe.bogus", "unknown");
	expect_one("lethe.", "lethe.", "unknown");
	expect_one("lethe.debugx", "lethe.debugx", "unknown");
	expect_one("lethe.debug=1", "lethe.debug=1", "no value");
	expect_one("lethe.net", "lethe.net", "needs a value");
	expect_one("lethe.net=", "lethe.net=", "needs a value");
	expect_one("lethe.debug lethe.debug", "lethe.debug", "twice");
	expect_one("lethe.net=dhcp lethe.net=none", "lethe.net=none", "twice");
	assert_int_equal(c.net, CMDLINE_NET_DHCP);
	/* case matters, like everything the kernel passes */
	expect_one("lethe.Debug", "lethe.Debug", "unknown");
	/* "lethe" without the dot is not ours */
	assert_int_equal(parse("lethe lethex=1 LETHE.debug"), 0);
}

static void test_bad_values(void **state)
{
	(void)state;
	expect_one("lethe.net=DHCP", "lethe.net", "dhcp, static or none");
	expect_one("lethe.config=http://a.example/", "lethe.config", "https");
	expect_one("lethe.config=https://", "lethe.config", "https");
	expect_one("lethe.config=https:///x", "lethe.config", "https");
	expect_one("lethe.config=https://a\\b", "lethe.config", "https");
	expect_one("lethe.netwait=0", "lethe.netwait", "1..3600");
	expect_one("lethe.netwait=3601", "lethe.netwait", "1..3600");
	expect_one("lethe.netwait=060", "lethe.netwait", "1..3600");
	expect_one("lethe.netwait=+5", "lethe.netwait", "1..3600");
	expect_one("lethe.netwait=99999999999999999999", "lethe.netwait", "1..3600");
	expect_one("lethe.hostname=-a", "lethe.hostname", "host name");
	expect_one("lethe.hostname=a..b", "lethe.hostname", "host name");
	expect_one("lethe.hostname=a_b", "lethe.hostname", "host name");
	expect_one("lethe.ntp=a,,b", "lethe.ntp", "comma");
	expect_one("lethe.ntp=a,b,c,d,e", "lethe.ntp", "more than 4");
	assert_int_equal(c.ntp_n, 0);
	/* the cross check adds the second error */
	assert_int_equal(parse("lethe.net=static lethe.ip=1.2.3.4"), 2);
	assert_string_equal(errs[1].word, "lethe.net=static");
}

static void test_ipv4(void **state)
{
	static char const *const bad[] = {
		"1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..3.4", "1.2.3.4.",
		"a.b.c.d", "1.2.3.-4", "",
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(buf, sizeof buf, "lethe.net=static lethe.ip=1.2.3.4/8 lethe.gw=%s", bad[i]);
		assert_int_equal(parse(buf), 1);
		assert_false(c.has_gw);
	}
	/* the cross check on lethe.net=static also fires: no address */
	assert_int_equal(parse("lethe.net=static lethe.ip=1.2.3.4/0"), 2);
	assert_non_null(strstr(errs[0].what, "1..32"));
	assert_int_equal(parse("lethe.net=static lethe.ip=1.2.3.4/33"), 2);
	assert_int_equal(parse("lethe.net=static lethe.ip=1.2.3.4"), 2);
	assert_int_equal(parse("lethe.net=static lethe.ip=0.0.0.0/32"), 0);
	assert_int_equal(parse("lethe.gw=1.2.3.4"), 1);
	assert_string_equal(errs[0].what, "need lethe.net=static");
}

static void test_bounds(void **state)
{
	char *big = malloc(CMDLINE_BYTES + 2);
	char url[CMDLINE_URL_MAX + 32];
	size_t n;

	(void)state;
	assert_non_null(big);
	memset(big, 'a', CMDLINE_BYTES + 1);
	big[CMDLINE_BYTES + 1] = '\0';
	assert_int_equal(parse(big), 1);
	assert_non_null(strstr(errs[0].what, "longer"));
	memset(big, ' ', CMDLINE_BYTES);
	memcpy(big + 10, "lethe.debug", 11);
	assert_int_equal(cmdline_parse(big, CMDLINE_BYTES, &c, errs, ERRS), 0);
	assert_true(c.debug);
	/* a NUL inside is refused whole */
	assert_int_equal(cmdline_parse("lethe.debug\0x", 13, &c, errs, ERRS), 1);
	assert_false(c.debug);
	/* the longest URL passes, one more byte does not */
	memcpy(url, "lethe.config=https://", 21);
	memset(url + 21, 'a', CMDLINE_URL_MAX - 8);
	url[21 + CMDLINE_URL_MAX - 8] = '\0';
	assert_int_equal(parse(url), 0);
	assert_int_equal(strlen(c.config_url), CMDLINE_URL_MAX);
	strcat(url, "a");
	assert_int_equal(parse(url), 1);
	/* a huge lethe word is one error; the error word is cut and printable */
	memset(big, 'b', CMDLINE_BYTES);
	memcpy(big, "lethe.config=\x01", 14);
	assert_int_equal(cmdline_parse(big, CMDLINE_BYTES, &c, errs, ERRS), 1);
	assert_int_equal(strlen(errs[0].word), CMDLINE_WORD_SHOWN);
	assert_non_null(strchr(errs[0].word, '?'));
	/* more errors than slots: all counted, only ERRS stored */
	for (n = 0; n < CMDLINE_BYTES / 8; n++)
		memcpy(big + 8 * n, "lethe.x ", 8);
	assert_int_equal(cmdline_parse(big, CMDLINE_BYTES, &c, errs, ERRS), CMDLINE_BYTES / 8);
	assert_int_equal(cmdline_parse(big, CMDLINE_BYTES, &c, NULL, 0), CMDLINE_BYTES / 8);
	free(big);
}

/* lethe.pcrs (tpmseal's literal PCR set) and lethe.offline */
static void test_pcrs_offline(void **state)
{
	(void)state;
	assert_int_equal(parse("quiet"), 0);
	assert_string_equal(c.pcrs, CMDLINE_PCRS_DEFAULT);
	assert_false(c.offline);
	assert_int_equal(parse("lethe.pcrs=7,9 lethe.offline"), 0);
	assert_string_equal(c.pcrs, "7,9");
	assert_true(c.offline);
	assert_int_equal(parse("lethe.pcrs=0"), 0);
	assert_string_equal(c.pcrs, "0");
	assert_int_equal(parse("lethe.pcrs=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23"), 0);
	assert_string_equal(c.pcrs, "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23");
	expect_one("lethe.pcrs=9,7", "lethe.pcrs=9,7", "ascending");
	expect_one("lethe.pcrs=7,7", "lethe.pcrs=7,7", "ascending");
	expect_one("lethe.pcrs=24", "lethe.pcrs=24", "0..23");
	expect_one("lethe.pcrs=07", "lethe.pcrs=07", "ascending");
	expect_one("lethe.pcrs=7,", "lethe.pcrs=7,", "ascending");
	expect_one("lethe.pcrs=,7", "lethe.pcrs=,7", "ascending");
	expect_one("lethe.pcrs=7;9", "lethe.pcrs=7;9", "ascending");
	expect_one("lethe.pcrs=-1", "lethe.pcrs=-1", "ascending");
	expect_one("lethe.pcrs=", "lethe.pcrs=", "needs a value");
	expect_one("lethe.pcrs", "lethe.pcrs", "needs a value");
	/* a refused value leaves the default */
	assert_string_equal(c.pcrs, CMDLINE_PCRS_DEFAULT);
	expect_one("lethe.pcrs=7 lethe.pcrs=9", "lethe.pcrs=9", "twice");
	assert_string_equal(c.pcrs, "7");
	expect_one("lethe.offline=1", "lethe.offline=1", "takes no value");
	assert_false(c.offline);
}

/* lethe.testnet: the private test network's one directory authority */
#define V3 "0123456789abcdef0123456789ABCDEF01234567"
#define FP "FEDCBA9876543210FEDCBA9876543210FEDCBA98"
static void test_testnet(void **state)
{
	(void)state;
	assert_int_equal(parse("quiet"), 0);
	assert_false(c.testnet);
	assert_int_equal(parse("lethe.testnet=10.0.2.101:5001:5002:" V3 ":" FP), 0);
	assert_true(c.testnet);
	assert_memory_equal(c.tn_ip, ((uint8_t[]){ 10, 0, 2, 101 }), 4);
	assert_int_equal(c.tn_orport, 5001);
	assert_int_equal(c.tn_dirport, 5002);
	/* upper case, as tor spells fingerprints */
	assert_string_equal(c.tn_v3ident, "0123456789ABCDEF0123456789ABCDEF01234567");
	assert_string_equal(c.tn_fpr, FP);
	assert_int_equal(parse("lethe.testnet=127.0.0.1:1:65535:" V3 ":" FP), 0);
	assert_int_equal(c.tn_dirport, 65535);

	expect_one("lethe.testnet=10.0.2.101:5001:5002:" V3, "lethe.testnet=", "A.B.C.D:ORPORT");
	expect_one("lethe.testnet=10.0.2.101:5001:5002:" V3 ":" FP ":x", "lethe.testnet=", "A.B.C.D");
	expect_one("lethe.testnet=10.0.2.101:0:5002:" V3 ":" FP, "lethe.testnet=", "1..65535");
	expect_one("lethe.testnet=10.0.2.101:5001:65536:" V3 ":" FP, "lethe.testnet=", "1..65535");
	expect_one("lethe.testnet=10.0.2.101:05001:5002:" V3 ":" FP, "lethe.testnet=", "1..65535");
	expect_one("lethe.testnet=10.0.2.256:5001:5002:" V3 ":" FP, "lethe.testnet=", "A.B.C.D");
	expect_one("lethe.testnet=host:5001:5002:" V3 ":" FP, "lethe.testnet=", "A.B.C.D");
	expect_one("lethe.testnet=10.0.2.1:5001:5002:" V3 "8:" FP, "lethe.testnet=", "40 hex");
	expect_one("lethe.testnet=10.0.2.1:5001:5002:" V3 ":" FP "0", "lethe.testnet=", "40 hex");
	expect_one("lethe.testnet=10.0.2.1:5001:5002:g123456789abcdef0123456789ABCDEF01234567:" FP,
		"lethe.testnet=", "40 hex");
	/* a space would split the word: the DirAuthority line cannot grow */
	expect_one("lethe.testnet=10.0.2.1:5001:5002:" V3 ":\"" FP " x\"", "lethe.testnet=", "40 hex");
	expect_one("lethe.testnet", "lethe.testnet", "needs a value");
	assert_false(c.testnet);
	/* with lethe.offline: an error, and the relay touches no network */
	expect_one("lethe.offline lethe.testnet=10.0.2.101:5001:5002:" V3 ":" FP,
		"lethe.testnet", "lethe.offline");
	assert_true(c.offline);
	assert_false(c.testnet);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_quotes_and_end),
		cmocka_unit_test(test_unknown_and_flags),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_pcrs_offline),
		cmocka_unit_test(test_testnet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
