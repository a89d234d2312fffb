/* The prediction files: text (one "<path> <pcr> <hex>" a line) and JSON. */
#ifndef PCRPREDICT_OUT_H
#define PCRPREDICT_OUT_H

#include <stddef.h>

#include "predict.h"

/* Formats s into buf; returns the length, or -1 if it does not fit. */
int out_text(const struct prediction_set *s, char *buf, size_t cap);
/* {"bank":"sha256","pcrs":[{"path":"uefi","pcr":4,"sha256":"..."},...]} */
int out_json(const struct prediction_set *s, char *buf, size_t cap);

#endif
