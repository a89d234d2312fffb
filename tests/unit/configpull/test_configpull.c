/* cmocka tests for configpull's document validator, torrc allowlist,
 * sysctl allowlist, rendering and atomic outputs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <dirent.h>

/* rename() is wrapped (-Wl,--wrap=rename): the test sees the order in
 * which outputs are committed and can make one rename fail. */
int __real_rename(const char *from, const char *to);
int __wrap_rename(const char *from, const char *to);
static char rename_log[512];
static const char *rename_fail; /* basename whose rename fails, or NULL */

int __wrap_rename(const char *from, const char *to)
{
	const char *base = strrchr(to, '/') ? strrchr(to, '/') + 1 : to;

	if (strlen(rename_log) + strlen(base) + 2 < sizeof rename_log) {
		strcat(rename_log, base);
		strcat(rename_log, " ");
	}
	if (rename_fail && strcmp(base, rename_fail) == 0) {
		errno = EIO;
		return -1;
	}
	return __real_rename(from, to);
}

#include "apply.h"
#include "configpull.h"
#include "doc.h"
#include "lethe_dns.h"
#include "node.h"
#include "nodecert.h"
#include "out.h"
#include "quote.h"
#include "torrc.h"

/* A minimal valid document with one instance whose torrc body is TORRC
 * (the inside of the object) and extra top-level members TOP. */
static char *mkdoc(const char *top, const char *torrc)
{
	char *s = NULL;
	if (asprintf(&s, "{\"version\":1,%s\"instances\":[{\"name\":\"r1\",\"torrc\":{%s}}]}", top,
		     torrc) < 0)
		abort();
	return s;
}

/* Loads; on failure returns 0 and leaves the message in ERR. */
static int try_doc(const char *top, const char *torrc, struct cp_err *err)
{
	char *s = mkdoc(top, torrc);
	json_t *d = doc_load(s, strlen(s), err);
	free(s);
	if (!d)
		return 0;
	json_decref(d);
	return 1;
}

static void expect_refused(const char *top, const char *torrc, const char *needle)
{
	struct cp_err err = { "" };
	if (try_doc(top, torrc, &err)) {
		print_error("accepted: top=%s torrc=%s\n", top, torrc);
		fail();
	}
	if (needle && !strstr(err.msg, needle)) {
		print_error("message \"%s\" lacks \"%s\"\n", err.msg, needle);
		fail();
	}
}

static void expect_ok(const char *top, const char *torrc)
{
	struct cp_err err = { "" };
	if (!try_doc(top, torrc, &err)) {
		print_error("refused: %s (top=%s torrc=%s)\n", err.msg, top, torrc);
		fail();
	}
}

static void test_example_valid(void **state)
{
	FILE *f = fopen("tests/configpull/example.json", "r");
	char buf[8192];
	struct cp_err err = { "" };
	size_t n;
	json_t *d;

	(void)state;
	assert_non_null(f);
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	d = doc_load(buf, n, &err);
	if (!d)
		print_error("%s\n", err.msg);
	assert_non_null(d);
	json_decref(d);
}

static void test_minimal_valid(void **state)
{
	(void)state;
	expect_ok("", "");
	expect_ok("", "\"Nickname\":\"abc\",\"ORPort\":443");
	expect_ok("", "\"ORPort\":[\"auto\",\"[2001:db8::1]:9001 NoAdvertise\"]");
	expect_ok("", "\"ExitPolicy\":\"reject 10.0.0.0/8:80-443, accept 11.0.0.0/8:80-443, reject *:*\"");
	expect_ok("", "\"AccountingStart\":\"week 7 23:59\",\"AccountingRule\":\"max\"");
	expect_ok("", "\"MetricsPort\":\"[::1]:9035\",\"MetricsPortPolicy\":\"accept [::1]\"");
	expect_ok("", "\"MetricsPort\":\"10.1.2.3:9035\",\"MetricsPortPolicy\":\"accept 10.0.0.0/8\"");
	expect_ok("\"family\":true,", "\"FamilyId\":\"*\"");
	expect_ok("\"sysctls\":{\"vm.swappiness\":10,\"net.ipv4.tcp_rmem\":\"4096 87380 6291456\"},", "");
}

static void test_bad_json_and_version(void **state)
{
	struct cp_err err = { "" };
	(void)state;
	assert_null(doc_load("{", 1, &err));
	assert_non_null(strstr(err.msg, "invalid JSON"));
	assert_null(doc_load("[]", 2, &err));
	{
		const char *v2 = "{\"version\":2,\"instances\":[]}";
		assert_null(doc_load(v2, strlen(v2), &err));
	}
	assert_non_null(strstr(err.msg, "version"));
	assert_null(doc_load("{\"version\":\"1\"}", 15, &err));
	/* Duplicate keys: two readers could disagree. */
	expect_refused("\"family\":true,\"family\":false,", "", "invalid JSON");
	expect_refused("", "\"Nickname\":\"a\",\"Nickname\":\"b\"", "invalid JSON");
}

static void test_unknown_keys(void **state)
{
	(void)state;
	expect_refused("\"colour\":1,", "", "unknown key colour");
	expect_refused("\"zram\":{\"enabled\":true,\"bogus\":1},", "", "unknown key bogus");
	expect_refused("\"image\":{\"version\":\"v1\",\"url\":\"x\"},", "", "unknown key url");
	expect_refused("\"provisioning\":{\"allow_new_identities\":true,\"x\":1},", "", "unknown key x");
	expect_refused("\"bad\\nkey\":1,", "", "unprintable");
}

static void test_forbidden_options(void **state)
{
	static const char *const opts[] = {
		"ServerTransportPlugin", "ClientTransportPlugin", "%include", "AccelName", "AccelDir",
		"DataDirectory", "CacheDirectory", "KeyDirectory", "FamilyKeyDirectory", "User",
		"RunAsDaemon", "Sandbox", "Log", "PidFile", "ControlPort", "ControlSocket",
		"HashedControlPassword", "CookieAuthentication", "AvoidDiskWrites",
		"DisableDebuggerAttachment", "SocksPort", "__ControlPort", "__ReloadTorrcOnSIGHUP",
		"HiddenServiceDir", "HiddenServicePort", "GeoIPFile", "ServerDNSResolvConfFile",
		"ExtORPort", "TransPort", "DNSPort", "NATDPort", "HTTPTunnelPort", "datadirectory",
		"orport", "DisableNetwork", "ServerTransportListenAddr", "TestingTorNetwork",
		"DirAuthority", "AlternateDirAuthority", "FallbackDir", "V3AuthoritativeDirectory",
		"testingtornetwork", "TestingDirAuthVoteGuard",
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof opts / sizeof opts[0]; i++) {
		char body[128];
		snprintf(body, sizeof body, "\"%s\":\"1\"", opts[i]);
		expect_refused("", body, "refused");
	}
	assert_string_equal(torrc_refusal("ServerTransportPlugin"), "it runs a program");
	assert_string_equal(torrc_refusal("DataDirectory"), "lethe sets it itself");
	assert_string_equal(torrc_refusal("%include"), "it includes files");
	assert_string_equal(torrc_refusal("GeoIPFile"), "it names a file or directory");
	assert_null(torrc_refusal("ORPort"));
	assert_string_equal(torrc_refusal("TestingTorNetwork"),
		"it picks the Tor network (only the operator's lethe.testnet can)");
	assert_string_equal(torrc_refusal("DirAuthority"),
		"it picks the Tor network (only the operator's lethe.testnet can)");
}

