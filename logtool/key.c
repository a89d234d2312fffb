/* The log's signing key, in the Go sumdb/note format both ways:
 * PRIVATE+KEY+NAME+ID+BASE64(0x01 || seed) and NAME+ID+BASE64(0x01 || pub).
 * The seed and the expanded key live in locked memory and are wiped. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "lt.h"

#define EM "\xe2\x80\x94"

static void key_id(const char *name, const uint8_t pub[32], uint8_t id[4])
{
	crypto_hash_sha256_state st;
	uint8_t h[32];
	const uint8_t sep[2] = { '\n', 0x01 };

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
	crypto_hash_sha256_update(&st, sep, sizeof sep);
	crypto_hash_sha256_update(&st, pub, 32);
	crypto_hash_sha256_final(&st, h);
	memcpy(id, h, 4);
}


/* Creates PATH with BUF, mode MODE; refuses to replace anything. */
static int create_new(const char *path, const char *buf, size_t len, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	ssize_t w;

	if (fd < 0)
		return lt_fail(errno == EEXIST ? LETHE_EXIT_USAGE : LETHE_EXIT_TEMP, "unable to create %s: %s", path,
			       strerror(errno));
	w = write(fd, buf, len);
	if (w != (ssize_t)len || fsync(fd) || close(fd)) {
		unlink(path);
		return lt_fail(LETHE_EXIT_TEMP, "unable to write %s", path);
	}
	return 0;
}

int cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "key", required_argument, NULL, 'k' },
		{ "pub", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL, *keyfile = NULL, *pubfile = NULL;
	struct {
		uint8_t raw[33];   /* 0x01 || seed */
		uint8_t sk[64];
		char b64[64];
		char line[256];
	} *secret;
	uint8_t pub[33], id[4];
	char *line, b64[64];
	size_t len;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'n')
			name = optarg;
		else if (c == 'k')
			keyfile = optarg;
		else if (c == 'p')
			pubfile = optarg;
		else
			return LETHE_EXIT_USAGE;
	}
	if (!name || !keyfile || !pubfile || optind != argc)
		return lt_fail(LETHE_EXIT_USAGE, "usage: keygen --name NAME --key KEYFILE --pub PUBFILE");
	if (!tlog_name_ok(name, strlen(name)))
		return lt_fail(LETHE_EXIT_USAGE, "key name: 1..%d printable bytes, no space, no '+'", TLOG_NAME_MAX);
	/* One locked block: 0x01 || seed, the expanded key, the file line. */
	secret = sodium_malloc(sizeof *secret);
	if (!secret)
		return lt_fail(LETHE_EXIT_TEMP, "unable to allocate locked memory");
	secret->raw[0] = 0x01;
	randombytes_buf(secret->raw + 1, 32);
	crypto_sign_seed_keypair(pub + 1, secret->sk, secret->raw + 1);
	pub[0] = 0x01;
	key_id(name, pub + 1, id);
	sodium_bin2base64(secret->b64, sizeof secret->b64, secret->raw, sizeof secret->raw,
			  sodium_base64_VARIANT_ORIGINAL);
	len = (size_t)snprintf(secret->line, sizeof secret->line, "PRIVATE+KEY+%s+%02x%02x%02x%02x+%s\n", name,
			       id[0], id[1], id[2], id[3], secret->b64);
	line = secret->line;
	rc = create_new(keyfile, line, len, 0600);
	sodium_free(secret);
	if (rc)
		return rc;
	sodium_bin2base64(b64, sizeof b64, pub, sizeof pub, sodium_base64_VARIANT_ORIGINAL);
	{
		char vkey[256];

		len = (size_t)snprintf(vkey, sizeof vkey, "%s+%02x%02x%02x%02x+%s\n", name, id[0], id[1], id[2],
				       id[3], b64);
		if ((rc = create_new(pubfile, vkey, len, 0644)))
			return rc;
		fputs(vkey, stdout);
	}
	return 0;
}

