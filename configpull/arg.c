#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lethe_paths.h"

#include "arg.h"

long arg_num(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		return -1;
	return v;
}

int arg_handle(const char *s, unsigned *out)
{
	char *end;
	unsigned long h;

	errno = 0;
	h = strtoul(s, &end, 16);
	if (errno || *end || end == s || h < 0x81000000ul || h > 0x81fffffful)
		return -1;
	*out = (unsigned)h;
	return 0;
}

const char *arg_tcti(const char *opt)
{
	const char *t = opt ? opt : getenv(LETHE_TCTI_ENV);

	return t && *t ? t : NULL;
}

int arg_https(const char *prog, const char *url)
{
	if (strncmp(url, "https://", 8) == 0)
		return 0;
	fprintf(stderr, "%s: fatal: the URL must start with https://\n", prog);
	return -1;
}