static void test_bad_values(void **state)
{
	char *big;
	(void)state;
	/* newline, CR, comment, escapes, quotes: no second option smuggled in */
	expect_refused("", "\"Nickname\":\"a\\nSandbox 0\"", "invalid value");
	expect_refused("", "\"ContactInfo\":\"a\\nControlPort 9051\"", "invalid value");
	expect_refused("", "\"ContactInfo\":\"a\\rb\"", "invalid value");
	/* jansson itself refuses an escaped NUL (no JSON_ALLOW_NUL) */
	expect_refused("", "\"ContactInfo\":\"a\\u0000b\"", NULL);
	expect_refused("", "\"ContactInfo\":\"a #b\"", "invalid value");
	expect_refused("", "\"ContactInfo\":\"a \\\\\"", "invalid value");
	expect_refused("", "\"ContactInfo\":\"\\\"quoted\\\"\"", "invalid value");
	expect_refused("", "\"ContactInfo\":\" lead\"", "invalid value");
	expect_refused("", "\"ContactInfo\":\"\"", "invalid value");
	expect_refused("", "\"Nickname\":\"waytoolongnicknameforatorrelay\"", "invalid value");
	expect_refused("", "\"ORPort\":\"70000\"", "invalid value");
	expect_refused("", "\"ORPort\":\"443 Bogus\"", "invalid value");
	expect_refused("", "\"ORPort\":\"443  NoListen\"", "invalid value");
	expect_refused("", "\"ORPort\":-1", "non-negative");
	expect_refused("", "\"ORPort\":{}", "non-negative");
	expect_refused("", "\"Nickname\":[\"a\",\"b\"]", "one value");
	expect_refused("", "\"ORPort\":[]", "1 to");
	expect_refused("", "\"ExitRelay\":2", "invalid value");
	expect_refused("", "\"NumCPUs\":100000", "invalid value");
	expect_refused("", "\"ExitPolicy\":\"allow *:*\"", "invalid value");
	expect_refused("", "\"ExitPolicy\":\"accept foo:80\"", "invalid value");
	expect_refused("", "\"ExitPolicy\":\"accept 1.2.3.0/24:80-70\"", "invalid value");
	expect_refused("", "\"ExitPolicy\":\"accept 1.2.3.0/24:0\"", "invalid value");
	expect_refused("", "\"ExitPolicy\":\"accept *:65536\"", "invalid value");
	expect_refused("", "\"ExitPolicy\":\"accept 1.2.3.4/33:80\"", "invalid value");
	expect_refused("", "\"ExitPolicy\":\"accept 1.2.3.4/255.0.0.0:80\"", "invalid value");
	expect_refused("", "\"ExitPolicy\":\"accept 2001:db8::1:80\"", "invalid value");
	expect_refused("", "\"ExitPolicy\":\"accept *:80,\"", "invalid value");
	expect_refused("", "\"ExitPolicy\":\"accept *:*;x\"", "invalid value");
	expect_refused("", "\"RelayBandwidthRate\":\"10 parsecs\"", "invalid value");
	expect_refused("", "\"AccountingStart\":\"month 31 00:00\"", "invalid value");
	expect_refused("", "\"AccountingStart\":\"day 24:00\"", "invalid value");
	expect_refused("", "\"MetricsPort\":\"203.0.113.1:9035\",\"MetricsPortPolicy\":\"accept *\"",
		       "invalid value");
	expect_refused("", "\"MetricsPort\":\"9035\",\"MetricsPortPolicy\":\"accept *\"", "invalid value");
	expect_refused("", "\"MetricsPort\":\"127.0.0.1:9035\"", "MetricsPortPolicy");
	expect_refused("", "\"MyFamily\":\"$0123\"", "family is off");
	expect_refused("\"family\":true,", "\"MyFamily\":\"$0123\"", "invalid value");
	expect_refused("", "\"OutboundBindAddress\":\"example.org\"", "invalid value");
	big = malloc(1200);
	assert_non_null(big);
	memset(big, 'a', 1199);
	big[1199] = 0;
	{
		char *body = NULL;
		assert_true(asprintf(&body, "\"ContactInfo\":\"%s\"", big) > 0);
		expect_refused("", body, "invalid value");
		free(body);
	}
	free(big);
}

static void test_document_fields(void **state)
{
	(void)state;
	expect_refused("\"refresh_interval\":5,", "", "refresh_interval");
	expect_refused("\"refresh_interval\":\"3600\",", "", "refresh_interval");
	expect_refused("\"allocator\":\"tcmalloc\",", "", "allocator");
	/* Not in the image: refused, not rendered into a preload that fails. */
	expect_refused("\"allocator\":\"hardened_malloc\",", "", "allocator");
	expect_refused("\"node\":\"xyz\",", "", "node");
	expect_refused("\"zram\":{\"size_mib\":10},", "", "zram.enabled");
	expect_refused("\"zram\":{\"enabled\":true,\"size_mib\":1},", "", "size_mib");
	expect_refused("\"image\":{\"version\":\"v1;rm\"},", "", "image.version");
	expect_refused("\"family\":1,", "", "family");
	expect_refused("\"sysctls\":{\"kernel.core_pattern\":\"|/bin/sh\"},", "", "kernel.core_pattern refused");
	expect_refused("\"sysctls\":{\"kernel.modprobe\":\"/tmp/x\"},", "", "kernel.modprobe refused");
	expect_refused("\"sysctls\":{\"vm.swappiness\":1000},", "", "out of range");
	expect_refused("\"sysctls\":{\"net.ipv4.tcp_rmem\":\"1 2\"},", "", "out of range");
	expect_refused("\"sysctls\":{\"net.ipv4.tcp_congestion_control\":\"bbr\\n\"},", "", "allowed words");
	/* The kernel reads what was checked, or nothing: no octal, no
	 * smuggled node.conf line after a valid number, no sign. */
	expect_refused("\"sysctls\":{\"vm.swappiness\":\"010\"},", "", "leading zero");
	expect_refused("\"sysctls\":{\"vm.swappiness\":\"10\\nsysctl.kernel.core_pattern=|/bin/sh\"},", "",
		       "trailing bytes");
	expect_refused("\"sysctls\":{\"vm.swappiness\":\"10 \"},", "", "trailing bytes");
	expect_refused("\"sysctls\":{\"vm.swappiness\":\"+10\"},", "", "not a decimal");
	expect_refused("\"sysctls\":{\"vm.swappiness\":-1},", "", "not a decimal");
	expect_refused("\"sysctls\":{\"net.ipv4.tcp_rmem\":\"4096  87380 6291456\"},", "", "not a decimal");
	expect_refused("\"sysctls\":{\"net.ipv4.ip_forward\":1},", "", "not on the allowlist");
	{
		struct cp_err err = { "" };
		const char *two = "{\"version\":1,\"instances\":[{\"name\":\"a\",\"torrc\":{}},"
				  "{\"name\":\"a\",\"torrc\":{}}]}";
		const char *none = "{\"version\":1,\"instances\":[]}";
		const char *badname = "{\"version\":1,\"instances\":[{\"name\":\"../x\",\"torrc\":{}}]}";
		const char *addr = "{\"version\":1,\"instances\":[{\"name\":\"a\",\"addresses\":"
				   "[\"10.0.0.1/33\"],\"torrc\":{}}]}";
		assert_null(doc_load(two, strlen(two), &err));
		assert_non_null(strstr(err.msg, "used twice"));
		assert_null(doc_load(none, strlen(none), &err));
		assert_null(doc_load(badname, strlen(badname), &err));
		assert_non_null(strstr(err.msg, "name"));
		assert_null(doc_load(addr, strlen(addr), &err));
		assert_non_null(strstr(err.msg, "addresses"));
	}
}

static void test_render_order(void **state)
{
	/* Same options in another JSON order render to the same bytes. */
	const char *a = "{\"version\":1,\"instances\":[{\"name\":\"x\",\"torrc\":"
			"{\"ORPort\":443,\"Nickname\":\"n\"}}]}";
	const char *b = "{\"version\":1,\"instances\":[{\"name\":\"x\",\"torrc\":"
			"{\"Nickname\":\"n\",\"ORPort\":\"443\"}}]}";
	struct torrc_paths p = { "u", "/d", "/k" };
	struct cp_err err = { "" };
	struct sbuf ra = SBUF_ZERO, rb = SBUF_ZERO;
	json_t *da = doc_load(a, strlen(a), &err), *db = doc_load(b, strlen(b), &err);
	const json_t *ta, *tb;

	(void)state;
	assert_non_null(da);
	assert_non_null(db);
	ta = json_object_get(json_array_get(json_object_get(da, "instances"), 0), "torrc");
	tb = json_object_get(json_array_get(json_object_get(db, "instances"), 0), "torrc");
	assert_true(torrc_render("x", 0, ta, NULL, 0, &p, &ra));
	assert_true(torrc_render("x", 0, tb, NULL, 0, &p, &rb));
	assert_string_equal(ra.s, rb.s);
	assert_non_null(strstr(ra.s, "\nSandbox 1\n"));
	assert_non_null(strstr(ra.s, "\nDataDirectory /d/x\n"));
	assert_non_null(strstr(ra.s, "\nNickname n\nORPort 443\n"));
	assert_null(strstr(ra.s, "FamilyKeyDirectory"));
	sbuf_free(&ra);
	sbuf_free(&rb);
	json_decref(da);
	json_decref(db);
}

/* lethe owns ExitPolicyRejectPrivate and ExitPolicyRejectLocalInterfaces
 * (always 1, rendered before the server's lines); an exit's accepts never
 * name the operator's networks; rejects may name anything. */
