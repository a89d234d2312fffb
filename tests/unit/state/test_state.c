/* cmocka tests for lethe-state's parts that need no TPM and no server: the
 * blob (build, strict parse, open), the key derivation (a known answer
 * computed independently), the header's verdict (this node's, the
 * counter), node.conf, the staged all-or-nothing writes, and reportd's
 * check of a blob it is asked to keep. */
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
#include <sodium.h>

#include "blob.h"
#include "check.h"
#include "conf.h"
#include "kdf.h"
#include "stage.h"
#include "torstate.h"

static const uint8_t key_a[BLOB_KEY] = { 1, 2, 3 }, key_b[BLOB_KEY] = { 4, 5, 6 }, key_c[BLOB_KEY] = { 7, 8, 9 };

static void head_init(struct blob_head *h)
{
	memset(h, 0, sizeof *h);
	memset(h->node, 0xab, sizeof h->node);
	h->counter = 41;
	h->rollout = 7;
	h->time = 1767225600;
}

/* A blob of three instances: 100 bytes, an empty file, 3000 bytes. */
static uint8_t plain1[100], plain3[3000];
static size_t build3(uint8_t *out, size_t cap)
{
	struct blob_in in[3] = {
		{ "relay1", plain1, sizeof plain1, key_a },
		{ "r2", (const uint8_t *)"", 0, key_b },
		{ "x0123456789abcde", plain3, sizeof plain3, key_c },
	};
	struct blob_head h;
	char why[160];
	size_t len = 0;

	memset(plain1, 'a', sizeof plain1);
	memset(plain3, 'c', sizeof plain3);
	head_init(&h);
	assert_int_equal(blob_build(&h, in, 3, out, cap, &len, why, sizeof why), 0);
	assert_int_equal(len, blob_size(in, 3));
	return len;
}

/* "refused" as restore decides: the parse fails, or an instance does not
 * open with its own key. */
static int refused(const uint8_t *p, size_t len)
{
	static uint8_t out[LETHE_STATE_FILE_MAX];
	const uint8_t *keys[3] = { key_a, key_b, key_c };
	struct blob b;
	char why[160];
	size_t i, n;

	if (blob_parse(p, len, &b, why, sizeof why) < 0)
		return 1;
	if (b.n != 3)
		return 1;
	for (i = 0; i < b.n; i++)
		if (blob_open(&b, i, keys[i], out, sizeof out, &n) < 0)
			return 1;
	return 0;
}

