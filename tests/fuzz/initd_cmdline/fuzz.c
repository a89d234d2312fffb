/* Fuzz target for initd's kernel command-line parser, and (each line of
 * the same input) its sysctl file line parser.
 *
 * Checks that whatever the input, the parse is deterministic, the stored
 * error words are printable and bounded, and every accepted setting is
 * within its documented range.  Built with -DLETHE_LIBFUZZER this is a
 * libFuzzer target; otherwise main() replays the files (or directories of
 * files) named on the command line. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "lethe_exit.h"
#include "sysctl.h"

#define FUZZ_INPUT_MAX (1u << 16)
#define FUZZ_ERRS 4

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size);

static void fuzz_check(int ok)
{
	if (!ok)
		abort();
}

static void fuzz_check_printable(char const *s, size_t max)
{
	size_t n = strnlen(s, max + 1);
	size_t i;

	fuzz_check(n <= max);
	for (i = 0; i < n; i++)
		fuzz_check(s[i] >= 0x20 && s[i] < 0x7f);
}

static void fuzz_sysctl(char const *buf, size_t size)
{
	size_t b = 0, i;

	while (b < size) {
		char const *nl = memchr(buf + b, '\n', size - b);
		size_t e = nl ? (size_t)(nl - buf) : size;
		struct sysctl_kv kv;
		char const *why = NULL;
		int r = sysctl_parse_line(buf + b, e - b, &kv, &why);

		fuzz_check(r == -1 || r == 0 || r == 1);
		fuzz_check((r == -1) == (why != NULL));
		if (r == 1) {
			size_t kl = strnlen(kv.key, sizeof kv.key);

			fuzz_check(kl >= 1 && kl <= SYSCTL_KEY_MAX && kv.key[0] != '.' &&
				kv.key[0] != '-' && kv.key[kl - 1] != '.');
			for (i = 0; i < kl; i++)
				fuzz_check((kv.key[i] >= 'a' && kv.key[i] <= 'z') ||
					(kv.key[i] >= '0' && kv.key[i] <= '9') || kv.key[i] == '_' ||
					kv.key[i] == '-' || kv.key[i] == '.');
			fuzz_check(strstr(kv.key, "..") == NULL);
			/* values are printable ASCII or tabs ("1024\t65535") */
			kl = strnlen(kv.value, sizeof kv.value);
			fuzz_check(kl <= SYSCTL_VALUE_MAX);
			for (i = 0; i < kl; i++)
				fuzz_check((kv.value[i] >= 0x20 && kv.value[i] < 0x7f) || kv.value[i] == '\t');
			/* the shared allowlist over the same key and value:
			 * whatever it accepts is one spelling the kernel reads */
			{
				struct lethe_sysctl_rule const *rule = lethe_sysctl_rule(kv.key);

				if (rule && !lethe_sysctl_value_check(rule, kv.value))
					fuzz_check(strchr(kv.value, '\t') == NULL &&
						strstr(kv.value, "  ") == NULL && kv.value[0] != ' ');
			}
		}
		b = e + 1;
	}
}

int LLVMFuzzerTestOneInput(uint8_t const *data, size_t size)
{
	/* a private copy of exactly size bytes, so over-reads are caught */
	char *buf = malloc(size ? size : 1);
	struct cmdline *a = malloc(sizeof *a), *b = malloc(sizeof *b);
	struct cmdline_error ea[FUZZ_ERRS], eb[FUZZ_ERRS];
	size_t na, nb, i;

	fuzz_check(buf && a && b);
	memcpy(buf, data, size);
	na = cmdline_parse(buf, size, a, ea, FUZZ_ERRS);
	nb = cmdline_parse(buf, size, b, eb, FUZZ_ERRS);
	fuzz_check(na == nb && memcmp(a, b, sizeof *a) == 0);
	for (i = 0; i < na && i < FUZZ_ERRS; i++) {
		fuzz_check(ea[i].what != NULL && ea[i].what == eb[i].what);
		fuzz_check(strcmp(ea[i].word, eb[i].word) == 0);
		fuzz_check_printable(ea[i].word, CMDLINE_WORD_SHOWN);
	}
	fuzz_check_printable(a->config_url, CMDLINE_URL_MAX);
	fuzz_check(a->config_url[0] == '\0' || strncmp(a->config_url, "https://", 8) == 0);
	fuzz_check(a->net == CMDLINE_NET_DHCP || a->net == CMDLINE_NET_STATIC ||
		a->net == CMDLINE_NET_NONE);
	fuzz_check(a->prefix <= 32);
	fuzz_check(a->netwait_s >= 1 && a->netwait_s <= CMDLINE_NETWAIT_MAX);
	fuzz_check(a->ntp_n <= CMDLINE_NTP_MAX);
	for (i = 0; i < a->ntp_n; i++) {
		fuzz_check(a->ntp[i][0] != '\0');
		fuzz_check_printable(a->ntp[i], CMDLINE_HOST_MAX);
	}
	fuzz_check_printable(a->hostname, 64);
	fuzz_check(a->debug == 0 || a->debug == 1);
	fuzz_check(a->rescue == 0 || a->rescue == 1);
	fuzz_sysctl(buf, size);
	free(buf);
	free(a);
	free(b);
	return 0;
}

#define FUZZ_NAME "fuzz_initd_cmdline"
#include "../replay.h"