static void test_exit_policy(void **state)
{
	static const char *const refused[] = {
		"accept 10.0.0.0/8:*", "accept 127.0.0.1:*", "accept 169.254.169.254:80",
		"accept 0.0.0.0/1:*", "accept 0.0.0.0/0:443", "accept 0.0.0.0:80", "accept 172.31.0.0/16:*",
		"accept 172.0.0.0/8:*", "accept 192.168.1.1", "accept 100.64.0.0/10:*", "accept 100.127.1.1:80",
		"accept private:*", "accept PRIVATE:*", "accept [::1]:*", "accept [::]:*", "accept [fd00::1]:*",
		"accept [fe80::1]:22", "accept [::]/0:*", "accept [::ffff:10.0.0.1]:*", "accept6 [fc00::]/7:*",
		"reject *:25, accept 10.1.2.3:80", "Accept 127.0.0.1:80",
	};
	static const char *const allowed[] = {
		"accept *:80", "accept *4:443", "accept *6:443", "accept *:*", "reject 10.0.0.0/8:*",
		"reject private:*", "reject 127.0.0.1:*", "reject [::1]:*", "accept 11.0.0.0/8:*",
		"accept 172.32.0.0/11:*", "accept 100.128.0.0/9:*", "accept 192.169.0.0/16:80-443",
		"accept [2001:db8::]/32:80", "accept6 [2001:db8::1]:443", "reject *:*",
	};
	struct torrc_paths p = { "u", "/d", "/k" };
	const char *doc = "{\"version\":1,\"instances\":[{\"name\":\"x\",\"torrc\":"
			  "{\"ExitRelay\":1,\"ExitPolicy\":\"accept *:443\"}}]}";
	struct cp_err err = { "" };
	struct sbuf r = SBUF_ZERO;
	char body[160];
	const char *a, *b, *c;
	json_t *d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		snprintf(body, sizeof body, "\"ExitPolicy\":[\"reject *:25\",\"%s\"]", refused[i]);
		expect_refused("", body, "instances[0].torrc.ExitPolicy[1]: accept");
	}
	for (i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
		snprintf(body, sizeof body, "\"ExitPolicy\":\"%s\"", allowed[i]);
		expect_ok("", body);
	}
	/* the metrics policy is about who reads the metrics: private is its point */
	expect_ok("", "\"MetricsPort\":\"127.0.0.1:9035\",\"MetricsPortPolicy\":\"accept 127.0.0.1/8\"");
	expect_refused("", "\"ExitPolicyRejectPrivate\":0", "option ExitPolicyRejectPrivate refused: lethe sets it");
	expect_refused("", "\"ExitPolicyRejectPrivate\":1", "option ExitPolicyRejectPrivate refused");
	expect_refused("", "\"ExitPolicyRejectLocalInterfaces\":false",
		       "option ExitPolicyRejectLocalInterfaces refused: lethe sets it");
	assert_string_equal(torrc_refusal("ExitPolicyRejectPrivate"), "lethe sets it itself");
	d = doc_load(doc, strlen(doc), &err);
	assert_non_null(d);
	assert_true(torrc_render("x", 0, json_object_get(json_array_get(json_object_get(d, "instances"), 0),
							   "torrc"), NULL, 0, &p, &r));
	a = strstr(r.s, "\nExitPolicyRejectPrivate 1\n");
	b = strstr(r.s, "\nExitPolicyRejectLocalInterfaces 1\n");
	c = strstr(r.s, "\nExitPolicy accept *:443\n");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_true(a < c && b < c);
	sbuf_free(&r);
	json_decref(d);
}

/* A document with instances of torrc bodies A and B. */
static int try_two(const char *a, const char *b, struct cp_err *err)
{
	char *s = NULL;
	json_t *d;

	if (asprintf(&s, "{\"version\":1,\"instances\":[{\"name\":\"a\",\"torrc\":{%s}},"
		     "{\"name\":\"b\",\"torrc\":{%s}}]}", a, b) < 0)
		abort();
	d = doc_load(s, strlen(s), err);
	free(s);
	json_decref(d);
	return d != NULL;
}

static void expect_two(const char *a, const char *b, const char *needle)
{
	struct cp_err err = { "" };
	int ok = try_two(a, b, &err);

	if (needle ? ok || !strstr(err.msg, needle) : !ok) {
		print_error("a=%s b=%s: %s (wanted %s)\n", a, b, ok ? "accepted" : err.msg,
			    needle ? needle : "ok");
		fail();
	}
}

/* Two lines binding one port, in one instance or across two, are refused;
 * so are loopback ORPorts and Addresses. */
static void test_ports(void **state)
{
	(void)state;
	expect_refused("", "\"ORPort\":443,\"DirPort\":443",
		       "instances[0].torrc.DirPort[0]: port 443 already used by instances[0].torrc.ORPort[0]");
	expect_refused("", "\"ORPort\":\"10.0.0.1:9035\",\"MetricsPort\":\"10.0.0.1:9035\","
		       "\"MetricsPortPolicy\":\"accept 10.0.0.1\"", "MetricsPort[0]: port 9035 already used");
	expect_refused("", "\"ORPort\":9035,\"MetricsPort\":\"127.0.0.1:9035\","
		       "\"MetricsPortPolicy\":\"accept 127.0.0.1\"", "port 9035 already used");
	expect_ok("", "\"ORPort\":\"203.0.113.1:443\",\"DirPort\":\"203.0.113.2:443\"");
	/* one option's own lines: tor merges them */
	expect_ok("", "\"ORPort\":[443,\"[2001:db8::1]:443\"]");
	expect_two("\"ORPort\":443", "\"ORPort\":443",
		   "instances[1].torrc.ORPort[0]: port 443 already used by instances[0].torrc.ORPort[0]");
	expect_two("\"ORPort\":\"203.0.113.1:443\"", "\"ORPort\":\"203.0.113.1:443\"", "port 443 already used");
	expect_two("\"ORPort\":\"203.0.113.1:443\"", "\"ORPort\":443", "port 443 already used");
	expect_two("\"ORPort\":[\"203.0.113.1:443\",\"[2001:db8::1]:443\"]",
		   "\"ORPort\":[\"203.0.113.2:443\",\"[2001:db8::1]:443\"]",
		   "instances[1].torrc.ORPort[1]: port 443 already used by instances[0].torrc.ORPort[1]");
	expect_two("\"ORPort\":443", "\"ORPort\":9001,\"DirPort\":443", "DirPort[0]: port 443 already used");
	expect_two("\"MetricsPort\":\"127.0.0.1:9035\",\"MetricsPortPolicy\":\"accept 127.0.0.1\"",
		   "\"MetricsPort\":\"127.0.0.1:9035\",\"MetricsPortPolicy\":\"accept 127.0.0.1\"",
		   "MetricsPort[0]: port 9035 already used");
	expect_two("\"ORPort\":\"203.0.113.1:443\"", "\"ORPort\":\"203.0.113.2:443\"", NULL);
	expect_two("\"ORPort\":\"auto\"", "\"ORPort\":\"auto\"", NULL);
	expect_two("\"ORPort\":443", "\"ORPort\":444", NULL);
	expect_refused("", "\"ORPort\":\"127.0.0.1:9001\"", "ORPort[0]: a loopback address");
	expect_refused("", "\"ORPort\":[443,\"[::1]:9001 NoAdvertise\"]", "ORPort[1]: a loopback address");
	expect_refused("", "\"ORPort\":\"[::ffff:127.0.0.1]:9001\"", "a loopback address");
	expect_refused("", "\"Address\":\"127.0.0.2\"", "Address[0]: a loopback address");
	expect_refused("", "\"Address\":[\"203.0.113.1\",\"::1\"]", "Address[1]: a loopback address");
	expect_refused("", "\"Address\":\"localhost\"", "a loopback address");
	expect_refused("", "\"Address\":\"LocalHost\"", "a loopback address");
	expect_refused("", "\"Address\":\"relay.localhost\"", "a loopback address");
	expect_ok("", "\"Address\":[\"relay.example.org\",\"2001:db8::1\"]");
}

