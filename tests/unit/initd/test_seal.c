/* seal.c: tpmseal's identity lines, as PID 1's pipeline helper reads
 * them (node.conf: test_nodeconf.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "seal.h"

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
		cmocka_unit_test(test_identity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
