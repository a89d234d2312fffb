/* The node document's sysctls against the shared allowlist. */
#include <stdio.h>
#include <string.h>

#include "sysctl.h"

const char *sysctl_value(const json_t *v, char *buf, size_t buflen)
{
	/* An embedded NUL would hide bytes from the checks. */
	if (json_is_string(v))
		return strlen(json_string_value(v)) == json_string_length(v) ? json_string_value(v) : NULL;
	if (json_is_integer(v)) {
		snprintf(buf, buflen, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	return NULL;
}

int sysctl_check(const json_t *sysctls, struct cp_err *err)
{
	const char *name;
	json_t *v;
	char nb[80], buf[32];

	if (!json_is_object(sysctls))
		return err_set(err, "sysctls: must be an object");
	if (json_object_size(sysctls) > LETHE_SYSCTLS_MAX)
		return err_set(err, "sysctls: more than %d entries", LETHE_SYSCTLS_MAX);
	json_object_foreach((json_t *)sysctls, name, v) {
		const struct lethe_sysctl_rule *r = lethe_sysctl_rule(name);
		const char *s, *why;

		if (!r)
			return err_set(err, "sysctls: %s refused: not on the allowlist",
				       err_name(name, nb, sizeof nb));
		s = sysctl_value(v, buf, sizeof buf);
		if (!s)
			return err_set(err, "sysctls.%s: value must be a string or an integer", r->name);
		why = lethe_sysctl_value_check(r, s);
		if (why)
			return err_set(err, "sysctls.%s: value refused: %s", r->name, why);
	}
	return 1;
}