/* Values tor refuses are refused here, with tor's own limits. */
static void test_tor_limits(void **state)
{
	(void)state;
	expect_refused("", "\"AccountingMax\":\"999999999999999 TBytes\"", "AccountingMax[0]: out of range");
	expect_refused("", "\"AccountingMax\":\"8388608 TBytes\"", "out of range");
	expect_ok("", "\"AccountingMax\":\"8388607 TBytes\"");
	expect_refused("", "\"MaxMemInQueues\":\"16777216 TB\"", "MaxMemInQueues[0]: out of range");
	expect_refused("", "\"BandwidthRate\":\"999999999999999\"", "BandwidthRate[0]: out of range");
	expect_refused("", "\"BandwidthRate\":\"3 GBytes\",\"BandwidthBurst\":\"3 GBytes\"", "out of range");
	expect_refused("", "\"BandwidthRate\":\"1 TBits\"", "out of range");
	expect_refused("", "\"BandwidthRate\":\"10\",\"BandwidthBurst\":\"10\"", "out of range");
	expect_refused("", "\"RelayBandwidthRate\":\"10\"", "RelayBandwidthRate[0]: out of range");
	expect_refused("", "\"MaxAdvertisedBandwidth\":\"38399\"", "out of range");
	expect_refused("", "\"MaxAdvertisedBandwidth\":\"999999999999999 TBits\"", "out of range");
	expect_ok("", "\"BandwidthRate\":\"2147483647\",\"BandwidthBurst\":\"2147483647\"");
	/* tor reads exactly 2 GBytes as INT32_MAX, one byte more is refused */
	expect_ok("", "\"BandwidthRate\":\"2 GBytes\",\"BandwidthBurst\":\"2147483647\"");
	expect_refused("", "\"BandwidthBurst\":\"2147483649\"", "BandwidthBurst[0]: out of range");
	expect_ok("", "\"BandwidthRate\":\"76800\",\"BandwidthBurst\":\"76800\",\"MaxAdvertisedBandwidth\":\"38400\"");
	expect_refused("", "\"BandwidthRate\":\"800000 bits\"", "invalid value");
	/* burst below rate, with tor's defaults (1 GByte each) */
	expect_refused("", "\"BandwidthRate\":\"1500 MBytes\"", "BandwidthBurst: below BandwidthRate");
	expect_refused("", "\"BandwidthBurst\":\"10 MBytes\"", "BandwidthBurst: below BandwidthRate");
	expect_refused("", "\"RelayBandwidthRate\":\"2 MB\",\"RelayBandwidthBurst\":\"1 MB\"",
		       "RelayBandwidthBurst: below RelayBandwidthRate");
	expect_ok("", "\"RelayBandwidthBurst\":\"1 MB\"");
	expect_refused("", "\"HeartbeatPeriod\":\"999999999999999 months\"", "HeartbeatPeriod[0]: out of range");
	expect_refused("", "\"HeartbeatPeriod\":\"817 months\"", "out of range");
	expect_refused("", "\"HeartbeatPeriod\":\"2147483648\"", "out of range");
	expect_ok("", "\"HeartbeatPeriod\":\"816 months\"");
	expect_refused("", "\"ShutdownWaitLength\":\"999999999999999\"", "out of range");
	expect_refused("", "\"SigningKeyLifetime\":\"1 days\"", "SigningKeyLifetime[0]: out of range");
	expect_ok("", "\"SigningKeyLifetime\":\"2 days\"");
	/* ORPort and DirPort lines tor refuses */
	expect_refused("", "\"ORPort\":\"443 NoListen\"", "tor needs a line that listens on IPv4");
	expect_refused("", "\"ORPort\":\"443 NoAdvertise\"", "one that is advertised");
	expect_refused("", "\"ORPort\":\"443 IPv6Only\"", "listens on IPv4");
	expect_refused("", "\"ORPort\":\"443 NoAdvertise NoListen\"", "NoAdvertise and NoListen together");
	expect_refused("", "\"ORPort\":\"443 IPv4Only IPv6Only\"", "IPv4Only and IPv6Only together");
	expect_refused("", "\"ORPort\":[443,\"[2001:db8::1]:443 IPv4Only\"]", "contradicts the address");
	expect_refused("", "\"ORPort\":\"203.0.113.1:443 IPv6Only\"", "contradicts the address");
	expect_ok("", "\"ORPort\":[\"443 NoListen\",\"9001 NoAdvertise\"]");
	expect_refused("", "\"DirPort\":\"[2001:db8::1]:80\"", "only IPv4 DirPorts");
	expect_refused("", "\"DirPort\":\"80 NoListen\"", "DirPort: tor needs a line that listens");
	expect_ok("", "\"DirPort\":\"80 NoAdvertise\"");
	expect_refused("", "\"OutboundBindAddress\":[\"203.0.113.1\",\"203.0.113.2\"]",
		       "OutboundBindAddress[1]: a second IPv4 address");
	expect_ok("", "\"OutboundBindAddress\":[\"203.0.113.1\",\"2001:db8::1\"]");
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);
	if (!f || !buf)
		abort();
	if (fread(buf, 1, 65535, f) == 0)
		buf[0] = 0;
	fclose(f);
	return buf;
}

static void test_apply_atomic(void **state)
{
	char tmpl[] = "/tmp/configpull-test.XXXXXX";
	char *dir = mkdtemp(tmpl), path[256], *before, *after;
	struct torrc_paths p = { "u", "/d", "/k" };
	struct cp_err err = { "" };
	const char *good = "{\"version\":1,\"instances\":[{\"name\":\"a\",\"torrc\":{\"Nickname\":\"a\"}}]}";
	const char *good2 = "{\"version\":1,\"instances\":[{\"name\":\"a\",\"torrc\":{\"Nickname\":\"b\"}}]}";
	const char *bad = "{\"version\":1,\"instances\":[{\"name\":\"a\",\"torrc\":{\"Nickname\":\"b\","
			  "\"Sandbox\":\"0\"}}]}";
	struct stat st;

	(void)state;
	assert_non_null(dir);
	assert_int_equal(apply_document(good, strlen(good), NULL, dir, OUT_GID_NONE, &p, &err), CP_EXIT_CHANGED);
	assert_int_equal(apply_document(good, strlen(good), NULL, dir, OUT_GID_NONE, &p, &err), CP_EXIT_UNCHANGED);
	snprintf(path, sizeof path, "%s/torrc.a", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	before = read_all(path);
	assert_int_equal(apply_document(bad, strlen(bad), NULL, dir, OUT_GID_NONE, &p, &err), CP_EXIT_REJECTED);
	assert_non_null(strstr(err.msg, "Sandbox"));
	after = read_all(path);
	assert_string_equal(before, after);
	free(after);
	assert_int_equal(apply_document(good2, strlen(good2), NULL, dir, OUT_GID_NONE, &p, &err), CP_EXIT_CHANGED);
	after = read_all(path);
	assert_string_not_equal(before, after);
	free(before);
	free(after);
	/* A directory that cannot be written: failure, no temporary left. */
	assert_int_equal(out_write("/nonexistent-dir", "x", OUT_GID_NONE, "y", 1, &err), 0);
	unlink(path);
	snprintf(path, sizeof path, "%s/node.conf", dir);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

/* A document of N instances named i0, i1... with Nickname NICK. */
static char *mkinst(size_t n, const char *nick)
{
	char *s = NULL, *t;
	size_t i;

	if (asprintf(&s, "{\"version\":1,\"instances\":[") < 0)
		abort();
	for (i = 0; i < n; i++) {
		if (asprintf(&t, "%s%s{\"name\":\"i%zu\",\"torrc\":{\"Nickname\":\"%s\"}}", s, i ? "," : "", i,
			     nick) < 0)
			abort();
		free(s);
		s = t;
	}
	if (asprintf(&t, "%s]}", s) < 0)
		abort();
	free(s);
	return t;
}

/* Whether DIR holds a temporary (a dot file). */
static int has_tmp(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int found = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] == '.' && strstr(de->d_name, ".tmp-"))
			found = 1;
	closedir(d);
	return found;
}

static void rm_dir(const char *dir)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* At most DOC_INSTANCES_MAX instances: 9 and 12 are refused (apply's
 * arrays hold 8 and node.conf). */
static void test_instances_max(void **state)
{
	struct cp_err err = { "" };
	char *s;
	json_t *d;

	(void)state;
	s = mkinst(8, "n");
	d = doc_load(s, strlen(s), &err);
	assert_non_null(d);
	json_decref(d);
	free(s);
	s = mkinst(9, "n");
	assert_null(doc_load(s, strlen(s), &err));
	assert_non_null(strstr(err.msg, "instances: required, a list of 1 to 8"));
	free(s);
	s = mkinst(12, "n");
	{
		char tmpl[] = "/tmp/configpull-test.XXXXXX";
		char *dir = mkdtemp(tmpl);
		struct torrc_paths p = { "u", "/d", "/k" };
		assert_non_null(dir);
		assert_int_equal(apply_document(s, strlen(s), NULL, dir, OUT_GID_NONE, &p, &err), CP_EXIT_REJECTED);
		rm_dir(dir);
	}
	free(s);
}

/* torrc files renamed first, node.conf last; a failing rename leaves
 * node.conf (the commit point) untouched and no temporary behind. */
static void test_apply_commit_order(void **state)
{
	char tmpl[] = "/tmp/configpull-test.XXXXXX";
	char *dir = mkdtemp(tmpl), path[256], *before, *after;
	struct torrc_paths p = { "u", "/d", "/k" };
	struct cp_err err = { "" };
	char *one = mkinst(2, "one"), *two = mkinst(2, "two");

	(void)state;
	assert_non_null(dir);
	rename_log[0] = 0;
	assert_int_equal(apply_document(one, strlen(one), NULL, dir, OUT_GID_NONE, &p, &err), CP_EXIT_CHANGED);
	assert_string_equal(rename_log, "torrc.i0 torrc.i1 node.conf ");
	snprintf(path, sizeof path, "%s/node.conf", dir);
	before = read_all(path);
	rename_fail = "torrc.i1";
	rename_log[0] = 0;
	assert_int_equal(apply_document(two, strlen(two), NULL, dir, OUT_GID_NONE, &p, &err), CP_EXIT_UNREACHABLE);
	rename_fail = NULL;
	assert_string_equal(rename_log, "torrc.i0 torrc.i1 ");
	assert_non_null(strstr(err.msg, "torrc.i1"));
	after = read_all(path);
	assert_string_equal(before, after);
	assert_false(has_tmp(dir));
	free(before);
	free(after);
	free(one);
	free(two);
	rm_dir(dir);
}

