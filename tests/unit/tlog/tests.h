/* test_tlog: shared declarations of the cmocka groups. */
#ifndef TLOG_TESTS_H
#define TLOG_TESTS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tlog.h"

int run_merkle_tests(void);
int run_note_tests(void);
int run_record_tests(void);
int run_proof_tests(void);

/* A canonical record (3 pcr lines) for the record and proof groups. */
extern const char t_record[];

/* A fresh log key (t_key NAME) and its signer: t_sign writes TEXT signed
 * by it, as a note, into out and returns its length. */
struct t_key {
	struct tlog_vkey k;
	uint8_t sk[64];
};
extern struct t_key key;
void t_key(const char *name);
size_t t_sign(const char *text, char *out, size_t cap);

#endif
