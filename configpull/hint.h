/* The document's image hint against the running image: a mismatch is a
 * console line, never a failure (stboot chooses the image, not us). */
#ifndef CONFIGPULL_HINT_H
#define CONFIGPULL_HINT_H

/* Compares image_version= in OUTDIR/node.conf with LETHE_VERSION= in
 * RELEASE (the image's /etc/lethe-release).  Prints one line to stderr on
 * a mismatch; silent when either is absent.  1 mismatch, 0 otherwise. */
int hint_image(const char *outdir, const char *release);

#endif