static void test_roundtrip(void **state)
{
	static uint8_t buf[LETHE_STATE_BLOB_MAX], out[LETHE_STATE_FILE_MAX];
	size_t len = build3(buf, sizeof buf), n;
	struct blob b;
	char why[160];

	(void)state;
	assert_int_equal(blob_parse(buf, len, &b, why, sizeof why), 0);
	assert_memory_equal(buf, LETHE_STATE_MAGIC, 8);
	assert_int_equal(b.h.counter, 41);
	assert_int_equal(b.h.rollout, 7);
	assert_int_equal(b.h.time, 1767225600);
	assert_int_equal(b.h.node[0], 0xab);
	assert_int_equal(b.n, 3);
	assert_string_equal(b.inst[0].name, "relay1");
	assert_string_equal(b.inst[2].name, "x0123456789abcde");
	assert_int_equal(b.inst[1].clen, BLOB_TAG);
	assert_int_equal(blob_open(&b, 0, key_a, out, sizeof out, &n), 0);
	assert_int_equal(n, sizeof plain1);
	assert_memory_equal(out, plain1, n);
	assert_int_equal(blob_open(&b, 1, key_b, out, sizeof out, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(blob_open(&b, 2, key_c, out, sizeof out, &n), 0);
	assert_memory_equal(out, plain3, sizeof plain3);
	assert_int_equal(refused(buf, len), 0);
	/* big-endian counter at 40 */
	assert_int_equal(buf[47], 41);
	assert_int_equal(buf[64], 3);
}

/* A fresh nonce per save: the same input never gives the same bytes. */
static void test_nonce_fresh(void **state)
{
	static uint8_t a[LETHE_STATE_BLOB_MAX], b[LETHE_STATE_BLOB_MAX];
	size_t la = build3(a, sizeof a), lb = build3(b, sizeof b);

	(void)state;
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, LETHE_STATE_HEADER + 1 + 6 + 4);
	assert_memory_not_equal(a + LETHE_STATE_HEADER + 11, b + LETHE_STATE_HEADER + 11, BLOB_NONCE);
}

static void test_truncations(void **state)
{
	static uint8_t buf[LETHE_STATE_BLOB_MAX];
	size_t len = build3(buf, sizeof buf), k;
	struct blob b;
	char why[160];

	(void)state;
	for (k = 0; k < len; k++) {
		uint8_t *cut = malloc(k ? k : 1);

		assert_non_null(cut);
		memcpy(cut, buf, k);
		if (blob_parse(cut, k, &b, why, sizeof why) == 0)
			fail_msg("a blob cut to %zu of %zu bytes parsed", k, len);
		free(cut);
	}
	/* and one byte more */
	buf[len] = 0;
	assert_int_equal(blob_parse(buf, len + 1, &b, why, sizeof why), -1);
	assert_string_equal(why, "1 bytes after the last instance");
}

static void test_bit_flips(void **state)
{
	static uint8_t buf[LETHE_STATE_BLOB_MAX];
	size_t len = build3(buf, sizeof buf), i;
	int bit;

	(void)state;
	for (i = 0; i < len; i++)
		for (bit = 0; bit < 8; bit++) {
			buf[i] ^= (uint8_t)(1 << bit);
			if (!refused(buf, len))
				fail_msg("byte %zu bit %d flipped: not refused", i, bit);
			buf[i] ^= (uint8_t)(1 << bit);
		}
	assert_int_equal(refused(buf, len), 0);
}

static void test_wrong_key(void **state)
{
	static uint8_t buf[LETHE_STATE_BLOB_MAX], out[LETHE_STATE_FILE_MAX];
	size_t len = build3(buf, sizeof buf), n = 99;
	struct blob b;
	char why[160];

	(void)state;
	assert_int_equal(blob_parse(buf, len, &b, why, sizeof why), 0);
	memset(out, 0x55, sizeof out);
	/* another instance's key: the name is in its tag, no swapping */
	assert_int_equal(blob_open(&b, 0, key_b, out, sizeof out, &n), -1);
	assert_int_equal(n, 0);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[99], 0);
	assert_int_equal(blob_open(&b, 3, key_a, out, sizeof out, &n), -1);
	assert_int_equal(blob_open(&b, 2, key_c, out, 10, &n), -1);
}

/* Two instances swapped between blobs, or renamed: the name is in the tag. */
static void test_rename(void **state)
{
	static uint8_t buf[LETHE_STATE_BLOB_MAX], out[LETHE_STATE_FILE_MAX];
	size_t len = build3(buf, sizeof buf), n;
	struct blob b;
	char why[160];

	(void)state;
	/* "relay1" -> "relay2" */
	buf[LETHE_STATE_HEADER + 6] = '2';
	assert_int_equal(blob_parse(buf, len, &b, why, sizeof why), 0);
	assert_string_equal(b.inst[0].name, "relay2");
	assert_int_equal(blob_open(&b, 0, key_a, out, sizeof out, &n), -1);
}

static void test_duplicates(void **state)
{
	static uint8_t buf[LETHE_STATE_BLOB_MAX];
	struct blob_in in[2] = { { "relay1", (const uint8_t *)"x", 1, key_a }, { "relay1", (const uint8_t *)"y", 1, key_b } };
	struct blob_head h;
	struct blob b;
	char why[160];
	size_t len;

	(void)state;
	head_init(&h);
	assert_int_equal(blob_build(&h, in, 2, buf, sizeof buf, &len, why, sizeof why), -1);
	assert_string_equal(why, "instance relay1: twice");
	in[1].name = "relay2";
	assert_int_equal(blob_build(&h, in, 2, buf, sizeof buf, &len, why, sizeof why), 0);
	/* the second name made the first's by hand */
	buf[LETHE_STATE_HEADER + 1 + 6 + 4 + BLOB_NONCE + 1 + BLOB_TAG + 1 + 5] = '1';
	assert_int_equal(blob_parse(buf, len, &b, why, sizeof why), -1);
	assert_string_equal(why, "instance relay1: twice");
}

