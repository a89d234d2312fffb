/* Writing a finished spec as a newc archive. */
#ifndef MKCPIO_ARCHIVE_H
#define MKCPIO_ARCHIVE_H

#include <stdint.h>

#include "diag.h"
#include "newc.h"
#include "spec.h"

/* archive_write writes every entry of s (in its sorted order), the trailer
 * and the final padding to o, and flushes o.  Metadata comes from the spec
 * and epoch only; from a file source only its bytes are taken.
 * Returns 0, or -1 with d set. */
int archive_write(struct spec const *s, struct newc_out *o, uint32_t epoch, struct diag *d);

#endif
