/* Spec in, archive out: the steps in order, each owned by its module. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lethe_exit.h"

#include "archive.h"
#include "diag.h"
#include "mkcpio.h"
#include "newc.h"
#include "outfile.h"
#include "spec.h"

static int mkcpio_load(struct spec *s, char const *spec_path, struct diag *d)
{
	FILE *f = stdin;
	int r;

	if (strcmp(spec_path, "-") != 0) {
		f = fopen(spec_path, "re");
		if (!f) {
			diag_set(d, diag_errno_code(errno), "unable to open %s: %s", spec_path,
				 strerror(errno));
			return -1;
		}
	}
	r = spec_read(s, f, d);
	if (f != stdin)
		fclose(f);
	return r;
}

int mkcpio_run(char const *spec_path, char const *out_path, uint32_t epoch)
{
	struct diag d = { 0 };
	struct spec *s = malloc(sizeof *s);
	struct newc_out *o = malloc(sizeof *o);
	struct outfile out;
	int opened = 0;

	if (!s || !o) {
		diag_set(&d, LETHE_EXIT_TEMP, "unable to allocate memory: %s", strerror(ENOMEM));
		goto end;
	}
	spec_init(s, strcmp(spec_path, "-") == 0 ? "<stdin>" : spec_path);
	/* the whole spec is checked before the output is even created */
	if (mkcpio_load(s, spec_path, &d) < 0)
		goto end;
	if (outfile_open(&out, out_path, &d) < 0)
		goto end;
	opened = 1;
	newc_out_init(o, out.fd);
	if (archive_write(s, o, epoch, &d) < 0)
		goto end;
	outfile_commit(&out, &d);
end:
	if (opened)
		outfile_abort(&out);
	if (s)
		spec_free(s);
	free(s);
	free(o);
	if (d.code == 0)
		return LETHE_EXIT_OK;
	fprintf(stderr, "%s: fatal: %s\n", MKCPIO_PROG, d.msg);
	return d.code;
}
