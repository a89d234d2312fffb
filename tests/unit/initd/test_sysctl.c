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
	assert_int_equal(sysctl_apply_file(dir, conf), 2);
	snprintf(path, sizeof path, "%s/net/core/somaxconn", dir);
	assert_string_equal(slurp(path), "4096");
	snprintf(path, sizeof path, "%s/kernel/core_pattern", dir);
	assert_string_equal(slurp(path), "|/bin/x");
	snprintf(path, sizeof path, "%s/nope.conf", dir);
	assert_int_equal(sysctl_apply_file(dir, path), -1);
	snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void put(char const *dir, char const *rel, char const *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char const *get(char const *dir, char const *rel)
{
	char path[256];

	snprintf(path, sizeof path, "%s/%s", dir, rel);
	return slurp(path);
}

/* The node document's sysctls: set, read back, kept, restored when dropped;
 * a node.conf entry off the allowlist never reaches the file. */
static void test_apply_node(void **state)
{
	char const *tmp = getenv("TMPDIR");
	char tmpl[128], *dir, cmd[300];
	struct nodeconf_sysctl sys[3];
	static struct sysctl_node st;

	(void)state;
	snprintf(tmpl, sizeof tmpl, "%s/initd-sysnode.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	dir = mkdtemp(tmpl);
	assert_non_null(dir);
	log_set_fds(-1, -1);
	snprintf(cmd, sizeof cmd, "mkdir -p '%s/net/core' '%s/net/ipv4' '%s/vm' '%s/kernel'", dir, dir,
		dir, dir);
	assert_int_equal(system(cmd), 0);
	put(dir, "net/core/somaxconn", "4096\n");
	/* the kernel prints vectors with tabs */
	put(dir, "net/ipv4/tcp_rmem", "4096\t131072\t6291456\n");
	put(dir, "vm/swappiness", "60\n");
	put(dir, "kernel/core_pattern", "core\n");
	memset(sys, 0, sizeof sys);
	strcpy(sys[0].name, "net.core.somaxconn");
	strcpy(sys[0].value, "8192");
	strcpy(sys[1].name, "net.ipv4.tcp_rmem");
	strcpy(sys[1].value, "4096 131072 6291456");
	strcpy(sys[2].name, "kernel.core_pattern");
	strcpy(sys[2].value, "|/bin/sh");
	/* core_pattern refused (1 failure); tcp_rmem already so: untouched.
	 * (The files here are plain files: a write does not truncate, so
	 * the old newline stays, as /proc would not show.) */
	assert_int_equal(sysctl_apply_node(dir, sys, 3, &st), 1);
	assert_string_equal(get(dir, "net/core/somaxconn"), "8192\n");
	assert_string_equal(get(dir, "net/ipv4/tcp_rmem"), "4096\t131072\t6291456\n");
	assert_string_equal(get(dir, "kernel/core_pattern"), "core\n");
	assert_int_equal(st.n, 1);
	/* a changed value, a new one */
	strcpy(sys[0].value, "2048");
	strcpy(sys[1].name, "vm.swappiness");
	strcpy(sys[1].value, "10");
	assert_int_equal(sysctl_apply_node(dir, sys, 2, &st), 0);
	assert_string_equal(get(dir, "net/core/somaxconn"), "2048\n");
	assert_string_equal(get(dir, "vm/swappiness"), "10\n");
	assert_int_equal(st.n, 2);
	/* dropped: back to the values before the document */
	assert_int_equal(sysctl_apply_node(dir, sys, 0, &st), 0);
	assert_string_equal(get(dir, "net/core/somaxconn"), "4096\n");
	assert_string_equal(get(dir, "vm/swappiness"), "60\n");
	assert_int_equal(st.n, 0);
	/* a file that reads back otherwise (the kernel clamped it): a failure */
	snprintf(cmd, sizeof cmd, "rm -f '%s/vm/swappiness' && ln -s /dev/null '%s/vm/swappiness'", dir, dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(sysctl_apply_node(dir, sys + 1, 1, &st), 1);
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
		cmocka_unit_test(test_apply_node),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_baseline_parses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
