/* Signed-note verifier keys and checkpoints (C2SP signed-note,
 * tlog-checkpoint), Ed25519 only.  Strict: every length bounded, one
 * accepted spelling of everything we read. */
#include <string.h>

#include <sodium.h>

#include "tlog.h"
#include "tlog_int.h"

#define SIG_ED25519 0x01
/* "— " : U+2014 EM DASH in UTF-8, then a space. */
static const char dash[] = "\xe2\x80\x94 ";
#define DASH_LEN 4

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;  /* uppercase refused: the id has one spelling, Go's %08x */
}

static void key_id(const char *name, size_t n, const uint8_t pub[32], uint8_t id[4])
{
	crypto_hash_sha256_state st;
	uint8_t h[crypto_hash_sha256_BYTES];
	const uint8_t sep[2] = { '\n', SIG_ED25519 };

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)name, n);
	crypto_hash_sha256_update(&st, sep, sizeof sep);
	crypto_hash_sha256_update(&st, pub, 32);
	crypto_hash_sha256_final(&st, h);
	memcpy(id, h, 4);
}

int tlog_vkey_parse(const char *s, size_t n, struct tlog_vkey *k, char *err, size_t errlen)
{
	const char *p1, *p2;
	uint8_t raw[33], id[4];
	size_t nlen, len, i;

	if (n > 0 && s[n - 1] == '\n')
		n--;
	if (n > TLOG_NAME_MAX + 1 + 8 + 1 + 44)
		return tlog_fail(err, errlen, "verifier key: too long");
	p1 = memchr(s, '+', n);
	if (!p1)
		return tlog_fail(err, errlen, "verifier key: not NAME+ID+KEY");
	nlen = (size_t)(p1 - s);
	if (!tlog_name_ok(s, nlen))
		return tlog_fail(err, errlen, "verifier key: bad name");
	p2 = p1 + 1 + 8;
	if ((size_t)(p2 - s) >= n || *p2 != '+')
		return tlog_fail(err, errlen, "verifier key: key id is not 8 hex digits");
	for (i = 0; i < 4; i++) {
		int hi = hexval(p1[1 + 2 * i]), lo = hexval(p1[2 + 2 * i]);

		if (hi < 0 || lo < 0)
			return tlog_fail(err, errlen, "verifier key: key id is not 8 lowercase hex digits");
		id[i] = (uint8_t)(hi << 4 | lo);
	}
	if (tlog_b64_decode(p2 + 1, n - (size_t)(p2 + 1 - s), raw, sizeof raw, &len) || len != 33)
		return tlog_fail(err, errlen, "verifier key: key is not base64 of 33 bytes");
	if (raw[0] != SIG_ED25519)
		return tlog_fail(err, errlen, "verifier key: not an Ed25519 key (type 0x%02x)", raw[0]);
	memcpy(k->name, s, nlen);
	k->name[nlen] = 0;
	memcpy(k->pub, raw + 1, 32);
	key_id(k->name, nlen, k->pub, k->id);
	if (memcmp(k->id, id, 4) != 0)
		return tlog_fail(err, errlen, "verifier key: key id does not match the key");
	return 0;
}

/* Well-formed UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF) without control characters other than '\n'. */
static int text_ok(const uint8_t *p, size_t n, size_t *bad)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = p[i];
		uint32_t cp;
		size_t len, j;

		*bad = i;
		if (c < 0x80) {
			if ((c < 0x20 && c != '\n') || c == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (n - i < len)
			return 0;
		for (j = 1; j < len; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + j] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
			return 0;  /* overlong, surrogate, too large, C1 control */
		i += len;
	}
	return 1;
}