/* A directory in place of one torrc: nothing changes, no temporary left. */
static void test_apply_dir_in_way(void **state)
{
	char tmpl[] = "/tmp/configpull-test.XXXXXX";
	char *dir = mkdtemp(tmpl), path[256], *b0, *bn, *a0, *an;
	struct torrc_paths p = { "u", "/d", "/k" };
	struct cp_err err = { "" };
	char *one = mkinst(2, "one"), *two = mkinst(2, "two");
	char p0[256], pn[256];

	(void)state;
	assert_non_null(dir);
	assert_int_equal(apply_document(one, strlen(one), NULL, dir, OUT_GID_NONE, &p, &err), CP_EXIT_CHANGED);
	snprintf(path, sizeof path, "%s/torrc.i1", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(p0, sizeof p0, "%s/torrc.i0", dir);
	snprintf(pn, sizeof pn, "%s/node.conf", dir);
	b0 = read_all(p0);
	bn = read_all(pn);
	rename_log[0] = 0;
	assert_int_equal(apply_document(two, strlen(two), NULL, dir, OUT_GID_NONE, &p, &err), CP_EXIT_UNREACHABLE);
	assert_non_null(strstr(err.msg, "torrc.i1: a directory is in the way"));
	assert_string_equal(rename_log, "");
	a0 = read_all(p0);
	an = read_all(pn);
	assert_string_equal(b0, a0);
	assert_string_equal(bn, an);
	assert_false(has_tmp(dir));
	free(b0);
	free(bn);
	free(a0);
	free(an);
	free(one);
	free(two);
	rm_dir(dir);
}

/* A symlink planted at a temporary's name is not followed: the write
 * fails, its target is untouched, nothing is renamed, and the symlink
 * (not ours) stays. */
static void test_apply_tmp_symlink(void **state)
{
	char tmpl[] = "/tmp/configpull-test.XXXXXX";
	char *dir = mkdtemp(tmpl), link[256], target[256], *t;
	struct torrc_paths p = { "u", "/d", "/k" };
	struct cp_err err = { "" };
	char *one = mkinst(2, "one");
	struct stat st;
	FILE *f;

	(void)state;
	assert_non_null(dir);
	snprintf(target, sizeof target, "%s/target", dir);
	assert_non_null(f = fopen(target, "w"));
	fputs("precious\n", f);
	fclose(f);
	snprintf(link, sizeof link, "%s/.torrc.i1.tmp-%ld", dir, (long)getpid());
	assert_int_equal(symlink(target, link), 0);
	rename_log[0] = 0;
	assert_int_equal(apply_document(one, strlen(one), NULL, dir, OUT_GID_NONE, &p, &err), CP_EXIT_UNREACHABLE);
	assert_non_null(strstr(err.msg, ".torrc.i1.tmp-"));
	assert_string_equal(rename_log, "");
	t = read_all(target);
	assert_string_equal(t, "precious\n");
	free(t);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	snprintf(target, sizeof target, "%s/torrc.i0", dir);
	assert_int_equal(access(target, F_OK), -1);
	snprintf(target, sizeof target, "%s/.torrc.i0.tmp-%ld", dir, (long)getpid());
	assert_int_equal(access(target, F_OK), -1);
	free(one);
	rm_dir(dir);
}

/* The document names the node that applies it (fetch/pull: the key's id;
 * check/render: --node); any case of hex matches. */
static void test_node_id(void **state)
{
	char tmpl[] = "/tmp/configpull-test.XXXXXX";
	char *dir = mkdtemp(tmpl), path[256];
	struct torrc_paths p = { "u", "/d", "/k" };
	struct cp_err err = { "" };
	const char *id = "3f1c9a0e5b7d2c4e6a8f0b1d3c5e7a9f1b3d5c7e9a0b2d4f6c8e0a1b3d5f7c9e";
	const char *other = "0000000000000000000000000000000000000000000000000000000000000000";
	char *mine = NULL, *none = mkinst(1, "n");

	(void)state;
	assert_non_null(dir);
	assert_true(asprintf(&mine, "{\"version\":1,\"node\":\"3F1C9A0E5B7D2C4E6A8F0B1D3C5E7A9F1B3D5C7E9A0B2D4F6C8E0A1B3D5F7C9E\","
			     "\"instances\":[{\"name\":\"a\",\"torrc\":{}}]}") > 0);
	assert_int_equal(apply_document(mine, strlen(mine), other, dir, OUT_GID_NONE, &p, &err), CP_EXIT_REJECTED);
	assert_non_null(strstr(err.msg, "node: the document is for node"));
	assert_int_equal(apply_document(none, strlen(none), id, dir, OUT_GID_NONE, &p, &err), CP_EXIT_REJECTED);
	assert_non_null(strstr(err.msg, "node: the document is for node (none)"));
	snprintf(path, sizeof path, "%s/node.conf", dir);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(apply_document(mine, strlen(mine), id, dir, OUT_GID_NONE, &p, &err), CP_EXIT_CHANGED);
	assert_int_equal(access(path, F_OK), 0);
	free(mine);
	free(none);
	rm_dir(dir);
}

/* --group: directory root:GID 02750, files 0640 in GID; a file left in
 * another group is rewritten; a symlinked output directory is refused. */
static void test_apply_group(void **state)
{
	char tmpl[] = "/tmp/configpull-test.XXXXXX";
	char *dir, sub[128], path[256], link[256];
	struct torrc_paths p = { "u", "/d", "/k" };
	struct cp_err err = { "" };
	const char *good = "{\"version\":1,\"instances\":[{\"name\":\"a\",\"torrc\":{\"Nickname\":\"a\"}}]}";
	const gid_t g = 65534;
	struct stat st;

	(void)state;
	if (geteuid() != 0)
		skip(); /* chown to another group needs root */
	dir = mkdtemp(tmpl);
	assert_non_null(dir);
	snprintf(sub, sizeof sub, "%s/out", dir);
	assert_int_equal(apply_document(good, strlen(good), NULL, sub, g, &p, &err), CP_EXIT_CHANGED);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 02750);
	assert_int_equal(st.st_gid, g);
	snprintf(path, sizeof path, "%s/torrc.a", sub);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_gid, g);
	assert_int_equal(apply_document(good, strlen(good), NULL, sub, g, &p, &err), CP_EXIT_UNCHANGED);
	assert_int_equal(chown(path, (uid_t)-1, 0), 0);
	assert_int_equal(apply_document(good, strlen(good), NULL, sub, g, &p, &err), CP_EXIT_CHANGED);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_gid, g);
	snprintf(link, sizeof link, "%s/link", dir);
	assert_int_equal(symlink(sub, link), 0);
	assert_int_equal(out_dir_prepare(link, g, &err), 0);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof path, "%s/node.conf", sub);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* An instance dropped from the document loses its torrc, after node.conf. */
static void test_apply_prune(void **state)
{
	char tmpl[] = "/tmp/configpull-test.XXXXXX";
	char *dir = mkdtemp(tmpl), path[128];
	struct torrc_paths p = { "u", "/d", "/k" };
	struct cp_err err = { "" };
	const char *two = "{\"version\":1,\"instances\":[{\"name\":\"a\",\"torrc\":{}},"
			  "{\"name\":\"b\",\"torrc\":{}}]}";
	const char *one = "{\"version\":1,\"instances\":[{\"name\":\"a\",\"torrc\":{}}]}";
	const char *names[] = { "torrc.a", "node.conf", ".keep", "other" };
	size_t i;

	(void)state;
	assert_non_null(dir);
	assert_int_equal(apply_document(two, strlen(two), NULL, dir, OUT_GID_NONE, &p, &err), CP_EXIT_CHANGED);
	snprintf(path, sizeof path, "%s/torrc.b", dir);
	assert_int_equal(access(path, F_OK), 0);
	/* Files that are not torrc.* (and dot files: temporaries) are left alone. */
	for (i = 2; i < 4; i++) {
		char q[128];
		FILE *f;
		snprintf(q, sizeof q, "%s/%s", dir, names[i]);
		assert_non_null(f = fopen(q, "w"));
		fclose(f);
	}
	assert_int_equal(apply_document(one, strlen(one), NULL, dir, OUT_GID_NONE, &p, &err), CP_EXIT_CHANGED);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(apply_document(one, strlen(one), NULL, dir, OUT_GID_NONE, &p, &err), CP_EXIT_UNCHANGED);
	/* A stale file alone makes the document "changed". */
	{
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fclose(f);
	}
	assert_int_equal(apply_document(one, strlen(one), NULL, dir, OUT_GID_NONE, &p, &err), CP_EXIT_CHANGED);
	assert_int_equal(access(path, F_OK), -1);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		assert_int_equal(unlink(path), 0);
	}
	assert_int_equal(rmdir(dir), 0);
}

