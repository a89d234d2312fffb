/* Prediction output formats, see out.h. */
#include <stdio.h>

#include "out.h"

static int append(size_t cap, size_t *used, int n)
{
	if (n < 0 || (size_t)n >= cap - *used)
		return -1;
	*used += (size_t)n;
	return 0;
}

int out_text(const struct prediction_set *s, char *buf, size_t cap)
{
	size_t used = 0;
	unsigned i;

	if (!cap)
		return -1;
	buf[0] = 0;
	for (i = 0; i < s->n; i++) {
		char hex[PCR_HEX_BYTES];

		pcr_hex(s->p[i].value, hex);
		if (append(cap, &used, snprintf(buf + used, cap - used, "%s %u %s\n",
				s->p[i].path, s->p[i].pcr, hex)) < 0)
			return -1;
	}
	return (int)used;
}

int out_json(const struct prediction_set *s, char *buf, size_t cap)
{
	size_t used = 0;
	unsigned i;

	if (!cap)
		return -1;
	if (append(cap, &used, snprintf(buf, cap, "{\"bank\":\"sha256\",\"pcrs\":[")) < 0)
		return -1;
	for (i = 0; i < s->n; i++) {
		char hex[PCR_HEX_BYTES];

		pcr_hex(s->p[i].value, hex);
		if (append(cap, &used, snprintf(buf + used, cap - used,
				"%s\n {\"path\":\"%s\",\"pcr\":%u,\"sha256\":\"%s\"}", i ? "," : "",
				s->p[i].path, s->p[i].pcr, hex)) < 0)
			return -1;
	}
	if (append(cap, &used, snprintf(buf + used, cap - used, "\n]}\n")) < 0)
		return -1;
	return (int)used;
}