int lt_skey_load(const char *path, struct lt_skey **out)
{
	static const char prefix[] = "PRIVATE+KEY+";
	struct lt_skey *k;
	uint8_t *raw, pub[32], id[4];
	char *buf, *name, *p1, *p2, err[256], vkey[512], b64[64];
	size_t n, rl;
	int rc, i;

	if (!path)
		return lt_fail(LETHE_EXIT_USAGE, "--key KEYFILE is required");
	k = sodium_malloc(sizeof *k + 512 + 64);
	if (!k)
		return lt_fail(LETHE_EXIT_TEMP, "unable to allocate locked memory");
	buf = (char *)(k + 1);
	raw = (uint8_t *)buf + 512;
	rc = lt_read_file(path, (uint8_t *)buf, 511, &n, NULL);
	if (rc)
		goto out;
	buf[n] = 0;
	if (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	rc = LETHE_EXIT_USAGE;
	if (strncmp(buf, prefix, sizeof prefix - 1) != 0) {
		lt_fail(rc, "%s: not a PRIVATE+KEY+NAME+ID+KEY file", path);
		goto out;
	}
	name = buf + sizeof prefix - 1;
	p1 = strchr(name, '+');
	p2 = p1 ? strchr(p1 + 1, '+') : NULL;
	if (!p1 || !p2 || p2 - p1 != 9) {
		lt_fail(rc, "%s: not a PRIVATE+KEY+NAME+ID+KEY file", path);
		goto out;
	}
	*p1 = 0;
	if (!tlog_name_ok(name, strlen(name)) ||
	    tlog_b64_decode(p2 + 1, strlen(p2 + 1), raw, 64, &rl) ||
	    rl != 33 || raw[0] != 0x01) {
		lt_fail(rc, "%s: bad name or key", path);
		goto out;
	}
	crypto_sign_seed_keypair(pub, k->sk, raw + 1);
	key_id(name, pub, id);
	for (i = 0; i < 4; i++) {
		char hx[3];

		snprintf(hx, sizeof hx, "%02x", id[i]);
		if (memcmp(hx, p1 + 1 + 2 * i, 2) != 0) {
			lt_fail(rc, "%s: key id does not match the key", path);
			goto out;
		}
	}
	{
		uint8_t typed[33];

		typed[0] = 0x01;
		memcpy(typed + 1, pub, 32);
		sodium_bin2base64(b64, sizeof b64, typed, sizeof typed, sodium_base64_VARIANT_ORIGINAL);
	}
	snprintf(vkey, sizeof vkey, "%s+%.8s+%s", name, p1 + 1, b64);
	if (tlog_vkey_parse(vkey, strlen(vkey), &k->v, err, sizeof err)) {
		lt_fail(rc, "%s: %s", path, err);
		goto out;
	}
	sodium_memzero(buf, 512 + 64);
	*out = k;
	return 0;
out:
	sodium_free(k);  /* wipes */
	return rc;
}

void lt_skey_free(struct lt_skey *k)
{
	if (k)
		sodium_free(k);
}

int lt_checkpoint_sign(const struct lt_skey *k, uint64_t size, const uint8_t root[TLOG_HASH], char *out,
		       size_t cap, size_t *len)
{
	uint8_t sig[4 + crypto_sign_BYTES];
	char r64[64], s64[128];
	int text, n;

	sodium_bin2base64(r64, sizeof r64, root, TLOG_HASH, sodium_base64_VARIANT_ORIGINAL);
	text = snprintf(out, cap, "%s\n%llu\n%s\n", k->v.name, (unsigned long long)size, r64);
	if (text < 0 || (size_t)text >= cap)
		return lt_fail(LETHE_EXIT_USAGE, "checkpoint too long");
	memcpy(sig, k->v.id, 4);
	crypto_sign_detached(sig + 4, NULL, (const uint8_t *)out, (size_t)text, k->sk);
	sodium_bin2base64(s64, sizeof s64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(out + text, cap - (size_t)text, "\n" EM " %s %s\n", k->v.name, s64);
	if (n < 0 || (size_t)n >= cap - (size_t)text)
		return lt_fail(LETHE_EXIT_USAGE, "checkpoint too long");
	*len = (size_t)text + (size_t)n;
	return 0;
}
