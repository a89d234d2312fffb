/* note: verifier keys and signed checkpoints: the C2SP and Go test
 * vectors, a round trip with a fresh key, and every malformed spelling
 * refused with a specific message. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "tests.h"
#include "tlog.h"

#define EM "\xe2\x80\x94"

/* C2SP signed-note.md, the example (commit d4c16da). */
static const char spec_vkey[] = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
static const char spec_note[] = "This is an example message.\n\n" EM
	" example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
/* golang.org/x/mod/sumdb/note, the package documentation's two signers. */
static const char peter_vkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char go_text[] = "If you think cryptography is the answer to your problem,\n"
			      "then you don't know what your problem is.\n";
static const char peter_sig[] = EM " PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
static const char enoch_sig[] = EM " EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

static char err[256];

static void test_spec_vector(void **state)
{
	struct tlog_vkey k;
	size_t text_len;
	static const uint8_t id[4] = { 0x53, 0x0d, 0x90, 0x3a };

	(void)state;
	assert_int_equal(tlog_vkey_parse(spec_vkey, strlen(spec_vkey), &k, err, sizeof err), 0);
	assert_string_equal(k.name, "example.com/foo");
	assert_memory_equal(k.id, id, 4);
	assert_int_equal(tlog_note_open(&k, (const uint8_t *)spec_note, strlen(spec_note), &text_len, err,
					sizeof err), 0);
	assert_int_equal(text_len, strlen("This is an example message.\n"));
}

static void test_go_vector_other_signer(void **state)
{
	struct tlog_vkey k;
	char note[512];
	size_t text_len;

	(void)state;
	assert_int_equal(tlog_vkey_parse(peter_vkey, strlen(peter_vkey), &k, err, sizeof err), 0);
	/* Enoch's line is not ours: ignored, before or after Peter's. */
	snprintf(note, sizeof note, "%s\n%s%s", go_text, enoch_sig, peter_sig);
	assert_int_equal(tlog_note_open(&k, (const uint8_t *)note, strlen(note), &text_len, err, sizeof err), 0);
	assert_int_equal(text_len, strlen(go_text));
	snprintf(note, sizeof note, "%s\n%s", go_text, enoch_sig);
	assert_int_equal(tlog_note_open(&k, (const uint8_t *)note, strlen(note), &text_len, err, sizeof err), -1);
	assert_string_equal(err, "no signature by the log key PeterNeumann");
	/* The text altered: Peter's signature no longer verifies. */
	snprintf(note, sizeof note, "%s.\n%s", go_text, peter_sig);
	note[strlen(go_text) - 1] = ' ';
	assert_int_equal(tlog_note_open(&k, (const uint8_t *)note, strlen(note), &text_len, err, sizeof err), -1);
}

static void test_vkey_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"example.com/foo",
		"example.com/foo+530d903a",
		"example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
		"example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
		"example.com/fop+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
		"example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2",
		"example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k=",
		"example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k\n\n",
		"example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k ",
		"example.com/foo+530d903a+AukyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
		"exa mple+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
		"+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
	};
	struct tlog_vkey k;
	size_t i;
	char line[160];

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(tlog_vkey_parse(bad[i], strlen(bad[i]), &k, err, sizeof err), -1);
	snprintf(line, sizeof line, "%s\n", spec_vkey);
	assert_int_equal(tlog_vkey_parse(line, strlen(line), &k, err, sizeof err), 0);
}

struct t_key key;

void t_key(const char *name)
{
	uint8_t raw[33], h[32];
	char b64[64], vkey[256];
	crypto_hash_sha256_state st;

	raw[0] = 0x01;
	crypto_sign_keypair(raw + 1, key.sk);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
	crypto_hash_sha256_update(&st, (const uint8_t *)"\n", 1);
	crypto_hash_sha256_update(&st, raw, sizeof raw);
	crypto_hash_sha256_final(&st, h);
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
	snprintf(vkey, sizeof vkey, "%s+%02x%02x%02x%02x+%s", name, h[0], h[1], h[2], h[3], b64);
	assert_int_equal(tlog_vkey_parse(vkey, strlen(vkey), &key.k, err, sizeof err), 0);
}