/* The certificate URL keeps only the document URL's origin. */
static void test_nodecert_url(void **state)
{
	struct cp_err err = { "" };
	char url[128];

	(void)state;
	assert_int_equal(nodecert_url("https://cfg.example:8443/v1/node.json", "ab", url, sizeof url, &err), 1);
	assert_string_equal(url, "https://cfg.example:8443/v1/certs/ab.pem");
	assert_int_equal(nodecert_url("https://h", "ab", url, sizeof url, &err), 1);
	assert_string_equal(url, "https://h/v1/certs/ab.pem");
	assert_int_equal(nodecert_url("http://h/x", "ab", url, sizeof url, &err), 0);
	assert_int_equal(nodecert_url("https:///x", "ab", url, sizeof url, &err), 0);
	assert_int_equal(nodecert_url("https://a-very-long-host-name.example/x", "ab", url, 16, &err), 0);
}

/* Whatever the server sends that is not one certificate is refused. */
static void test_nodecert_garbage(void **state)
{
	struct cp_err err = { "" };
	char *out = (char *)1, *big;
	size_t outlen = 0;

	(void)state;
	assert_int_equal(nodecert_check("", 0, NULL, "/nonexistent", &out, &outlen, &err), CP_EXIT_TLS);
	assert_null(out);
	assert_int_equal(nodecert_check("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
					 56, NULL, "/nonexistent", &out, &outlen, &err),
			 CP_EXIT_TLS);
	assert_non_null(strstr(err.msg, "not a PEM certificate"));
	big = calloc(1, NODECERT_SIZE_MAX + 1);
	assert_non_null(big);
	assert_int_equal(nodecert_check(big, NODECERT_SIZE_MAX + 1, NULL, "/nonexistent", &out, &outlen, &err),
			 CP_EXIT_TLS);
	assert_non_null(strstr(err.msg, "larger"));
	free(big);
}

static void test_size_limit(void **state)
{
	struct cp_err err = { "" };
	size_t n = DOC_SIZE_MAX + 1;
	char *buf = malloc(n);
	(void)state;
	assert_non_null(buf);
	memset(buf, ' ', n);
	assert_null(doc_load(buf, n, &err));
	assert_non_null(strstr(err.msg, "larger"));
	free(buf);
}

/* node.conf defaults (docs/performance.md): jemalloc, zram on at auto size
 * (0: a quarter of RAM, initd's choice) with zstd; an explicit zram object
 * and allocator win. */
static void test_node_defaults(void **state)
{
	const char *dflt = "{\"version\":1,\"instances\":[{\"name\":\"a\",\"torrc\":{}}]}";
	const char *off = "{\"version\":1,\"allocator\":\"glibc\",\"zram\":{\"enabled\":false},"
			  "\"instances\":[{\"name\":\"a\",\"torrc\":{}}]}";
	struct cp_err err = { "" };
	struct sbuf r = SBUF_ZERO;
	json_t *d;

	(void)state;
	d = doc_load(dflt, strlen(dflt), &err);
	assert_non_null(d);
	assert_true(node_render(d, &r));
	assert_non_null(strstr(r.s, "\nallocator=jemalloc\nzram=1\nzram_size_mib=0\nzram_algorithm=zstd\n"));
	sbuf_free(&r);
	json_decref(d);
	d = doc_load(off, strlen(off), &err);
	assert_non_null(d);
	assert_true(node_render(d, &r));
	assert_non_null(strstr(r.s, "\nallocator=glibc\nzram=0\n"));
	sbuf_free(&r);
	json_decref(d);
}

/* image.epoch, image.rollout, image.window (docs/config-schema.md): each
 * bounded, the window in exactly one spelling, the three together or not
 * at all; node.conf always carries them (0, 0, empty without a rollout). */
#define IMG(x) "\"image\":{\"version\":\"v2\"," x "},"
#define ROLL(e, r, w) IMG("\"epoch\":" e ",\"rollout\":" r ",\"window\":\"" w "\"")

static void render_node(const char *top, struct sbuf *r)
{
	struct cp_err err = { "" };
	char *s = mkdoc(top, "");
	json_t *d = doc_load(s, strlen(s), &err);

	free(s);
	if (!d)
		print_error("refused: %s\n", err.msg);
	assert_non_null(d);
	assert_true(node_render(d, r));
	json_decref(d);
}

static void test_image_rollout(void **state)
{
	static const char *const bad_windows[] = {
		"", "22:00", "22:00-02:0", "2:00-02:00", "22:00-02:000", "24:00-02:00", "22:60-02:00",
		"22:00-24:00", "22:00-02:60", "22:00-22:00", "00:00-00:00", "22.00-02:00", "22:00 02:00",
		"22:00_02:00", "2a:00-02:00", "-2:00-02:00", "22:00-02:00 ", " 22:00-02:0", "\\u0032\\u0032:00-02:00x",
	};
	struct sbuf r = SBUF_ZERO;
	char top[256];
	size_t i;

	(void)state;
	expect_ok(ROLL("1", "1", "00:00-23:59"), "");
	expect_ok(ROLL("9007199254740991", "2147483647", "22:00-02:00"), "");
	expect_ok(ROLL("1796280102", "7", "23:59-00:00"), "");
	expect_ok(IMG("\"sha256\":\"9c56cc51b374c3ba189210d5b6d4bf57790d351c96c47c02190ecf1e430635ab\","
		      "\"epoch\":5,\"rollout\":3,\"window\":\"03:00-04:30\""), "");
	/* bounds and types */
	expect_refused(ROLL("0", "1", "22:00-02:00"), "", "image.epoch: an integer from 1 to 2^53-1");
	expect_refused(ROLL("-1", "1", "22:00-02:00"), "", "image.epoch");
	expect_refused(ROLL("9007199254740992", "1", "22:00-02:00"), "", "image.epoch");
	expect_refused(ROLL("1.0", "1", "22:00-02:00"), "", "image.epoch");
	expect_refused(ROLL("\"5\"", "1", "22:00-02:00"), "", "image.epoch");
	expect_refused(ROLL("true", "1", "22:00-02:00"), "", "image.epoch");
	expect_refused(ROLL("5", "0", "22:00-02:00"), "", "image.rollout: an integer from 1 to 2^31-1");
	expect_refused(ROLL("5", "2147483648", "22:00-02:00"), "", "image.rollout");
	expect_refused(ROLL("5", "1e3", "22:00-02:00"), "", "image.rollout");
	expect_refused(ROLL("5", "null", "22:00-02:00"), "", "image.rollout");
	for (i = 0; i < sizeof bad_windows / sizeof bad_windows[0]; i++) {
		snprintf(top, sizeof top, ROLL("5", "1", "%s"), bad_windows[i]);
		expect_refused(top, "", "image.window: must be \"HH:MM-HH:MM\"");
	}
	expect_refused(IMG("\"epoch\":5,\"rollout\":1,\"window\":1320"), "", "image.window");
	/* all three or none, the message names the missing key */
	expect_refused(IMG("\"epoch\":5"), "", "image.rollout: required with image.epoch");
	expect_refused(IMG("\"rollout\":5"), "", "image.epoch: required with image.rollout");
	expect_refused(IMG("\"window\":\"22:00-02:00\""), "", "image.epoch: required with image.window");
	expect_refused(IMG("\"epoch\":5,\"rollout\":1"), "", "image.window: required with image.epoch");
	expect_refused(IMG("\"epoch\":5,\"window\":\"22:00-02:00\""), "", "image.rollout: required");
	expect_refused(IMG("\"rollout\":1,\"window\":\"22:00-02:00\""), "", "image.epoch: required");
	/* unknown and duplicate keys stay errors */
	expect_refused(IMG("\"epoch\":5,\"rollout\":1,\"window\":\"22:00-02:00\",\"at\":1"), "",
		       "image: unknown key at");
	expect_refused(IMG("\"epoch\":5,\"epoch\":6,\"rollout\":1,\"window\":\"22:00-02:00\""), "",
		       "invalid JSON");
	/* the version stays required, the rollout is about it */
	expect_refused("\"image\":{\"epoch\":5,\"rollout\":1,\"window\":\"22:00-02:00\"},", "",
		       "image.version: required");

	/* node.conf: the keys right after image_sha256, always present */
	render_node(ROLL("9007199254740991", "2147483647", "22:00-02:00"), &r);
	assert_non_null(strstr(r.s, "\nimage_version=v2\nimage_sha256=\nimage_epoch=9007199254740991\n"
				    "image_rollout=2147483647\nimage_window=22:00-02:00\nfamily=0\n"));
	sbuf_free(&r);
	render_node(IMG("\"sha256\":\"9c56cc51b374c3ba189210d5b6d4bf57790d351c96c47c02190ecf1e430635ab\""), &r);
	assert_non_null(strstr(r.s, "\nimage_sha256=9c56cc51b374c3ba189210d5b6d4bf57790d351c96c47c02190ecf1e430635ab\n"
				    "image_epoch=0\nimage_rollout=0\nimage_window=\nfamily=0\n"));
	sbuf_free(&r);
	render_node("", &r);
	assert_non_null(strstr(r.s, "\nimage_version=\nimage_sha256=\nimage_epoch=0\nimage_rollout=0\n"
				    "image_window=\nfamily=0\n"));
	sbuf_free(&r);
}

