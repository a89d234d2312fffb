/* sysctl.c: the sysctl file parser, the allowlist, and applying a file
 * under a scratch directory standing in for /proc/sys. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "sysctl.h"

static int parse(char const *s, struct sysctl_kv *kv, char const **why)
{
	return sysctl_parse_line(s, strlen(s), kv, why);
}

static void test_parse_good(void **state)
{
	struct sysctl_kv kv;
	char const *why = NULL;

	(void)state;
	assert_int_equal(parse("", &kv, &why), 0);
	assert_int_equal(parse("   \t", &kv, &why), 0);
	assert_int_equal(parse("# comment = x", &kv, &why), 0);
	assert_int_equal(parse("  ; comment", &kv, &why), 0);
	assert_int_equal(parse("net.core.somaxconn = 4096", &kv, &why), 1);
	assert_string_equal(kv.key, "net.core.somaxconn");
	assert_string_equal(kv.value, "4096");
	assert_int_equal(parse("\tnet.ipv4.ip_local_port_range=1024 65535 \r", &kv, &why), 1);
	assert_string_equal(kv.key, "net.ipv4.ip_local_port_range");
	assert_string_equal(kv.value, "1024 65535");
	assert_int_equal(parse("kernel.yama.ptrace_scope =", &kv, &why), 1);
	assert_string_equal(kv.value, "");
	assert_int_equal(parse("a = b = c", &kv, &why), 1);
	assert_string_equal(kv.value, "b = c");
}

static void test_parse_bad(void **state)
{
	static struct { char const *line, *why; } const bad[] = {
		{ "net.core.somaxconn", "no '='" },
		{ "= 1", "bad key" },
		{ "-net.core.somaxconn = 1", "bad key" },
		{ "net..core = 1", "bad key" },
		{ ".net = 1", "bad key" },
		{ "net. = 1", "bad key" },
		{ "net/core/somaxconn = 1", "bad key" },
		{ "Net.core = 1", "bad key" },
		{ "net core = 1", "bad key" },
		{ "net.core = a\x01", "control byte" },
		{ "net.core = \xc3\xa9", "non-ASCII byte" },
	};
	struct sysctl_kv kv;
	char const *why;
	char big[SYSCTL_VALUE_MAX + 16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why = NULL;
		assert_int_equal(parse(bad[i].line, &kv, &why), -1);
		assert_string_equal(why, bad[i].why);
	}
	memcpy(big, "a=", 2);
	memset(big + 2, 'v', SYSCTL_VALUE_MAX);
	big[2 + SYSCTL_VALUE_MAX] = '\0';
	assert_int_equal(parse(big, &kv, &why), 1);
	strcat(big, "v");
	assert_int_equal(parse(big, &kv, &why), -1);
	assert_string_equal(why, "value too long");
	memset(big, 'k', SYSCTL_KEY_MAX + 1);
	memcpy(big + SYSCTL_KEY_MAX + 1, "=1", 3);
	assert_int_equal(parse(big, &kv, &why), -1);
	big[SYSCTL_KEY_MAX - 1] = '=';
	big[SYSCTL_KEY_MAX] = '\0';
	assert_int_equal(parse(big, &kv, &why), 1);
}

static void test_allowlist(void **state)
{
	static char const *const yes[] = {
		"net.core.somaxconn", "net.ipv4.tcp_rmem", "net.ipv6.conf.all.forwarding",
		"vm.swappiness", "fs.file-max", "fs.nr_open", "kernel.pid_max",
	};
	static char const *const no[] = {
		"kernel.core_pattern", "kernel.modprobe", "kernel.hotplug", "kernel.poweroff_cmd",
		"kernel.kptr_restrict", "kernel.yama.ptrace_scope", "kernel.unprivileged_bpf_disabled",
		"net.core.bpf_jit_harden", "fs.suid_dumpable", "fs.binfmt_misc.register",
		"vm.swappiness.x", "vm.swappinessx", "net.core", "net.core.", "net.core..x",
		"kernel.pid_max/../../x", "",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof yes / sizeof yes[0]; i++)
		if (!sysctl_allowed(yes[i]))
			fail_msg("%s refused", yes[i]);
	for (i = 0; i < sizeof no / sizeof no[0]; i++)
		if (sysctl_allowed(no[i]))
			fail_msg("%s allowed", no[i]);
}

static char *slurp(char const *path)
{
	static char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof buf - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

static void test_apply(void **state)
{
	char const *tmp = getenv("TMPDIR");
	char tmpl[128], *dir, path[256], conf[256], cmd[300];
	FILE *f;

	(void)state;
	snprintf(tmpl, sizeof tmpl, "%s/initd-sysctl.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	dir = mkdtemp(tmpl);
	assert_non_null(dir);
	log_set_fds(-1, -1);
	snprintf(path, sizeof path, "%s/net", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/net/core", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/net/core/somaxconn", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(path, sizeof path, "%s/kernel", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/kernel/core_pattern", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);

	snprintf(conf, sizeof conf, "%s/x.conf", dir);
	f = fopen(conf, "w");
	assert_non_null(f);
	fputs("# test\nnet.core.somaxconn = 4096\nkernel.core_pattern = |/bin/x\n"
		"bad line\nnet.core.missing = 1", f);
	fclose(f);
	/* image baseline: everything parsed is applied; 2 failures (syntax, missing) */
	assert_int_equal(sysctl_apply_file(dir, conf, 0), 2);
	snprintf(path, sizeof path, "%s/net/core/somaxconn", dir);
	assert_string_equal(slurp(path), "4096");
	snprintf(path, sizeof path, "%s/kernel/core_pattern", dir);
	assert_string_equal(slurp(path), "|/bin/x");
	/* node configuration: core_pattern refused, not written */
	f = fopen(path, "w");
	fclose(f);
	assert_int_equal(sysctl_apply_file(dir, conf, 1), 3);
	assert_string_equal(slurp(path), "");
	snprintf(path, sizeof path, "%s/nope.conf", dir);
	assert_int_equal(sysctl_apply_file(dir, path, 0), -1);
	snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* The shipped baseline: every line well-formed (tests run from the repo root). */
static void test_baseline_parses(void **state)
{
	FILE *f = fopen("rootfs-overlay/etc/sysctl.d/lethe-baseline.conf", "r");
	char line[512];
	size_t n = 0, entries = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		struct sysctl_kv kv;
		char const *why = NULL;
		size_t len = strcspn(line, "\n");
		int r = sysctl_parse_line(line, len, &kv, &why);

		n++;
		if (r < 0)
			fail_msg("baseline line %zu: %s", n, why);
		entries += r == 1;
	}
	fclose(f);
	assert_true(entries >= 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_allowlist),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_baseline_parses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