static void test_bounds(void **state)
{
	static uint8_t buf[LETHE_STATE_BLOB_MAX + 16], big[LETHE_STATE_FILE_MAX + 1];
	static const char *const names[LETHE_INSTANCES_MAX + 1] = {
		"aaaaaaaaaaaaaaa0", "aaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaa2", "aaaaaaaaaaaaaaa3", "aaaaaaaaaaaaaaa4",
		"aaaaaaaaaaaaaaa5", "aaaaaaaaaaaaaaa6", "aaaaaaaaaaaaaaa7", "aaaaaaaaaaaaaaa8",
	};
	struct blob_in in[LETHE_INSTANCES_MAX + 1];
	struct blob_head h;
	struct blob b;
	char why[160];
	size_t len, i;

	(void)state;
	head_init(&h);
	for (i = 0; i <= LETHE_INSTANCES_MAX; i++)
		in[i] = (struct blob_in){ names[i], big, LETHE_STATE_FILE_MAX, key_a };
	/* the largest blob there is: exactly LETHE_STATE_BLOB_MAX */
	assert_int_equal(blob_build(&h, in, LETHE_INSTANCES_MAX, buf, sizeof buf, &len, why, sizeof why), 0);
	assert_int_equal(len, LETHE_STATE_BLOB_MAX);
	assert_int_equal(blob_parse(buf, len, &b, why, sizeof why), 0);
	assert_int_equal(b.n, LETHE_INSTANCES_MAX);
	assert_int_equal(blob_build(&h, in, LETHE_INSTANCES_MAX + 1, buf, sizeof buf, &len, why, sizeof why), -1);
	assert_int_equal(blob_build(&h, in, LETHE_INSTANCES_MAX, buf, LETHE_STATE_BLOB_MAX - 1, &len, why, sizeof why),
			 -1);
	in[0].len = LETHE_STATE_FILE_MAX + 1;
	assert_int_equal(blob_build(&h, in, 1, buf, sizeof buf, &len, why, sizeof why), -1);
	in[0] = (struct blob_in){ "", big, 1, key_a };
	assert_int_equal(blob_build(&h, in, 1, buf, sizeof buf, &len, why, sizeof why), -1);
	in[0].name = "aaaaaaaaaaaaaaaa7";
	assert_int_equal(blob_build(&h, in, 1, buf, sizeof buf, &len, why, sizeof why), -1);
	in[0].name = "Relay";
	assert_int_equal(blob_build(&h, in, 1, buf, sizeof buf, &len, why, sizeof why), -1);
	/* an empty blob is a blob (restore refuses it: nothing verifies it) */
	assert_int_equal(blob_build(&h, in, 0, buf, sizeof buf, &len, why, sizeof why), 0);
	assert_int_equal(len, LETHE_STATE_HEADER);
	assert_int_equal(blob_parse(buf, len, &b, why, sizeof why), 0);
	assert_int_equal(b.n, 0);
	/* count 9, reserved bytes, magic, a byte past the maximum */
	buf[64] = LETHE_INSTANCES_MAX + 1;
	assert_int_equal(blob_parse(buf, len, &b, why, sizeof why), -1);
	buf[64] = 0;
	buf[66] = 1;
	assert_int_equal(blob_parse(buf, len, &b, why, sizeof why), -1);
	assert_string_equal(why, "reserved header bytes are not 0");
	buf[66] = 0;
	buf[7] = '2';
	assert_int_equal(blob_parse(buf, len, &b, why, sizeof why), -1);
	buf[7] = '1';
	assert_int_equal(blob_parse(buf, LETHE_STATE_BLOB_MAX + 1, &b, why, sizeof why), -1);
}

