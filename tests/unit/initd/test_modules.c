/* modules.c: modalias matching against modules.alias and modules.dep lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <fnmatch.h>

#include "modules.h"

static char const alias[] =
	"# Aliases extracted from modules themselves.\n"
	"alias pci:v00001AF4d*sv*sd*bc*sc*i* virtio_pci\n"
	"alias virtio:d00000001v* virtio_net\n"
	"alias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e\n"
	"alias  \t pci:v00008086d*sv*sd*bc02sc00i* broken-name \n"
	"softdep x pre: y\n"
	"alias onlytwo\n"
	"alias virtio:d00000001v* net_dup";

static char found[8][64];
static size_t n_found;

static void cb(char const *name, size_t len, void *ctx)
{
	(void)ctx;
	assert_true(n_found < 8 && len < 64);
	memcpy(found[n_found], name, len);
	found[n_found++][len] = '\0';
}

static size_t match(char const *modalias)
{
	n_found = 0;
	return modules_alias_match(alias, strlen(alias), modalias, cb, NULL);
}

static void test_alias(void **state)
{
	(void)state;
	assert_int_equal(match("pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00"), 1);
	assert_string_equal(found[0], "virtio_pci");
	assert_int_equal(match("virtio:d00000001v00001AF4"), 2);
	assert_string_equal(found[0], "virtio_net");
	assert_string_equal(found[1], "net_dup");
	assert_int_equal(match("pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00"), 2);
	assert_string_equal(found[0], "e1000e");
	assert_string_equal(found[1], "broken-name");
	assert_int_equal(match("virtio:d00000002v00001AF4"), 0);
	assert_int_equal(match(""), 0);
	/* empty and truncated input: no match, no over-read */
	n_found = 0;
	assert_int_equal(modules_alias_match(alias, 10, "x", cb, NULL), 0);
	assert_int_equal(modules_alias_match("", 0, "x", cb, NULL), 0);
}

static char const dep[] =
	"kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko\n"
	"kernel/drivers/virtio/virtio_ring.ko:\n"
	"kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko\n"
	"kernel/drivers/i2c/algos/i2c-algo-bit.ko.xz:\n"
	"garbage line\n"
	":\n";

static void test_dep(void **state)
{
	char const *path, *deps;
	size_t pl, dl;

	(void)state;
	assert_int_equal(modules_dep_find(dep, strlen(dep), "virtio_net", 10, &path, &pl, &deps, &dl), 0);
	assert_int_equal(pl, strlen("kernel/drivers/net/virtio_net.ko"));
	assert_memory_equal(path, "kernel/drivers/net/virtio_net.ko", pl);
	assert_int_equal(dl, strlen("kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko"));
	assert_int_equal(modules_dep_find(dep, strlen(dep), "virtio_ring", 11, &path, &pl, &deps, &dl), 0);
	assert_int_equal(dl, 0);
	/* '-' and '_' are one character in module names */
	assert_int_equal(modules_dep_find(dep, strlen(dep), "i2c_algo_bit", 12, &path, &pl, &deps, &dl), 0);
	assert_int_equal(modules_dep_find(dep, strlen(dep), "virtio", 6, &path, &pl, &deps, &dl), 0);
	assert_memory_equal(path, "kernel/drivers/virtio/virtio.ko", pl);
	assert_int_equal(modules_dep_find(dep, strlen(dep), "virtio_n", 8, &path, &pl, &deps, &dl), -1);
	assert_int_equal(modules_dep_find(dep, strlen(dep), "garbage line", 12, &path, &pl, &deps, &dl), -1);
	assert_int_equal(modules_dep_find("", 0, "x", 1, &path, &pl, &deps, &dl), -1);
}

/* modules_glob: the shapes modules.alias uses, and the edges. */
static void test_glob(void **state)
{
	(void)state;
	assert_true(modules_glob("pci:v00008086d*sv*sd*bc02sc00i*", "pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00"));
	assert_false(modules_glob("pci:v00008086d*sv*sd*bc02sc00i*", "pci:v00008086d000010D3sv00008086sd0000A01Fbc03sc00i00"));
	assert_true(modules_glob("acpi*:PNP0C0[9A]:*", "acpi:PNP0C0A:"));
	assert_false(modules_glob("acpi*:PNP0C0[9A]:*", "acpi:PNP0C0B:"));
	assert_true(modules_glob("a[!b]c", "axc"));
	assert_false(modules_glob("a[!b]c", "abc"));
	assert_true(modules_glob("a[]]c", "a]c"));
	assert_true(modules_glob("a[x-z]c", "ayc"));
	assert_true(modules_glob("a[", "a["));
	assert_true(modules_glob("a\\*", "a*"));
	assert_false(modules_glob("a\\*", "ab"));
	assert_true(modules_glob("*", ""));
	assert_false(modules_glob("?", ""));
	assert_true(modules_glob("**a**b", "xxaxxb"));
}

/* A string of fewer than max bytes over alphabet, from the generator *seed. */
static void gen(unsigned *seed, char const *alphabet, char *out, int max)
{
	size_t n = strlen(alphabet);
	int len, k;

	*seed = *seed * 1103515245u + 12345u;
	len = (int)(*seed >> 16) % max;
	for (k = 0; k < len; k++) {
		*seed = *seed * 1103515245u + 12345u;
		out[k] = alphabet[(*seed >> 16) % n];
	}
	out[len] = '\0';
}

/* Against the C library's fnmatch(3) with flags 0, which modprobe uses:
 * every pattern and string over a small alphabet that exercises '*', '?',
 * brackets, ranges, negation and escapes (no character classes: modalias
 * strings have none), from a fixed seed. */
static void test_glob_fnmatch(void **state)
{
	unsigned seed = 1;
	int i, k, pl;

	(void)state;
	for (i = 0; i < 200000; i++) {
		char p[9], t[7];

		gen(&seed, "ab*?[]!^-\\", p, 8);
		gen(&seed, "ab]-!^\\[*?", t, 6);
		/* an odd run of backslashes at the end escapes nothing: an
		 * error to fnmatch, not a pattern */
		pl = (int)strlen(p);
		for (k = pl; k > 0 && p[k - 1] == '\\'; k--)
			;
		if ((pl - k) % 2)
			continue;
		if (modules_glob(p, t) != (fnmatch(p, t, 0) == 0))
			fail_msg("pattern \"%s\" string \"%s\": glob %d, fnmatch %d", p, t,
				modules_glob(p, t), fnmatch(p, t, 0) == 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alias),
		cmocka_unit_test(test_glob),
		cmocka_unit_test(test_glob_fnmatch),
		cmocka_unit_test(test_dep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