/* The "dns" object (include/lethe_dns.h): absent is recursive; forwarders
 * exactly with forward, each a canonical IP literal that can be a resolver;
 * node.conf always has both lines. */
#define DNS(x) "\"dns\":{" x "},"
#define FWD(x) DNS("\"resolver\":\"forward\",\"forwarders\":[" x "]")

static void test_dns(void **state)
{
	/* each document's dns object (a top-level member) and its message */
	static const char *const refused[][2] = {
		{ FWD("\"127.0.0.1\""), "dns.forwarders[0]: 127.0.0.1 refused: loopback" },
		{ FWD("\"127.1.2.3\""), "127.1.2.3 refused: loopback" },
		{ FWD("\"::1\""), "::1 refused: loopback" },
		{ FWD("\"0.0.0.0\""), "0.0.0.0 refused: unspecified" },
		{ FWD("\"::\""), ":: refused: unspecified" },
		{ FWD("\"224.0.0.251\""), "refused: multicast" },
		{ FWD("\"ff02::fb\""), "refused: multicast" },
		{ FWD("\"169.254.169.254\""), "refused: link-local" },
		{ FWD("\"fe80::1\""), "refused: link-local" },
		{ FWD("\"::ffff:127.0.0.1\""), "refused: IPv4-mapped" },
		{ FWD("\"::ffff:192.0.2.1\""), "refused: IPv4-mapped" },
		{ FWD("\"010.1.1.1\""), "dns.forwarders[0]: not an IPv4 or IPv6 address" },
		{ FWD("\"::FFFF:1.2.3.4\""), "::FFFF:1.2.3.4 is not in canonical form, write ::ffff:1.2.3.4" },
		{ FWD("\"2001:DB8::53\""), "write 2001:db8::53" },
		{ FWD("\"2001:db8:0:0::53\""), "write 2001:db8::53" },
		{ FWD("\"192.0.2.1:53\""), "not an IPv4 or IPv6 address (a bare literal" },
		{ FWD("\"[2001:db8::53]\""), "not an IPv4 or IPv6 address" },
		{ FWD("\"fe80::1%eth0\""), "not an IPv4 or IPv6 address" },
		{ FWD("\"2001:db8::53%1\""), "not an IPv4 or IPv6 address" },
		{ FWD("\"192.0.2.1/32\""), "not an IPv4 or IPv6 address" },
		{ FWD("\"dns.example\""), "not an IPv4 or IPv6 address" },
		{ FWD("\" 192.0.2.1\""), "not an IPv4 or IPv6 address" },
		{ FWD("\"\""), "not an IPv4 or IPv6 address" },
		{ FWD("\"2001:0db8:0000:0000:0000:0000:0000:0053:1\""), "not an IPv4 or IPv6 address" },
		{ FWD("53"), "dns.forwarders[0]: not an IPv4 or IPv6 address" },
		{ FWD("\"192.0.2.1\",\"192.0.2.1\""), "dns.forwarders[1]: same as dns.forwarders[0]" },
		{ FWD("\"192.0.2.1\",\"2001:db8::53\",\"192.0.2.1\""), "dns.forwarders[2]: same as dns.forwarders[0]" },
		{ FWD(""), "dns.forwarders: required with \"resolver\": \"forward\", a list of 1 to" },
		/* the shape of the object */
		{ DNS("\"resolver\":\"forward\""), "dns.forwarders: required with" },
		{ DNS("\"resolver\":\"forward\",\"forwarders\":\"192.0.2.1\""), "dns.forwarders: required with" },
		{ DNS("\"resolver\":\"recursive\",\"forwarders\":[\"192.0.2.1\"]"),
		  "dns.forwarders: only with \"resolver\": \"forward\"" },
		{ DNS("\"resolver\":\"off\",\"forwarders\":[]"), "dns.forwarders: only with" },
		{ DNS("\"forwarders\":[\"192.0.2.1\"]"), "dns.resolver: required, one of recursive, forward, off" },
		{ DNS(""), "dns.resolver: required" },
		{ DNS("\"resolver\":\"Recursive\""), "dns.resolver: required, one of" },
		{ DNS("\"resolver\":\"stub\""), "dns.resolver: required, one of" },
		{ DNS("\"resolver\":1"), "dns.resolver: required, one of" },
		{ DNS("\"resolver\":\"off\",\"dnssec\":false"), "dns: unknown key dnssec" },
		{ "\"dns\":\"recursive\",", "dns: must be an object" },
		{ "\"dns\":null,", "dns: must be an object" },
	};
	struct sbuf r = SBUF_ZERO;
	char top[512], list[256] = "";
	size_t i;

	(void)state;
	expect_ok(DNS("\"resolver\":\"recursive\""), "");
	expect_ok(DNS("\"resolver\":\"off\""), "");
	/* an operator's own resolver: private ranges and IPv6 are fine */
	expect_ok(FWD("\"10.0.0.53\",\"192.168.1.1\",\"fd00::53\",\"2001:db8::53\""), "");
	expect_ok(FWD("\"9.9.9.9\""), "");
	for (i = 0; i < sizeof refused / sizeof refused[0]; i++)
		expect_refused(refused[i][0], "", refused[i][1]);
	/* at most LETHE_DNS_FORWARDERS_MAX */
	for (i = 0; i < LETHE_DNS_FORWARDERS_MAX; i++)
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"192.0.2.%zu\"", i ? "," : "", i + 1);
	snprintf(top, sizeof top, FWD("%s"), list);
	expect_ok(top, "");
	snprintf(top, sizeof top, FWD("%s,\"198.51.100.1\""), list);
	expect_refused(top, "", "dns.forwarders: required with \"resolver\": \"forward\", a list of 1 to");

	/* node.conf: always both lines, right after provision */
	render_node("", &r);
	assert_non_null(strstr(r.s, "\nprovision=0\ndns_resolver=recursive\ndns_forwarders=\ninstances=r1\n"));
	sbuf_free(&r);
	render_node(DNS("\"resolver\":\"off\""), &r);
	assert_non_null(strstr(r.s, "\ndns_resolver=off\ndns_forwarders=\n"));
	sbuf_free(&r);
	render_node(FWD("\"192.0.2.1\",\"2001:db8::53\""), &r);
	assert_non_null(strstr(r.s, "\ndns_resolver=forward\ndns_forwarders=192.0.2.1 2001:db8::53\n"));
	sbuf_free(&r);
}

/* Instance r1 (extra members INST, e.g. addresses, then its torrc body
 * TORRC) rendered into R. */
static void render_inst(const char *inst, const char *torrc, struct sbuf *r)
{
	struct torrc_paths p = { "u", "/d", "/k" };
	struct cp_err err = { "" };
	const json_t *in;
	char *s = NULL;
	json_t *d;

	if (asprintf(&s, "{\"version\":1,\"instances\":[{\"name\":\"r1\",%s\"torrc\":{%s}}]}", inst,
		     torrc) < 0)
		abort();
	d = doc_load(s, strlen(s), &err);
	if (!d)
		print_error("refused: %s (%s)\n", err.msg, s);
	free(s);
	assert_non_null(d);
	in = json_array_get(json_object_get(d, "instances"), 0);
	assert_true(torrc_render("r1", 0, json_object_get(in, "torrc"), json_object_get(in, "addresses"), 0,
				 &p, r));
	json_decref(d);
}

/* Whether instance INST/TORRC renders the line LINE (whole, no newline). */
static int renders(const char *inst, const char *torrc, const char *line)
{
	struct sbuf r = SBUF_ZERO;
	char *l = NULL;
	int found;

	if (asprintf(&l, "\n%s\n", line) < 0)
		abort();
	render_inst(inst, torrc, &r);
	found = strstr(r.s, l) != NULL;
	free(l);
	sbuf_free(&r);
	return found;
}

/* tor's resolv.conf is lethe's, in every torrc, among lethe's options;
 * the document sets none of tor's DNS options. */
static void test_torrc_dns(void **state)
{
	static const char *const dnsopts[] = {
		"ServerDNSAllowBrokenConfig", "ServerDNSSearchDomains", "ServerDNSDetectHijacking",
		"ServerDNSTestAddresses", "ServerDNSRandomizeCase", "ServerDNSAllowNonRFC953Hostnames",
		"serverdnsrandomizecase",
	};
	struct sbuf r = SBUF_ZERO;
	const char *a, *b;
	char body[128];
	size_t i;

	(void)state;
	render_inst("", "", &r);
	a = strstr(r.s, "\nServerDNSResolvConfFile " LETHE_TOR_RESOLV_CONF "\n");
	b = strstr(r.s, "\n# from the node document\n");
	assert_non_null(a);
	assert_true(b && a < b);
	assert_null(strstr(a + 2, "ServerDNSResolvConfFile")); /* once */
	sbuf_free(&r);
	expect_refused("", "\"ServerDNSResolvConfFile\":\"/etc/resolv.conf\"",
		       "option ServerDNSResolvConfFile refused: lethe sets it itself");
	expect_refused("", "\"ResolvConf\":\"/etc/resolv.conf\"", "option ResolvConf refused: lethe sets it itself");
	for (i = 0; i < sizeof dnsopts / sizeof dnsopts[0]; i++) {
		snprintf(body, sizeof body, "\"%s\":\"1\"", dnsopts[i]);
		expect_refused("", body, "refused: tor's DNS settings are lethe's");
	}
}