/* clen out of its bounds, a name of 0 or 17 bytes or another alphabet. */
static void test_entry_bounds(void **state)
{
	static uint8_t buf[LETHE_STATE_BLOB_MAX];
	struct blob_in in[1] = { { "abc", (const uint8_t *)"hello", 5, key_a } };
	struct blob_head h;
	struct blob b;
	char why[160];
	size_t len;
	uint8_t *clen = buf + LETHE_STATE_HEADER + 1 + 3;

	(void)state;
	head_init(&h);
	assert_int_equal(blob_build(&h, in, 1, buf, sizeof buf, &len, why, sizeof why), 0);
	assert_int_equal(clen[3], 21);
	clen[3] = 15;
	assert_int_equal(blob_parse(buf, len - 6, &b, why, sizeof why), -1);
	assert_string_equal(why, "instance abc: 15 bytes of ciphertext, not 16-32784");
	clen[3] = 21;
	clen[1] = 0x80; /* 32768 + 16 + 21 */
	assert_int_equal(blob_parse(buf, len, &b, why, sizeof why), -1);
	clen[1] = 0;
	buf[LETHE_STATE_HEADER] = 0;
	assert_int_equal(blob_parse(buf, len, &b, why, sizeof why), -1);
	buf[LETHE_STATE_HEADER] = 17;
	assert_int_equal(blob_parse(buf, len, &b, why, sizeof why), -1);
	buf[LETHE_STATE_HEADER] = 3;
	buf[LETHE_STATE_HEADER + 2] = '-';
	assert_int_equal(blob_parse(buf, len, &b, why, sizeof why), -1);
	assert_string_equal(why, "instance 0: not a name of 1-16 of [a-z0-9]");
	buf[LETHE_STATE_HEADER + 2] = 'b';
	assert_int_equal(blob_parse(buf, len, &b, why, sizeof why), 0);
}

/* The KDF's known answer, computed outside lethe:
 *   python3 -c 'import hashlib; print(hashlib.blake2b(b"lethe/tor-state/v1",
 *       digest_size=32, key=bytes(range(32))).hexdigest())'
 * (the key file's secret is bytes 0..63; only its first 32 key the hash) */