size_t t_sign(const char *text, char *out, size_t cap)
{
	uint8_t sig[4 + crypto_sign_BYTES];
	char b64[128];
	int n;

	memcpy(sig, key.k.id, 4);
	crypto_sign_detached(sig + 4, NULL, (const uint8_t *)text, strlen(text), key.sk);
	sodium_bin2base64(b64, sizeof b64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(out, cap, "%s\n" EM " %s %s\n", text, key.k.name, b64);
	assert_true(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

#define ROOT_B64 "yQ3DErjnOGSb1Y/4IEH3rBG2YM0x6L/c1Z0MBEFv2aI="

static void test_checkpoint_roundtrip(void **state)
{
	struct tlog_checkpoint cp;
	char note[1024];
	size_t n;
	uint8_t root[32];
	size_t rl;

	(void)state;
	t_key("dev.lethe.invalid/log");
	n = t_sign("dev.lethe.invalid/log\n3\n" ROOT_B64 "\n", note, sizeof note);
	assert_int_equal(tlog_checkpoint_open(&key.k, (const uint8_t *)note, n, &cp, err, sizeof err), 0);
	assert_string_equal(cp.origin, "dev.lethe.invalid/log");
	assert_int_equal(cp.size, 3);
	assert_int_equal(sodium_base642bin(root, sizeof root, ROOT_B64, strlen(ROOT_B64), NULL, &rl, NULL,
					   sodium_base64_VARIANT_ORIGINAL), 0);
	assert_memory_equal(cp.root, root, 32);
	/* An extension line is allowed. */
	n = t_sign("dev.lethe.invalid/log\n18446744073709551615\n" ROOT_B64 "\nextension\n", note, sizeof note);
	assert_int_equal(tlog_checkpoint_open(&key.k, (const uint8_t *)note, n, &cp, err, sizeof err), 0);
	assert_true(cp.size == UINT64_MAX);
	/* Every flipped bit of the note is refused. */
	{
		size_t i;
		unsigned b;

		n = t_sign("dev.lethe.invalid/log\n3\n" ROOT_B64 "\n", note, sizeof note);
		for (i = 0; i < n; i++)
			for (b = 0; b < 8; b++) {
				note[i] ^= (char)(1u << b);
				assert_int_equal(tlog_checkpoint_open(&key.k, (const uint8_t *)note, n, &cp, err,
								      sizeof err), -1);
				note[i] ^= (char)(1u << b);
			}
	}
}

/* Signed, well-formed notes whose checkpoint body is wrong. */
static void test_checkpoint_body_refused(void **state)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "dev.lethe.invalid/lo\n3\n" ROOT_B64 "\n", "origin is not the log key's name dev.lethe.invalid/log" },
		{ "dev.lethe.invalid/log\n03\n" ROOT_B64 "\n", "size is not canonical decimal" },
		{ "dev.lethe.invalid/log\n+3\n" ROOT_B64 "\n", "size is not canonical decimal" },
		{ "dev.lethe.invalid/log\n18446744073709551616\n" ROOT_B64 "\n", "size is not canonical decimal" },
		{ "dev.lethe.invalid/log\n3\nyQ3DErjnOGSb1Y/4IEH3rBG2YM0x6L/c1Z0MBEFv2a==\n",
		  "root is not base64 of 32 bytes" },
		{ "dev.lethe.invalid/log\n3\nyQ3DErjnOGSb1Y/4IEH3rBG2YM0x6L/c1Z0MBEFv2aI\n",
		  "root is not base64 of 32 bytes" },
		{ "dev.lethe.invalid/log\n3\n" ROOT_B64 "\n\nx\n", "line 4 is empty" },
		{ "dev.lethe.invalid/log\n3\n", "2 lines, want origin, size and root" },
	};
	struct tlog_checkpoint cp;
	char note[1024];
	size_t i, n;

	(void)state;
	t_key("dev.lethe.invalid/log");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		n = t_sign(bad[i].text, note, sizeof note);
		assert_int_equal(tlog_checkpoint_open(&key.k, (const uint8_t *)note, n, &cp, err, sizeof err), -1);
		assert_string_equal(err, bad[i].why);
	}
}

