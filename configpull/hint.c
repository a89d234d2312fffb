/* Image hint: both sides are small KEY=VALUE files, read bounded. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "hint.h"

#define HINT_VALUE_MAX 64

/* The value of the first KEY= line of PATH (printable, at most
 * HINT_VALUE_MAX bytes) into OUT; 1 found, 0 not. */
static int hint_value(const char *path, const char *key, char out[HINT_VALUE_MAX + 1])
{
	char line[512];
	size_t klen = strlen(key), n, i, lines = 0;
	int found = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	while (!found && lines++ < 256 && fgets(line, sizeof line, f)) {
		if (strncmp(line, key, klen) != 0 || line[klen] != '=')
			continue;
		n = strcspn(line + klen + 1, "\n");
		if (n == 0 || n > HINT_VALUE_MAX)
			break;
		for (i = 0; i < n; i++)
			if ((unsigned char)line[klen + 1 + i] < 0x21 || (unsigned char)line[klen + 1 + i] > 0x7e)
				goto out;
		memcpy(out, line + klen + 1, n);
		out[n] = 0;
		found = 1;
	}
out:
	fclose(f);
	return found;
}

int hint_image(const char *outdir, const char *release)
{
	char path[PATH_MAX], want[HINT_VALUE_MAX + 1], have[HINT_VALUE_MAX + 1];

	if (snprintf(path, sizeof path, "%s/node.conf", outdir) >= (int)sizeof path)
		return 0;
	if (!hint_value(path, "image_version", want) || !hint_value(release, "LETHE_VERSION", have))
		return 0;
	if (strcmp(want, have) == 0)
		return 0;
	fprintf(stderr, "configpull: warning: the fleet wants image %s, this node runs %s\n", want, have);
	return 1;
}