static void test_kdf_known_answer(void **state)
{
	static const char want[] = "86872286690aee1ea67c1804d252704918c20203aeb6830bd6215e68dc67ac5c";
	uint8_t secret[KDF_SECRET], file[KDF_FILE_BYTES], key[KDF_KEY], again[KDF_KEY];
	char hex[2 * KDF_KEY + 1];
	size_t i;

	(void)state;
	for (i = 0; i < KDF_SECRET; i++)
		secret[i] = (uint8_t)i;
	assert_int_equal(kdf_derive(secret, key), 0);
	for (i = 0; i < KDF_KEY; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	assert_string_equal(hex, want);
	/* tor's file, as tpmseal renders it, from a key made now (no key
	 * is ever kept in the tree) */
	assert_int_equal(torkey_ed_generate(secret), 0);
	assert_int_equal(torkey_ed_file_render(secret, TORKEY_TAG_MASTER, file), 0);
	assert_int_equal(kdf_derive(secret, key), 0);
	assert_int_equal(kdf_from_file(file, sizeof file, again), 0);
	assert_memory_equal(key, again, KDF_KEY);
	/* the second half of the secret does not enter the key */
	file[TORKEY_HEADER_BYTES + 40] ^= 1;
	assert_int_equal(kdf_from_file(file, sizeof file, again), 0);
	assert_memory_equal(key, again, KDF_KEY);
	file[TORKEY_HEADER_BYTES + 3] ^= 1;
	assert_int_equal(kdf_from_file(file, sizeof file, again), 0);
	assert_memory_not_equal(key, again, KDF_KEY);
	/* another file type (the family key's tag), another length */
	assert_int_equal(torkey_ed_file_render(secret, TORKEY_TAG_FAMILY, file), 0);
	assert_int_equal(kdf_from_file(file, sizeof file, again), -1);
	assert_int_equal(torkey_ed_file_render(secret, TORKEY_TAG_MASTER, file), 0);
	assert_int_equal(kdf_from_file(file, sizeof file - 1, again), -1);
}

static void test_check_header(void **state)
{
	struct blob_head h;
	uint8_t node[BLOB_NODE];
	char why[200];

	(void)state;
	head_init(&h);
	memset(node, 0xab, sizeof node);
	assert_int_equal(check_header(&h, node, NV_VALUE, 41, 0x01851E80, why, sizeof why), 0);
	assert_int_equal(check_header(&h, node, NV_VALUE, 42, 0x01851E80, why, sizeof why), -1);
	assert_string_equal(why, "older state: counter 41, the node wrote 42");
	assert_int_equal(check_header(&h, node, NV_VALUE, 40, 0x01851E80, why, sizeof why), -1);
	assert_string_equal(why, "newer state than the node ever wrote: counter 41, the node's counter is 40");
	assert_int_equal(check_header(&h, node, NV_ABSENT, 0, 0x01851E80, why, sizeof why), -1);
	assert_string_equal(why, "no counter to check it against: NV index 0x01851e80 is not defined");
	assert_int_equal(check_header(&h, node, NV_UNWRITTEN, 0, 0x01851E80, why, sizeof why), -1);
	assert_int_equal(check_header(&h, node, NV_FOREIGN, 41, 0x01851E80, why, sizeof why), -1);
	node[31] = 0xac;
	assert_int_equal(check_header(&h, node, NV_VALUE, 41, 0x01851E80, why, sizeof why), -1);
	assert_string_equal(why, "another node's state: node abababababababab..., this node is abababababababab...");
}

#define NODE_HEX "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef"

static int conf_of(const char *text, struct conf *c, char *why)
{
	return conf_parse(text, strlen(text), c, why, 160);
}

static void test_conf(void **state)
{
	struct conf c;
	char why[160];

	(void)state;
	assert_int_equal(conf_of("# rendered\nversion=1\nnode=" NODE_HEX "\nfamily=0\ninstances=relay1 b 7\n"
				 "instance.relay1.fingerprint=\n", &c, why), 0);
	assert_string_equal(c.node_hex, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	assert_int_equal(c.node[16], 0x01);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.name[2], "7");
	assert_int_equal(conf_find(&c, "b"), 1);
	assert_int_equal(conf_find(&c, "c"), -1);
	/* no final newline is fine */
	assert_int_equal(conf_of("node=" NODE_HEX "\ninstances=a", &c, why), 0);
	assert_int_equal(conf_of("instances=a\n", &c, why), -1);
	assert_string_equal(why, "node.conf: no node= line");
	assert_int_equal(conf_of("node=" NODE_HEX "\n", &c, why), -1);
	assert_string_equal(why, "node.conf: no instances= line");
	assert_int_equal(conf_of("node=0123\ninstances=a\n", &c, why), -1);
	assert_int_equal(conf_of("node=" NODE_HEX "\ninstances=a a\n", &c, why), -1);
	assert_int_equal(conf_of("node=" NODE_HEX "\ninstances=a b \n", &c, why), -1);
	assert_int_equal(conf_of("node=" NODE_HEX "\ninstances=a  b\n", &c, why), -1);
	assert_int_equal(conf_of("node=" NODE_HEX "\ninstances=\n", &c, why), -1);
	assert_int_equal(conf_of("node=" NODE_HEX "\ninstances=A\n", &c, why), -1);
	assert_int_equal(conf_of("node=" NODE_HEX "\ninstances=a b c d e f g h\n", &c, why), 0);
	assert_int_equal(conf_of("node=" NODE_HEX "\ninstances=a b c d e f g h i\n", &c, why), -1);
	assert_int_equal(conf_of("node=" NODE_HEX "\ninstances=a12345678901234567\n", &c, why), -1);
}

/* A scratch DataDirectory base. */
static void scratch(char *dir, size_t len)
{
	snprintf(dir, len, "%s", "/tmp/test_state.XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static int exists(const char *dir, const char *rel)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof p, "%s/%s", dir, rel);
	return lstat(p, &st) == 0;
}

static void test_stage_commit(void **state)
{
	struct stage s;
	char dir[64], why[256], p[128];
	struct stat st;

	(void)state;
	scratch(dir, sizeof dir);
	snprintf(p, sizeof p, "%s/b", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	stage_init(&s, dir);
	assert_int_equal(stage_put(&s, "a", (uid_t)-1, (gid_t)-1, (const uint8_t *)"state a\n", 8, why, sizeof why), 0);
	assert_int_equal(stage_put(&s, "b", (uid_t)-1, (gid_t)-1, (const uint8_t *)"state b\n", 8, why, sizeof why), 0);
	/* nothing in place before the commit */
	assert_false(exists(dir, "a/state"));
	assert_true(exists(dir, "a/" STAGE_TMP_NAME));
	assert_int_equal(stage_commit(&s, why, sizeof why), 0);
	stage_end(&s);
	assert_true(exists(dir, "a/state"));
	assert_true(exists(dir, "b/state"));
	assert_false(exists(dir, "a/" STAGE_TMP_NAME));
	snprintf(p, sizeof p, "%s/a/state", dir);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 8);
	snprintf(p, sizeof p, "%s/a", dir);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* an existing DataDirectory is left as it was */
	snprintf(p, sizeof p, "%s/b", dir);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	snprintf(p, sizeof p, "rm -rf '%s'", dir);
	assert_int_equal(system(p), 0);
}

/* The second instance cannot be written (a file where its DataDirectory
 * goes): nothing of the first is left, not even the directory it made. */
static void test_stage_abort(void **state)
{
	struct stage s;
	char dir[64], why[256], p[128];
	FILE *f;

	(void)state;
	scratch(dir, sizeof dir);
	snprintf(p, sizeof p, "%s/b", dir);
	f = fopen(p, "w");
	assert_non_null(f);
	fclose(f);
	/* a symlink where the temporary goes is removed, not followed */
	snprintf(p, sizeof p, "%s/c", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/c/" STAGE_TMP_NAME, dir);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	stage_init(&s, dir);
	assert_int_equal(stage_put(&s, "a", (uid_t)-1, (gid_t)-1, (const uint8_t *)"secret\n", 7, why, sizeof why), 0);
	assert_int_equal(stage_put(&s, "c", (uid_t)-1, (gid_t)-1, (const uint8_t *)"secret\n", 7, why, sizeof why), 0);
	assert_int_equal(stage_put(&s, "b", (uid_t)-1, (gid_t)-1, (const uint8_t *)"secret\n", 7, why, sizeof why), -1);
	assert_non_null(strstr(why, "/b: Not a directory"));
	stage_end(&s);
	assert_false(exists(dir, "a"));
	assert_true(exists(dir, "c"));
	assert_false(exists(dir, "c/" STAGE_TMP_NAME));
	assert_false(exists(dir, "c/state"));
	snprintf(p, sizeof p, "rm -rf '%s'", dir);
	assert_int_equal(system(p), 0);
}

/* reportd keeps a blob only if it is one, and the certificate's node's. */
static void test_reportd_check(void **state)
{
	static uint8_t buf[LETHE_STATE_BLOB_MAX];
	size_t len = build3(buf, sizeof buf);
	struct reportd_err err;
	struct state_meta m;
	char node[65];
	size_t i;

	(void)state;
	for (i = 0; i < 32; i++)
		snprintf(node + 2 * i, 3, "%02x", 0xab);
	assert_int_equal(torstate_check(buf, len, node, &m, &err), 0);
	assert_int_equal(m.counter, 41);
	assert_int_equal(m.rollout, 7);
	assert_int_equal(m.instances, 3);
	node[63] = 'c';
	assert_int_equal(torstate_check(buf, len, node, &m, &err), 403);
	assert_string_equal(err.msg, "state: node is not this certificate's node");
	node[63] = 'b';
	assert_int_equal(torstate_check(buf, LETHE_STATE_HEADER - 1, node, &m, &err), 400);
	buf[0] = 'X';
	assert_int_equal(torstate_check(buf, len, node, &m, &err), 400);
	buf[0] = 'L';
	buf[64] = 9;
	assert_int_equal(torstate_check(buf, len, node, &m, &err), 400);
	buf[64] = 3;
	assert_int_equal(torstate_check(buf, LETHE_STATE_BLOB_MAX + 1, node, &m, &err), 413);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_nonce_fresh),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_rename),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_entry_bounds),
		cmocka_unit_test(test_kdf_known_answer),
		cmocka_unit_test(test_check_header),
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_stage_commit),
		cmocka_unit_test(test_stage_abort),
		cmocka_unit_test(test_reportd_check),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
