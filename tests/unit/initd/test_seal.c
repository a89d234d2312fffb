/* seal.c: node.conf values and tpmseal's identity lines, as PID 1's
 * pipeline helper reads them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "seal.h"

static char const conf[] =
	"version=1\n"
	"provision=1\n"
	"instances=relay1 relay2\n"
	"instance.relay1.fingerprint=5951ED08C65DE0022AAA94413AC130B98244146C\n"
	"instance.relay1.ed25519=\n"
	"instance.relay10.fingerprint=X\n"
	"family=0";

static int get(char const *text, char const *key, char *out, size_t outsz)
{
	return seal_conf_get(text, strlen(text), key, out, outsz);
}

static void test_conf_get(void **state)
{
	char v[64];

	(void)state;
	assert_int_equal(get(conf, "provision", v, sizeof v), 0);
	assert_string_equal(v, "1");
	assert_int_equal(get(conf, "instances", v, sizeof v), 0);
	assert_string_equal(v, "relay1 relay2");
	/* a key is matched whole: relay1 is not relay10 */
	assert_int_equal(get(conf, "instance.relay1.fingerprint", v, sizeof v), 0);
	assert_string_equal(v, "5951ED08C65DE0022AAA94413AC130B98244146C");
	/* present and empty */
	assert_int_equal(get(conf, "instance.relay1.ed25519", v, sizeof v), 0);
	assert_string_equal(v, "");
	/* the last line without a newline */
	assert_int_equal(get(conf, "family", v, sizeof v), 0);
	assert_string_equal(v, "0");
	assert_int_equal(get(conf, "instance.relay2.fingerprint", v, sizeof v), -ENOENT);
	assert_int_equal(get(conf, "instance", v, sizeof v), -ENOENT);
	assert_int_equal(get("", "version", v, sizeof v), -ENOENT);
	assert_int_equal(get("version", "version", v, sizeof v), -ENOENT);
	/* twice, too long, control bytes: refused */
	assert_int_equal(get("a=1\na=1\n", "a", v, sizeof v), -EINVAL);
	assert_int_equal(get("a=12345\n", "a", v, 5), -EINVAL);
	assert_int_equal(get("a=1234\n", "a", v, 5), 0);
	assert_int_equal(get("a=1\r\n", "a", v, sizeof v), -EINVAL);
	assert_int_equal(get("a=\x80\n", "a", v, sizeof v), -EINVAL);
	assert_int_equal(get("a=1\n", "a", v, 0), -EINVAL);
	/* a NUL inside the text is a byte like others, never a terminator */
	assert_int_equal(seal_conf_get("b=\0\na=2\n", 8, "a", v, sizeof v), 0);
	assert_string_equal(v, "2");
	assert_int_equal(seal_conf_get("a=\0\n", 4, "a", v, sizeof v), -EINVAL);
}

static void test_identity(void **state)
{
	static char const good[] =
		"3 5951ED08C65DE0022AAA94413AC130B98244146C fd/bhXBq7Y9boaEgLCAtDnMh/DOUAl941LfRq47fk3s";
	struct seal_identity id;
	char line[sizeof good];

	(void)state;
	assert_int_equal(seal_identity_parse(good, strlen(good), &id), 0);
	assert_int_equal(id.index, 3);
	assert_string_equal(id.fp, "5951ED08C65DE0022AAA94413AC130B98244146C");
	assert_string_equal(id.ed, "fd/bhXBq7Y9boaEgLCAtDnMh/DOUAl941LfRq47fk3s");
	/* one byte short, one more */
	assert_int_equal(seal_identity_parse(good, strlen(good) - 1, &id), -EINVAL);
	memcpy(line, good, sizeof good);
	assert_int_equal(seal_identity_parse(line, sizeof good, &id), -EINVAL);
	/* index 8, lower-case hex, padding, separators */
	line[0] = '8';
	assert_int_equal(seal_identity_parse(line, strlen(line), &id), -EINVAL);
	memcpy(line, good, sizeof good);
	line[2] = 'a';
	assert_int_equal(seal_identity_parse(line, strlen(line), &id), -EINVAL);
	memcpy(line, good, sizeof good);
	line[sizeof good - 2] = '=';
	assert_int_equal(seal_identity_parse(line, strlen(line), &id), -EINVAL);
	memcpy(line, good, sizeof good);
	line[1] = '\t';
	assert_int_equal(seal_identity_parse(line, strlen(line), &id), -EINVAL);
	memcpy(line, good, sizeof good);
	line[42] = '0';
	assert_int_equal(seal_identity_parse(line, strlen(line), &id), -EINVAL);
	assert_int_equal(seal_identity_parse("family relays gBJw/T/PYHwVNP/anUgZFEvutgwzB6hobfnYfSvpBVg",
		57, &id), -EINVAL);
	assert_int_equal(seal_identity_parse("", 0, &id), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_get),
		cmocka_unit_test(test_identity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