/* Notes malformed as notes. */
static void test_note_refused(void **state)
{
	struct tlog_checkpoint cp;
	char good[1024], note[4096 + 64];
	size_t n, i, text;
	int len;

	(void)state;
	t_key("dev.lethe.invalid/log");
	n = t_sign("dev.lethe.invalid/log\n3\n" ROOT_B64 "\n", good, sizeof good);
	text = strlen("dev.lethe.invalid/log\n3\n" ROOT_B64 "\n");

	/* No final newline. */
	assert_int_equal(tlog_checkpoint_open(&key.k, (const uint8_t *)good, n - 1, &cp, err, sizeof err), -1);
	assert_string_equal(err, "does not end in a newline");
	/* A CR, a tab, a NUL, a C1 control, invalid UTF-8. */
	{
		static const char *const junk[] = { "\r", "\t", "\x7f", "\xc2\x85", "\xff", "\xe2\x80" };

		for (i = 0; i < sizeof junk / sizeof junk[0]; i++) {
			len = snprintf(note, sizeof note, "%.*s%s", (int)n - 1, good, junk[i]);
			note[len] = '\n';
			assert_int_equal(tlog_checkpoint_open(&key.k, (const uint8_t *)note, (size_t)len + 1, &cp,
							      err, sizeof err), -1);
		}
		memcpy(note, good, n);
		note[3] = 0;
		assert_int_equal(tlog_checkpoint_open(&key.k, (const uint8_t *)note, n, &cp, err, sizeof err), -1);
		assert_string_equal(err, "byte 3: control character or invalid UTF-8");
	}
	/* A hyphen for the em dash. */
	memcpy(note, good, n);
	memcpy(note + text + 1, "-  ", 3);
	assert_int_equal(tlog_checkpoint_open(&key.k, (const uint8_t *)note, n, &cp, err, sizeof err), -1);
	assert_string_equal(err, "signature line 1 does not start with an em dash");
	/* Our name and id, a signature that does not verify: the whole note
	 * fails, even next to a good one. */
	len = snprintf(note, sizeof note, "%.*s%.*s", (int)n, good, (int)(n - text - 1), good + text + 1);
	note[len - 20] = note[len - 20] == 'A' ? 'B' : 'A';  /* inside the signature */
	assert_int_equal(tlog_checkpoint_open(&key.k, (const uint8_t *)note, (size_t)len, &cp, err, sizeof err),
			 -1);
	assert_string_equal(err, "signature by the log key dev.lethe.invalid/log does not verify");
	/* 16 signature lines pass, 17 do not. */
	len = snprintf(note, sizeof note, "%.*s", (int)n, good);
	for (i = 0; i < 15; i++)
		len += snprintf(note + len, sizeof note - (size_t)len, "%s", enoch_sig);
	assert_int_equal(tlog_checkpoint_open(&key.k, (const uint8_t *)note, (size_t)len, &cp, err, sizeof err),
			 0);
	len += snprintf(note + len, sizeof note - (size_t)len, "%s", enoch_sig);
	assert_int_equal(tlog_checkpoint_open(&key.k, (const uint8_t *)note, (size_t)len, &cp, err, sizeof err),
			 -1);
	assert_string_equal(err, "more than 16 signatures");
	/* Another key of the same name: not ours, so no signature of ours. */
	{
		struct tlog_vkey mine = key.k;

		t_key("dev.lethe.invalid/log");
		assert_int_equal(tlog_checkpoint_open(&key.k, (const uint8_t *)good, n, &cp, err, sizeof err), -1);
		assert_string_equal(err, "no signature by the log key dev.lethe.invalid/log");
		assert_int_equal(tlog_checkpoint_open(&mine, (const uint8_t *)good, n, &cp, err, sizeof err), 0);
	}
	/* Over TLOG_NOTE_MAX. */
	memset(note, 'a', sizeof note);
	assert_int_equal(tlog_checkpoint_open(&key.k, (const uint8_t *)note, TLOG_NOTE_MAX + 1, &cp, err,
					      sizeof err), -1);
	/* No blank line; the blank line last. */
	assert_int_equal(tlog_checkpoint_open(&key.k, (const uint8_t *)"a\nb\n", 4, &cp, err, sizeof err), -1);
	assert_int_equal(tlog_checkpoint_open(&key.k, (const uint8_t *)"a\n\n", 3, &cp, err, sizeof err), -1);
}

int run_note_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_vector),
		cmocka_unit_test(test_go_vector_other_signer),
		cmocka_unit_test(test_vkey_refused),
		cmocka_unit_test(test_checkpoint_roundtrip),
		cmocka_unit_test(test_checkpoint_body_refused),
		cmocka_unit_test(test_note_refused),
	};
	return cmocka_run_group_tests_name("tlog note", tests, NULL, NULL);
}