/* The checkpoint body: origin, size, root, extension lines. */
static int body_parse(const struct tlog_vkey *k, const char *t, size_t n, struct tlog_checkpoint *cp,
		      char *err, size_t errlen)
{
	const char *line = t, *nl, *end = t + n;
	uint8_t root[TLOG_HASH + 2];
	size_t len, i;

	for (i = 0; line < end; i++, line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));  /* the text ends in '\n' */
		len = (size_t)(nl - line);
		if (len == 0)
			return tlog_fail(err, errlen, "line %zu is empty", i + 1);
		if (i == 0) {
			if (len > TLOG_NAME_MAX || len != strlen(k->name) || memcmp(line, k->name, len))
				return tlog_fail(err, errlen, "origin is not the log key's name %s", k->name);
			memcpy(cp->origin, line, len);
			cp->origin[len] = 0;
		} else if (i == 1) {
			if (tlog_u64_parse(line, len, &cp->size))
				return tlog_fail(err, errlen, "size is not canonical decimal");
		} else if (i == 2) {
			if (tlog_b64_decode(line, len, root, sizeof root, &len) || len != TLOG_HASH)
				return tlog_fail(err, errlen, "root is not base64 of %d bytes", TLOG_HASH);
			memcpy(cp->root, root, TLOG_HASH);
		}
		/* i > 2: an extension line, non-empty, not ours to read. */
	}
	if (i < 3)
		return tlog_fail(err, errlen, "%zu lines, want origin, size and root", i);
	return 0;
}

int tlog_note_open(const struct tlog_vkey *k, const uint8_t *note, size_t n, size_t *text_len,
		   char *err, size_t errlen)
{
	/* The largest signature line fits the note; decoded it is 3/4. */
	uint8_t sig[TLOG_NOTE_MAX / 4 * 3];
	const char *s = (const char *)note, *line, *nl, *end = s + n;
	size_t i, bad, nsigs = 0, good = 0, klen = strlen(k->name);

	if (n == 0)
		return tlog_fail(err, errlen, "empty");
	if (n > TLOG_NOTE_MAX)
		return tlog_fail(err, errlen, "over %d bytes", TLOG_NOTE_MAX);
	if (!text_ok(note, n, &bad))
		return tlog_fail(err, errlen, "byte %zu: control character or invalid UTF-8", bad);
	if (s[n - 1] != '\n')
		return tlog_fail(err, errlen, "does not end in a newline");
	/* The text is everything before the last blank line, its final '\n'
	 * included; signature lines follow it. */
	for (i = n - 1; i > 0; i--)
		if (s[i] == '\n' && s[i - 1] == '\n')
			break;
	if (i == 0)
		return tlog_fail(err, errlen, "no blank line before the signatures");
	if (i + 1 >= n)
		return tlog_fail(err, errlen, "no signature line");
	*text_len = i;
	for (line = s + i + 1; line < end; line = nl + 1) {
		const char *name, *sp;
		size_t len, nlen, slen;

		nl = memchr(line, '\n', (size_t)(end - line));
		len = (size_t)(nl - line);
		if (++nsigs > TLOG_NOTE_SIGS_MAX)
			return tlog_fail(err, errlen, "more than %d signatures", TLOG_NOTE_SIGS_MAX);
		if (len < DASH_LEN || memcmp(line, dash, DASH_LEN) != 0)
			return tlog_fail(err, errlen, "signature line %zu does not start with an em dash", nsigs);
		name = line + DASH_LEN;
		sp = memchr(name, ' ', (size_t)(nl - name));
		if (!sp)
			return tlog_fail(err, errlen, "signature line %zu: no signature after the name", nsigs);
		nlen = (size_t)(sp - name);
		if (!tlog_name_ok(name, nlen))
			return tlog_fail(err, errlen, "signature line %zu: bad key name", nsigs);
		/* Go's note refuses fewer than 5 bytes: an id and something. */
		if (tlog_b64_decode(sp + 1, (size_t)(nl - sp - 1), sig, sizeof sig, &slen) || slen < 5)
			return tlog_fail(err, errlen, "signature line %zu: signature is not base64", nsigs);
		if (nlen != klen || memcmp(name, k->name, klen) != 0 || memcmp(sig, k->id, 4) != 0)
			continue;  /* another signer (a witness): not ours to judge */
		if (slen != 4 + crypto_sign_BYTES ||
		    crypto_sign_verify_detached(sig + 4, note, *text_len, k->pub) != 0)
			return tlog_fail(err, errlen, "signature by the log key %s does not verify", k->name);
		good++;
	}
	if (good == 0)
		return tlog_fail(err, errlen, "no signature by the log key %s", k->name);
	return 0;
}

int tlog_checkpoint_open(const struct tlog_vkey *k, const uint8_t *note, size_t n,
			 struct tlog_checkpoint *cp, char *err, size_t errlen)
{
	size_t text_len;

	/* Signature first: nothing of an unsigned text is looked at. */
	if (tlog_note_open(k, note, n, &text_len, err, errlen))
		return -1;
	return body_parse(k, (const char *)note, text_len, cp, err, errlen);
}