/* DirPortFrontPage: the document turns lethe's exit notice on or off,
 * and only where tor has a DirPort to serve it on. */
static void test_frontpage(void **state)
{
	static const char *const on[] = { "1", "true", "\"1\"" };
	static const char *const off[] = { "0", "false", "\"0\"" };
	static const char *const bad[][2] = {
		/* never a path of the document's */
		{ "\"DirPort\":80,\"DirPortFrontPage\":\"/etc/shadow\"", "DirPortFrontPage[0]: invalid value" },
		{ "\"DirPort\":80,\"DirPortFrontPage\":2", "DirPortFrontPage[0]: invalid value" },
		{ "\"DirPort\":80,\"DirPortFrontPage\":[1]", "takes one value" },
		{ "\"DirPort\":80,\"dirportfrontpage\":1", "it names a file or directory" },
		/* tor: "DirPort configured but DirCache disabled" */
		{ "\"DirPort\":80,\"DirCache\":0", "instances[0].torrc.DirCache: 0 with a DirPort" },
	};
	const char *line = "DirPortFrontPage " LETHE_EXIT_NOTICE;
	char body[128];
	size_t i;

	(void)state;
	assert_null(torrc_refusal("DirPortFrontPage"));
	for (i = 0; i < 3; i++) {
		snprintf(body, sizeof body, "\"DirPort\":80,\"DirPortFrontPage\":%s", on[i]);
		assert_true(renders("", body, line));
		snprintf(body, sizeof body, "\"DirPort\":80,\"DirPortFrontPage\":%s", off[i]);
		assert_false(renders("", body, "DirPortFrontPage"));
		snprintf(body, sizeof body, "\"DirPortFrontPage\":%s", on[i]);
		expect_refused("", body, "instances[0].torrc.DirPortFrontPage: needs a DirPort");
		/* off without a DirPort: nothing to serve, nothing rendered */
		snprintf(body, sizeof body, "\"DirPortFrontPage\":%s", off[i]);
		assert_false(renders("", body, "DirPortFrontPage"));
	}
	assert_false(renders("", "\"DirPort\":80", "DirPortFrontPage"));
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_refused("", bad[i][0], bad[i][1]);
	expect_ok("", "\"DirPort\":80,\"DirCache\":1");
	expect_ok("", "\"DirCache\":0");
}

/* IPv6Exit: an exit (tor's rule: ExitRelay 1, or ExitRelay auto and an
 * exit option) with an IPv6 address the document knows gets IPv6Exit 1;
 * an explicit value wins; non-exits and bridges get nothing. */
static void test_ipv6_exit(void **state)
{
	static const char *const v6[] = {
		"\"addresses\":[\"2001:db8::5/64\"],", "\"addresses\":[\"203.0.113.5\",\"2001:db8::5\"],",
	};
	static const char *const v6torrc[] = {
		"\"Address\":\"2001:db8::5\",", "\"Address\":[\"203.0.113.5\",\"2001:db8::5\"],",
		"\"ORPort\":[\"443\",\"[2001:db8::5]:443\"],",
	};
	static const char *const exits[] = {
		"\"ExitRelay\":1", "\"ExitRelay\":true", "\"ExitPolicy\":\"accept *:443\"",
		"\"ExitPolicy\":[\"accept *:80\",\"reject *:*\"]", "\"ReducedExitPolicy\":1",
		"\"ExitRelay\":1,\"BridgeRelay\":0",
	};
	static const char *const nonexits[] = {
		"", "\"ExitRelay\":0", "\"ExitRelay\":0,\"ExitPolicy\":\"accept *:443\"",
		"\"ExitRelay\":false,\"ReducedExitPolicy\":1", "\"ReducedExitPolicy\":0",
		"\"BridgeRelay\":1,\"ExitRelay\":1", "\"BridgeRelay\":1,\"ExitPolicy\":\"accept *:443\"",
	};
	char body[256];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof exits / sizeof exits[0]; i++) {
		for (j = 0; j < sizeof v6 / sizeof v6[0]; j++)
			assert_true(renders(v6[j], exits[i], "IPv6Exit 1"));
		for (j = 0; j < sizeof v6torrc / sizeof v6torrc[0]; j++) {
			snprintf(body, sizeof body, "%s%s", v6torrc[j], exits[i]);
			assert_true(renders("", body, "IPv6Exit 1"));
		}
		/* no IPv6 address known: none */
		assert_false(renders("\"addresses\":[\"203.0.113.5/24\"],", exits[i], "IPv6Exit"));
		snprintf(body, sizeof body, "\"Address\":\"relay.example.org\",\"ORPort\":\"203.0.113.5:443\",%s",
			 exits[i]);
		assert_false(renders("", body, "IPv6Exit"));
		/* the document's own value wins, 0 or 1 */
		snprintf(body, sizeof body, "%s,\"IPv6Exit\":0", exits[i]);
		assert_true(renders(v6[0], body, "IPv6Exit 0"));
		assert_false(renders(v6[0], body, "IPv6Exit 1"));
		snprintf(body, sizeof body, "%s,\"IPv6Exit\":1", exits[i]);
		assert_true(renders("", body, "IPv6Exit 1"));
	}
	for (i = 0; i < sizeof nonexits / sizeof nonexits[0]; i++)
		for (j = 0; j < sizeof v6 / sizeof v6[0]; j++)
			assert_false(renders(v6[j], nonexits[i], "IPv6Exit"));
	/* ReducedExitPolicy renders, after the ExitPolicy lines it follows in tor */
	assert_true(renders("", "\"ExitPolicy\":\"reject *:25\",\"ReducedExitPolicy\":1",
			    "ExitPolicy reject *:25\nReducedExitPolicy 1"));
	assert_true(renders("", "\"ReducedExitPolicy\":0", "ReducedExitPolicy 0"));
}

/* The verifier's answer to a quote (quote.h): exactly "ok VERSION PATH\n"
 * then "token BASE64\n" of 32 bytes; anything else gives no token. */
static void test_quote_reply(void **state)
{
	static const char tok[] = "token AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";
	static const char *bad[] = {
		"ok v1 qemu\n",                                  /* no token */
		"ok v1\ntoken AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", /* no path */
		"ok v1 qemu x\ntoken AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
		"ok v1 qemu\ntoken AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n", /* no padding */
		"ok v1 qemu\ntoken AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", /* no newline */
		"ok v1 qemu\ntoken AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n",
		"ok v1 qemu\ntoken AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\n", /* 30 bytes */
		"ok v\x01 qemu\ntoken AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
		"OK v1 qemu\ntoken AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
		"ok v1 qemu\ntoken AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh\xaf=\n", /* high bit */
		"",
	};
	unsigned char token[LETHE_ATTEST_TOKEN_BYTES];
	const char *version, *path;
	char buf[256];
	size_t i;

	(void)state;
	snprintf(buf, sizeof buf, "ok 0.3.1+dev qemu\n%s", tok);
	assert_int_equal(quote_reply_parse(buf, strlen(buf), &version, &path, token), 1);
	assert_string_equal(version, "0.3.1+dev");
	assert_string_equal(path, "qemu");
	for (i = 0; i < sizeof token; i++)
		assert_int_equal(token[i], i);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(buf, sizeof buf, "%s", bad[i]);
		assert_int_equal(quote_reply_parse(buf, strlen(buf), &version, &path, token), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_valid),
		cmocka_unit_test(test_node_defaults),
		cmocka_unit_test(test_image_rollout),
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_torrc_dns),
		cmocka_unit_test(test_frontpage),
		cmocka_unit_test(test_ipv6_exit),
		cmocka_unit_test(test_minimal_valid),
		cmocka_unit_test(test_bad_json_and_version),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_forbidden_options),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_document_fields),
		cmocka_unit_test(test_render_order),
		cmocka_unit_test(test_exit_policy),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_tor_limits),
		cmocka_unit_test(test_apply_atomic),
		cmocka_unit_test(test_apply_group),
		cmocka_unit_test(test_instances_max),
		cmocka_unit_test(test_node_id),
		cmocka_unit_test(test_apply_commit_order),
		cmocka_unit_test(test_apply_dir_in_way),
		cmocka_unit_test(test_apply_tmp_symlink),
		cmocka_unit_test(test_apply_prune),
		cmocka_unit_test(test_nodecert_url),
		cmocka_unit_test(test_nodecert_garbage),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_quote_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
