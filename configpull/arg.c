#include <errno.h>
#include <stdlib.h>

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
